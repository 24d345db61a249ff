import type { ElementwiseActivation } from '../activation.ts';
import { EXPM1_WGSL } from '../numerics.ts';

/**
 * softplus(x) = log(1 + e^x), exact for every float32: log1p(e^x) for x <= 0, x + log1p(e^-x) above,
 * and x itself beyond 16, where that sum rounds to x. So softplus(-Infinity) = +0, softplus(+Infinity)
 * = +Infinity, softplus(-0) = ln 2, and e^x's own rounding never meets a 1 + e^x.
 * Derivative: the sigmoid, from e^-|x| as sigmoid's own kernels (0 at -Infinity, 1 at +Infinity).
 * From the output y: 1 - e^-y = -expm1(-y), exact near y = 0 (the lower tail, where 1 - e^-y cancels);
 * for y < -88.7 (no output of softplus) it overflows to -Infinity, and dy = 0 there gives a signed 0,
 * as in float64.
 */
export const softplus: ElementwiseActivation = {
  name: 'softplus',
  wgsl: /* wgsl */ `${EXPM1_WGSL}
fn activation(x: f32) -> f32 {
  if (x > 16.0 || is_positive_infinity(x)) {
    return x; // x + log1p(e^-x) rounds to x (e^-16 is below half an ulp of 16)
  }
  if (x <= 0.0 || is_negative_infinity(x)) {
    return log1p_nonnegative(exp_nonpositive(x));
  }
  return x + log1p_nonnegative(exp_nonpositive(-x));
}
fn activation_derivative(x: f32) -> f32 {
  let e = exp_nonpositive(-abs(x));
  let t = 1.0 / (1.0 + e);
  return select(e * t, t, x >= 0.0);
}
// -expm1(-y), the signs flipped on the bits (a compiler may drop a zero's sign in 0 - v).
fn activation_derivative_from_output(y: f32) -> f32 {
  let m = act_expm1(bitcast<f32>(bitcast<u32>(y) ^ 0x80000000u));
  return bitcast<f32>(bitcast<u32>(m) ^ 0x80000000u);
}
// dy (1 - e^-y) as float64 has it: below y = -88.7 (no softplus output) 1 - e^-y overflows float32 but
// not float64 (down to -709.78), so dy = 0 gives a signed 0 there, not 0 * Infinity = NaN.
fn activation_backward_from_output(y: f32, dy: f32) -> f32 {
  let d = activation_derivative_from_output(y);
  if (dy == 0.0 && y >= -709.78) {
    return bitcast<f32>((bitcast<u32>(dy) ^ bitcast<u32>(d)) & 0x80000000u);
  }
  return dy * d;
}`,
  // float64: max(x, 0) + log1p(e^-|x|) is both arms at once; rounded once to float32, x where the sum rounds to x
  forward: (x) => Math.max(x, 0) + Math.log1p(Math.exp(-Math.abs(x))), // NaN: Math.max gives NaN
  derivative: (x) => 1 / (1 + Math.exp(-x)), // exact enough in float64 for every float32 x (as sigmoid)
  derivativeFromOutput,
  loops: {
    forward: (x, out, a) => {
      for (let i = 0; i < x.length; i++) out[i] = softplus.forward(x[i] as number, a);
    },
    derivative: (x, out, a) => {
      for (let i = 0; i < x.length; i++) out[i] = softplus.derivative(x[i] as number, a);
    },
    backward: (x, dy, out, a) => {
      for (let i = 0; i < x.length; i++) out[i] = (dy[i] as number) * softplus.derivative(x[i] as number, a);
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

function derivativeFromOutput(y: number, _alpha?: number): number {
  return -Math.expm1(-y);
}
