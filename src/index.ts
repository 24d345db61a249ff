/**
 * webgpu-activations: activation kernels on WebGPU with a Float32Array CPU path behind the same API.
 *
 * @example
 * ```ts
 * import { sigmoid, softmax, createActivations, cpu } from 'webgpu-activations';
 * const y = await sigmoid(new Float32Array([-1, 0, 1]));
 * const p = await softmax(logits, { rows: 64, cols: 10 });
 * ```
 * @packageDocumentation
 */
export { type CpuFunctions, type CpuOptions, type CpuOptionsOrOut, cpu } from './cpu/index.ts';
export type { CpuImplementation } from './cpu/wasm/module.ts';
// The default engine's ops: softmax and its family, and the elementwise ops (sigmoid, reluBackward,
// geluWithDerivative, ...) destructured from one object built from the activation table;
// tests/node/exports.test.ts checks that every table entry has its four exports.
export * from './default-engine.ts';
export {
  type Activations,
  type ActivationsEventMap,
  type BackendChange,
  createActivations,
  DEFAULT_MIN_GPU_ELEMENTS,
  describeAdapter,
  type WrapOptions,
} from './engine.ts';
export type { BackendChoice, CreateActivationsOptions } from './engine-options.ts';
export { ArgumentRangeError, ArgumentTypeError, EngineDestroyedError, WebGPUError } from './errors.ts';
export type { PoolStats } from './gpu/buffer-pool.ts';
export type { Calibration } from './gpu/calibrate.ts';
export type { NamedElementwiseMethods } from './ops/calls.ts';
export {
  ACTIVATIONS,
  type ActivationName,
  defineActivation,
  type ElementwiseActivation,
  type ElementwiseOptions,
} from './ops/elementwise.ts';
export type { ResidentElementwiseOptions, ResidentOperations, ResidentRowOptions } from './resident-ops.ts';
export { Tensor } from './tensor.ts';
export type { NumericInput, RowOptions, Shape } from './validate.ts';
export { type WgslFunctionName, type WgslFunctionsOptions, wgslFunctions } from './wgsl-functions.ts';
