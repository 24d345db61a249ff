import { ArgumentTypeError, WebGPUError } from './errors.ts';
import { BufferUsage } from './gpu/flags.ts';
import type { ResidentQueue, TensorData } from './gpu/resident.ts';

// A tensor dropped without destroy() still returns its GPU buffer to the pool when collected.
const unreleased = new FinalizationRegistry<{ queue: ResidentQueue; data: TensorData }>(({ queue, data }) => queue.release(data));

/** What a tensor needs of the engine that made it. */
export interface TensorOwner {
  /** Throws EngineDestroyedError once the engine was destroyed. */
  checkAlive(operation: string): void;
}

type TensorState =
  | { readonly kind: 'gpu'; readonly queue: ResidentQueue; readonly data: TensorData }
  | { readonly kind: 'cpu'; readonly data: Float32Array }
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
export class Tensor {
  /** Number of float32 values. */
  readonly length: number;
  private state: TensorState;

  /** @internal Engines make tensors; see `act.upload` and `act.wrap`. */
  constructor(
    readonly owner: TensorOwner,
    storage: { queue: ResidentQueue; data: TensorData } | Float32Array,
  ) {
    if (storage instanceof Float32Array) {
      this.length = storage.length;
      this.state = { kind: 'cpu', data: storage };
    } else {
      this.length = storage.data.view.length;
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

  /** The bytes the values take: 4 × length. */
  get byteLength(): number {
    return this.length * 4;
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
   * The values, copied into a new Float32Array (on the GPU: submits pending ops, one copy, one map).
   * A tensor recorded into a caller's encoder may be read once the caller has submitted that encoder.
   * @throws {WebGPUError} the op that produced the tensor failed, or the device was lost while reading.
   * @throws {TypeError} the tensor was destroyed, its device was lost, its buffer lacks COPY_SRC usage;
   * `EngineDestroyedError` (a TypeError) its engine was destroyed.
   */
  async read(): Promise<Float32Array> {
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
