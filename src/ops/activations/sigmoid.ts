import type { ElementwiseActivation } from '../activation.ts';

const derivativeFromOutput = (y: number, _alpha?: number): number => y * (1 - y);

/**
 * sigmoid(x) = 1 / (1 + exp(-x)), always from exp(-|x|) so that nothing overflows and the result stays
 * in [0, 1]. The derivative s(x) * (1 - s(x)) is computed as s(x) * s(-x) = e / (1 + e)^2 with
 * e = exp(-|x|): the literal `s * (1 - s)` loses every digit of `1 - s` once s is near 1
 * (TF.js's form, 1e-3 relative error at x = 10 in float32). Backward takes the output y by convention.
 */
export const sigmoid: ElementwiseActivation = {
  name: 'sigmoid',
  backwardFrom: 'output',
  wgsl: /* wgsl */ `
fn activation(x: f32) -> f32 {
  let e = exp_nonpositive(-abs(x));
  let t = 1.0 / (1.0 + e);
  return select(e * t, t, x >= 0.0);
}
fn activation_derivative(x: f32) -> f32 {
  let e = exp_nonpositive(-abs(x));
  let t = 1.0 / (1.0 + e);
  return e * t * t;
}
fn activation_derivative_from_output(y: f32) -> f32 {
  return y * (1.0 - y);
}
// dy * y * (1 - y) with no intermediate overflow unless the result overflows: for |y| < 2 the factor
// y * (1 - y) is at most 6, else |1 - y| >= 1 and dy * y first is safe. (y outside [0, 1] is no
// sigmoid output, but the op must still agree with float64 on it.)
fn activation_backward_from_output(y: f32, dy: f32) -> f32 {
  if (abs(y) < 2.0) {
    return dy * (y * (1.0 - y));
  }
  return (dy * y) * (1.0 - y);
}`,
  // In float64 the textbook form is exact far below float32's precision for every float32 x (exp
  // overflows only below x = -709, where 1 / Infinity = 0 is the float32 answer), and it has no branch:
  // the stable two-armed form mispredicted on mixed signs and took twice a plain loop's time.
  forward: (x) => 1 / (1 + Math.exp(-x)),
  derivative: (x) => {
    const e = Math.exp(-Math.abs(x));
    const t = 1 / (1 + e);
    return e * t * t;
  },
  derivativeFromOutput,
  loops: {
    forward: (x, out, a) => {
      for (let i = 0; i < x.length; i++) out[i] = sigmoid.forward(x[i] as number, a);
    },
    derivative: (x, out, a) => {
      for (let i = 0; i < x.length; i++) out[i] = sigmoid.derivative(x[i] as number, a);
    },
    backward: (x, dy, out, a) => {
      for (let i = 0; i < x.length; i++) out[i] = (dy[i] as number) * sigmoid.derivative(x[i] as number, a);
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
