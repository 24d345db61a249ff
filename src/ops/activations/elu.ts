import type { ElementwiseActivation } from '../activation.ts';
import { EXPM1_WGSL } from '../numerics.ts';

/**
 * elu(x) = x for x > 0, alpha (e^x - 1) otherwise (`options.alpha`, default 1), with e^x - 1 from
 * expm1 so that it is exact near 0 (elu(-1e-10) = -1e-10, not 0). Derivative 1 for x > 0 and
 * alpha e^x for x <= 0 (f'(0) = alpha, as PyTorch). From the output y: 1 for y > 0, else y + alpha
 * (= alpha e^x), offered only for alpha > 0: with alpha <= 0 the output does not tell which side x was on.
 * Special values: elu(+Infinity) = +Infinity, elu(-Infinity) = -alpha; elu(-0) = -0 (alpha > 0). Zeros
 * take IEEE's product sign on both backends (alpha (e^x - 1) with alpha = 0 is -0 for x < 0; f'(-Infinity)
 * = alpha * 0 is -0 for alpha < 0). alpha is a float32, as for leaky relu.
 */
export const elu: ElementwiseActivation = {
  name: 'elu',
  parameters: { alpha: { default: 1 } },
  derivativeFromOutputWhen: { holds: (alpha) => alpha > 0, rule: 'alpha > 0' },
  wgsl: /* wgsl */ `${EXPM1_WGSL}
// a * b with the sign IEEE gives it, zeros included: a compiler may drop the sign of a zero product.
fn act_signed_product(a: f32, b: f32) -> f32 {
  let p = a * b;
  return bitcast<f32>((bitcast<u32>(p) & 0x7fffffffu) | ((bitcast<u32>(a) ^ bitcast<u32>(b)) & 0x80000000u));
}
// alpha * e^x for x <= 0 (-Infinity included) and any float32 alpha, rounded once at most into the
// subnormal range: alpha = f 2^a (frexp) and e^x = p 2^k (exp's exact reduction), and f p is scaled by
// 2^(a + k) in steps that stay normal until the last, so that e^x alone may underflow (x < -87.3) while
// alpha e^x does not (alpha 2.5 at x = -88: 1.5e-38, a normal float).
fn act_alpha_exp(alpha: f32, x: f32) -> f32 {
  let xc = select(max(x, -300.0), -300.0, is_negative_infinity(x));
  let k = round(xc * 1.44269504088896341);
  let p = exp_reduced((xc - k * 0.693359375) - k * -2.12194440e-4);
  let parts = frexp(abs(alpha));
  var scale = i32(k) + parts.exp;
  var v = parts.fract * p;
  for (var step = 0; step < 3; step++) {
    let s = clamp(scale, -100, 100);
    v = v * power_of_two(s);
    scale = scale - s;
  }
  return with_sign_of(v, alpha);
}
// x > 0 is read from the bits, so that a positive subnormal counts on a device that flushes it in comparisons.
fn activation(x: f32) -> f32 {
  if (bitcast<i32>(x) > 0) {
    return x;
  }
  return act_signed_product(params.alpha, act_expm1(x));
}
fn activation_derivative(x: f32) -> f32 {
  if (bitcast<i32>(x) > 0) {
    return 1.0;
  }
  return act_alpha_exp(params.alpha, x);
}
fn activation_derivative_from_output(y: f32) -> f32 {
  if (bitcast<i32>(y) > 0) {
    return 1.0;
  }
  return y + params.alpha;
}`,
  forward: (x, alpha) => (x > 0 ? x : alpha * Math.expm1(x)), // NaN: alpha * expm1(NaN) = NaN
  derivative: (x, alpha) => (x > 0 ? 1 : alpha * Math.exp(x)),
  derivativeFromOutput,
  loops: {
    forward: (x, out, a) => {
      for (let i = 0; i < x.length; i++) out[i] = elu.forward(x[i] as number, a);
    },
    derivative: (x, out, a) => {
      for (let i = 0; i < x.length; i++) out[i] = elu.derivative(x[i] as number, a);
    },
    backward: (x, dy, out, a) => {
      for (let i = 0; i < x.length; i++) out[i] = (dy[i] as number) * elu.derivative(x[i] as number, a);
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

function derivativeFromOutput(y: number, alpha: number): number {
  return y > 0 ? 1 : y + alpha; // NaN: NaN + alpha
}
