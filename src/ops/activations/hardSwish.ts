import type { ElementwiseActivation } from '../activation.ts';

/**
 * hardSwish(x) = x hardSigmoid(x) = x min(max(x + 3, 0), 6) / 6 (MobileNetV3, WebNN, PyTorch): -0 for
 * x <= -3 (x times +0; also at -Infinity, the limit, where IEEE would give -Infinity * 0 = NaN), x for
 * x >= 3 (+Infinity at +Infinity), x (x + 3) / 6 between. Derivative, as PyTorch: 0 below -3,
 * (2x + 3) / 6 on [-3, 3] (the kinks included: -1/2 at -3, 3/2 at 3), 1 above 3.
 */
export const hardSwish: ElementwiseActivation = {
  name: 'hardSwish',
  wgsl: /* wgsl */ `
// The infinities from the bits (a compiler may assume that arithmetic never sees them), the -0 from x's sign.
fn activation(x: f32) -> f32 {
  if (x <= -3.0 || is_negative_infinity(x)) {
    return negative_zero(x);
  }
  if (x >= 3.0 || is_positive_infinity(x)) {
    return x;
  }
  return x * ((x + 3.0) / 6.0);
}
fn activation_derivative(x: f32) -> f32 {
  if (x < -3.0 || is_negative_infinity(x)) {
    return 0.0;
  }
  if (x > 3.0 || is_positive_infinity(x)) {
    return 1.0;
  }
  return (2.0 * x + 3.0) / 6.0; // 2x + 3 is exact near its zero at -1.5
}`,
  forward: (x) => {
    if (Number.isNaN(x)) return x;
    if (x <= -3) return -0;
    if (x >= 3) return x;
    return (x * (x + 3)) / 6; // x + 3 and the product exact in float64: one rounding
  },
  derivative: (x) => {
    if (Number.isNaN(x)) return x;
    if (x < -3) return 0;
    if (x > 3) return 1;
    return (2 * x + 3) / 6;
  },
  loops: {
    forward: (x, out, a) => {
      for (let i = 0; i < x.length; i++) out[i] = hardSwish.forward(x[i] as number, a);
    },
    derivative: (x, out, a) => {
      for (let i = 0; i < x.length; i++) out[i] = hardSwish.derivative(x[i] as number, a);
    },
    backward: (x, dy, out, a) => {
      for (let i = 0; i < x.length; i++) out[i] = (dy[i] as number) * hardSwish.derivative(x[i] as number, a);
    },
  },
};
