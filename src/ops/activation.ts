import { ArgumentTypeError } from '../errors.ts';
import { checkFiniteNumber, checkKnownKeys, describe } from '../validate.ts';

/**
 * What an elementwise activation is, in one object: its WGSL, its float64 twin, its declared
 * parameters, its specialised JavaScript loops and its special-value rules. Each built-in one is a
 * module of `src/ops/activations/` (its WebAssembly kernel beside it in
 * `src/cpu/wasm/assembly/activations/`); {@link defineActivation} makes a custom one.
 *
 * The WGSL defines `activation(x)`, `activation_derivative(x)` and, where there is one,
 * `activation_derivative_from_output(y)`, for every input but NaN (the kernel passes NaN through before
 * calling them). It may use the helpers of `shaders/common.wgsl`, and `params.alpha` when the activation
 * declares the parameter `alpha`.
 * The JavaScript functions take float64 and must give NaN for NaN; the CPU path rounds their result
 * to the storage type (float32) once, on store. Nothing here knows the storage type: the shared
 * kernels (src/gpu, src/cpu) do.
 */
export interface ElementwiseActivation {
  /** Identifier used in pipeline labels, WebAssembly export names (`<name>_<kernel>`) and error messages. */
  readonly name: string;
  /** WGSL source of `activation`, `activation_derivative` and optionally `activation_derivative_from_output`. */
  readonly wgsl: string;
  /** f(x) in float64. `alpha` is the op's scalar parameter, where it declares one (else 0). */
  readonly forward: (x: number, alpha: number) => number;
  /** f'(x) from the input x, in float64. */
  readonly derivative: (x: number, alpha: number) => number;
  /** f'(x) from the output y = f(x), in float64, for activations where that is a closed form. */
  readonly derivativeFromOutput?: (y: number, alpha: number) => number;
  /**
   * Where the derivative from the output exists only for some parameter values (elu: alpha > 0, else
   * y does not tell x): whether it does for this alpha, and the rule in words for the error message.
   */
  readonly derivativeFromOutputWhen?: { readonly holds: (alpha: number) => boolean; readonly rule: string };
  /** The parameters a call may pass, each with its default; an activation without one refuses `alpha`. */
  readonly parameters?: ActivationParameters;
  /** Cheaper approximations selectable with the `approximate` option (gelu's tanh form); others refuse `approximate`. */
  readonly approximations?: { readonly tanh?: ElementwiseActivation };
  /** What `xxxBackward(a, dy)` takes as `a` by default: the input x, or the output y (sigmoid, by convention). */
  readonly backwardFrom?: 'input' | 'output';
  /** The JavaScript loops specialised for this activation (built-ins); a custom one runs shared generic loops. */
  readonly loops?: ActivationLoops;
  /** Its special values in words (NaN, the infinities, signed zeros, kinks), as the README and the tests hold them. */
  readonly specialValues?: string;
}

/** The declared parameters of an activation: today the one scalar `alpha` that the kernels read. */
export interface ActivationParameters {
  readonly alpha?: ActivationParameter;
}

/** A declared scalar parameter. Any finite number in float32's normal range (or 0) is accepted unless `check` says otherwise. */
export interface ActivationParameter {
  /** The value when the call gives none. */
  readonly default: number;
  /** Further rules on the value: returns what was expected when the value breaks them, else undefined. */
  readonly check?: (value: number) => string | undefined;
}

/** One scalar formula over an array: out[i] = f(x[i]) (alpha is the op's scalar). Arrays of any element storage. */
export type UnaryLoop = (x: ArrayLike<number>, out: WritableArrayLike, alpha: number) => void;

/** The backward step: out[i] = dy[i] * f'(x[i]), the product taken in float64 and rounded once, on store. */
export type BinaryLoop = (x: ArrayLike<number>, dy: ArrayLike<number>, out: WritableArrayLike, alpha: number) => void;

/** An array the loops write: a Float32Array today. */
export interface WritableArrayLike {
  readonly length: number;
  [index: number]: number;
}

/**
 * The CPU loops of one activation: f, f' and dy * f' from x, and f' and dy * f' from y = f(x) where it
 * has that form. A loop shared by every activation calls a different formula each time, and V8 stops
 * inlining that call once it has seen more than four (measured: sigmoid on 4M elements took twice as long
 * after the other activations had run through the same loop; a closure per activation does not help,
 * V8 shares feedback between closures of one literal). So each built-in writes its own loops, each a
 * literal of its own. With and without dy are separate literals too (a loop with an `if (dy)` that first
 * ran long without dy stayed slower for the backward step).
 */
export interface ActivationLoops {
  readonly forward: UnaryLoop;
  readonly derivative: UnaryLoop;
  readonly backward: BinaryLoop;
  readonly fromOutput?: { readonly derivative: UnaryLoop; readonly backward: BinaryLoop };
}

