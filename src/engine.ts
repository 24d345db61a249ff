import { BackendChooser, type OpFamily, type Side } from './chooser.ts';
import { runElementwiseStorage, runForwardAndDerivativeStorage, runRowsStorage } from './cpu/storage.ts';
import {
  allocate,
  checkDtype,
  type Dtype,
  dtypeOfArgument,
  elementBytes,
  type Float16ArrayType,
  type FloatArray,
  float16Bits,
  type ResolvedArguments,
  type Storage,
  toForm,
} from './dtype.ts';
import { type CreateActivationsOptions, resolveEngineOptions } from './engine-options.ts';
import { ArgumentRangeError, ArgumentTypeError, EngineDestroyedError, WebGPUError } from './errors.ts';
import { GpuBackend } from './gpu/backend.ts';
import type { PoolStats } from './gpu/buffer-pool.ts';
import { type Calibration, calibrate, describeCalibration } from './gpu/calibrate.ts';
import { describeAdapter, requestDevice } from './gpu/device.ts';
import { BufferUsage } from './gpu/flags.ts';
import { ResidentQueue } from './gpu/resident.ts';
import {
  type ArrayElementwiseOperations,
  type ArrayInput,
  type ArrayResult,
  addNamedMethods,
  type ElementwiseOperation,
  type KernelOf,
  type NamedArrayMethods,
  namedMethodNames,
  type ResolvedCall,
  resolveCall,
  type StorageOptions,
} from './ops/calls.ts';
import type { ElementwiseActivation, ElementwiseOptions } from './ops/elementwise.ts';
import type { ElementwiseKernel, RowKernel } from './ops/kernels.ts';
import { createResidentOperations, type ResidentOperations } from './resident-ops.ts';
import { Tensor } from './tensor.ts';
import {
  checkKnownKeys,
  checkOptionsObject,
  checkSameLength,
  describe,
  type NumericInput,
  type RowOptions,
  resolveArguments,
  resolveShape,
  toFloat32Array,
} from './validate.ts';

/** Options of `act.wrap`. */
export interface WrapOptions {
  /** Where the tensor starts in the buffer, in bytes: a multiple of the device's `minStorageBufferOffsetAlignment` (256 on most). Default 0. */
  byteOffset?: number;
  /**
   * Number of values. Default: as many as fit from `byteOffset` to the end of the buffer. A float16
   * range may end in the middle of a 32-bit word (its other half is left as it is), but not at the end
   * of a buffer whose size is not a multiple of 4: WebGPU binds and copies whole words.
   */
  length?: number;
  /** How the buffer stores the values: `'float32'` (default) or `'float16'` (halves, two to a word). */
  dtype?: Dtype;
}

/** Options of `act.upload`. */
export interface UploadOptions {
  /** What x holds: inferred from the array (a Float16Array is float16); `'float16'` for a Uint16Array of float16 bits. */
  dtype?: Dtype;
}

/** Options of the engine's array methods: the op's, plus `dtype` and `out` (see {@link StorageOptions}). */
export type ArrayOptions<Options> = Options & StorageOptions;

/** The detail of a `'backendchange'` event. */
export interface BackendChange {
  readonly backend: 'webgpu' | 'cpu';
  readonly reason: string;
}

/** The events of an engine, by type, for `act.addEventListener(type, listener)`. */
export interface ActivationsEventMap {
  /** The device was lost and the engine moved to the CPU, or a replacement device was granted. */
  backendchange: CustomEvent<BackendChange>;
}

/**
 * Arrays below this many elements run on the CPU under `backend: 'auto'` when calibration cannot run
 * (it failed): a GPU round trip costs an upload, a submit and a map that small arrays do not repay.
 */
export const DEFAULT_MIN_GPU_ELEMENTS = 65536;

/**
 * Under `auto` without a given threshold, arrays of at most this many elements always run on the CPU:
 * there a call takes a few microseconds, and a GPU round trip never less than tens of them (see
 * bench/NOTES.md, "auto: arrays of 1024 elements or fewer stay on the CPU").
 */
const ALWAYS_CPU_ELEMENTS = 1024;

const DEFAULT_MAX_POOLED_BYTES = 256 * 1024 * 1024;

