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
export {
  getDefaultActivations,
  logSoftmax,
  resetDefaultActivations,
  sigmoid,
  sigmoidBackward,
  sigmoidDerivative,
  sigmoidWithDerivative,
  softmax,
  softmaxBackward,
} from './default-engine.ts';
export {
  type Activations,
  type BackendChange,
  type BackendChoice,
  type CreateActivationsOptions,
  createActivations,
  DEFAULT_MIN_GPU_ELEMENTS,
  describeAdapter,
} from './engine.ts';
export { ArgumentRangeError, ArgumentTypeError, EngineDestroyedError, WebGPUError } from './errors.ts';
export { POISON_VALUE } from './gpu/backend.ts';
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
export type { ResidentOperations } from './resident-ops.ts';
export { Tensor } from './tensor.ts';
export type { NumericInput, RowOptions, Shape } from './validate.ts';
