import type { ElementwiseActivation } from '../activation.ts';

/**
 * leakyRelu(x) = x for x >= 0, alpha * x otherwise (alpha = `options.alpha`, default 0.01).
 * Derivative 1 for x > 0 and alpha for x <= 0 (f'(0) = alpha). There is no derivative from the output:
 * with a negative alpha the output does not tell which side x was on.
 * Infinities: leakyRelu(+Infinity) = +Infinity; leakyRelu(-Infinity) = -Infinity * alpha, that is
 * -Infinity for alpha > 0, +Infinity for alpha < 0, and 0 for alpha = 0 (the limit, where IEEE would
 * give 0 * Infinity = NaN). The derivative at -Infinity is alpha.
 * On the GPU alpha is a float32 (`params.alpha`); on the CPU the float64 value is used.
 */
export const leakyRelu: ElementwiseActivation = {
  name: 'leakyRelu',
  parameters: { alpha: { default: 0.01 } },
  wgsl: /* wgsl */ `
fn activation(x: f32) -> f32 {
  if (x >= 0.0) {
    return x;
  }
  if (is_negative_infinity(x)) {
    // -Infinity * alpha, made from x's bits: an infinite constant is a shader-creation error, and
    // arithmetic may assume no infinities.
    if (params.alpha > 0.0) { return x; }
    if (params.alpha < 0.0) { return bitcast<f32>(bitcast<u32>(x) & 0x7fffffffu); }
    return 0.0;
  }
  return params.alpha * x;
}
fn activation_derivative(x: f32) -> f32 {
  return select(params.alpha, 1.0, bitcast<i32>(x) > 0); // x > 0 from the bits, subnormals included
}`,
  forward: (x, alpha) => {
    if (Number.isNaN(x)) return x;
    if (x >= 0) return x;
    if (x === -Infinity && alpha === 0) return 0;
    return alpha * x;
  },
  derivative: (x, alpha) => (Number.isNaN(x) ? x : x > 0 ? 1 : alpha),
  loops: {
    forward: (x, out, a) => {
      for (let i = 0; i < x.length; i++) out[i] = leakyRelu.forward(x[i] as number, a);
    },
    derivative: (x, out, a) => {
      for (let i = 0; i < x.length; i++) out[i] = leakyRelu.derivative(x[i] as number, a);
    },
    backward: (x, dy, out, a) => {
      for (let i = 0; i < x.length; i++) out[i] = (dy[i] as number) * leakyRelu.derivative(x[i] as number, a);
    },
  },
};
