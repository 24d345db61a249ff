import { ArgumentRangeError, ArgumentTypeError } from '../errors.ts';
import type { NumericInput } from '../validate.ts';
import { checkFiniteNumber, checkKnownKeys, checkOneOf, checkOptionsObject } from '../validate.ts';
import type { ActivationParameter, ElementwiseActivation, ElementwiseOptions } from './activation.ts';
import { ACTIVATIONS, type ActivationName } from './elementwise.ts';
import type { ElementwiseKernel } from './kernels.ts';

/** The four generic elementwise operations; each named method is one of them on one activation. */
export type ElementwiseOperation = 'forward' | 'derivative' | 'backward' | 'forwardWithDerivative';

/**
 * An elementwise call after validation of its options: which definition, its alpha, what the data
 * argument holds (and so its name in errors), and which kernel runs. The one place where the choice of
 * kernel is made: the engine, `cpu`, `act.resident` and `act.resident.with(encoder)` all take it from here.
 */
/** The kernels each operation may run. */
export interface KernelOf {
  forward: 'forward';
  derivative: 'derivative' | 'derivative_from_output';
  backward: 'backward' | 'backward_from_output';
  forwardWithDerivative: 'forward_and_derivative';
}

export interface ResolvedCall<Kernel extends ElementwiseKernel | 'forward_and_derivative' = ElementwiseKernel | 'forward_and_derivative'> {
  readonly activation: ElementwiseActivation;
  readonly alpha: number;
  readonly from: 'input' | 'output';
  /** The kernel that computes the call. */
  readonly kernel: Kernel;
  /** The data argument's name in error messages: `'y'` where it is the output, else `'x'`. */
  readonly input: 'x' | 'y';
  /** The call as a method name (`eluBackward`), for errors and labels. */
  readonly label: string;
}

const LABEL_SUFFIX: Record<ElementwiseOperation, string> = {
  forward: '',
  derivative: 'Derivative',
  backward: 'Backward',
  forwardWithDerivative: 'WithDerivative',
};

/**
 * Validates the `activation` argument and the options of one elementwise call. Each call takes only
 * the options that apply to it: `alpha` where the activation declares it, `from` on derivatives and
 * backward, `approximate` where the activation has approximations; `extraKeys` are other options the
 * caller reads from the same object (`out`). Any other key is refused with a TypeError naming it.
 */
export function resolveCall<Operation extends ElementwiseOperation>(
  activation: unknown,
  options: unknown,
  operation: Operation,
  extraKeys: readonly string[] = [],
): ResolvedCall<KernelOf[Operation]> {
  if (!isActivation(activation)) {
    throw new ArgumentTypeError('activation', 'expected an activation definition (ACTIVATIONS.relu, or one made with defineActivation())');
  }
  const given = checkOptionsObject(options);
  const takesFrom = operation === 'derivative' || operation === 'backward';
  const keys = [
    ...(activation.parameters?.alpha ? ['alpha'] : []),
    ...(takesFrom ? ['from'] : []),
    ...(activation.approximations ? ['approximate'] : []),
    ...extraKeys,
  ];
  checkKnownKeys(given, keys);
  const defaultFrom = operation === 'backward' ? (activation.backwardFrom ?? 'input') : 'input';
  const from = checkOneOf(given.from ?? defaultFrom, 'options.from', ['input', 'output']);
  const approximate = checkOneOf(given.approximate ?? 'none', 'options.approximate', ['none', 'tanh']);
  let chosen = activation;
  if (approximate === 'tanh') {
    const approximation = activation.approximations?.tanh;
    if (!approximation) throw new ArgumentRangeError('options.approximate', `${activation.name} has no tanh approximation`);
    chosen = approximation;
  }
  const parameter = activation.parameters?.alpha;
  const alpha = parameter ? checkAlpha(given.alpha, parameter) : 0;
  if (from === 'output') {
    if (!chosen.derivativeFromOutput) {
      throw new ArgumentRangeError('options.from', `${chosen.name} has no derivative from its output; pass the input x`);
    }
    const when = chosen.derivativeFromOutputWhen;
    if (when && !when.holds(alpha)) {
      throw new ArgumentRangeError(
        'options.from',
        `${chosen.name} has a derivative from its output only for ${when.rule} (alpha is ${alpha}); pass the input x`,
      );
    }
  }
  const fromOutput = from === 'output';
  const kernel =
    operation === 'forwardWithDerivative'
      ? 'forward_and_derivative'
      : operation === 'forward'
        ? 'forward'
        : operation === 'derivative'
          ? fromOutput
            ? 'derivative_from_output'
            : 'derivative'
          : fromOutput
            ? 'backward_from_output'
            : 'backward';
  const label = `${activation.name}${LABEL_SUFFIX[operation]}`;
  return { activation: chosen, alpha, from, kernel: kernel as KernelOf[Operation], input: fromOutput ? 'y' : 'x', label };
}

const FLOAT32_MIN_NORMAL = 2 ** -126;

