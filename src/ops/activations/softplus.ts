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
// dy e^x for x >= 80 and finite, nonzero dy, rounded about twice: e^x = p 2^k (the exact reduction of
// exp), and dy p is scaled by 2^k in steps that stay in range until the last, so that the result
// overflows only where the product does (e^x alone overflows float32 beyond x = 88.7).
fn act_gradient_times_exp(dy: f32, x: f32) -> f32 {
  let xc = min(x, 800.0);
  let k = round(xc * 1.44269504088896341);
  let p = exp_reduced((xc - k * 0.693359375) - k * -2.12194440e-4);
  let parts = frexp(dy);
  var scale = i32(k) + parts.exp;
  var v = parts.fract * p;
  for (var step = 0; step < 4; step++) {
    let s = clamp(scale, -100, 100);
    v = v * power_of_two(s);
    scale = scale - s;
  }
  return v;
}
// dy (1 - e^-y) as float64 has it. Below y = -80 (no softplus output) 1 - e^-y is -e^-y to float32's
// precision and overflows float32 below -88.7, but not float64 (down to -709.78): dy e^-y is formed
// scaled, and dy = 0 gives a signed 0 there, not 0 * Infinity = NaN.
fn activation_backward_from_output(y: f32, dy: f32) -> f32 {
  let d = activation_derivative_from_output(y);
  if (y >= -80.0 || is_infinite(y) || is_nan(dy) || is_infinite(dy)) {
    return dy * d;
  }
  if (dy == 0.0) {
    if (y >= -709.78) {
      return bitcast<f32>((bitcast<u32>(dy) ^ bitcast<u32>(d)) & 0x80000000u);
    }
    return dy * d;
  }
  let v = act_gradient_times_exp(dy, bitcast<f32>(bitcast<u32>(y) ^ 0x80000000u));
  return bitcast<f32>(bitcast<u32>(v) ^ 0x80000000u);
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
