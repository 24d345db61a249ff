import { derivativeSource, type DerivativeOptions } from './cpu/index.ts';
import { runElementwiseCpu, runForwardAndDerivativeCpu } from './cpu/elementwise.ts';
import { softmaxCpu } from './cpu/softmax.ts';
import { ArgumentTypeError, EngineDestroyedError, WebGPUError } from './errors.ts';
import { GpuBackend } from './gpu/backend.ts';
import type { PoolStats } from './gpu/buffer-pool.ts';
import { describeAdapter, requestDevice } from './gpu/device.ts';
import { type ElementwiseActivation, sigmoidActivation } from './ops/elementwise.ts';
import type { ElementwiseKernel } from './ops/kernels.ts';
import { checkOptionsObject, checkSameLength, type NumericInput, type RowOptions, resolveShape, toFloat32Array } from './validate.ts';

/** Which backend an engine uses: `'auto'` picks WebGPU when a device is granted, and the CPU for small arrays. */
export type BackendChoice = 'auto' | 'webgpu' | 'cpu';

/** Options of {@link createActivations}. */
export interface CreateActivationsOptions {
  /** `'auto'` (default), `'webgpu'` (fail if WebGPU cannot be had; every call on the GPU), or `'cpu'`. */
  backend?: BackendChoice;
  /** Use this device instead of requesting one. The engine never destroys a device it was given. */
  device?: GPUDevice;
  /** Where to request an adapter from, when not `navigator.gpu` (for example Node's `webgpu` package). */
  gpu?: GPU;
  /**
   * With `backend: 'auto'`, arrays with fewer elements than this run on the CPU, where a GPU round trip
   * (upload, dispatch, map, copy back) costs more than the work. Default {@link DEFAULT_MIN_GPU_ELEMENTS}.
   */
  minGpuElements?: number;
  /** Largest slice of an array in one dispatch, in bytes (default: the device's binding limit). Lower it to test splitting. */
  maxChunkBytes?: number;
  /** Cap on workgroups per grid dimension below the device's limit; lower it to test 2D grids with small arrays. */
  maxWorkgroupsPerDimension?: number;
  /** Bound on idle GPU buffer bytes kept for reuse (default 256 MiB). */
  maxPooledBytes?: number;
  /** Testing aid: fill GPU output buffers with a poison value before each dispatch, so unwritten elements show. */
  poisonOutputs?: boolean;
}

/**
 * Arrays below this many elements run on the CPU under `backend: 'auto'`: a GPU round trip costs a
 * buffer upload, a submit and a map that the work of a few thousand elements does not repay.
 * The performance issue calibrates this per adapter; until then it is a fixed, conservative value.
 */
export const DEFAULT_MIN_GPU_ELEMENTS = 65536;

const DEFAULT_MAX_POOLED_BYTES = 256 * 1024 * 1024;

/**
 * An engine: the activation functions bound to one backend (and one GPUDevice when that backend is
 * WebGPU), with the pipelines and pooled buffers it owns. Create it with {@link createActivations};
 * release it with `destroy()`.
 */
export interface Activations {
  /** The backend in use: `'webgpu'` or `'cpu'`. Under `'auto'`, small arrays still run on the CPU. */
  readonly backend: 'webgpu' | 'cpu';
  /** Why this backend: the adapter granted, or why WebGPU could not be used. */
  readonly reason: string;
  /** The device in use, or null on the CPU backend. */
  readonly device: GPUDevice | null;
  /** Under `'auto'`, the smallest array sent to the GPU; 0 when every call goes to the GPU, Infinity on the CPU backend. */
  readonly minGpuElements: number;