/**
 * The scalar parameter as both backends use it: rounded to float32 (the GPU's type), so that the CPU
 * multiplies by the same slope. Refused beyond float32's range (Infinity on the GPU, finite on the
 * CPU) and below its normal range, 0 excepted: a GPU may flush a subnormal alpha to 0 (leaky relu of
 * -1e30 with alpha 1e-40 was 0 on WebGPU, -1e-10 on the CPU).
 */
function checkAlpha(value: unknown, parameter: ActivationParameter): number {
  const given = checkFiniteNumber(value, 'options.alpha', parameter.default);
  const alpha = Math.fround(given);
  if (given !== 0 && Math.abs(alpha) < FLOAT32_MIN_NORMAL) {
    throw new ArgumentRangeError(
      'options.alpha',
      `expected 0 or a normal float32 (|alpha| >= 1.18e-38), got ${String(value)}, which a GPU may flush to 0`,
    );
  }
  const broken = parameter.check?.(alpha);
  if (broken !== undefined) throw new ArgumentRangeError('options.alpha', `expected ${broken}, got ${String(value)}`);
  return alpha;
}

function isActivation(value: unknown): value is ElementwiseActivation {
  const candidate = value as ElementwiseActivation | null;
  return (
    typeof candidate === 'object' &&
    candidate !== null &&
    typeof candidate.name === 'string' &&
    typeof candidate.wgsl === 'string' &&
    typeof candidate.forward === 'function' &&
    typeof candidate.derivative === 'function'
  );
}

/** The generic elementwise operations an engine or `cpu` implements; the named methods are built on them. */
export interface ElementwiseOperations<Result, PairResult, Options = ElementwiseOptions, Input = NumericInput> {
  forward(activation: ElementwiseActivation, x: Input, options?: Options): Result;
  derivative(activation: ElementwiseActivation, x: Input, options?: Options): Result;
  backward(activation: ElementwiseActivation, input: Input, dy: Input, options?: Options): Result;
  forwardWithDerivative(activation: ElementwiseActivation, x: Input, options?: Options): PairResult;
}

/**
 * The named methods of every built-in activation `k`:
 * - `k(x, options?)`: f(x);
 * - `kDerivative(x, options?)`: f'(x) from x, or from y = f(x) with `{ from: 'output' }`;
 * - `kBackward(a, dy, options?)`: dy * f'(x), where `a` is x (or y with `{ from: 'output' }`; sigmoid takes y by default);
 * - `kWithDerivative(x, options?)`: `[f(x), f'(x)]` from one pass.
 */
export type NamedElementwiseMethods<Result, PairResult, Options = ElementwiseOptions, Input = NumericInput> = {
  /** f(x), elementwise. @example `const y = await act.relu(x);` */
  [K in ActivationName]: (x: Input, options?: Options) => Result;
} & {
  /** f'(x) from x, or from y = f(x) with `{ from: 'output' }` where the activation has that form. @example `const d = await act.tanhDerivative(x);` */
  [K in ActivationName as `${K}Derivative`]: (x: Input, options?: Options) => Result;
} & {
  /** dy * f'(x), the backpropagation step; the first argument is x (y for sigmoid, or with `{ from: 'output' }`). @example `const dx = await act.siluBackward(x, dy);` */
  [K in ActivationName as `${K}Backward`]: (input: Input, dy: Input, options?: Options) => Result;
} & {
  /** `[f(x), f'(x)]` from one pass. @example `const [y, dydx] = await act.geluWithDerivative(x);` */
  [K in ActivationName as `${K}WithDerivative`]: (x: Input, options?: Options) => PairResult;
};

type AnyOperations = ElementwiseOperations<unknown, unknown, unknown, NumericInput>;

/**
 * The name of every named method of the built-in activations: `k`, `kDerivative`, `kBackward` and
 * `kWithDerivative` for each `k` of {@link ACTIVATIONS}, from the table.
 */
export function namedMethodNames(): string[] {
  return Object.keys(ACTIVATIONS).flatMap((name) => [name, `${name}Derivative`, `${name}Backward`, `${name}WithDerivative`]);
}

/**
 * Adds the named methods of every built-in activation to `target`, each delegating to the generic
 * operation: of `self` when given (a plain namespace such as `cpu`, whose functions must work taken
 * off it), else of `this` (a prototype).
 */
export function addNamedMethods(target: ElementwiseOperations<unknown, unknown, unknown, never>, self?: object): void {
  const methods = target as unknown as Record<string, unknown>;
  const bound = self as AnyOperations | undefined;
  for (const [name, activation] of Object.entries(ACTIVATIONS) as [string, ElementwiseActivation][]) {
    methods[name] = function (this: AnyOperations, x: NumericInput, options?: unknown) {
      return (bound ?? this).forward(activation, x, options);
    };
    methods[`${name}Derivative`] = function (this: AnyOperations, x: NumericInput, options?: unknown) {
      return (bound ?? this).derivative(activation, x, options);
    };
    methods[`${name}Backward`] = function (this: AnyOperations, input: NumericInput, dy: NumericInput, options?: unknown) {
      return (bound ?? this).backward(activation, input, dy, options);
    };
    methods[`${name}WithDerivative`] = function (this: AnyOperations, x: NumericInput, options?: unknown) {
      return (bound ?? this).forwardWithDerivative(activation, x, options);
    };
  }
}