/**
 * An engine: the activation functions bound to one backend (and one GPUDevice when that backend is
 * WebGPU), with the pipelines and pooled buffers it owns. Create it with {@link createActivations};
 * release it with `destroy()`.
 */
export interface Activations
  extends ArrayElementwiseOperations<ArrayOptions<ElementwiseOptions>, false>,
    NamedArrayMethods<ArrayOptions<ElementwiseOptions>, false> {
  /** The backend in use: `'webgpu'` or `'cpu'`. Under `'auto'`, small arrays still run on the CPU. */
  readonly backend: 'webgpu' | 'cpu';
  /** Why this backend: the adapter granted, or why WebGPU could not be used. */
  readonly reason: string;
  /** The device in use, or null on the CPU backend. */
  readonly device: GPUDevice | null;
  /**
   * Under `'auto'`, the smallest array sent to the GPU at first: given, or measured at start (then
   * real calls move the choice, per op and size; see `lastCallBackend`). 0 when every call goes to the
   * GPU, Infinity on the CPU backend.
   */
  readonly minGpuElements: number;
  /** What `auto` measured at start on this adapter (undefined when the threshold was given, or without a GPU). */
  readonly calibration: Calibration | undefined;
  /**
   * Where the latest array call ran (`'webgpu'` or `'cpu'`), set when the call starts; undefined before
   * the first. Under a calibrated `auto` it shows the choice, which follows the times of real calls.
   */
  readonly lastCallBackend: 'webgpu' | 'cpu' | undefined;

  /**
   * Softmax along each row of a row-major rows x cols batch (default: one row). Each row sums to 1.
   * A NaN makes its row NaN; +Infinity entries share their row equally; -Infinity entries get 0; a row
   * of only -Infinity is NaN.
   * @param options - `{ rows, cols }`; either may be left out when the other divides the length.
   * @throws {RangeError} rows * cols is not the length; a shape is negative or not an integer.
   * @example `const p = await act.softmax(logits, { rows: 64, cols: 10 });`
   */
  softmax<X extends ArrayInput, O extends ArrayOptions<RowOptions> = ArrayOptions<RowOptions>>(
    x: X,
    options?: O,
  ): Promise<ArrayResult<X, NoInfer<O>>>;
  /**
   * log(softmax(x)) along each row, computed as x - max - log(sum(exp(x - max))): exact where
   * log(softmax) would underflow, never -Infinity for a finite entry unless its probability is below
   * float32's range. Special values as softmax, in log space (log 0 = -Infinity).
   * @example `const logp = await act.logSoftmax(logits, { cols: 10 });`
   */
  logSoftmax<X extends ArrayInput, O extends ArrayOptions<RowOptions> = ArrayOptions<RowOptions>>(
    x: X,
    options?: O,
  ): Promise<ArrayResult<X, NoInfer<O>>>;
  /**
   * Backpropagation through softmax: dx = y * (dy - sum(dy * y)) along each row.
   * @param y - softmax outputs from the forward pass. @param dy - gradient with respect to y, same shape.
   * @throws {RangeError} dy has another length than y; a shape that does not match.
   * @example `const dx = await act.softmaxBackward(p, dLoss_dp, { cols: 10 });`
   */
  softmaxBackward<X extends ArrayInput, O extends ArrayOptions<RowOptions> = ArrayOptions<RowOptions>>(
    y: X,
    dy: ArrayInput,
    options?: O,
  ): Promise<ArrayResult<X, NoInfer<O>>>;
  // forward, derivative, backward and forwardWithDerivative come from ArrayElementwiseOperations: f(x)
  // for any elementwise activation (a built-in, or one from defineActivation()), f'(x) (from y with
  // `{ from: 'output' }`), dy * f'(x), and [f(x), f'(x)] from one pass; the named methods call them.
  /**
   * Listen for `'backendchange'` (a `CustomEvent<BackendChange>`): the device was lost and the engine
   * moved to the CPU, or a replacement device was granted.
   * @example `act.addEventListener('backendchange', (event) => console.log(event.detail.backend, event.detail.reason));`
   */
  addEventListener<K extends keyof ActivationsEventMap>(
    type: K,
    listener: (this: Activations, event: ActivationsEventMap[K]) => unknown,
    options?: boolean | AddEventListenerOptions,
  ): void;
  addEventListener(type: string, listener: EventListenerOrEventListenerObject | null, options?: boolean | AddEventListenerOptions): void;
  /** Removes a listener added with `addEventListener`. */
  removeEventListener<K extends keyof ActivationsEventMap>(
    type: K,
    listener: (this: Activations, event: ActivationsEventMap[K]) => unknown,
    options?: boolean | EventListenerOptions,
  ): void;
  removeEventListener(type: string, listener: EventListenerOrEventListenerObject | null, options?: boolean | EventListenerOptions): void;
  /**
   * Puts x where the engine computes (a GPU buffer, or a Float32Array copy on the CPU backend), for
   * the ops of `act.resident`. Release it with `t.destroy()`.
   * @example `const t = act.upload(x); const y = act.resident.sigmoid(t); console.log(await y.read());`
   */
  upload(x: Float16ArrayType, options?: UploadOptions): Tensor<'float16'>;
  upload(x: Uint16Array, options: { dtype: 'float16' }): Tensor<'float16'>;
  upload(x: NumericInput, options?: UploadOptions): Tensor<'float32'>;
  /**
   * A tensor over a caller's GPUBuffer (or a range of it), without a copy, for the ops of
   * `act.resident`: as an input, or as `{ out }` to write into. The buffer stays the caller's: the
   * engine never destroys, pools or resizes it. It must be of the engine's device and have
   * the `STORAGE` usage flag (and `COPY_SRC` for `read()`).
   * @param options - `byteOffset` (default 0; a multiple of the device's
   * `minStorageBufferOffsetAlignment`), `length` in values (default: the rest of the buffer), and
   * `dtype` (`'float32'`, default, or `'float16'`).
   * @throws {TypeError} not a GPUBuffer, no STORAGE usage, a mapped buffer, a CPU engine.
   * @throws {RangeError} a misaligned offset, a range outside the buffer, an unknown dtype, a float16
   * range whose last half would end a buffer whose size is not a multiple of 4 (naming `length`).
   * A buffer of another device makes the tensor's ops and `read()` reject with a TypeError naming `buffer`.
   * @example
   * ```ts
   * const x = act.wrap(myBuffer, { length: 4096 });
   * const y = act.resident.sigmoid(x, { out: act.wrap(myOutput) });
   * device.queue.submit([myNextPass(y.buffer)]); // taking y.buffer submitted the sigmoid first
   * ```
   */
  wrap(buffer: GPUBuffer, options: WrapOptions & { dtype: 'float16' }): Tensor<'float16'>;
  wrap(buffer: GPUBuffer, options?: WrapOptions & { dtype?: 'float32' }): Tensor<'float32'>;
  wrap(buffer: GPUBuffer, options?: WrapOptions): Tensor;
  /**
   * The engine's ops on tensors, without a round trip: each returns a Tensor at once; on WebGPU the
   * ops queued in one task are submitted together and nothing is read back until `t.read()`.
   * @example `const dx = act.resident.sigmoidBackward(act.resident.sigmoid(x), dy); await dx.read();`
   */
  readonly resident: ResidentOperations;
  /** Settles once a replacement device asked for after a device loss has been granted or refused. */
  recovered(): Promise<void>;
  /** Buffers the engine holds on the GPU (all zero on the CPU backend). */
  stats(): PoolStats;
  /** Releases every GPU buffer and, if the engine requested its device, the device. Later calls throw. */
  destroy(): void;
}

