import type { ElementwiseActivation } from '../activation.ts';

/**
 * hardSigmoid(x) = min(max(x + 3, 0), 6) / 6 (PyTorch's and MobileNetV3's form): 0 for x <= -3, 1 for
 * x >= 3, (x + 3) / 6 between. Derivative, as PyTorch: 1/6 strictly inside (-3, 3), 0 elsewhere (the
 * kinks at -3 and 3 included, and the infinities). hardSigmoid(-Infinity) = +0, (+Infinity) = 1.
 */
export const hardSigmoid: ElementwiseActivation = {
  name: 'hardSigmoid',
  wgsl: /* wgsl */ `
// The infinities from the bits: a compiler may assume that arithmetic never sees them.
fn activation(x: f32) -> f32 {
  if (x <= -3.0 || is_negative_infinity(x)) {
    return 0.0;
  }
  if (x >= 3.0 || is_positive_infinity(x)) {
    return 1.0;
  }
  return (x + 3.0) / 6.0;
}
fn activation_derivative(x: f32) -> f32 {
  return select(0.0, 1.0 / 6.0, x > -3.0 && x < 3.0 && !is_infinite(x));
}`,
  forward: (x) => Math.min(Math.max(x + 3, 0), 6) / 6, // NaN: Math.max gives NaN
  derivative: (x) => (Number.isNaN(x) ? x : x > -3 && x < 3 ? 1 / 6 : 0),
  loops: {
    forward: (x, out, a) => {
      for (let i = 0; i < x.length; i++) out[i] = hardSigmoid.forward(x[i] as number, a);
    },
    derivative: (x, out, a) => {
      for (let i = 0; i < x.length; i++) out[i] = hardSigmoid.derivative(x[i] as number, a);
    },
    backward: (x, dy, out, a) => {
      for (let i = 0; i < x.length; i++) out[i] = (dy[i] as number) * hardSigmoid.derivative(x[i] as number, a);
    },
  },
};
