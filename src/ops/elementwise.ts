/**
 * Elementwise activations, each defined once: its forward formula and its derivative, in WGSL for the
 * GPU and in float64 JavaScript for the CPU. Both backends instantiate their kernels from this table,
 * so adding an activation is one entry here and one row in the test table.
 *
 * The WGSL defines `activation(x)`, `activation_derivative(x)` and, where there is one,
 * `activation_derivative_from_output(y)`, for every input but NaN (the kernel passes NaN through before
 * calling them). It may use the helpers of `shaders/common.wgsl` and `params.alpha`.
 * The JavaScript functions take float64 and must give NaN for NaN; the CPU path rounds their result
 * to float32 once, on store.
 */
export interface ElementwiseActivation {
  /** Identifier used in pipeline labels and cache keys. */
  readonly name: string;
  /** WGSL source of `activation`, `activation_derivative` and optionally `activation_derivative_from_output`. */
  readonly wgsl: string;
  /** f(x) in float64. `alpha` is the op's scalar parameter, where it has one. */
  readonly forward: (x: number, alpha: number) => number;
  /** f'(x) from the input x, in float64. */
  readonly derivative: (x: number, alpha: number) => number;
  /** f'(x) from the output y = f(x), in float64, for activations where that is a closed form. */
  readonly derivativeFromOutput?: (y: number, alpha: number) => number;
}

/**
 * sigmoid(x) = 1 / (1 + exp(-x)), always from exp(-|x|) so that nothing overflows and the result stays
 * in [0, 1]. The derivative s(x) * (1 - s(x)) is computed as s(x) * s(-x) = e / (1 + e)^2 with
 * e = exp(-|x|): the literal `s * (1 - s)` loses every digit of `1 - s` once s is near 1
 * (TF.js's form, 1e-3 relative error at x = 10 in float32).
 */
export const sigmoidActivation: ElementwiseActivation = {
  name: 'sigmoid',
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
}`,
  forward: (x) => {
    if (x >= 0) return 1 / (1 + Math.exp(-x));
    const e = Math.exp(x);
    return e / (1 + e);
  },
  derivative: (x) => {
    const e = Math.exp(-Math.abs(x));
    const t = 1 / (1 + e);
    return e * t * t;
  },
  derivativeFromOutput: (y) => y * (1 - y),
};
