// The WebAssembly SIMD kernels of silu (src/ops/activations/silu.ts says what it is), exported as
// <name>_<kernel> (the kernel names of src/ops/kernels.ts). Instantiated from the generic loops of ../common.
import {
  splat64,
  negativeAbs64,
  exp64,
  forward64,
  derivative64,
  backward64,
  forwardAndDerivative64,
} from '../common';

// The zero of silu'(x) and the expansion about it (see SILU_ZERO_F32 in src/ops/activations/silu.ts).
const SILU_ZERO: f64 = -1.2784645557403564;
const SILU_N0: f64 = -1.659355263530338e-8;
const SILU_EXP_P: f64 = 0.2784645391468038;

/**
 * silu(x) = x sigmoid(x) in float64 from e = exp(-|x|): x / (1 + e) for x >= 0, x e / (1 + e) below;
 * -0 below -120 (and at -Infinity). Derivative (1 + x e t) t for x >= 0, e t^2 (1 + x + e) below
 * (t = 1 / (1 + e)), with 1 + x + e from an expansion about its zero within 0.5 of it: the polynomial
 * exp's 1e-9 would otherwise be magnified by the cancellation there.
 */
class Silu {
  // @ts-ignore: decorator
  @inline forward64(v: v128, alpha: f64): v128 {
    const e = exp64(negativeAbs64(v));
    const nonnegative = f64x2.ge(v, splat64(0));
    const numerator = v128.bitselect(v, f64x2.mul(v, e), nonnegative);
    const s = f64x2.div(numerator, f64x2.add(splat64(1), e));
    return v128.bitselect(splat64(-0.0), s, f64x2.lt(v, splat64(-120)));
  }
  // @ts-ignore: decorator
  @inline derivative64(v: v128, alpha: f64): v128 {
    const e = exp64(negativeAbs64(v));
    const t = f64x2.div(splat64(1), f64x2.add(splat64(1), e));
    const upper = f64x2.mul(f64x2.add(splat64(1), f64x2.mul(f64x2.mul(v, e), t)), t);
    const d = f64x2.sub(v, splat64(SILU_ZERO));
    let n = f64x2.add(f64x2.add(splat64(1), v), e);
    const near = f64x2.lt(f64x2.abs(d), splat64(0.5));
    if (v128.any_true(near)) {
      // (exp(d) - 1) / d, Taylor to d^9 (the next term is below 3e-11 for |d| < 0.5)
      let q = splat64(1.0 / 3628800.0);
      q = f64x2.add(f64x2.mul(q, d), splat64(1.0 / 362880.0));
      q = f64x2.add(f64x2.mul(q, d), splat64(1.0 / 40320.0));
      q = f64x2.add(f64x2.mul(q, d), splat64(1.0 / 5040.0));
      q = f64x2.add(f64x2.mul(q, d), splat64(1.0 / 720.0));
      q = f64x2.add(f64x2.mul(q, d), splat64(1.0 / 120.0));
      q = f64x2.add(f64x2.mul(q, d), splat64(1.0 / 24.0));
      q = f64x2.add(f64x2.mul(q, d), splat64(1.0 / 6.0));
      q = f64x2.add(f64x2.mul(q, d), splat64(1.0 / 2.0));
      q = f64x2.add(f64x2.mul(q, d), splat64(1.0));
      const expanded = f64x2.add(f64x2.mul(d, f64x2.add(splat64(1), f64x2.mul(splat64(SILU_EXP_P), q))), splat64(SILU_N0));
      n = v128.bitselect(expanded, n, near);
    }
    const lower = f64x2.mul(f64x2.mul(f64x2.mul(e, t), t), n);
    let result = v128.bitselect(upper, lower, f64x2.ge(v, splat64(0)));
    result = v128.bitselect(splat64(1), result, f64x2.eq(v, splat64(Infinity)));
    return v128.bitselect(splat64(-0.0), result, f64x2.lt(v, splat64(-120)));
  }
}

export function silu_forward(x: usize, dy: usize, out: usize, n: i32, alpha: f64): void {
  forward64<Silu>(x, out, n, alpha);
}
export function silu_derivative(x: usize, dy: usize, out: usize, n: i32, alpha: f64): void {
  derivative64<Silu>(x, out, n, alpha);
}
export function silu_backward(x: usize, dy: usize, out: usize, n: i32, alpha: f64): void {
  backward64<Silu>(x, dy, out, n, alpha);
}
export function silu_forward_and_derivative(x: usize, dy: usize, out: usize, n: i32, alpha: f64): void {
  forwardAndDerivative64<Silu>(x, dy, out, n, alpha);
}
