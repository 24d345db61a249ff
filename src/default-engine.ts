import { type Activations, createActivations } from './engine.ts';
import { type NamedElementwiseMethods, namedMethodNames } from './ops/calls.ts';
import type { NumericInput, RowOptions } from './validate.ts';

// The one documented piece of global state: the engine behind the module-level functions, created on
// first use with `backend: 'auto'`.
let defaultEngine: Promise<Activations> | undefined;

/**
 * The engine behind the module-level functions (`sigmoid`, `softmax`, ...), created on first use with
 * `backend: 'auto'`. Await it to see which backend it chose.
 * @example `const { backend, reason } = await getDefaultActivations();`
 */
export function getDefaultActivations(): Promise<Activations> {
  defaultEngine ??= createActivations({ backend: 'auto' });
  return defaultEngine;
}

/**
 * Destroys the default engine (its GPU buffers and device); the next module-level call creates a new one.
 * @example `resetDefaultActivations();`
 */
export function resetDefaultActivations(): void {
  const engine = defaultEngine;
  defaultEngine = undefined;
  engine?.then(
    (act) => act.destroy(),
    () => {},
  );
}

type DefaultNamedMethods = NamedElementwiseMethods<Promise<Float32Array>, Promise<[Float32Array, Float32Array]>>;

// The named methods of every activation of the table, each forwarding to the default engine.
function defaultNamedMethods(): DefaultNamedMethods {
  const methods: Record<string, (...args: unknown[]) => Promise<unknown>> = {};
  for (const name of namedMethodNames()) {
    methods[name] = async (...args: unknown[]) => {
      const act = (await getDefaultActivations()) as unknown as Record<string, (...args: unknown[]) => Promise<unknown>>;
      return (act[name] as (...args: unknown[]) => Promise<unknown>)(...args);
    };
  }
  return methods as unknown as DefaultNamedMethods;
}

/**
 * The named methods of the default engine, for every activation `k` of {@link ACTIVATIONS}: `k(x)`,
 * `kDerivative(x)`, `kBackward(x, dy)` (sigmoid's takes y) and `kWithDerivative(x)`, each a
 * Promise of new arrays. Built from the activation table; each is also a top-level export.
 * @example `const y = await defaultElementwise.gelu(x, { approximate: 'tanh' });`
 */
export const defaultElementwise: DefaultNamedMethods = defaultNamedMethods();

/*
 * The elementwise ops on the default engine, one line per activation of the registry, each with its
 * four forms: `k(x)`, `kDerivative(x)` (from y with `{ from: 'output' }` where it has that form),
 * `kBackward(x, dy)` (sigmoid's takes y) and `kWithDerivative(x)`. See {@link Activations} for each.
 * ES modules need this static list; tests/node/registry.test.ts checks it against the registry.
 * @example `const y = await sigmoid([1, 2, 3]); // Float32Array [0.7311, 0.8808, 0.9526]`
 */
export const { sigmoid, sigmoidDerivative, sigmoidBackward, sigmoidWithDerivative } = defaultElementwise;
export const { relu, reluDerivative, reluBackward, reluWithDerivative } = defaultElementwise;
export const { leakyRelu, leakyReluDerivative, leakyReluBackward, leakyReluWithDerivative } = defaultElementwise;
export const { tanh, tanhDerivative, tanhBackward, tanhWithDerivative } = defaultElementwise;
export const { gelu, geluDerivative, geluBackward, geluWithDerivative } = defaultElementwise;
export const { silu, siluDerivative, siluBackward, siluWithDerivative } = defaultElementwise;
export const { elu, eluDerivative, eluBackward, eluWithDerivative } = defaultElementwise;
export const { softplus, softplusDerivative, softplusBackward, softplusWithDerivative } = defaultElementwise;
export const { hardSigmoid, hardSigmoidDerivative, hardSigmoidBackward, hardSigmoidWithDerivative } = defaultElementwise;
export const { hardSwish, hardSwishDerivative, hardSwishBackward, hardSwishWithDerivative } = defaultElementwise;

/**
 * Row-wise softmax on the default engine. See {@link Activations.softmax}.
 * @example `const p = await softmax(logits, { rows: 64, cols: 10 });`
 */
export async function softmax(x: NumericInput, options?: RowOptions): Promise<Float32Array> {
  return (await getDefaultActivations()).softmax(x, options);
}

/**
 * Row-wise log-softmax on the default engine. See {@link Activations.logSoftmax}.
 * @example `const logp = await logSoftmax(logits, { cols: 10 });`
 */
export async function logSoftmax(x: NumericInput, options?: RowOptions): Promise<Float32Array> {
  return (await getDefaultActivations()).logSoftmax(x, options);
}

/**
 * dx = y * (dy - sum(dy * y)) per row on the default engine. See {@link Activations.softmaxBackward}.
 * @example `const dx = await softmaxBackward(p, dp, { cols: 10 });`
 */
export async function softmaxBackward(y: NumericInput, dy: NumericInput, options?: RowOptions): Promise<Float32Array> {
  return (await getDefaultActivations()).softmaxBackward(y, dy, options);
}
