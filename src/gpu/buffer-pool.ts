/** Counts of the GPU buffers a pool owns. */
export interface PoolStats {
  /** Buffers handed out and not yet released. */
  readonly liveBuffers: number;
  readonly liveBytes: number;
  /** Released buffers kept for reuse; their bytes never exceed the pool's bound. */
  readonly pooledBuffers: number;
  readonly pooledBytes: number;
  /** The bound on pooled bytes. */
  readonly maxPooledBytes: number;
}

/**
 * Reuses GPU buffers between calls. Sizes are rounded up to a size class (a power of two times 1, 1.25,
 * 1.5 or 1.75, so at most 25% is wasted) and buffers are kept per (usage, size class). Released
 * buffers beyond `maxPooledBytes` are destroyed, least recently released first, so the memory the
 * pool holds while idle is bounded.
 */
export class BufferPool {
  private readonly free = new Map<string, GPUBuffer[]>();
  // Released buffers, least recently released first, for eviction.
  private readonly releaseOrder = new Set<GPUBuffer>();
  private readonly live = new Set<GPUBuffer>();
  private liveByteCount = 0;
  private pooledByteCount = 0;

  // The largest buffer the device allows, in whole 16-byte units: size classes never round past it.
  private readonly maxBufferBytes: number;

  constructor(
    private readonly device: GPUDevice,
    readonly maxPooledBytes: number,
  ) {
    this.maxBufferBytes = Math.floor(device.limits.maxBufferSize / 16) * 16;
  }

  /** A buffer of at least `size` bytes with exactly `usage`. Release it when the GPU is done with it. */
  acquire(size: number, usage: GPUBufferUsageFlags, label: string): GPUBuffer {
    // A size near the device's limit gets a buffer of the limit, not a size class beyond it (a size
    // beyond the limit itself is left to fail, inside the caller's error scope).
    const classSize = Math.max(Math.ceil(size / 16) * 16, Math.min(sizeClass(size), this.maxBufferBytes));
    const key = `${usage}:${classSize}`;
    let buffer = this.free.get(key)?.pop();
    if (buffer) {
      this.releaseOrder.delete(buffer);
      this.pooledByteCount -= buffer.size;
    } else {
      buffer = this.device.createBuffer({ label: `webgpu-activations.${label}`, size: classSize, usage });
    }
    this.live.add(buffer);
    this.liveByteCount += buffer.size;
    return buffer;
  }

  /** Whether `buffer` is one of this pool's, handed out and not yet released (so its bytes are the engine's). */
  owns(buffer: GPUBuffer): boolean {
    return this.live.has(buffer);
  }

  /** Gives a buffer back for reuse (or destroys it if the pool is full). */
  release(buffer: GPUBuffer): void {
    if (!this.live.delete(buffer)) return;
    this.liveByteCount -= buffer.size;
    const key = `${buffer.usage}:${buffer.size}`;
    const list = this.free.get(key);
    if (list) list.push(buffer);
    else this.free.set(key, [buffer]);
    this.releaseOrder.add(buffer);
    this.pooledByteCount += buffer.size;
    for (const oldest of this.releaseOrder) {
      if (this.pooledByteCount <= this.maxPooledBytes) break;
      this.evict(oldest);
    }
  }

  /** Destroys a buffer handed out by `acquire` instead of keeping it (for example one left with a map pending). */
  discard(buffer: GPUBuffer): void {
    if (!this.live.delete(buffer)) return;
    this.liveByteCount -= buffer.size;
    buffer.destroy();
  }

  stats(): PoolStats {
    return {
      liveBuffers: this.live.size,
      liveBytes: this.liveByteCount,
      pooledBuffers: this.releaseOrder.size,
      pooledBytes: this.pooledByteCount,
      maxPooledBytes: this.maxPooledBytes,
    };
  }

  /** Destroys every buffer the pool made, in use or not. */
  destroy(): void {
    for (const buffer of this.live) buffer.destroy();
    for (const buffer of this.releaseOrder) buffer.destroy();
    this.live.clear();
    this.releaseOrder.clear();
    this.free.clear();
    this.liveByteCount = 0;
    this.pooledByteCount = 0;
  }

  private evict(buffer: GPUBuffer): void {
    this.releaseOrder.delete(buffer);
    const list = this.free.get(`${buffer.usage}:${buffer.size}`);
    if (list) list.splice(list.indexOf(buffer), 1);
    this.pooledByteCount -= buffer.size;
    buffer.destroy();
  }
}

/** Rounds a byte size up to its size class: a multiple of 16, and a power of two times 1, 1.25, 1.5 or 1.75 above 256 bytes. */
export function sizeClass(size: number): number {
  const atLeast = Math.max(16, Math.ceil(size / 16) * 16);
  if (atLeast <= 256) return atLeast;
  const power = 2 ** Math.floor(Math.log2(atLeast));
  const step = power / 4;
  return Math.ceil(atLeast / step) * step;
}
