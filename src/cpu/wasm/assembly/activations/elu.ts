// The WebAssembly SIMD kernels of elu (src/ops/activations/elu.ts says what it is), exported as
// elu_<kernel> (the kernel names of src/ops/kernels.ts). In float64 lanes, each result rounded once to
// float32: alpha expm1(x) for x <= 0, x above; derivative alpha exp(x) for x <= 0, 1 above; from the
// output y + alpha for y <= 0, 1 above. alpha is the float32 the host passes. exp from the float32 exp
// where x >= -87 (the checked loops of ../common), the float64 one beyond.
import {
  ONE_X2,
  ZERO_X4,
  backwardChecked,
  backwardFromOutput64,
  derivativeChecked,
  exp64,
  expInRange,
  expm164,
  expm1Small64,
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
 * result), alpha (e^x - 1) in float64 where x <= -ln 2 (e^x - 1 is at least 1/2 in size there, so e's
 * error stays relative, at most unscaled), expm1Small64 nearer 0, alpha e^x for the derivative.
 * Beyond, and NaN, the float64 forms below (expm164, exp64).
 */
class Elu {
  // @ts-ignore: decorator
  @inline ordinary(x: v128): v128 {
    return withinExpRangeLanes(x);
  }
  // @ts-ignore: decorator
  @inline forwardInRange(x: v128, alpha: f64): v128 {
    const e = expInRange(f32x4.pmin(x, lanes(ZERO_X4)));
    return join32(eluFromExp64(low64(x), low64(e), alpha), eluFromExp64(high64(x), high64(e), alpha));
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

/** elu(v) in float64 from e = e^min(v, 0): v above 0, alpha (e - 1) at or below -ln 2, alpha expm1Small64(v) between. */
// @ts-ignore: decorator
@inline function eluFromExp64(v: v128, e: v128, alpha: f64): v128 {
  let m = f64x2.sub(e, lanes(ONE_X2));
  const near = f64x2.gt(v, lanes(ELU_NEAR_ZERO_X2));
  if (v128.any_true(near)) m = v128.bitselect(expm1Small64(v), m, near);
  return v128.bitselect(v, f64x2.mul(splat64(alpha), m), f64x2.gt(v, lanes(ZERO_X4)));
}

/** elu'(v) in float64 from e = e^min(v, 0): 1 above 0, alpha e at or below. */
// @ts-ignore: decorator
@inline function eluDerivativeFromExp64(v: v128, e: v128, alpha: f64): v128 {
  return v128.bitselect(lanes(ONE_X2), f64x2.mul(splat64(alpha), e), f64x2.gt(v, lanes(ZERO_X4)));
}

const ELU_NEAR_ZERO_X2 = memory.data<f64>([-0.6931471805599453, -0.6931471805599453], 16);

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
