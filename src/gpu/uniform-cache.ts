// Uniform buffers shared by every recording of one executor, each immutable: written once, at
// creation, so that any number of recordings, submitted in any order, can bind the same one.

import { BufferUsage } from './flags.ts';
import { UNIFORM_BYTES } from './uniforms.ts';

/** Uniform buffers kept by default; past this many, the least recently used are retired. */
export const MAX_CACHED_UNIFORMS = 4096;

/**
 * One GPU buffer per distinct set of uniform parameters, made on first use and never written again.
 * The least recently used beyond `maxEntries` are retired: destroyed by {@link collectRetired} once no
 * engine batch that may use them is pending, or, where a caller's encoder used one, left to the garbage
 * collector (WebGPU keeps a buffer alive for the command buffers that reference it; destroying it would
 * fail the caller's submit).
 */
export class UniformCache {
  /** Engine batches recorded and not yet submitted (ResidentQueue sets it): retired uniforms wait for them. */
  pendingBatches = 0;
  private readonly entries = new Map<string, { buffer: GPUBuffer; callerOwned: boolean }>();
  private retired: GPUBuffer[] = [];

  /**
   * @param device - where the buffers are made.
   * @param maxEntries - uniforms kept before the least recently used are retired.
   */
  constructor(
    private readonly device: GPUDevice,
    private readonly maxEntries = MAX_CACHED_UNIFORMS,
  ) {}

  /** Uniform buffers held now (retired ones excluded). */
  get size(): number {
    return this.entries.size;
  }

  /**
   * The uniform buffer ({@link UNIFORM_BYTES} bytes) holding `params`, made on first use.
   * @param params - {@link UNIFORM_BYTES} bytes, as the packers of uniforms.ts make them; the key is their bits.
   * @param callerOwned - whether the buffer is recorded into a caller's encoder: then it is never destroyed
   * before destroy() of the cache (its retirement leaves it to the garbage collector).
   * @returns a buffer with UNIFORM usage, labelled `webgpu-activations.params`.
   */
  buffer(params: ArrayBuffer, callerOwned: boolean): GPUBuffer {
    const key = Array.from(new Uint32Array(params)).join(',');
    let entry = this.entries.get(key);
    if (entry) {
      this.entries.delete(key);
    } else {
      const buffer = this.device.createBuffer({
        label: 'webgpu-activations.params',
        size: UNIFORM_BYTES,
        usage: BufferUsage.UNIFORM,
        mappedAtCreation: true,
      });
      new Uint8Array(buffer.getMappedRange()).set(new Uint8Array(params, 0, UNIFORM_BYTES));
      buffer.unmap();
      entry = { buffer, callerOwned: false };
      for (const [oldest, evicted] of this.entries) {
        if (this.entries.size < this.maxEntries) break;
        this.entries.delete(oldest);
        if (!evicted.callerOwned) this.retired.push(evicted.buffer);
      }
    }
    if (callerOwned) entry.callerOwned = true;
    this.entries.set(key, entry);
    return entry.buffer;
  }

  /** Destroys retired uniforms when no engine batch that may use them is waiting for its submit. */
  collectRetired(): void {
    if (this.pendingBatches > 0 || this.retired.length === 0) return;
    for (const buffer of this.retired) buffer.destroy();
    this.retired = [];
  }

  /** Destroys every buffer the cache made, held or retired. */
  destroy(): void {
    for (const { buffer } of this.entries.values()) buffer.destroy();
    this.entries.clear();
    for (const buffer of this.retired) buffer.destroy();
    this.retired = [];
  }
}
