/**
 * Elementwise activations, each defined once: its forward formula and its derivative, in WGSL for the
 * GPU and in float64 JavaScript for the CPU. Both backends, and the engine's and `cpu`'s methods
 * (`relu`, `reluDerivative`, `reluBackward`, `reluWithDerivative`, ...), are instantiated from the
 * table {@link ACTIVATIONS}: adding an activation is one entry here and one row in the test table.
 *
 * The WGSL defines `activation(x)`, `activation_derivative(x)` and, where there is one,
 * `activation_derivative_from_output(y)`, for every input but NaN (the kernel passes NaN through before
 * calling them). It may use the helpers of `shaders/common.wgsl` and `params.alpha`.
 * The JavaScript functions take float64 and must give NaN for NaN; the CPU path rounds their result
 * to float32 once, on store.
 */
export interface ElementwiseActivation {
  /** Identifier used in pipeline labels and error messages. */
  readonly name: string;
  /** WGSL source of `activation`, `activation_derivative` and optionally `activation_derivative_from_output`. */
  readonly wgsl: string;
  /** f(x) in float64. `alpha` is the op's scalar parameter, where it has one. */
  readonly forward: (x: number, alpha: number) => number;
  /** f'(x) from the input x, in float64. */
  readonly derivative: (x: number, alpha: number) => number;
  /** f'(x) from the output y = f(x), in float64, for activations where that is a closed form. */
  readonly derivativeFromOutput?: (y: number, alpha: number) => number;
  /** The scalar parameter's default (leaky relu's slope); activations without one ignore `alpha`. */
  readonly defaultAlpha?: number;
  /** Cheaper approximations selectable with the `approximate` option (gelu's tanh form). */
  readonly approximations?: { readonly tanh?: ElementwiseActivation };
  /** What `xxxBackward(a, dy)` takes as `a` by default: the input x, or the output y (sigmoid, by convention). */
  readonly backwardFrom?: 'input' | 'output';
}

/** Options of the elementwise methods. */
export interface ElementwiseOptions {
  /** The activation's scalar parameter (leaky relu's slope, default 0.01). */
  alpha?: number;
  /** For derivatives and backward: whether the data argument is the input x or the output y = f(x). */
  from?: 'input' | 'output';
  /** `'tanh'` selects the activation's tanh approximation where it has one (gelu); default `'none'`. */
  approximate?: 'none' | 'tanh';
}

/**
 * Makes a custom elementwise activation from a WGSL expression pair and its float64 twin; pass the
 * result to `act.forward(activation, x)` and friends. WGSL snippets see `x` (or `y`) as f32, the
 * helpers of shaders/common.wgsl (`exp_nonpositive`, `is_nan`, ...) and `params.alpha`.
 *
 * @example
 * ```ts
 * const softplus = defineActivation({
 *   name: 'softplus',
 *   wgsl: { forward: 'max(x, 0.0) + log(1.0 + exp_nonpositive(-abs(x)))', derivative: '1.0 / (1.0 + exp(-x))' },
 *   forward: (x) => Math.max(x, 0) + Math.log1p(Math.exp(-Math.abs(x))),
 *   derivative: (x) => 1 / (1 + Math.exp(-x)),
 * });
 * const y = await act.forward(softplus, x);
 * ```
 */
export function defineActivation(spec: {
  name: string;
  wgsl: { forward: string; derivative: string; derivativeFromOutput?: string };
  forward: (x: number, alpha: number) => number;
  derivative: (x: number, alpha: number) => number;
  derivativeFromOutput?: (y: number, alpha: number) => number;
  defaultAlpha?: number;
}): ElementwiseActivation {
  if (typeof spec?.name !== 'string' || !/^[A-Za-z_][A-Za-z0-9_]*$/.test(spec.name)) {
    throw new TypeError(`spec.name: expected an identifier, got ${JSON.stringify(spec?.name)}`);
  }
  for (const key of ['forward', 'derivative'] as const) {
    if (typeof spec.wgsl?.[key] !== 'string') throw new TypeError(`spec.wgsl.${key}: expected a WGSL expression string`);
    if (typeof spec[key] !== 'function') throw new TypeError(`spec.${key}: expected a function (x: number) => number`);
  }
  const fromOutput = spec.wgsl.derivativeFromOutput;
  if ((fromOutput === undefined) !== (spec.derivativeFromOutput === undefined)) {
    throw new TypeError('spec.derivativeFromOutput: give both the WGSL expression and the JavaScript function, or neither');
  }
  const wgsl = `
fn activation(x: f32) -> f32 { return ${spec.wgsl.forward}; }
fn activation_derivative(x: f32) -> f32 { return ${spec.wgsl.derivative}; }
${fromOutput ? `fn activation_derivative_from_output(y: f32) -> f32 { return ${fromOutput}; }` : ''}`;
  return {
    name: spec.name,
    wgsl,
    forward: spec.forward,
    derivative: spec.derivative,
    ...(spec.derivativeFromOutput ? { derivativeFromOutput: spec.derivativeFromOutput } : {}),
    ...(spec.defaultAlpha !== undefined ? { defaultAlpha: spec.defaultAlpha } : {}),
  };
}

/**
 * sigmoid(x) = 1 / (1 + exp(-x)), always from exp(-|x|) so that nothing overflows and the result stays
 * in [0, 1]. The derivative s(x) * (1 - s(x)) is computed as s(x) * s(-x) = e / (1 + e)^2 with
 * e = exp(-|x|): the literal `s * (1 - s)` loses every digit of `1 - s` once s is near 1
 * (TF.js's form, 1e-3 relative error at x = 10 in float32). Backward takes the output y by convention.
 */
const sigmoid: ElementwiseActivation = {
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

/**
 * The built-in elementwise activations. Each key `k` gives the methods `k`, `kDerivative`,
 * `kBackward` and `kWithDerivative` on every engine and on `cpu`.
 */
export const ACTIVATIONS = {
  sigmoid,
} as const satisfies Record<string, ElementwiseActivation>;

/** Names of the built-in elementwise activations. */
export type ActivationName = keyof typeof ACTIVATIONS;

/** The sigmoid definition (also `ACTIVATIONS.sigmoid`). */
export const sigmoidActivation = sigmoid;