/**
 * The chooser's name of a row op: the kernel and the octave of the row's length. A row's length decides
 * the GPU kernel's strategy and its cost per element, so that one size class of rows of 16 and of a
 * row of 2^20 are different ops to the chooser (bench/NOTES.md, 2026-12-03, "Two more chooser rules").
 */
export function rowKey(kernel: string, cols: number): string {
  const octave = Math.floor(Math.log2(Math.max(1, cols)));
  let keys = ROW_KEYS.get(kernel);
  if (!keys) {
    keys = [];
    ROW_KEYS.set(kernel, keys);
  }
  let key = keys[octave];
  if (key === undefined) {
    key = `${kernel}.cols2^${octave}`;
    keys[octave] = key;
  }
  return key;
}
const ROW_KEYS = new Map<string, string[]>();

// The chooser's name of an elementwise op, made once per activation and kernel (a string built per
// call cost the auto path a measurable share of a 256-element call).
const OP_KEYS = new WeakMap<ElementwiseActivation, Map<string, string>>();
function opKey(activation: ElementwiseActivation, kernel: string): string {
  let keys = OP_KEYS.get(activation);
  if (!keys) {
    keys = new Map();
    OP_KEYS.set(activation, keys);
  }
  let key = keys.get(kernel);
  if (key === undefined) {
    key = `${activation.name}.${kernel}`;
    keys.set(kernel, key);
  }
  return key;
}