  /**
   * sigmoid(x) = 1 / (1 + exp(-x)), elementwise; in [0, 1] for every input, NaN for NaN.
   * @param x - a Float32Array or array-like of numbers; never modified.
   * @returns a new Float32Array.
   * @throws {TypeError} x is not an array of numbers or is detached; the engine was destroyed.
   * @example `const y = await act.sigmoid(new Float32Array([-1, 0, 1]));`
   */
  sigmoid(x: NumericInput): Promise<Float32Array>;
  /**
   * The sigmoid derivative: from the input, s(x) * (1 - s(x)) without cancellation (relative error
   * under 1e-6 against float64); with `{ from: 'output' }`, y * (1 - y) for y = sigmoid(x).
   * @example `const d = await act.sigmoidDerivative(y, { from: 'output' });`
   */
  sigmoidDerivative(x: NumericInput, options?: DerivativeOptions): Promise<Float32Array>;
  /**
   * Backpropagation through sigmoid: dy * y * (1 - y).
   * @param y - sigmoid outputs from the forward pass. @param dy - gradient with respect to y, same length.
   * @throws {RangeError} dy has another length than y.
   * @example `const dx = await act.sigmoidBackward(y, dLoss_dy);`
   */
  sigmoidBackward(y: NumericInput, dy: NumericInput): Promise<Float32Array>;
  /**
   * sigmoid(x) and its derivative from one pass over x.
   * @returns `[sigmoid(x), sigmoid'(x)]`.
   * @example `const [y, dydx] = await act.sigmoidWithDerivative(x);`
   */
  sigmoidWithDerivative(x: NumericInput): Promise<[Float32Array, Float32Array]>;
  /**
   * Softmax along each row of a row-major rows x cols batch (default: one row). Each row sums to 1.
   * A NaN makes its row NaN; +Infinity entries share their row equally; -Infinity entries get 0; a row
   * of only -Infinity is NaN.
   * @param options - `{ rows, cols }`; either may be left out when the other divides the length.
   * @throws {RangeError} rows * cols is not the length; a shape is negative or not an integer.
   * @example `const p = await act.softmax(logits, { rows: 64, cols: 10 });`
   */
  softmax(x: NumericInput, options?: RowOptions): Promise<Float32Array>;
  /** Buffers the engine holds on the GPU (all zero on the CPU backend). */
  stats(): PoolStats;
  /** Releases every GPU buffer and, if the engine requested its device, the device. Later calls throw. */
  destroy(): void;
}

class Engine implements Activations {
  backend: 'webgpu' | 'cpu';
  reason: string;
  private gpu: GpuBackend | undefined;
  private destroyed = false;

  constructor(
    gpu: GpuBackend | undefined,
    reason: string,
    private readonly minElements: number,
    private readonly ownsDevice: boolean,
  ) {
    this.gpu = gpu;
    this.backend = gpu ? 'webgpu' : 'cpu';
    this.reason = reason;
    gpu?.device.lost.then((info) => {
      if (this.destroyed || this.gpu?.device !== gpu.device) return;
      this.gpu = undefined;
      this.backend = 'cpu';
      this.reason = `the WebGPU device was lost (${info.reason}: ${info.message}); running on the CPU`;
    });
  }

  get device(): GPUDevice | null {
    return this.gpu?.device ?? null;
  }

  get minGpuElements(): number {
    return this.gpu ? this.minElements : Number.POSITIVE_INFINITY;
  }

  async sigmoid(x: NumericInput): Promise<Float32Array> {
    this.checkAlive('sigmoid');
    return this.elementwise(sigmoidActivation, 'forward', toFloat32Array(x, 'x'), undefined, 0);
  }

  async sigmoidDerivative(x: NumericInput, options?: DerivativeOptions): Promise<Float32Array> {
    this.checkAlive('sigmoidDerivative');
    const from = derivativeSource(options);
    const input = toFloat32Array(x, from === 'output' ? 'y' : 'x');
    return this.elementwise(sigmoidActivation, from === 'output' ? 'derivative_from_output' : 'derivative', input, undefined, 0);
  }

  async sigmoidBackward(y: NumericInput, dy: NumericInput): Promise<Float32Array> {
    this.checkAlive('sigmoidBackward');
    const output = toFloat32Array(y, 'y');
    const gradient = toFloat32Array(dy, 'dy');
    checkSameLength(gradient, 'dy', output.length, 'y');
    return this.elementwise(sigmoidActivation, 'backward_from_output', output, gradient, 0);
  }

  async sigmoidWithDerivative(x: NumericInput): Promise<[Float32Array, Float32Array]> {
    this.checkAlive('sigmoidWithDerivative');
    const input = toFloat32Array(x, 'x');
    return this.onBackend(
      input.length,
      (gpu) => gpu.forwardAndDerivative(sigmoidActivation, input, 0),
      () => {
        const values = new Float32Array(input.length);
        const derivatives = new Float32Array(input.length);
        runForwardAndDerivativeCpu(sigmoidActivation, input, 0, values, derivatives);
        return [values, derivatives];
      },
    );
  }

  async softmax(x: NumericInput, options?: RowOptions): Promise<Float32Array> {
    this.checkAlive('softmax');
    const input = toFloat32Array(x, 'x');
    const shape = resolveShape(options, input.length);
    return this.onBackend(
      input.length,
      (gpu) => gpu.rows('softmax', input, shape),
      () => softmaxCpu(input, shape.rows, shape.cols, new Float32Array(input.length)),
    );
  }

