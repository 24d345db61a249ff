// The WebAssembly SIMD kernels of softplus (src/ops/activations/softplus.ts says what it is), exported as
// softplus_<kernel>. In float64 lanes, each result rounded once to float32: max(x, 0) + log1p(e^-|x|)
// (log1p in float64 lanes, below); derivative the sigmoid from e^-|x|; from the output -expm1(-y).
import {
  ONE_X2,
  SIGN_X4,
  TWO_X2,
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
  negativeAbs64,
  sigmoidFromExp,
  splat64,
  withinExpRangeLanes,
} from '../common';

/**
 * Where |x| <= 87 (not NaN) the checked loops' fast form: e = e^-|x| from the float32 exp (a normal
 * result); the derivative, the sigmoid, from it in float32 as sigmoid's kernels (1.6e-7); the value
 * max(x, 0) + log1p(e) in float64, log1p per lane (its relative error in e passes to log1p(e) at most
 * unscaled). Beyond, and NaN, the float64 forms below.
 */
class Softplus {
  // @ts-ignore: decorator
  @inline ordinary(x: v128): v128 {
    return withinExpRangeLanes(v128.or(x, lanes(SIGN_X4)));
  }
  // @ts-ignore: decorator
  @inline forwardInRange(x: v128, alpha: f64): v128 {
    const e = expInRange(v128.or(x, lanes(SIGN_X4)));
    return join32(softplusFromExp64(low64(x), low64(e)), softplusFromExp64(high64(x), high64(e)));
  }
  // @ts-ignore: decorator
  @inline forward32(x: v128, alpha: f64): v128 {
    return join32(this.forward64(low64(x), alpha), this.forward64(high64(x), alpha));
  }
  // @ts-ignore: decorator
  @inline derivativeInRange(x: v128, alpha: f64): v128 {
    return sigmoidFromExp(x, expInRange(v128.or(x, lanes(SIGN_X4))));
  }
  // @ts-ignore: decorator
  @inline derivative32(x: v128, alpha: f64): v128 {
    return join32(this.derivative64(low64(x), alpha), this.derivative64(high64(x), alpha));
  }
  // @ts-ignore: decorator
  @inline backwardInRange(x: v128, dy: v128, alpha: f64): v128 {
    const e = expInRange(v128.or(x, lanes(SIGN_X4)));
    return join32(f64x2.mul(low64(dy), softplusDerivativeFromExp64(low64(x), low64(e))), f64x2.mul(high64(dy), softplusDerivativeFromExp64(high64(x), high64(e))));
  }
  // @ts-ignore: decorator
  @inline backward32(x: v128, dy: v128, alpha: f64): v128 {
    return join32(f64x2.mul(low64(dy), this.derivative64(low64(x), alpha)), f64x2.mul(high64(dy), this.derivative64(high64(x), alpha)));
  }
  // @ts-ignore: decorator
  @inline forward64(v: v128, alpha: f64): v128 {
    return softplusFromExp64(v, exp64(negativeAbs64(v)));
  }
  // @ts-ignore: decorator
  @inline derivative64(v: v128, alpha: f64): v128 {
    return softplusDerivativeFromExp64(v, exp64(negativeAbs64(v)));
  }
  // @ts-ignore: decorator
  @inline fromOutput64(y: v128, alpha: f64): v128 {
    return f64x2.neg(expm164(f64x2.neg(y)));
  }
}

/** max(v, 0) + log1p(e) in float64 from e = e^-|v|, NaN for NaN (e is NaN there too). */
// @ts-ignore: decorator
@inline function softplusFromExp64(v: v128, e: v128): v128 {
  const positive = v128.and(v, f64x2.gt(v, splat64(0)));
  return f64x2.add(positive, log1pUnit64(e));
}