// The options of the array methods besides the op's own.
const STORAGE_KEYS = ['dtype', 'out'] as const;

// The engine's methods other than the named ones, bound to each engine like those.
const GENERIC_METHODS = [
  'forward',
  'derivative',
  'backward',
  'forwardWithDerivative',
  'softmax',
  'logSoftmax',
  'softmaxBackward',
  'upload',
];

// Not `implements Activations`: the interface types each method by its arguments (ArrayResult), which the
// class's one implementation per method cannot state; createActivations hands it out as Activations.
// The named methods (sigmoid, sigmoidDerivative, ...) are added to the prototype from the activation
// table by addNamedMethods below.
class Engine extends EventTarget {
  backend: 'webgpu' | 'cpu';
  reason: string;
  private gpu: GpuBackend | undefined;
  calibration: Calibration | undefined;
  lastCallBackend: 'webgpu' | 'cpu' | undefined;
  // Under a calibrated auto: where each call runs, from the calibration corrected by real calls.
  private chooser: BackendChooser | undefined;
  private queue: ResidentQueue | undefined;
  private destroyed = false;
  readonly resident: ResidentOperations = createResidentOperations(this);
  // A replacement device being requested after a loss; calls run on the CPU meanwhile.
  private recovery: Promise<void> | undefined;

  constructor(
    gpu: GpuBackend | undefined,
    reason: string,
    private minElements: number,
    private readonly recover: (() => Promise<GpuBackend | string>) | undefined,
  ) {
    super();
    this.gpu = gpu;
    this.backend = gpu ? 'webgpu' : 'cpu';
    this.reason = reason;
    if (gpu) this.watch(gpu);
    // Every op works taken off the engine (`const { sigmoid } = act`), as on `cpu`.
    const self = this as unknown as Record<string, (...args: unknown[]) => unknown>;
    for (const name of [...namedMethodNames(), ...GENERIC_METHODS]) self[name] = (self[name] as (...args: unknown[]) => unknown).bind(this);
  }

  // On loss: run on the CPU, ask for a new device when the engine requested the first one, and say so.
  // A device the engine destroys itself (destroy()) is no loss: `destroyed` is set first. Any other
  // end of its device, whatever the reason says (someone called device.destroy(), a driver reset), is.
  private watch(gpu: GpuBackend): void {
    gpu.device.lost.then((info) => {
      if (this.destroyed || this.gpu !== gpu) return;
      this.gpu = undefined;
      gpu.destroy();
      this.setBackend('cpu', `the WebGPU device was lost (${info.reason || 'unknown'}: ${info.message}); running on the CPU`);
      const recover = this.recover;
      if (!recover) return;
      const replacementOrReason = recover().catch((error: unknown) => `requesting a new device failed (${String(error)})`);
      this.recovery = replacementOrReason.then((replacement) => {
        this.recovery = undefined;
        if (this.destroyed) {
          if (typeof replacement !== 'string') replacement.destroy(true);
          return;
        }
        if (typeof replacement === 'string') {
          this.setBackend('cpu', `the WebGPU device was lost and ${replacement}; running on the CPU`);
          return;
        }
        this.gpu = replacement;
        this.watch(replacement);
        this.setBackend('webgpu', `a new WebGPU device replaced the lost one (${replacement.device.label})`);
      });
    });
  }

  private setBackend(backend: 'webgpu' | 'cpu', reason: string): void {
    this.backend = backend;
    this.reason = reason;
    this.dispatchEvent(new CustomEvent<BackendChange>('backendchange', { detail: { backend, reason } }));
  }

  /** Settles when a replacement device has been asked for after a loss (immediately when none is pending). */
  async recovered(): Promise<void> {
    await this.recovery;
  }

