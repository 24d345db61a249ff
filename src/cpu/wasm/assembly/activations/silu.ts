// The WebAssembly SIMD kernels of silu (src/ops/activations/silu.ts says what it is), exported as
// <name>_<kernel> (the kernel names of src/ops/kernels.ts). Instantiated from the generic loops of ../common.
import {
  ONE_X2,
  SIGN_X4,
  ZERO_X4,
  backwardChecked,
  derivativeChecked,
  exp64,
  expm1Quotient64,
  expInRange,
  forwardAndDerivativeChecked,
  forwardChecked,
  high64,
  join32,
  lanes,
  low64,
  negativeAbs64,
  splat64,
  withinExpRangeLanes,
} from '../common';

// The zero of silu'(x) and the expansion about it (see SILU_ZERO_F32 in src/ops/activations/silu.ts).
const SILU_ZERO: f64 = -1.2784645557403564;
const SILU_N0: f64 = -1.659355263530338e-8;
const SILU_EXP_P: f64 = 0.2784645391468038;

/**
 * silu(x) = x sigmoid(x) in float64 from e = exp(-|x|): x / (1 + e) for x >= 0, x e / (1 + e) below;
 * -0 below -120 (and at -Infinity). Derivative (1 + x e t) t for x >= 0, e t^2 (1 + x + e) below
 * (t = 1 / (1 + e)), with 1 + x + e from an expansion about its zero within 0.5 of it, where the
 * cancellation would magnify e's error. e from the float32 exp where |x| <= 87 (its error reaches
 * silu unscaled at most, the derivative by 1.04 at the expansion's edges), combined in float64; beyond,
 * and NaN, from the float64 exp (the checked loops' general case).
 */
class Silu {
  // @ts-ignore: decorator
  @inline ordinary(x: v128): v128 {
    return withinExpRangeLanes(v128.or(x, lanes(SIGN_X4))); // |x| <= 87, not NaN
  }
  // @ts-ignore: decorator
  @inline forwardInRange(x: v128, alpha: f64): v128 {
    const e = expInRange(v128.or(x, lanes(SIGN_X4)));
    return join32(siluFromExp64(low64(x), low64(e)), siluFromExp64(high64(x), high64(e)));
  }
  // @ts-ignore: decorator
  @inline forward32(x: v128, alpha: f64): v128 {
    return join32(this.forward64(low64(x), alpha), this.forward64(high64(x), alpha));
  }
  // @ts-ignore: decorator
  @inline derivativeInRange(x: v128, alpha: f64): v128 {
    const e = expInRange(v128.or(x, lanes(SIGN_X4)));
    return join32(siluDerivativeFromExp64(low64(x), low64(e)), siluDerivativeFromExp64(high64(x), high64(e)));
  }
  // @ts-ignore: decorator
  @inline derivative32(x: v128, alpha: f64): v128 {
    return join32(this.derivative64(low64(x), alpha), this.derivative64(high64(x), alpha));
  }
  // @ts-ignore: decorator
  @inline backwardInRange(x: v128, dy: v128, alpha: f64): v128 {
    const e = expInRange(v128.or(x, lanes(SIGN_X4)));
    return join32(
      f64x2.mul(low64(dy), siluDerivativeFromExp64(low64(x), low64(e))),
      f64x2.mul(high64(dy), siluDerivativeFromExp64(high64(x), high64(e))),
    );
  }
  // @ts-ignore: decorator
  @inline backward32(x: v128, dy: v128, alpha: f64): v128 {
    return join32(f64x2.mul(low64(dy), this.derivative64(low64(x), alpha)), f64x2.mul(high64(dy), this.derivative64(high64(x), alpha)));
  }
  // @ts-ignore: decorator
  @inline forward64(v: v128, alpha: f64): v128 {
    const s = siluFromExp64(v, exp64(negativeAbs64(v)));
    return v128.bitselect(splat64(-0.0), s, f64x2.lt(v, splat64(-120)));
  }
  // @ts-ignore: decorator
  @inline derivative64(v: v128, alpha: f64): v128 {
    let result = siluDerivativeFromExp64(v, exp64(negativeAbs64(v)));
    result = v128.bitselect(splat64(1), result, f64x2.eq(v, splat64(Infinity)));
    return v128.bitselect(splat64(-0.0), result, f64x2.lt(v, splat64(-120)));
  }
}

const SILU_ZERO_X2 = memory.data<f64>([SILU_ZERO, SILU_ZERO], 16);
const SILU_EXP_P_X2 = memory.data<f64>([SILU_EXP_P, SILU_EXP_P], 16);
const SILU_N0_X2 = memory.data<f64>([SILU_N0, SILU_N0], 16);
const SILU_NEAR_X2 = memory.data<f64>([0.5, 0.5], 16);

/** silu(v) = v / (1 + e) for v >= 0, v e / (1 + e) below, in float64 from e = exp(-|v|). */
// @ts-ignore: decorator
@inline function siluFromExp64(v: v128, e: v128): v128 {
  const numerator = v128.bitselect(v, f64x2.mul(v, e), f64x2.ge(v, lanes(ZERO_X4)));
  return f64x2.div(numerator, f64x2.add(lanes(ONE_X2), e));
}

/** silu'(v) in float64 from e = exp(-|v|), with the expansion about its zero where it cancels. */
// @ts-ignore: decorator
@inline function siluDerivativeFromExp64(v: v128, e: v128): v128 {
  const t = f64x2.div(lanes(ONE_X2), f64x2.add(lanes(ONE_X2), e));
  const upper = f64x2.mul(f64x2.add(lanes(ONE_X2), f64x2.mul(f64x2.mul(v, e), t)), t);
  const d = f64x2.sub(v, lanes(SILU_ZERO_X2));
  let n = f64x2.add(f64x2.add(lanes(ONE_X2), v), e);
  const near = f64x2.lt(f64x2.abs(d), lanes(SILU_NEAR_X2));
  if (v128.any_true(near)) {
    // (exp(d) - 1) / d, Taylor to d^9 (the next term is below 3e-11 for |d| < 0.5): expm1's own series
    const q = expm1Quotient64(d);
    const expanded = f64x2.add(f64x2.mul(d, f64x2.add(lanes(ONE_X2), f64x2.mul(lanes(SILU_EXP_P_X2), q))), lanes(SILU_N0_X2));
    n = v128.bitselect(expanded, n, near);
  }
  const lower = f64x2.mul(f64x2.mul(f64x2.mul(e, t), t), n);
  return v128.bitselect(upper, lower, f64x2.ge(v, lanes(ZERO_X4)));
}

export function silu_forward(x: usize, dy: usize, out: usize, n: i32, alpha: f64): void {
  forwardChecked<Silu>(x, out, n, alpha);
}
export function silu_derivative(x: usize, dy: usize, out: usize, n: i32, alpha: f64): void {
  derivativeChecked<Silu>(x, out, n, alpha);
}
export function silu_backward(x: usize, dy: usize, out: usize, n: i32, alpha: f64): void {
  backwardChecked<Silu>(x, dy, out, n, alpha);
}
export function silu_forward_and_derivative(x: usize, dy: usize, out: usize, n: i32, alpha: f64): void {
  forwardAndDerivativeChecked<Silu>(x, dy, out, n, alpha);
}
