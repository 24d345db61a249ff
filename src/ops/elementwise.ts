import type { ElementwiseActivation } from './activation.ts';
import * as registry from './activations/list.ts';

export {
  type ActivationLoops,
  type ActivationParameter,
  type ActivationParameters,
  type BinaryLoop,
  defineActivation,
  type ElementwiseActivation,
  type ElementwiseOptions,
  type UnaryLoop,
} from './activation.ts';

/**
 * The built-in elementwise activations, from the registry (`src/ops/activations/list.ts`, one module
 * each). Each key `k` gives the methods `k`, `kDerivative`, `kBackward` and `kWithDerivative` on every
 * engine, on `cpu` and on `act.resident`, and the top-level exports of the same names.
 * @example `const d = await act.derivative(ACTIVATIONS.tanh, x);`
 */
export const ACTIVATIONS: typeof registry = Object.freeze({ ...registry });

/** Names of the built-in elementwise activations. */
export type ActivationName = keyof typeof registry;

/**
 * Every built-in definition: each activation of {@link ACTIVATIONS} and each of its approximations
 * (gelu's tanh form), as the CPU kernels and wgslFunctions know them.
 */
export const BUILT_IN_DEFINITIONS: readonly ElementwiseActivation[] = Object.values(ACTIVATIONS).flatMap(
  (activation: ElementwiseActivation) => [activation, ...Object.values(activation.approximations ?? {})],
);

/** Whether `activation` is one of the library's own definitions (not one made by defineActivation). */
export function isBuiltIn(activation: ElementwiseActivation): boolean {
  return BUILT_IN_SET.has(activation);
}

const BUILT_IN_SET: ReadonlySet<ElementwiseActivation> = new Set(BUILT_IN_DEFINITIONS);
