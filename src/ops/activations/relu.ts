import type { ElementwiseActivation } from '../activation.ts';

const derivativeFromOutput = (y: number, _alpha?: number): number => (Number.isNaN(y) ? y : y > 0 ? 1 : 0);

/**
 * relu(x) = max(x, 0). Derivative 1 for x > 0 and 0 for x <= 0 (f'(0) = 0, as PyTorch defines it);
 * from the output y: 1 for y > 0, else 0. relu(-0) is +0; relu(+Infinity) = +Infinity,
 * relu(-Infinity) = 0, and the derivative is 1 at +Infinity and 0 at -Infinity.
 */
export const relu: ElementwiseActivation = {
  name: 'relu',
  wgsl: /* wgsl */ `
// x > 0 is read from the bits (a positive signed integer): a device that flushes subnormal inputs to
// zero in comparisons (SwiftShader does) would otherwise call a positive subnormal x <= 0.
fn activation(x: f32) -> f32 {
  return select(0.0, x, bitcast<i32>(x) > 0);
}
fn activation_derivative(x: f32) -> f32 {
  return select(0.0, 1.0, bitcast<i32>(x) > 0);
}
fn activation_derivative_from_output(y: f32) -> f32 {
  return select(0.0, 1.0, bitcast<i32>(y) > 0);
}`,
  forward: (x) => Math.max(x, 0), // NaN for NaN; relu(-0) = +0
  derivative: (x) => (Number.isNaN(x) ? x : x > 0 ? 1 : 0),
  derivativeFromOutput,
  loops: {
    forward: (x, out, a) => {
      for (let i = 0; i < x.length; i++) out[i] = relu.forward(x[i] as number, a);
    },
    derivative: (x, out, a) => {
      for (let i = 0; i < x.length; i++) out[i] = relu.derivative(x[i] as number, a);
    },
    backward: (x, dy, out, a) => {
      for (let i = 0; i < x.length; i++) out[i] = (dy[i] as number) * relu.derivative(x[i] as number, a);
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
