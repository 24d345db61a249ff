import { ArgumentTypeError, WebGPUError } from './errors.ts';
import type { ResidentData, ResidentQueue } from './gpu/resident.ts';

// A tensor dropped without destroy() still returns its GPU buffer to the pool when collected.
const unreleased = new FinalizationRegistry<{ queue: ResidentQueue; buffer: GPUBuffer }>(({ queue, buffer }) => queue.release(buffer));

/**
 * An array kept where an engine computes: on the GPU (a storage buffer) for a WebGPU engine, in a
 * Float32Array for a CPU engine. Made by `act.upload(x)` and by the ops of `act.resident`, which take
 * and return tensors without a round trip; `await t.read()` brings the values back.
 *
 * @example
 * ```ts
 * const x = act.upload(logits);
 * const y = act.resident.sigmoid(x);                 // recorded, not yet submitted
 * const dx = act.resident.sigmoidBackward(y, act.upload(dy));
 * const gradient = await dx.read();                  // one submit for both ops, one map
 * for (const t of [x, y, dx]) t.destroy();
 * ```
 */
export class Tensor {
  /** Number of float32 values. */
  readonly length: number;
  private state:
    | { readonly kind: 'gpu'; readonly queue: ResidentQueue; readonly data: ResidentData }
    | { readonly kind: 'cpu'; readonly data: Float32Array }
    | { readonly kind: 'destroyed' };

  /** @internal Engines make tensors; see `act.upload`. */
  constructor(
    readonly owner: { checkAlive(operation: string): void },
    storage: { queue: ResidentQueue; data: ResidentData } | Float32Array,
  ) {
    if (storage instanceof Float32Array) {
      this.length = storage.length;
      this.state = { kind: 'cpu', data: storage };
    } else {
      this.length = storage.data.length;
      this.state = { kind: 'gpu', queue: storage.queue, data: storage.data };
      unreleased.register(this, { queue: storage.queue, buffer: storage.data.buffer }, this);
    }
  }

  /** Where the values live: `'webgpu'`, `'cpu'`, or `'destroyed'`. */
  get location(): 'webgpu' | 'cpu' | 'destroyed' {
    return this.state.kind === 'gpu' ? 'webgpu' : this.state.kind;
  }

  /**
   * The values, copied into a new Float32Array (on the GPU: submits pending ops, one copy, one map).
   * @throws {WebGPUError} the op that produced the tensor failed, or the device was lost.
   * @throws {TypeError} the tensor was destroyed; `EngineDestroyedError` (a TypeError) its engine was.
   */
  async read(): Promise<Float32Array> {
    const state = this.state;
    if (state.kind === 'destroyed') throw new ArgumentTypeError('tensor', 'this tensor was destroyed');
    // The engine's destroy() destroyed the buffer: a copy from it would read back zeros, not an error.
    this.owner.checkAlive('tensor.read');
    if (state.kind === 'cpu') return state.data.slice();
    try {
      return await state.queue.read(state.data);
    } catch (error) {
      if (error instanceof WebGPUError) throw error;
      throw new WebGPUError(`reading the tensor failed (the device may have been lost or the engine destroyed): ${String(error)}`);
    }
  }

  /** Releases the tensor's storage (its GPU buffer returns to the engine's pool). Later use throws. */
  destroy(): void {
    if (this.state.kind === 'gpu') {
      unreleased.unregister(this);
      this.state.queue.release(this.state.data.buffer);
    }
    this.state = { kind: 'destroyed' };
  }

  /** @internal The storage, for the engine that owns it. */
  storage(
    argument: string,
    owner: { checkAlive(operation: string): void },
  ): { kind: 'gpu'; data: ResidentData } | { kind: 'cpu'; data: Float32Array } {
    if (this.owner !== owner) throw new ArgumentTypeError(argument, 'this tensor belongs to another engine');
    const state = this.state;
    if (state.kind === 'destroyed') throw new ArgumentTypeError(argument, 'this tensor was destroyed');
    return state.kind === 'gpu' ? { kind: 'gpu', data: state.data } : state;
  }
}
