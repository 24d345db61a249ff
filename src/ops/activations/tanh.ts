import type { ElementwiseActivation } from '../activation.ts';
import { HELPERS_WGSL, wgslHorner } from '../numerics.ts';

const derivativeFromOutput = (y: number, _alpha?: number): number => 1 - y * y;

/**
 * tanh(x), accurate to a few float32 ulp everywhere, without the builtin `tanh` (unspecified accuracy,
 * and some implementations overflow through sinh/cosh): x + x^3 P(x^2) for |x| < 0.625 (a minimax fit,
 * so tanh(1e-30) = 1e-30 and tanh(-0) = -0), else sign(x) (1 - e) / (1 + e) with e = exp(-2|x|), and
 * sign(x) beyond |x| = 10 (where tanh rounds to +-1): tanh(+-Infinity) = +-1.
 * Derivative 1 - tanh(x)^2 computed as 4e / (1 + e)^2 (no cancellation anywhere; 4e kept normal by
 * scaling), 0 at +-Infinity. From the output y: (1 - y)(1 + y), which is 1 - y^2 without the rounding
 * of y^2 that 1 - y*y would magnify near |y| = 1; -Infinity where y^2 overflows (|y| >= 2^64).
 */
export const tanh: ElementwiseActivation = {
  name: 'tanh',
  wgsl: /* wgsl */ `${HELPERS_WGSL}
fn activation(x: f32) -> f32 {
  let a = abs(x);
  if (a < 0.625) {
    let z = x * x;
    // with x's sign bit: at x = -0, x + (-0 * 0) * P is +0 in IEEE arithmetic (tanh(-0) = -0)
    return with_sign_of(x + x * z * ${wgslHorner([-0.006096714165908197, 0.020997178999074752, -0.05385090957851358, 0.13332769736976327, -0.33333328944134255], 'z')}, x);
  }
  if (a > 10.0) {
    return select(-1.0, 1.0, x > 0.0);
  }
  let e = exp_nonpositive(-2.0 * a);
  let t = (1.0 - e) / (1.0 + e);
  return select(-t, t, x > 0.0);
}
fn activation_derivative(x: f32) -> f32 {
  let a = abs(x);
  if (a > 60.0) {
    return 0.0; // 4 exp(-120) is far below the smallest subnormal; also catches infinities
  }
  let e4 = act_exp_scaled(-2.0 * a, 2); // 4 exp(-2|x|), exact scaling so it stays normal
  let t = 1.0 / (1.0 + 0.25 * e4);
  // never above 1, its supremum: rounding could give 1 + 1 ulp near x = 0, and dy * f'(x) would then
  // overflow for dy near the float32 maximum where dy * (1 - x^2) does not
  return min(e4 * t * t, 1.0);
}
fn activation_derivative_from_output(y: f32) -> f32 {
  let a = abs(y);
  if (a >= 1.8446744073709552e19) {
    // 1 - y^2 overflows: -Infinity, from y's bits (a constant infinity is a shader-creation error)
    return bitcast<f32>((bitcast<u32>(y) & 0x80000000u) | 0xff800000u);
  }
  return (1.0 - a) * (1.0 + a);
}
// dy (1 - y^2) as float64 has it: where 1 - y^2 overflows float32 (|y| >= 2^64, no tanh output), dy is
// multiplied in first, so that dy = 0 gives a signed 0 (not 0 * Infinity = NaN) and others overflow.
fn activation_backward_from_output(y: f32, dy: f32) -> f32 {
  let a = abs(y);
  if (a >= 1.8446744073709552e19) {
    return (dy * (1.0 - a)) * (1.0 + a);
  }
  return dy * ((1.0 - a) * (1.0 + a));
}`,
  forward: (x) => Math.tanh(x),
  derivative: (x) => {
    if (Number.isNaN(x)) return x;
    const a = Math.abs(x);
    if (a > 60) return 0; // as on the GPU: 4 exp(-120) is far below float32's range
    const e = Math.exp(-2 * a);
    const t = 1 / (1 + e);
    return 4 * e * t * t;
  },
  derivativeFromOutput,
  loops: {
    forward: (x, out, a) => {
      for (let i = 0; i < x.length; i++) out[i] = tanh.forward(x[i] as number, a);
    },
    derivative: (x, out, a) => {
      for (let i = 0; i < x.length; i++) out[i] = tanh.derivative(x[i] as number, a);
    },
    backward: (x, dy, out, a) => {
      for (let i = 0; i < x.length; i++) out[i] = (dy[i] as number) * tanh.derivative(x[i] as number, a);
    },
    fromOutput: {
      derivative: (y, out, a) => {
        for (let i = 0; i < y.length; i++) out[i] = derivativeFromOutput(y[i] as number, a);
      },
      backward: (y, dy, out, a) => {
        for (let i = 0; i < y.length; i++) out[i] = (dy[i] as number) * derivativeFromOutput(y[i] as number, a);
      },
    },
  },
};
