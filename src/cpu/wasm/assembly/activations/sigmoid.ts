// The WebAssembly SIMD kernels of sigmoid (src/ops/activations/sigmoid.ts says what it is), exported as
// <name>_<kernel> (the kernel names of src/ops/kernels.ts). Instantiated from the generic loops of ../common.
import {
  ONE_X2,
  ONE_X4,
  SIGN_X4,
  ZERO_X4,
  backwardChecked,
  derivativeChecked,
  exp64,
  forwardAndDerivativeChecked,
  expInRange,
  expNonpositive,
  forwardChecked,
  fromOutput32,
  high64,
  join32,
  lanes,
  low64,
  negativeAbs,
  negativeAbs64,
  sigmoidFromExp,
  splat,
  splat64,
  withinExpRangeLanes,
} from '../common';

/**
 * sigmoid. Forward in float32 (one exp, one division: 1.7e-7). The derivative e / (1 + e)^2 (e = exp(-|x|))
 * from the float32 exp, combined in float64 (6e-8); for backward the same, dy * f'(x) in float64, except
 * beyond |x| = 87 (f'(x) below float32's normal range), where the float64 exp keeps its digits. From the
 * output, y (1 - y) and dy y (1 - y) in float32 while |y| < 2 (three roundings at most, 1.8e-7), else in
 * float64, where y (1 - y) alone could overflow.
 *
 * The *InRange methods are the hot loops' (the checked loops below): exact where `ordinary` is true in
 * every lane, garbage where it is false, which the loops then overwrite from the general methods.
 */
class Sigmoid {
  // @ts-ignore: decorator
  @inline ordinary(x: v128): v128 {
    return withinExpRangeLanes(v128.or(x, lanes(SIGN_X4))); // |x| <= 87, not NaN
  }
  // @ts-ignore: decorator
  @inline forwardInRange(x: v128, alpha: f64): v128 {
    const e = expInRange(v128.or(x, lanes(SIGN_X4)));
    const numerator = v128.bitselect(lanes(ONE_X4), e, f32x4.ge(x, lanes(ZERO_X4)));
    return f32x4.div(numerator, f32x4.add(lanes(ONE_X4), e));
  }
  // @ts-ignore: decorator
  @inline forward32(x: v128, alpha: f64): v128 {
    return sigmoidFromExp(x, expNonpositive(negativeAbs(x)));
  }
  // @ts-ignore: decorator
  @inline derivativeInRange(x: v128, alpha: f64): v128 {
    const e = expInRange(v128.or(x, lanes(SIGN_X4)));
    return join32(sigmoidDerivativeFromExp(low64(e)), sigmoidDerivativeFromExp(high64(e)));
  }
  // @ts-ignore: decorator
  @inline derivative32(x: v128, alpha: f64): v128 {
    const e = expNonpositive(negativeAbs(x));
    return join32(sigmoidDerivativeFromExp(low64(e)), sigmoidDerivativeFromExp(high64(e)));
  }
  // @ts-ignore: decorator
  @inline backwardInRange(x: v128, dy: v128, alpha: f64): v128 {
    const e = expInRange(v128.or(x, lanes(SIGN_X4)));
    return join32(f64x2.mul(low64(dy), sigmoidDerivativeFromExp(low64(e))), f64x2.mul(high64(dy), sigmoidDerivativeFromExp(high64(e))));
  }
  // @ts-ignore: decorator
  @inline backward32(x: v128, dy: v128, alpha: f64): v128 {
    return join32(f64x2.mul(low64(dy), this.derivative64(low64(x), alpha)), f64x2.mul(high64(dy), this.derivative64(high64(x), alpha)));
  }
  // @ts-ignore: decorator
  @inline derivative64(v: v128, alpha: f64): v128 {
    return sigmoidDerivativeFromExp(exp64(negativeAbs64(v)));
  }
  // @ts-ignore: decorator
  @inline fromOutput64(y: v128, alpha: f64): v128 {
    return f64x2.mul(y, f64x2.sub(splat64(1), y));
  }
  // @ts-ignore: decorator
  @inline fromOutput32(y: v128, alpha: f64): v128 {
    if (v128.all_true<i32>(f32x4.lt(f32x4.abs(y), splat(2)))) return f32x4.mul(y, f32x4.sub(splat(1), y));
    return join32(this.fromOutput64(low64(y), alpha), this.fromOutput64(high64(y), alpha));
  }
}

/** s(x) s(-x) = e / (1 + e)^2 in float64. */
// @ts-ignore: decorator
@inline function sigmoidDerivativeFromExp(e: v128): v128 {
  const d = f64x2.add(lanes(ONE_X2), e);
  return f64x2.div(e, f64x2.mul(d, d));
}

// dy y (1 - y): in float32 where every |y| < 2, else in float64 (Sigmoid.fromOutput32)
// @ts-ignore: decorator
@inline function sigmoidBackwardFromOutput(y: usize, dy: usize, out: usize, n: i32): void {
  for (let at: usize = 0, end = <usize>n << 2; at < end; at += 16) {
    const v = v128.load(y + at);
    const g = v128.load(dy + at);
    if (v128.all_true<i32>(f32x4.lt(f32x4.abs(v), splat(2)))) {
      v128.store(out + at, f32x4.mul(g, f32x4.mul(v, f32x4.sub(splat(1), v))));
    } else {
      const low = f64x2.mul(low64(g), f64x2.mul(low64(v), f64x2.sub(splat64(1), low64(v))));
      const high = f64x2.mul(high64(g), f64x2.mul(high64(v), f64x2.sub(splat64(1), high64(v))));
      v128.store(out + at, join32(low, high));
    }
  }
}

export function sigmoid_forward(x: usize, dy: usize, out: usize, n: i32, alpha: f64): void {
  forwardChecked<Sigmoid>(x, out, n, alpha);
}
export function sigmoid_derivative(x: usize, dy: usize, out: usize, n: i32, alpha: f64): void {
  derivativeChecked<Sigmoid>(x, out, n, alpha);
}
export function sigmoid_derivative_from_output(x: usize, dy: usize, out: usize, n: i32, alpha: f64): void {
  fromOutput32<Sigmoid>(x, out, n, alpha);
}
export function sigmoid_backward(x: usize, dy: usize, out: usize, n: i32, alpha: f64): void {
  backwardChecked<Sigmoid>(x, dy, out, n, alpha);
}
export function sigmoid_backward_from_output(x: usize, dy: usize, out: usize, n: i32, alpha: f64): void {
  sigmoidBackwardFromOutput(x, dy, out, n);
}
export function sigmoid_forward_and_derivative(x: usize, dy: usize, out: usize, n: i32, alpha: f64): void {
  forwardAndDerivativeChecked<Sigmoid>(x, dy, out, n, alpha);
}