  /** Measures the CPU/GPU crossover for `auto` (shared per adapter); keeps the default threshold if it fails. */
  async calibrate(): Promise<void> {
    const gpu = this.gpu;
    if (!gpu) return;
    try {
      this.calibration = await calibrate(gpu);
      this.minElements = this.calibration.minGpuElements;
      this.chooser = new BackendChooser({ elementwise: this.calibration, rows: this.calibration.rows });
      this.reason += `; ${describeCalibration(this.calibration)}`;
    } catch (error) {
      this.reason += `; arrays under ${this.minElements} elements run on the CPU (calibration failed: ${String(error)})`;
    }
  }

  upload(x: unknown, options?: UploadOptions): Tensor {
    const given = checkOptionsObject(options);
    checkKnownKeys(given, ['dtype']);
    const dtype = checkDtype(given.dtype);
    const input: Storage =
      dtypeOfArgument(x, dtype, 'x') === 'float16'
        ? x instanceof Uint16Array
          ? x
          : float16Bits(x as Uint16Array)
        : toFloat32Array(x, 'x');
    this.checkAlive('upload');
    const queue = this.residentQueue();
    return queue ? new Tensor(this, { queue, data: queue.upload(input) }) : new Tensor(this, input.slice());
  }

  wrap(buffer: GPUBuffer, options?: WrapOptions): Tensor {
    const candidate = buffer as Partial<GPUBuffer> | null;
    if (
      typeof candidate !== 'object' ||
      candidate === null ||
      typeof candidate.size !== 'number' ||
      typeof candidate.usage !== 'number' ||
      typeof candidate.mapAsync !== 'function'
    ) {
      throw new ArgumentTypeError('buffer', `expected a GPUBuffer, got ${describe(buffer)}`);
    }
    const given = checkOptionsObject(options);
    checkKnownKeys(given, ['byteOffset', 'length', 'dtype']);
    const dtype = checkDtype(given.dtype) ?? 'float32';
    const bytesPerElement = elementBytes(dtype);
    const byteOffset = given.byteOffset ?? 0;
    if (typeof byteOffset !== 'number')
      throw new ArgumentTypeError('options.byteOffset', `expected a number of bytes, got ${describe(byteOffset)}`);
    if (given.length !== undefined && typeof given.length !== 'number') {
      throw new ArgumentTypeError('options.length', `expected a number of ${dtype} values, got ${describe(given.length)}`);
    }
    this.checkAlive('wrap');
    const queue = this.residentQueue();
    if (!queue) throw new ArgumentTypeError('buffer', `this engine runs on the CPU (${this.reason}); a GPUBuffer needs a WebGPU engine`);
    if ((buffer.usage & BufferUsage.STORAGE) === 0) {
      throw new ArgumentTypeError(
        'buffer',
        `lacks the STORAGE usage flag (its usage is ${buffer.usage}); the kernels bind it as a storage buffer`,
      );
    }
    if (buffer.mapState !== 'unmapped') throw new ArgumentTypeError('buffer', `is ${buffer.mapState}; unmap it first`);
    const alignment = queue.executor.device.limits.minStorageBufferOffsetAlignment;
    if (!Number.isSafeInteger(byteOffset) || byteOffset < 0 || byteOffset % alignment !== 0) {
      throw new ArgumentRangeError(
        'options.byteOffset',
        `expected a non-negative multiple of the device's minStorageBufferOffsetAlignment (${alignment}), got ${byteOffset}`,
      );
    }
    if (byteOffset > buffer.size)
      throw new ArgumentRangeError('options.byteOffset', `${byteOffset} is past the end of the buffer (${buffer.size} bytes)`);
    const length = given.length ?? Math.floor((buffer.size - byteOffset) / bytesPerElement);
    if (!Number.isSafeInteger(length) || length < 0) {
      throw new ArgumentRangeError('options.length', `expected a non-negative integer, got ${length}`);
    }
    const end = byteOffset + length * bytesPerElement;
    if (end > buffer.size) {
      throw new ArgumentRangeError(
        'options.length',
        `${length} ${dtype === 'float16' ? 'halves' : 'floats'} from byte ${byteOffset} end at byte ${end}, past the end of the buffer (${buffer.size} bytes)`,
      );
    }
    // WebGPU binds and copies whole 4-byte words: a last half that ends the buffer has no word of its own.
    if (end % 4 !== 0 && end + 2 > buffer.size) {
      throw new ArgumentRangeError(
        'options.length',
        `${length} float16 values from byte ${byteOffset} end at byte ${end}, in the middle of a 32-bit word that the buffer (${buffer.size} bytes, not a multiple of 4) does not hold whole; WebGPU binds and copies whole words: give the buffer a size that is a multiple of 4`,
      );
    }
    return new Tensor(this, { queue, data: queue.wrap({ buffer, byteOffset, length, dtype }) });
  }

