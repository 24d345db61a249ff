import { type Dtype, dtypeOf, elementBytes, type Float16ArrayType, type Storage, toForm } from './dtype.ts';
import { ArgumentTypeError, WebGPUError } from './errors.ts';
import { BufferUsage } from './gpu/flags.ts';
import type { ResidentQueue, TensorData } from './gpu/resident.ts';

// A tensor dropped without destroy() still returns its GPU buffer to the pool when collected.
const unreleased = new FinalizationRegistry<{ queue: ResidentQueue; data: TensorData }>(({ queue, data }) => queue.release(data));

/**
 * What `tensor.read()` gives for a dtype: a Float32Array for float32; for float16 a Float16Array where
 * the runtime has one, else a Uint16Array of bits.
 */
export type TensorValues<D extends Dtype> = [D] extends ['float32']
  ? Float32Array
  : [D] extends ['float16']
    ? Float16ArrayType | Uint16Array
    : Float32Array | Float16ArrayType | Uint16Array;

// A Float16Array where the runtime has one, else the bits.
function float16ArrayOrBits(): 'float16-array' | 'float16-bits' {
  return (globalThis as { Float16Array?: unknown }).Float16Array === undefined ? 'float16-bits' : 'float16-array';
}

function checkReadOptions(options: unknown, dtype: Dtype): boolean {
  if (options === undefined) return false;
  if (options === null || typeof options !== 'object') throw new ArgumentTypeError('options', 'expected { bits: true } or nothing');
  for (const key of Object.keys(options)) {
    if (key !== 'bits') throw new ArgumentTypeError(`options.${key}`, 'is not an option here (expected bits)');
  }
  const bits = (options as { bits?: unknown }).bits ?? false;
  if (typeof bits !== 'boolean') throw new ArgumentTypeError('options.bits', `expected true or false, got ${typeof bits}`);
  if (bits && dtype !== 'float16') {
    throw new ArgumentTypeError('options.bits', 'this is a float32 tensor: it has no float16 bits; read() gives its Float32Array');
  }
  return bits;
}

/** What a tensor needs of the engine that made it. */
export interface TensorOwner {
  /** Throws EngineDestroyedError once the engine was destroyed. */
  checkAlive(operation: string): void;
}

type TensorState =
  | { readonly kind: 'gpu'; readonly queue: ResidentQueue; readonly data: TensorData }
  | { readonly kind: 'cpu'; readonly data: Storage }
  | { readonly kind: 'destroyed' };

/**
 * An array kept where an engine computes: on the GPU (a range of a storage buffer) for a WebGPU
 * engine, in a Float32Array for a CPU engine. Made by `act.upload(x)`, `act.wrap(buffer)` and the ops
 * of `act.resident`, which take and return tensors without a round trip; `await t.read()` brings the
 * values back, and `t.buffer` / `t.byteOffset` / `t.byteLength` let a WebGPU program bind it.
 *
 * @example
 * ```ts
 * const x = act.upload(logits);
 * const y = act.resident.sigmoid(x);                 // recorded, not yet submitted
 * const dx = act.resident.sigmoidBackward(y, act.upload(dy));
 * const gradient = await dx.read();                  // submits both ops, one copy back
 * for (const t of [x, y, dx]) t.destroy();
 * ```
 */
export class Tensor<D extends Dtype = Dtype> {
  /** Number of values. */
  readonly length: number;
  /** How the values are stored: `'float32'`, or `'float16'` (halves, two to a 32-bit word of the buffer). */
  readonly dtype: D;
  private state: TensorState;

  /** @internal Engines make tensors; see `act.upload` and `act.wrap`. */
  constructor(
    readonly owner: TensorOwner,
    storage: { queue: ResidentQueue; data: TensorData } | Storage,
  ) {
    if (storage instanceof Float32Array || storage instanceof Uint16Array) {
      this.length = storage.length;
      this.dtype = dtypeOf(storage) as D;
      this.state = { kind: 'cpu', data: storage };
    } else {
      this.length = storage.data.view.length;
      this.dtype = (storage.data.view.dtype ?? 'float32') as D;
      this.state = { kind: 'gpu', queue: storage.queue, data: storage.data };
      if (storage.data.owned) unreleased.register(this, { queue: storage.queue, data: storage.data }, this);
    }
  }

  /** Where the values live: `'webgpu'`, `'cpu'`, or `'destroyed'`. */
  get location(): 'webgpu' | 'cpu' | 'destroyed' {
    return this.state.kind === 'gpu' ? 'webgpu' : this.state.kind;
  }

