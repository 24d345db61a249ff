// The buffer pool against a stand-in device that records what it creates and destroys: size classes,
// the device's maxBufferSize, and the bound on idle bytes.

import { describe, expect, it } from 'vitest';
import { BufferPool, sizeClass } from '../../src/gpu/buffer-pool.ts';

function fakeDevice(maxBufferSize: number) {
  const alive = new Set<{ size: number; usage: number; destroy(): void }>();
  const device = {
    limits: { maxBufferSize },
    createBuffer({ size, usage }: { size: number; usage: number }) {
      const buffer = { size, usage, destroy: () => alive.delete(buffer) };
      alive.add(buffer);
      return buffer;
    },
  };
  return { device: device as unknown as GPUDevice, alive };
}

describe('BufferPool', () => {
  it('rounds sizes up to a class that wastes at most 25%', () => {
    for (const size of [1, 17, 256, 257, 1000, 4097, 70_001, 1 << 20, (1 << 20) + 1]) {
      const rounded = sizeClass(size);
      expect(rounded).toBeGreaterThanOrEqual(size);
      expect(rounded % 16).toBe(0);
      expect(rounded).toBeLessThanOrEqual(Math.max(256, size * 1.25 + 16));
    }
  });

  it("never rounds a request past the device's maxBufferSize", () => {
    const maxBufferSize = 1000 * 1024 + 8; // not a size class, not a multiple of 16
    const { device } = fakeDevice(maxBufferSize);
    const pool = new BufferPool(device, 1 << 30);
    const nearLimit = pool.acquire(maxBufferSize - 40, 1, 'test');
    expect(sizeClass(maxBufferSize - 40)).toBeGreaterThan(maxBufferSize);
    expect(nearLimit.size).toBeGreaterThanOrEqual(maxBufferSize - 40);
    expect(nearLimit.size).toBeLessThanOrEqual(maxBufferSize);
    expect(pool.acquire(5000, 1, 'test').size).toBe(sizeClass(5000));
  });

  it('keeps idle bytes under its bound, evicting the least recently released, and destroys all on destroy()', () => {
    const { device, alive } = fakeDevice(1 << 30);
    const pool = new BufferPool(device, 10_000);
    const buffers = [4096, 4096, 4096, 1024].map((size) => pool.acquire(size, 1, 'test'));
    expect(pool.stats()).toMatchObject({ liveBuffers: 4, liveBytes: 13_312 });
    for (const buffer of buffers) pool.release(buffer);
    expect(pool.stats().pooledBytes).toBeLessThanOrEqual(10_000);
    expect(alive.has(buffers[0] as never), 'the oldest release was evicted').toBe(false);
    expect(alive.has(buffers[3] as never)).toBe(true);
    expect(pool.acquire(1024, 1, 'test'), 'a released buffer is reused').toBe(buffers[3]);
    pool.destroy();
    expect(alive.size).toBe(0);
  });
});