  /** The resident queue of the current device, made on first use; undefined on the CPU. */
  residentQueue(): ResidentQueue | undefined {
    const gpu = this.gpu;
    if (!gpu) return undefined;
    if (!this.queue || this.queueOwner !== gpu) {
      this.queue = new ResidentQueue(gpu.executor);
      this.queueOwner = gpu;
    }
    return this.queue;
  }

  private queueOwner: GpuBackend | undefined;

  get device(): GPUDevice | null {
    return this.gpu?.device ?? null;
  }

  get minGpuElements(): number {
    return this.gpu ? this.minElements : Number.POSITIVE_INFINITY;
  }

  async forward(activation: ElementwiseActivation, x: unknown, options?: unknown): Promise<FloatArray> {
    const { call, args } = this.resolve(activation, options, 'forward', [[x, null]]);
    this.checkAlive(call.label);
    return this.elementwise(call.activation, call.kernel, args, call.alpha);
  }

  async derivative(activation: ElementwiseActivation, x: unknown, options?: unknown): Promise<FloatArray> {
    const { call, args } = this.resolve(activation, options, 'derivative', [[x, null]]);
    this.checkAlive(call.label);
    return this.elementwise(call.activation, call.kernel, args, call.alpha);
  }

  async backward(activation: ElementwiseActivation, a: unknown, dy: unknown, options?: unknown): Promise<FloatArray> {
    const { call, args } = this.resolve(activation, options, 'backward', [
      [a, null],
      [dy, 'dy'],
    ]);
    const [input, gradient] = args.inputs as [Storage, Storage];
    checkSameLength(gradient, 'dy', input.length, call.input);
    this.checkAlive(call.label);
    return this.elementwise(call.activation, call.kernel, args, call.alpha);
  }

  async forwardWithDerivative(activation: ElementwiseActivation, x: unknown, options?: unknown): Promise<[FloatArray, FloatArray]> {
    const { call, args } = this.resolve(activation, options, 'forwardWithDerivative', [[x, null]]);
    if (args.out) throw new ArgumentTypeError('options.out', 'the WithDerivative methods return two new arrays and take no out');
    const input = args.inputs[0] as Storage;
    this.checkAlive(call.label);
    const [values, derivatives] = await this.onBackend(
      input.length,
      opKey(call.activation, 'forward_and_derivative'),
      'elementwise',
      (gpu) => gpu.forwardAndDerivative(call.activation, input, call.alpha),
      () => {
        const values = allocate(args.dtype, input.length);
        const derivatives = allocate(args.dtype, input.length);
        runForwardAndDerivativeStorage(call.activation, input, call.alpha, values, derivatives);
        return [values, derivatives] as [Storage, Storage];
      },
    );
    return [toForm(values, args.form) as FloatArray, toForm(derivatives, args.form) as FloatArray];
  }

  async softmax(x: unknown, options?: unknown): Promise<FloatArray> {
    return this.rows('softmax', [[x, 'x']], options);
  }

  async logSoftmax(x: unknown, options?: unknown): Promise<FloatArray> {
    return this.rows('log_softmax', [[x, 'x']], options);
  }

  async softmaxBackward(y: unknown, dy: unknown, options?: unknown): Promise<FloatArray> {
    return this.rows(
      'softmax_backward',
      [
        [y, 'y'],
        [dy, 'dy'],
      ],
      options,
    );
  }

  // Validates an elementwise call: its options (the op's, dtype and out) and its data arguments.
  private resolve<Operation extends ElementwiseOperation>(
    activation: ElementwiseActivation,
    options: unknown,
    operation: Operation,
    values: readonly (readonly [unknown, string | null])[],
  ): { call: ResolvedCall<KernelOf[Operation]>; args: ResolvedArguments } {
    const call = resolveCall(activation, options, operation, STORAGE_KEYS);
    const given = checkOptionsObject(options);
    // The data argument (null above) is named as the call reads it: x, or y from the output.
    const named = values.map(([value, name]) => [value, name ?? call.input] as const);
    return { call, args: resolveArguments(named, given.out, given.dtype, 'options.out') };
  }