  /**
   * The GPUBuffer that holds the values (from `byteOffset`, `byteLength` bytes), to bind in a caller's
   * own pipelines. Taking it submits every op the engine has recorded so far, so that the caller's
   * next submission on the device's queue sees the values (an op recorded into the caller's encoder
   * with `act.resident.with(encoder)` runs when the caller submits that encoder). The buffer stays the
   * engine's for a tensor it made: do not destroy it; `tensor.destroy()` gives it back.
   * @throws {TypeError} a tensor on the CPU backend, or a destroyed one.
   */
  get buffer(): GPUBuffer {
    const state = this.gpuState('tensor');
    state.queue.flush();
    return state.data.view.buffer;
  }

  /** Where the values start in `buffer`, in bytes. @throws {TypeError} a tensor on the CPU backend, or a destroyed one. */
  get byteOffset(): number {
    return this.gpuState('tensor').data.view.byteOffset;
  }

  /** The bytes the values take: 4 × length for float32, 2 × length for float16. */
  get byteLength(): number {
    return this.length * elementBytes(this.dtype);
  }

  /**
   * Settles once every op that produced the tensor has been submitted and checked: rejects with the
   * error of the op that wrote it (or of an op it depended on), resolves otherwise. For a tensor
   * recorded into a caller's encoder this says whether recording succeeded; the values are there once
   * the caller's submission has run.
   */
  async ready(): Promise<void> {
    const state = this.gpuOrCpu('tensor');
    if (state.kind === 'cpu') return;
    state.queue.flush();
    const error = await state.data.error;
    if (error) throw error;
  }

  /**
   * The values, copied into a new array (on the GPU: submits pending ops, one copy, one map): a
   * Float32Array for a float32 tensor; for a float16 tensor a Float16Array where the runtime has one
   * and its bits in a Uint16Array where it has none, or always the bits with `{ bits: true }` (for code
   * that must run everywhere). A tensor recorded into a caller's encoder may be read once the caller has
   * submitted that encoder.
   * @param options - `{ bits: true }`: a float16 tensor's bits as a Uint16Array (a float32 tensor refuses it).
   * @throws {WebGPUError} the op that produced the tensor failed, or the device was lost while reading.
   * @throws {TypeError} the tensor was destroyed, its device was lost, its buffer lacks COPY_SRC usage;
   * `EngineDestroyedError` (a TypeError) its engine was destroyed.
   */
  async read(options: { bits: true }): Promise<Uint16Array>;
  async read(options?: { bits?: false }): Promise<TensorValues<D>>;
  async read(options?: { bits?: boolean }): Promise<TensorValues<D> | Uint16Array> {
    const bits = checkReadOptions(options, this.dtype);
    const values = await this.readStorage();
    if (values instanceof Float32Array || bits) return values as TensorValues<D>;
    return toForm(values, float16ArrayOrBits()) as TensorValues<D>;
  }

  private async readStorage(): Promise<Storage> {
    const state = this.gpuOrCpu('tensor');
    // The engine's destroy() destroyed the buffer: a copy from it would read back zeros, not an error.
    this.owner.checkAlive('tensor.read');
    if (state.kind === 'cpu') return state.data.slice();
    if (state.queue.executor.lost) {
      throw new ArgumentTypeError(
        'tensor',
        "its WebGPU device was lost, and its values with it; compute it again on the engine's new device",
      );
    }
    if ((state.data.view.buffer.usage & BufferUsage.COPY_SRC) === 0) {
      throw new ArgumentTypeError('tensor', 'its GPUBuffer lacks the COPY_SRC usage flag, which read() needs to copy the values back');
    }
    try {
      return await state.queue.read(state.data);
    } catch (error) {
      if (error instanceof TypeError || error instanceof RangeError || error instanceof WebGPUError) throw error;
      throw new WebGPUError(`reading the tensor failed (the device may have been lost or the engine destroyed): ${String(error)}`);
    }
  }

  /** Releases the tensor: an engine's buffer returns to its pool; a wrapped caller's buffer is left as it is. Later use throws. */
  destroy(): void {
    if (this.state.kind === 'gpu') {
      unreleased.unregister(this);
      this.state.queue.release(this.state.data);
    }
    this.state = { kind: 'destroyed' };
  }

  /** @internal The storage, for the engine that owns it. */
  storage(argument: string, owner: TensorOwner): Exclude<TensorState, { kind: 'destroyed' }> {
    if (this.owner !== owner) throw new ArgumentTypeError(argument, 'this tensor belongs to another engine');
    return this.gpuOrCpu(argument);
  }

  private gpuOrCpu(argument: string): Exclude<TensorState, { kind: 'destroyed' }> {
    const state = this.state;
    if (state.kind === 'destroyed') throw new ArgumentTypeError(argument, 'this tensor was destroyed');
    return state;
  }

  private gpuState(argument: string): Extract<TensorState, { kind: 'gpu' }> {
    const state = this.gpuOrCpu(argument);
    if (state.kind !== 'gpu') throw new ArgumentTypeError(argument, 'this tensor lives on the CPU (a CPU engine); it has no GPUBuffer');
    return state;
  }
}
