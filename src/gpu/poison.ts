// Poisoning outputs for tests (the engine's `poisonOutputs`): every output is filled with a value no
// kernel writes, in the command stream before the kernel, so that an element a kernel leaves
// unwritten shows in the result instead of a stale or zero value that may look right.

import { BufferUsage } from './flags.ts';
import { padded } from './layout.ts';

/** What poisoning writes: finite (a NaN would pass where NaN is expected) and outside every activation's usual range. */
export const POISON_VALUE = -1.2345e30;

/** Largest copy of poison recorded at once: the source buffer's size, whatever the output's. */
export const POISON_CHUNK_BYTES = 4 * 1024 * 1024;

/**
 * Records copies of {@link POISON_VALUE} over outputs, from one source buffer that grows to the largest
 * chunk asked for (at most {@link POISON_CHUNK_BYTES}). Sources outgrown are kept until destroy(): a
 * caller's encoder that has not been submitted may still copy from them.
 */
export class OutputPoisoner {
  private source: GPUBuffer | undefined;
  private readonly outgrown: GPUBuffer[] = [];

  /** @param device - where the source buffer is made. */
  constructor(private readonly device: GPUDevice) {}

  /**
   * Records into `encoder` the copies that fill `length` float32 values of `buffer` from `byteOffset`.
   * A buffer without COPY_DST usage (a caller's) is left as it is, and so is an empty range.
   * @param encoder - the encoder of the op, before the op's own dispatches.
   * @param buffer - the output's buffer.
   * @param byteOffset - where the output starts (a multiple of 4).
   * @param length - float32 values to fill.
   */
  record(encoder: GPUCommandEncoder, buffer: GPUBuffer, byteOffset: number, length: number): void {
    if (length === 0 || (buffer.usage & BufferUsage.COPY_DST) === 0) return;
    const bytes = length * 4;
    const chunkBytes = Math.min(bytes, POISON_CHUNK_BYTES);
    const source = this.sourceOf(chunkBytes);
    for (let done = 0; done < bytes; done += chunkBytes) {
      encoder.copyBufferToBuffer(source, 0, buffer, byteOffset + done, Math.min(chunkBytes, bytes - done));
    }
  }

  /** Destroys the source buffers, outgrown ones included. */
  destroy(): void {
    this.source?.destroy();
    this.source = undefined;
    for (const buffer of this.outgrown) buffer.destroy();
    this.outgrown.length = 0;
  }

  // The poison source, grown to hold at least `bytes`.
  private sourceOf(bytes: number): GPUBuffer {
    if (this.source && this.source.size >= bytes) return this.source;
    if (this.source) this.outgrown.push(this.source);
    const source = this.device.createBuffer({
      label: 'webgpu-activations.poison',
      size: padded(bytes / 4),
      usage: BufferUsage.COPY_SRC,
      mappedAtCreation: true,
    });
    new Float32Array(source.getMappedRange()).fill(POISON_VALUE);
    source.unmap();
    this.source = source;
    return source;
  }
}
