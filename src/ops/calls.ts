import { ArgumentRangeError, ArgumentTypeError } from '../errors.ts';
import type { NumericInput } from '../validate.ts';
import { checkFiniteNumber, checkOptionsObject } from '../validate.ts';
import { ACTIVATIONS, type ActivationName, type ElementwiseActivation, type ElementwiseOptions } from './elementwise.ts';

/** An elementwise call after validation of its options: which definition, its alpha, and what the data argument holds. */
export interface ResolvedCall {
  readonly activation: ElementwiseActivation;
  readonly alpha: number;
  readonly from: 'input' | 'output';
}

/**
 * Validates the `activation` argument and the options of an elementwise call. `defaultFrom` is what the
 * data argument holds when `options.from` is not given.
 */
export function resolveCall(activation: unknown, options: unknown, defaultFrom: 'input' | 'output'): ResolvedCall {
  if (!isActivation(activation)) {
    throw new ArgumentTypeError('activation', 'expected an activation definition (ACTIVATIONS.relu, or one made with defineActivation())');
  }
  const given = checkOptionsObject(options);
  const from = given.from ?? defaultFrom;
  if (from !== 'input' && from !== 'output') {
    throw new ArgumentTypeError('options.from', `expected 'input' or 'output', got ${JSON.stringify(from)}`);
  }
  const approximate = given.approximate ?? 'none';
  if (approximate !== 'none' && approximate !== 'tanh') {
    throw new ArgumentTypeError('options.approximate', `expected 'none' or 'tanh', got ${JSON.stringify(approximate)}`);
  }
  let chosen = activation;
  if (approximate === 'tanh') {
    const approximation = activation.approximations?.tanh;
    if (!approximation) throw new ArgumentRangeError('options.approximate', `${activation.name} has no tanh approximation`);
    chosen = approximation;
  }
  if (from === 'output' && !chosen.derivativeFromOutput) {
    throw new ArgumentRangeError('options.from', `${chosen.name} has no derivative from its output; pass the input x`);
  }
  const alpha = checkFiniteNumber(given.alpha, 'options.alpha', chosen.defaultAlpha ?? 0);
  return { activation: chosen, alpha, from };
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
  [K in ActivationName]: (x: Input, options?: Options) => Result;
} & {
  [K in ActivationName as `${K}Derivative`]: (x: Input, options?: Options) => Result;
} & {
  [K in ActivationName as `${K}Backward`]: (input: Input, dy: Input, options?: Options) => Result;
} & {
  [K in ActivationName as `${K}WithDerivative`]: (x: Input, options?: Options) => PairResult;
};

/** Adds the named methods of every built-in activation to `target`, each delegating to the generic operation. */
export function addNamedMethods(target: ElementwiseOperations<unknown, unknown, unknown, never>): void {
  const methods = target as unknown as Record<string, unknown>;
  for (const [name, activation] of Object.entries(ACTIVATIONS) as [string, ElementwiseActivation][]) {
    methods[name] = function (this: ElementwiseOperations<unknown, unknown, unknown, NumericInput>, x: NumericInput, options?: unknown) {
      return this.forward(activation, x, options);
    };
    methods[`${name}Derivative`] = function (
      this: ElementwiseOperations<unknown, unknown, unknown, NumericInput>,
      x: NumericInput,
      options?: unknown,
    ) {
      return this.derivative(activation, x, options);
    };
    methods[`${name}Backward`] = function (
      this: ElementwiseOperations<unknown, unknown, unknown, NumericInput>,
      input: NumericInput,
      dy: NumericInput,
      options?: unknown,
    ) {
      return this.backward(activation, input, dy, options);
    };
    methods[`${name}WithDerivative`] = function (
      this: ElementwiseOperations<unknown, unknown, unknown, NumericInput>,
      x: NumericInput,
      options?: unknown,
    ) {
      return this.forwardWithDerivative(activation, x, options);
    };
  }
}