  stats(): PoolStats {
    return this.gpu?.stats() ?? { liveBuffers: 0, liveBytes: 0, pooledBuffers: 0, pooledBytes: 0, maxPooledBytes: 0 };
  }

  destroy(): void {
    if (this.destroyed) return;
    this.destroyed = true;
    const gpu = this.gpu;
    this.gpu = undefined;
    gpu?.destroy(this.recover !== undefined);
  }

  // A row op on its data arguments (x, or y and dy), on the GPU or the CPU.
  private async rows(kernel: RowKernel, values: readonly (readonly [unknown, string])[], options: unknown): Promise<FloatArray> {
    const given = checkOptionsObject(options);
    const args = resolveArguments(values, given.out, given.dtype, 'options.out');
    const [first, second] = args.inputs as [Storage, Storage | undefined];
    if (second) checkSameLength(second, 'dy', first.length, 'y');
    const { rows, cols } = resolveShape(options, first.length, 'options', STORAGE_KEYS);
    this.checkAlive(kernel);
    const output = await this.onBackend(
      first.length,
      rowKey(kernel, cols),
      'rows',
      (gpu) => gpu.rows(kernel, args.inputs, { rows, cols }, args.out),
      () => runRowsStorage(kernel, first, second, rows, cols, args.out ?? allocate(args.dtype, first.length)),
    );
    return (args.outValue ?? toForm(output, args.form)) as FloatArray;
  }

  private async elementwise(
    activation: ElementwiseActivation,
    kernel: ElementwiseKernel,
    args: ResolvedArguments,
    alpha: number,
  ): Promise<FloatArray> {
    const [x, dy] = args.inputs as [Storage, Storage | undefined];
    const output = await this.onBackend(
      x.length,
      opKey(activation, kernel),
      'elementwise',
      (gpu) => gpu.elementwise(activation, kernel, x, dy, alpha, args.out),
      () => runElementwiseStorage(activation, kernel, x, dy, alpha, args.out ?? allocate(args.dtype, x.length)),
    );
    return (args.outValue ?? toForm(output, args.form)) as FloatArray;
  }

  // Runs on the GPU when the engine has one and the array is large enough (under a calibrated auto:
  // where the chooser expects the GPU to be faster), else on the CPU. A call whose device is lost while
  // it runs is computed again on the CPU: no wrong or missing values.
  private async onBackend<T>(
    length: number,
    op: string,
    family: OpFamily,
    onGpu: (gpu: GpuBackend) => Promise<T>,
    onCpu: () => T,
  ): Promise<T> {
    const gpu = this.gpu;
    const chooser = this.chooser;
    // Tiny arrays skip the chooser (and its timing, which at 16 elements cost a fifth of the call):
    // a GPU round trip (a submit, a map, a copy) takes tens of microseconds on any device.
    const tiny = length <= ALWAYS_CPU_ELEMENTS;
    const side =
      !gpu || length === 0
        ? 'cpu'
        : chooser
          ? tiny
            ? 'cpu'
            : chooser.choose(op, family, length)
          : length < this.minElements
            ? 'cpu'
            : 'gpu';
    this.lastCallBackend = side === 'gpu' ? 'webgpu' : 'cpu';
    const timed = chooser !== undefined && length > 0 && !tiny && chooser.timed;
    const start = timed ? performance.now() : 0;
    if (side === 'cpu' || !gpu) {
      const result = onCpu();
      if (timed) this.learn(chooser, op, family, 'cpu', length, performance.now() - start);
      return result;
    }
    try {
      const result = await onGpu(gpu);
      if (timed) this.learn(chooser, op, family, 'gpu', length, performance.now() - start);
      return result;
    } catch (error) {
      if (this.destroyed) throw new EngineDestroyedError('the call');
      if (error instanceof RangeError) throw error;
      // A failed map or submit may be the first sign of a loss whose `lost` promise has not settled yet.
      if (await gpu.isLost()) return onCpu();
      throw error;
    }
  }

