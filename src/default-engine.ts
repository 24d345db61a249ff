import { type Activations, createActivations } from './engine.ts';
import type { ElementwiseOptions } from './ops/elementwise.ts';
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

/**
 * sigmoid(x) on the default engine. See {@link Activations.sigmoid}.
 * @example `const y = await sigmoid([1, 2, 3]); // Float32Array [0.7311, 0.8808, 0.9526]`
 */
export async function sigmoid(x: NumericInput): Promise<Float32Array> {
  return (await getDefaultActivations()).sigmoid(x);
}

/**
 * The sigmoid derivative on the default engine: from x by default, from y with `{ from: 'output' }`.
 * See {@link Activations.sigmoidDerivative}.
 * @example `const d = await sigmoidDerivative(x);`
 */
export async function sigmoidDerivative(x: NumericInput, options?: ElementwiseOptions): Promise<Float32Array> {
  return (await getDefaultActivations()).sigmoidDerivative(x, options);
}

/**
 * dy * y * (1 - y) on the default engine. See {@link Activations.sigmoidBackward}.
 * @example `const dx = await sigmoidBackward(y, dy);`
 */
export async function sigmoidBackward(y: NumericInput, dy: NumericInput): Promise<Float32Array> {
  return (await getDefaultActivations()).sigmoidBackward(y, dy);
}

/**
 * sigmoid(x) and its derivative in one pass, on the default engine.
 * @example `const [y, dydx] = await sigmoidWithDerivative(x);`
 */
export async function sigmoidWithDerivative(x: NumericInput): Promise<[Float32Array, Float32Array]> {
  return (await getDefaultActivations()).sigmoidWithDerivative(x);
}

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