const SQRT2_X2 = memory.data<f64>([Math.SQRT2, Math.SQRT2], 16);
const LN2_X2 = memory.data<f64>([Math.LN2, Math.LN2], 16);
const HALF_X2 = memory.data<f64>([0.5, 0.5], 16);
const ATANH_Z4_X2 = memory.data<f64>([1.0 / 9.0, 1.0 / 9.0], 16);
const ATANH_Z3_X2 = memory.data<f64>([1.0 / 7.0, 1.0 / 7.0], 16);
const ATANH_Z2_X2 = memory.data<f64>([1.0 / 5.0, 1.0 / 5.0], 16);
const ATANH_Z1_X2 = memory.data<f64>([1.0 / 3.0, 1.0 / 3.0], 16);

/**
 * log1p(e) for 0 <= e <= 1 (and NaN) in float64 lanes, to 2e-9 relative: far below float32's half ulp,
 * which is all softplus needs (the per-lane Math.log1p it replaces took 8.9 ns an element, 2026-12-03).
 * u = 1 + e with its rounding error c = e - (u - 1) (exact: e <= 1); u = 2^j m with m in [sqrt(2)/2,
 * sqrt(2)]; log(m) = 2 atanh(s), s = (m - 1) / (m + 1), |s| <= 0.1716, as 2s (1 + z/3 + z^2/5 + z^3/7 +
 * z^4/9) with z = s^2 (the next term, z^5/11, is below 2.0e-9); then j ln 2 + log(m) + c (c / u would
 * differ from c by less than c itself, below 2^-53 of the result unless e < 2^-53, where u = 1).
 */
// @ts-ignore: decorator
@inline function log1pUnit64(e: v128): v128 {
  const u = f64x2.add(lanes(ONE_X2), e);
  const c = f64x2.sub(e, f64x2.sub(u, lanes(ONE_X2)));
  const high = f64x2.gt(u, lanes(SQRT2_X2));
  const m = v128.bitselect(f64x2.mul(u, lanes(HALF_X2)), u, high);
  const f = f64x2.sub(m, lanes(ONE_X2));
  const s = f64x2.div(f, f64x2.add(lanes(TWO_X2), f));
  const z = f64x2.mul(s, s);
  let p = f64x2.add(f64x2.mul(lanes(ATANH_Z4_X2), z), lanes(ATANH_Z3_X2));
  p = f64x2.add(f64x2.mul(p, z), lanes(ATANH_Z2_X2));
  p = f64x2.add(f64x2.mul(p, z), lanes(ATANH_Z1_X2));
  p = f64x2.add(f64x2.mul(p, z), lanes(ONE_X2));
  const logM = f64x2.mul(f64x2.add(s, s), p);
  return f64x2.add(f64x2.add(v128.and(lanes(LN2_X2), high), logM), c);
}

/** The sigmoid in float64 from e = e^-|v| (backward: dy times it, rounded once). */
// @ts-ignore: decorator
@inline function softplusDerivativeFromExp64(v: v128, e: v128): v128 {
  const numerator = v128.bitselect(splat64(1), e, f64x2.ge(v, splat64(0)));
  return f64x2.div(numerator, f64x2.add(splat64(1), e));
}

export function softplus_forward(x: usize, dy: usize, out: usize, n: i32, alpha: f64): void {
  forwardChecked<Softplus>(x, out, n, alpha);
}
export function softplus_derivative(x: usize, dy: usize, out: usize, n: i32, alpha: f64): void {
  derivativeChecked<Softplus>(x, out, n, alpha);
}
export function softplus_backward(x: usize, dy: usize, out: usize, n: i32, alpha: f64): void {
  backwardChecked<Softplus>(x, dy, out, n, alpha);
}
export function softplus_forward_and_derivative(x: usize, dy: usize, out: usize, n: i32, alpha: f64): void {
  forwardAndDerivativeChecked<Softplus>(x, dy, out, n, alpha);
}
export function softplus_derivative_from_output(x: usize, dy: usize, out: usize, n: i32, alpha: f64): void {
  fromOutput64<Softplus>(x, out, n, alpha);
}
export function softplus_backward_from_output(x: usize, dy: usize, out: usize, n: i32, alpha: f64): void {
  backwardFromOutput64<Softplus>(x, dy, out, n, alpha);
}