  // Tells the chooser what a call cost, except the first call of each op on each side, which also
  // paid for compiling its pipeline or for the JIT.
  private learn(chooser: BackendChooser, op: string, family: OpFamily, side: Side, length: number, ms: number): void {
    const warmedUp = side === 'gpu' ? this.warmedUpOnGpu : this.warmedUpOnCpu;
    if (!warmedUp.has(op)) {
      warmedUp.add(op);
      return;
    }
    chooser.record(op, family, side, length, ms);
  }

  private readonly warmedUpOnGpu = new Set<string>();
  private readonly warmedUpOnCpu = new Set<string>();

  checkAlive(operation: string): void {
    if (this.destroyed) throw new EngineDestroyedError(operation);
  }
}

addNamedMethods(Engine.prototype as unknown as Parameters<typeof addNamedMethods>[0]);

function asActivations(engine: Engine): Activations {
  return engine as unknown as Activations;
}

/**
 * Creates an engine. With `backend: 'auto'` (default) it uses WebGPU when `navigator.gpu` (in Node: the
 * optional `webgpu` package, Dawn) grants an adapter and a device, and the CPU otherwise; `act.backend` and `act.reason` say which and why.
 *
 * @param options - see {@link CreateActivationsOptions}.
 * @returns the engine, ready to use.
 * @throws {WebGPUError} `backend: 'webgpu'` and no device could be had.
 * @throws {TypeError} an unknown option, or an option of the wrong type ({@link ArgumentTypeError}).
 * @throws {RangeError} an option outside its range: `backend: 'gpu'`, `minGpuElements: -1` ({@link ArgumentRangeError}).
 * @example
 * ```ts
 * const act = await createActivations();
 * console.log(act.backend, act.reason);
 * const p = await act.softmax(logits, { rows: 128, cols: 10 });
 * act.destroy();
 * ```
 */
export async function createActivations(options?: CreateActivationsOptions): Promise<Activations> {
  const given = resolveEngineOptions(options);
  const backend = given.backend;
  const minGpuElements = backend === 'webgpu' ? 0 : (given.minGpuElements ?? DEFAULT_MIN_GPU_ELEMENTS);
  if (backend === 'cpu') return asActivations(new Engine(undefined, 'the CPU backend was requested', minGpuElements, undefined));

  const backendOptions = {
    maxChunkBytes: given.maxChunkBytes,
    maxWorkgroupsPerDimension: given.maxWorkgroupsPerDimension,
    rowStrategy: given.rowStrategy,
    maxPooledBytes: given.maxPooledBytes ?? DEFAULT_MAX_POOLED_BYTES,
    poisonOutputs: given.poisonOutputs,
  };
  const auto = backend === 'auto' ? `; arrays under ${minGpuElements} elements run on the CPU` : '';
  const calibrated = backend === 'auto' && given.minGpuElements === undefined;
  // An engine on a GPU: under auto without a given threshold, it measures its crossover before use.
  const start = async (gpu: GpuBackend, description: string, recover: (() => Promise<GpuBackend | string>) | undefined) => {
    const engine = new Engine(gpu, calibrated ? description : `${description}${auto}`, minGpuElements, recover);
    if (calibrated) await engine.calibrate();
    return asActivations(engine);
  };
  if (given.device) {
    // A caller's device is the caller's: after its loss the engine runs on the CPU and asks for none.
    const description = `WebGPU device given by the caller (${given.device.label || 'unlabelled'})`;
    return start(new GpuBackend(given.device, backendOptions), description, undefined);
  }
  // The engine's own device: requested here, and again after a loss.
  let grantedReason = ''; // the adapter, and where it came from (navigator.gpu, Node's webgpu package)
  const request = async (): Promise<GpuBackend | string> => {
    const granted = await requestDevice(given.gpu);
    grantedReason = granted.reason;
    return granted.device ? new GpuBackend(granted.device, backendOptions, granted.adapterInfo) : granted.reason;
  };
  const first = await request();
  if (typeof first === 'string') {
    if (backend === 'webgpu') throw new WebGPUError(`backend 'webgpu' was requested but ${first}`);
    return asActivations(new Engine(undefined, `${first}; running on the CPU`, minGpuElements, undefined));
  }
  return start(first, grantedReason, request);
}

export { describeAdapter };
