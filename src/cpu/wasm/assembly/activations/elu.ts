// The WebAssembly SIMD kernels of elu (src/ops/activations/elu.ts says what it is), exported as
// elu_<kernel> (the kernel names of src/ops/kernels.ts): alpha expm1(x) for x <= 0, x above (in float32
// lanes where x >= -87, within 2.2e-7; else in float64 lanes, rounded once); derivative alpha exp(x)
// for x <= 0, 1 above; from the output y + alpha for y <= 0, 1 above (float64 lanes, rounded once).
// alpha is the float32 the host passes. exp from the float32 exp where x >= -87 (the checked loops of
// ../common), the float64 one beyond.
import {
  ONE_X4,
  expm1OfHalf,
  ONE_X2,
  ZERO_X4,
  backwardChecked,
  backwardFromOutput64,
  derivativeChecked,
  exp64,
  expInRange,
  expm164,
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
 * Where x >= -87 (not NaN) the checked loops' fast form: e^x from the float32 exp (min(x, 0), a normal
 * result); the value in float32 (forwardInRange says how), alpha e^x for the derivative in float64.
 * Beyond, and NaN, the float64 forms below (expm164, exp64).
 */
class Elu {
  // @ts-ignore: decorator
  @inline ordinary(x: v128): v128 {
    return withinExpRangeLanes(x);
  }
  // @ts-ignore: decorator
  @inline forwardInRange(x: v128, alpha: f64): v128 {
    // In float32 (bench/NOTES.md, 2026-12-03: 3.5 -> 1.3 ns/element). expm1(x) is e - 1 at or below
    // -ln 2 (e = e^x <= 1/2: e's error (1e-7 at most) passes on times e / (1 - e) <= 1, e - 1 rounds by
    // 6e-8 at most); above, 2p + p^2 with p = expm1(x / 2) (8.6e-8: passes on times (2 + 2p) / (2 + p) < 1;
    // p^2 is small; the add rounds by 6e-8); x itself for |x| < 2^-100. Times alpha (6e-8): 2.2e-7 at
    // most in all, below the 2.5e-7 bound even where every error falls the same way.
    const e = expInRange(f32x4.pmin(x, lanes(ZERO_X4)));
    const p = expm1OfHalf(x);
    let m = v128.bitselect(f32x4.add(f32x4.add(p, p), f32x4.mul(p, p)), f32x4.sub(e, lanes(ONE_X4)), f32x4.gt(x, lanes(MINUS_LN2_X4)));
    m = v128.bitselect(x, m, f32x4.lt(f32x4.abs(x), lanes(TINY_X4)));
    return v128.bitselect(x, f32x4.mul(f32x4.splat(<f32>alpha), m), f32x4.gt(x, lanes(ZERO_X4)));
  }
  // @ts-ignore: decorator
  @inline forward32(x: v128, alpha: f64): v128 {
    return join32(this.forward64(low64(x), alpha), this.forward64(high64(x), alpha));
  }
  // @ts-ignore: decorator
  @inline derivativeInRange(x: v128, alpha: f64): v128 {
    const e = expInRange(f32x4.pmin(x, lanes(ZERO_X4)));
    return join32(eluDerivativeFromExp64(low64(x), low64(e), alpha), eluDerivativeFromExp64(high64(x), high64(e), alpha));
  }
  // @ts-ignore: decorator
  @inline derivative32(x: v128, alpha: f64): v128 {
    return join32(this.derivative64(low64(x), alpha), this.derivative64(high64(x), alpha));
  }
  // @ts-ignore: decorator
  @inline backwardInRange(x: v128, dy: v128, alpha: f64): v128 {
    const e = expInRange(f32x4.pmin(x, lanes(ZERO_X4)));
    return join32(
      f64x2.mul(low64(dy), eluDerivativeFromExp64(low64(x), low64(e), alpha)),
      f64x2.mul(high64(dy), eluDerivativeFromExp64(high64(x), high64(e), alpha)),
    );
  }
  // @ts-ignore: decorator
  @inline backward32(x: v128, dy: v128, alpha: f64): v128 {
    return join32(f64x2.mul(low64(dy), this.derivative64(low64(x), alpha)), f64x2.mul(high64(dy), this.derivative64(high64(x), alpha)));
  }
  // @ts-ignore: decorator
  @inline forward64(v: v128, alpha: f64): v128 {
    // NaN: not > 0, and alpha * expm1(NaN) is NaN
    return v128.bitselect(v, f64x2.mul(splat64(alpha), expm164(v)), f64x2.gt(v, splat64(0)));
  }
  // @ts-ignore: decorator
  @inline derivative64(v: v128, alpha: f64): v128 {
    return v128.bitselect(splat64(1), f64x2.mul(splat64(alpha), exp64(v)), f64x2.gt(v, splat64(0)));
  }
  // @ts-ignore: decorator
  @inline fromOutput64(y: v128, alpha: f64): v128 {
    return v128.bitselect(splat64(1), f64x2.add(y, splat64(alpha)), f64x2.gt(y, splat64(0)));
  }
}

/** elu'(v) in float64 from e = e^min(v, 0): 1 above 0, alpha e at or below. */
// @ts-ignore: decorator
@inline function eluDerivativeFromExp64(v: v128, e: v128, alpha: f64): v128 {
  return v128.bitselect(lanes(ONE_X2), f64x2.mul(splat64(alpha), e), f64x2.gt(v, lanes(ZERO_X4)));
}

/** -ln 2 rounded to float32 towards 0 (-0.6931471), and 2^-100. */
const MINUS_LN2_X4 = memory.data<f32>([-0.6931471, -0.6931471, -0.6931471, -0.6931471], 16);
const TINY_X4 = memory.data<f32>([7.888609e-31, 7.888609e-31, 7.888609e-31, 7.888609e-31], 16);

export function elu_forward(x: usize, dy: usize, out: usize, n: i32, alpha: f64): void {
  forwardChecked<Elu>(x, out, n, alpha);
}
export function elu_derivative(x: usize, dy: usize, out: usize, n: i32, alpha: f64): void {
  derivativeChecked<Elu>(x, out, n, alpha);
}
export function elu_backward(x: usize, dy: usize, out: usize, n: i32, alpha: f64): void {
  backwardChecked<Elu>(x, dy, out, n, alpha);
}
export function elu_forward_and_derivative(x: usize, dy: usize, out: usize, n: i32, alpha: f64): void {
  forwardAndDerivativeChecked<Elu>(x, dy, out, n, alpha);
}
export function elu_derivative_from_output(x: usize, dy: usize, out: usize, n: i32, alpha: f64): void {
  fromOutput64<Elu>(x, out, n, alpha);
}
export function elu_backward_from_output(x: usize, dy: usize, out: usize, n: i32, alpha: f64): void {
  backwardFromOutput64<Elu>(x, dy, out, n, alpha);
}
