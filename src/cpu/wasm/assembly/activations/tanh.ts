// The WebAssembly SIMD kernels of tanh (src/ops/activations/tanh.ts says what it is), exported as
// <name>_<kernel> (the kernel names of src/ops/kernels.ts). Instantiated from the generic loops of ../common.
import {
  FOUR_X2,
  ONE_X2,
  SIGN_X2,
  SIGN_X4,
  backwardChecked,
  backwardFromOutput64,
  derivativeChecked,
  exp64,
  expInRange,
  forwardAndDerivativeChecked,
  forwardChecked,
  fromOutput64,
  high64,
  join32,
  lanes,
  low64,
  splat64,
  withinExpRangeLanes,
} from '../common';

/**
 * tanh: x (1 + x^2 P(x^2)) for |x| < 0.625 (shaders' minimax polynomial, 1.7e-8 in float64), else
 * sign(x) (1 - e) / (1 + e), e = exp(-2|x|). Derivative 4e / (1 + e)^2, 0 beyond |x| = 60 as in the
 * JavaScript loops; from the output, 1 - y^2. e from the float32 exp where |x| <= 43.5 (a normal
 * result), combined in float64: its error reaches (1 - e) / (1 + e) scaled by 2e / (1 - e^2) <= 0.63
 * and the derivative unscaled; beyond, and for NaN, all in float64 (the checked loops' general case).
 */
class Tanh {
  // @ts-ignore: decorator
  @inline ordinary(x: v128): v128 {
    const negative = v128.or(x, lanes(SIGN_X4));
    return withinExpRangeLanes(f32x4.add(negative, negative));
  }
  /** exp(-2|x|) in float32, for the ordinary lanes. */
  // @ts-ignore: decorator
  @inline exp(x: v128): v128 {
    const negative = v128.or(x, lanes(SIGN_X4));
    return expInRange(f32x4.add(negative, negative));
  }
  // @ts-ignore: decorator
  @inline forwardInRange(x: v128, alpha: f64): v128 {
    const e = this.exp(x);
    return join32(tanhFromExp64(low64(x), low64(e)), tanhFromExp64(high64(x), high64(e)));
  }
  // @ts-ignore: decorator
  @inline forward32(x: v128, alpha: f64): v128 {
    return join32(this.forward64(low64(x), alpha), this.forward64(high64(x), alpha));
  }
  // @ts-ignore: decorator
  @inline derivativeInRange(x: v128, alpha: f64): v128 {
    const e = this.exp(x);
    return join32(tanhDerivativeFromExp64(low64(e)), tanhDerivativeFromExp64(high64(e)));
  }
  // @ts-ignore: decorator
  @inline derivative32(x: v128, alpha: f64): v128 {
    return join32(this.derivative64(low64(x), alpha), this.derivative64(high64(x), alpha));
  }
  // @ts-ignore: decorator
  @inline backwardInRange(x: v128, dy: v128, alpha: f64): v128 {
    const e = this.exp(x);
    return join32(f64x2.mul(low64(dy), tanhDerivativeFromExp64(low64(e))), f64x2.mul(high64(dy), tanhDerivativeFromExp64(high64(e))));
  }
  // @ts-ignore: decorator
  @inline backward32(x: v128, dy: v128, alpha: f64): v128 {
    return join32(f64x2.mul(low64(dy), this.derivative64(low64(x), alpha)), f64x2.mul(high64(dy), this.derivative64(high64(x), alpha)));
  }
  // @ts-ignore: decorator
  @inline forward64(v: v128, alpha: f64): v128 {
    return tanhFromExp64(v, exp64(f64x2.mul(splat64(-2), f64x2.abs(v))));
  }
  // @ts-ignore: decorator
  @inline derivative64(v: v128, alpha: f64): v128 {
    const d = tanhDerivativeFromExp64(exp64(f64x2.mul(splat64(-2), f64x2.abs(v))));
    return v128.andnot(d, f64x2.gt(f64x2.abs(v), splat64(60)));
  }
  // @ts-ignore: decorator
  @inline fromOutput64(y: v128, alpha: f64): v128 {
    return f64x2.sub(splat64(1), f64x2.mul(y, y));
  }
}

const TANH_P0_X2 = memory.data<f64>([-0.006096714165908197, -0.006096714165908197], 16);
const TANH_P1_X2 = memory.data<f64>([0.020997178999074752, 0.020997178999074752], 16);
const TANH_P2_X2 = memory.data<f64>([-0.05385090957851358, -0.05385090957851358], 16);
const TANH_P3_X2 = memory.data<f64>([0.13332769736976327, 0.13332769736976327], 16);
const TANH_P4_X2 = memory.data<f64>([-0.33333328944134255, -0.33333328944134255], 16);
const TANH_SMALL_X2 = memory.data<f64>([0.625, 0.625], 16);

/** tanh(v) in float64 from e = exp(-2|v|). */
// @ts-ignore: decorator
@inline function tanhFromExp64(v: v128, e: v128): v128 {
  const z = f64x2.mul(v, v);
  let p = f64x2.add(f64x2.mul(lanes(TANH_P0_X2), z), lanes(TANH_P1_X2));
  p = f64x2.add(f64x2.mul(p, z), lanes(TANH_P2_X2));
  p = f64x2.add(f64x2.mul(p, z), lanes(TANH_P3_X2));
  p = f64x2.add(f64x2.mul(p, z), lanes(TANH_P4_X2));
  // x (1 + x^2 P), not x + x^3 P: at x = -0 the latter is -0 + (+0) = +0 (P < 0); tanh(-0) is -0.
  const small = f64x2.mul(v, f64x2.add(lanes(ONE_X2), f64x2.mul(z, p)));
  const t = f64x2.div(f64x2.sub(lanes(ONE_X2), e), f64x2.add(lanes(ONE_X2), e));
  const signed = v128.or(t, v128.and(v, lanes(SIGN_X2)));
  return v128.bitselect(small, signed, f64x2.lt(f64x2.abs(v), lanes(TANH_SMALL_X2)));
}

/** tanh'(v) = 4e / (1 + e)^2 in float64 from e = exp(-2|v|). */
// @ts-ignore: decorator
@inline function tanhDerivativeFromExp64(e: v128): v128 {
  const d = f64x2.add(lanes(ONE_X2), e);
  return f64x2.div(f64x2.mul(lanes(FOUR_X2), e), f64x2.mul(d, d));
}

export function tanh_forward(x: usize, dy: usize, out: usize, n: i32, alpha: f64): void {
  forwardChecked<Tanh>(x, out, n, alpha);
}
export function tanh_derivative(x: usize, dy: usize, out: usize, n: i32, alpha: f64): void {
  derivativeChecked<Tanh>(x, out, n, alpha);
}
export function tanh_backward(x: usize, dy: usize, out: usize, n: i32, alpha: f64): void {
  backwardChecked<Tanh>(x, dy, out, n, alpha);
}
export function tanh_forward_and_derivative(x: usize, dy: usize, out: usize, n: i32, alpha: f64): void {
  forwardAndDerivativeChecked<Tanh>(x, dy, out, n, alpha);
}
export function tanh_derivative_from_output(x: usize, dy: usize, out: usize, n: i32, alpha: f64): void {
  fromOutput64<Tanh>(x, out, n, alpha);
}
export function tanh_backward_from_output(x: usize, dy: usize, out: usize, n: i32, alpha: f64): void {
  backwardFromOutput64<Tanh>(x, dy, out, n, alpha);
}
