import type { ElementwiseActivation } from '../activation.ts';
import { HELPERS_WGSL, wgslFloat, wgslHorner } from '../numerics.ts';

// The zero of silu'(x) = s(x) (1 + x s(-x)) is x = -1 - W(1/e) = -1.27846454276..., where
// 1 + x + exp(x) = 0. Near it, 1 + x + exp(x) is expanded about P, the float32 next to the zero:
// with d = x - P (exact), 1 + x + exp(x) = N0 + d (1 + exp(P) expm1(d) / d), N0 = 1 + P + exp(P).
// (Not d = (x - P) - lo with a two-part zero: a compiler may reassociate that into x - (P + lo) and
// round lo away; SwiftShader does.)
const SILU_ZERO_F32 = -1.2784645557403564;
const SILU_N0 = -1.659355263530338e-8;
const SILU_EXP_P = 0.2784645391468038;

/**
 * silu(x) = x * sigmoid(x) (also called swish), from e = exp(-|x|) so nothing overflows: x / (1 + e)
 * for x >= 0 and x e / (1 + e) for x < 0 (e kept normal by scaling where x e is still normal).
 * silu(+Infinity) = +Infinity; silu(-Infinity) = -0 (the limit, where IEEE would give -Infinity * 0).
 * Derivative s(x) (1 + x s(-x)): for x >= 0, (1 + x e t) t with t = 1 / (1 + e); for x < 0,
 * e t^2 (1 + x + e), where 1 + x + e passes through 0 at x = -1.2785; within 0.5 of that zero it is
 * evaluated from an expansion about the zero (an exact identity with expm1, no cancellation), so the
 * relative error stays at float32 level across the zero crossing. Derivative at +Infinity: 1; at -Infinity: -0.
 */
export const silu: ElementwiseActivation = {
  name: 'silu',
  wgsl: /* wgsl */ `${HELPERS_WGSL}
fn activation(x: f32) -> f32 {
  if (x >= 0.0) {
    if (x > 120.0) {
      return x; // 1 / (1 + exp(-x)) rounds to 1; also +Infinity
    }
    return x / (1.0 + exp_nonpositive(-x));
  }
  if (x < -120.0 || is_negative_infinity(x)) {
    return negative_zero(x); // |x| exp(x) < 1e-50; also -Infinity
  }
  let es = act_exp_scaled(x, 64);
  let e = exp_nonpositive(x);
  return (x * es / (1.0 + e)) * power_of_two(-64);
}
fn activation_derivative(x: f32) -> f32 {
  if (x >= 0.0) {
    if (x > 120.0) {
      return 1.0;
    }
    let e = exp_nonpositive(-x);
    let t = 1.0 / (1.0 + e);
    return (1.0 + x * e * t) * t;
  }
  if (x < -120.0 || is_negative_infinity(x)) {
    return negative_zero(x);
  }
  let es = act_exp_scaled(x, 64);
  let e = exp_nonpositive(x);
  let t = 1.0 / (1.0 + e);
  var n: f32;
  let d = x - ${wgslFloat(SILU_ZERO_F32)};
  if (abs(d) < 0.5) {
    let em1_over_d = ${wgslHorner([1 / 3628800, 1 / 362880, 1 / 40320, 1 / 5040, 1 / 720, 1 / 120, 1 / 24, 1 / 6, 1 / 2, 1], 'd')};
    n = d * (1.0 + ${wgslFloat(SILU_EXP_P)} * em1_over_d) + ${wgslFloat(SILU_N0)};
  } else {
    n = (1.0 + x) + e;
  }
  return (es * t * t * n) * power_of_two(-64);
}`,
  forward: (x) => {
    if (Number.isNaN(x)) return x;
    if (x >= 0) return x / (1 + Math.exp(-x));
    if (x < -120) return -0; // as on the GPU (|silu| < 1e-50 there), and silu(-Infinity)
    const e = Math.exp(x);
    return (x * e) / (1 + e);
  },
  derivative: (x) => {
    if (Number.isNaN(x)) return x;
    if (x === Infinity) return 1;
    if (x < -120) return -0; // as on the GPU, and at -Infinity
    if (x >= 0) {
      const e = Math.exp(-x);
      const t = 1 / (1 + e);
      return (1 + x * e * t) * t;
    }
    const e = Math.exp(x);
    const t = 1 / (1 + e);
    return e * t * t * (1 + x + e);
  },
  loops: {
    forward: (x, out, a) => {
      for (let i = 0; i < x.length; i++) out[i] = silu.forward(x[i] as number, a);
    },
    derivative: (x, out, a) => {
      for (let i = 0; i < x.length; i++) out[i] = silu.derivative(x[i] as number, a);
    },
    backward: (x, dy, out, a) => {
      for (let i = 0; i < x.length; i++) out[i] = (dy[i] as number) * silu.derivative(x[i] as number, a);
    },
  },
};