  stats(): PoolStats {
    return this.gpu?.stats() ?? { liveBuffers: 0, liveBytes: 0, pooledBuffers: 0, pooledBytes: 0, maxPooledBytes: 0 };
  }

  destroy(): void {
    if (this.destroyed) return;
    this.destroyed = true;
    const gpu = this.gpu;
    this.gpu = undefined;
    gpu?.destroy();
    if (gpu && this.ownsDevice) gpu.device.destroy();
  }

  private elementwise(
    activation: ElementwiseActivation,
    kernel: ElementwiseKernel,
    x: Float32Array,
    dy: Float32Array | undefined,
    alpha: number,
  ): Promise<Float32Array> {
    return this.onBackend(
      x.length,
      (gpu) => gpu.elementwise(activation, kernel, x, dy, alpha),
      () => runElementwiseCpu(activation, kernel, x, dy, alpha, new Float32Array(x.length)),
    );
  }

  // Runs on the GPU when the engine has one and the array is large enough, else on the CPU. A call
  // whose device is lost while it runs is computed again on the CPU: no wrong or missing values.
  private async onBackend<T>(length: number, onGpu: (gpu: GpuBackend) => Promise<T>, onCpu: () => T): Promise<T> {
    const gpu = this.gpu;
    if (!gpu || length === 0 || length < this.minElements) return onCpu();
    try {
      return await onGpu(gpu);
    } catch (error) {
      if (this.destroyed) throw new EngineDestroyedError('the call');
      if (this.gpu !== gpu && !(error instanceof RangeError)) return onCpu();
      throw error;
    }
  }

  private checkAlive(operation: string): void {
    if (this.destroyed) throw new EngineDestroyedError(operation);
  }
}

/**
 * Creates an engine. With `backend: 'auto'` (default) it uses WebGPU when `navigator.gpu` grants an
 * adapter and a device, and the CPU otherwise; `act.backend` and `act.reason` say which and why.
 *
 * @param options - see {@link CreateActivationsOptions}.
 * @returns the engine, ready to use.
 * @throws {WebGPUError} `backend: 'webgpu'` and no device could be had.
 * @throws {TypeError} an option of the wrong type.
 * @example
 * ```ts
 * const act = await createActivations();
 * console.log(act.backend, act.reason);
 * const p = await act.softmax(logits, { rows: 128, cols: 10 });
 * act.destroy();
 * ```
 */
export async function createActivations(options?: CreateActivationsOptions): Promise<Activations> {
  const given = checkOptionsObject(options) as CreateActivationsOptions;
  const backend = given.backend ?? 'auto';
  if (backend !== 'auto' && backend !== 'webgpu' && backend !== 'cpu') {
    throw new ArgumentTypeError('options.backend', `expected 'auto', 'webgpu' or 'cpu', got ${JSON.stringify(backend)}`);
  }
  const minGpuElements = backend === 'webgpu' ? 0 : (given.minGpuElements ?? DEFAULT_MIN_GPU_ELEMENTS);
  if (typeof minGpuElements !== 'number' || !(minGpuElements >= 0)) {
    throw new ArgumentTypeError('options.minGpuElements', `expected a non-negative number, got ${String(minGpuElements)}`);
  }
  if (backend === 'cpu') return new Engine(undefined, 'the CPU backend was requested', minGpuElements, false);

  let device = given.device;
  let reason: string;
  const ownsDevice = device === undefined;
  if (device) {
    reason = `WebGPU device given by the caller (${device.label || 'unlabelled'})`;
  } else {
    const request = await requestDevice(given.gpu);
    device = request.device;
    reason = request.reason;
  }
  if (!device) {
    if (backend === 'webgpu') throw new WebGPUError(`backend 'webgpu' was requested but ${reason}`);
    return new Engine(undefined, `${reason}; running on the CPU`, minGpuElements, false);
  }
  const gpu = new GpuBackend(device, {
    maxChunkBytes: given.maxChunkBytes,
    maxWorkgroupsPerDimension: given.maxWorkgroupsPerDimension,
    maxPooledBytes: given.maxPooledBytes ?? DEFAULT_MAX_POOLED_BYTES,
    poisonOutputs: given.poisonOutputs ?? false,
  });
  if (backend === 'auto') reason += `; arrays under ${minGpuElements} elements run on the CPU`;
  return new Engine(gpu, reason, minGpuElements, ownsDevice);
}

export { describeAdapter };