/** Options of the elementwise methods. Each method takes only the ones that apply to it and to the activation. */
export interface ElementwiseOptions {
  /** The activation's scalar parameter (leaky relu's slope, default 0.01; elu's alpha, default 1). Refused by activations without one. */
  alpha?: number;
  /** For derivatives and backward only: whether the data argument is the input x or the output y = f(x). */
  from?: 'input' | 'output';
  /** gelu only: `'tanh'` selects its tanh approximation; default `'none'`. */
  approximate?: 'none' | 'tanh';
}

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * Makes a custom elementwise activation from a WGSL expression pair and its float64 twin; pass the
 * result to `act.forward(activation, x)` and friends. WGSL snippets see `x` (or `y`) as f32, the
 * helpers of shaders/common.wgsl (`exp_nonpositive`, `is_nan`, ...) and, when the spec declares
 * `parameters: { alpha: { default } }`, `params.alpha`.
 *
 * @example
 * ```ts
 * // softsign(x) = x / (1 + |x|), f'(x) = 1 / (1 + |x|)^2
 * const softsign = defineActivation({
 *   name: 'softsign',
 *   wgsl: { forward: 'x / (1.0 + abs(x))', derivative: '1.0 / ((1.0 + abs(x)) * (1.0 + abs(x)))' },
 *   forward: (x) => x / (1 + Math.abs(x)),
 *   derivative: (x) => 1 / (1 + Math.abs(x)) ** 2,
 * });
 * const y = await act.forward(softsign, x);
 * ```
 */
export function defineActivation(spec: {
  name: string;
  wgsl: { forward: string; derivative: string; derivativeFromOutput?: string };
  forward: (x: number, alpha: number) => number;
  derivative: (x: number, alpha: number) => number;
  derivativeFromOutput?: (y: number, alpha: number) => number;
  parameters?: { alpha?: { default: number } };
}): ElementwiseActivation {
  if (spec === null || typeof spec !== 'object') throw new ArgumentTypeError('spec', `expected an object, got ${describe(spec)}`);
  checkKnownKeys(spec, ['name', 'wgsl', 'forward', 'derivative', 'derivativeFromOutput', 'parameters'], 'spec');
  if (typeof spec.name !== 'string' || !IDENTIFIER.test(spec.name)) {
    throw new ArgumentTypeError('spec.name', `expected an identifier, got ${describe(spec.name)}`);
  }
  if (spec.wgsl === null || typeof spec.wgsl !== 'object') {
    throw new ArgumentTypeError('spec.wgsl', `expected { forward, derivative } WGSL expressions, got ${describe(spec.wgsl)}`);
  }
  checkKnownKeys(spec.wgsl, ['forward', 'derivative', 'derivativeFromOutput'], 'spec.wgsl');
  for (const key of ['forward', 'derivative'] as const) {
    if (typeof spec.wgsl[key] !== 'string')
      throw new ArgumentTypeError(`spec.wgsl.${key}`, `expected a WGSL expression string, got ${describe(spec.wgsl[key])}`);
    if (typeof spec[key] !== 'function')
      throw new ArgumentTypeError(`spec.${key}`, `expected a function (x: number) => number, got ${describe(spec[key])}`);
  }
  const fromOutput = spec.wgsl.derivativeFromOutput;
  if ((fromOutput === undefined) !== (spec.derivativeFromOutput === undefined)) {
    throw new ArgumentTypeError('spec.derivativeFromOutput', 'give both the WGSL expression and the JavaScript function, or neither');
  }
  const parameters = checkParameters(spec.parameters);
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
    ...(parameters ? { parameters } : {}),
  };
}

function checkParameters(parameters: unknown): ActivationParameters | undefined {
  if (parameters === undefined) return undefined;
  if (parameters === null || typeof parameters !== 'object') {
    throw new ArgumentTypeError('spec.parameters', `expected { alpha: { default } }, got ${describe(parameters)}`);
  }
  checkKnownKeys(parameters, ['alpha'], 'spec.parameters');
  const alpha = (parameters as { alpha?: unknown }).alpha;
  if (alpha === undefined) return {};
  if (alpha === null || typeof alpha !== 'object') {
    throw new ArgumentTypeError('spec.parameters.alpha', `expected { default: number }, got ${describe(alpha)}`);
  }
  checkKnownKeys(alpha, ['default'], 'spec.parameters.alpha');
  const value = (alpha as { default?: unknown }).default;
  if (value === undefined) throw new ArgumentTypeError('spec.parameters.alpha.default', 'expected a number, got undefined');
  return { alpha: { default: checkFiniteNumber(value, 'spec.parameters.alpha.default', 0) } };
}
