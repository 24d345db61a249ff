// The uniform cache (src/gpu/uniform-cache.ts) against a stand-in device that records what it creates
// and destroys: one immutable buffer per set of parameters, least recently used retirement, and when a
// retired buffer may be destroyed.

import { describe, expect, it } from 'vitest';
import { BufferUsage } from '../../src/gpu/flags.ts';
import { UniformCache } from '../../src/gpu/uniform-cache.ts';
import { elementwiseParams, rowParams, UNIFORM_BYTES } from '../../src/gpu/uniforms.ts';

interface FakeBuffer {
  readonly size: number;
  readonly usage: number;
  readonly label: string;
  readonly bytes: Uint8Array;
  mapped: boolean;
  destroyed: boolean;
  getMappedRange(): ArrayBuffer;
  unmap(): void;
  destroy(): void;
}

function fakeDevice() {
  const created: FakeBuffer[] = [];
  const device = {
    createBuffer({ size, usage, label, mappedAtCreation }: GPUBufferDescriptor) {
      const bytes = new Uint8Array(size);
      const buffer: FakeBuffer = {
        size,
        usage,
        label: label ?? '',
        bytes,
        mapped: mappedAtCreation === true,
        destroyed: false,
        getMappedRange: () => bytes.buffer,
        unmap: () => {
          buffer.mapped = false;
        },
        destroy: () => {
          buffer.destroyed = true;
        },
      };
      created.push(buffer);
      return buffer;
    },
  };
  return { device: device as unknown as GPUDevice, created };
}

const asFake = (buffer: GPUBuffer) => buffer as unknown as FakeBuffer;

describe('UniformCache', () => {
  it('makes one labelled, unmapped UNIFORM buffer per set of parameters, holding their bytes', () => {
    const { device, created } = fakeDevice();
    const cache = new UniformCache(device);
    const params = rowParams(3, 5, 15, 2);
    const buffer = asFake(cache.buffer(params, false));
    expect(buffer).toMatchObject({ size: UNIFORM_BYTES, usage: BufferUsage.UNIFORM, label: 'webgpu-activations.params', mapped: false });
    expect(buffer.bytes).toEqual(new Uint8Array(params));
    expect(asFake(cache.buffer(rowParams(3, 5, 15, 2), true))).toBe(buffer);
    expect(created).toHaveLength(1);
    expect(cache.size).toBe(1);
  });

  it('tells parameters apart by their bits (alpha 0 and -0 are two uniforms)', () => {
    const { device, created } = fakeDevice();
    const cache = new UniformCache(device);
    const positive = cache.buffer(elementwiseParams(8, 0), false);
    const negative = cache.buffer(elementwiseParams(8, -0), false);
    expect(negative).not.toBe(positive);
    expect(cache.buffer(elementwiseParams(12, 0), false)).not.toBe(positive);
    expect(created).toHaveLength(3);
  });

  it('retires the least recently used past its bound, and destroys them only when no batch is pending', () => {
    const { device, created } = fakeDevice();
    const cache = new UniformCache(device, 2);
    const a = asFake(cache.buffer(elementwiseParams(4, 1), false));
    const b = asFake(cache.buffer(elementwiseParams(8, 1), false));
    expect(asFake(cache.buffer(elementwiseParams(4, 1), false))).toBe(a); // a is now the most recent
    cache.pendingBatches = 1;
    const c = asFake(cache.buffer(elementwiseParams(12, 1), false)); // retires b
    expect(cache.size).toBe(2);
    cache.collectRetired();
    expect(b.destroyed).toBe(false); // a pending batch may still bind it
    cache.pendingBatches = 0;
    cache.collectRetired();
    expect(b.destroyed).toBe(true);
    expect([a.destroyed, c.destroyed]).toEqual([false, false]);
    expect(asFake(cache.buffer(elementwiseParams(4, 1), false))).toBe(a);
    expect(asFake(cache.buffer(elementwiseParams(8, 1), false))).not.toBe(b); // made anew
    expect(created).toHaveLength(4);
  });

  it("never destroys a retired uniform that a caller's encoder used (left to the garbage collector), even on destroy()", () => {
    const { device } = fakeDevice();
    const cache = new UniformCache(device, 1);
    const engine = asFake(cache.buffer(elementwiseParams(4, 1), false));
    const caller = asFake(cache.buffer(elementwiseParams(4, 1), true)); // the same buffer, now caller-owned
    expect(caller).toBe(engine);
    cache.buffer(elementwiseParams(8, 1), false); // retires it
    cache.collectRetired();
    cache.destroy();
    expect(caller.destroyed).toBe(false);
  });

  it('destroys every buffer it holds or retired on destroy()', () => {
    const { device, created } = fakeDevice();
    const cache = new UniformCache(device, 2);
    cache.pendingBatches = 1;
    for (let count = 4; count <= 20; count += 4) cache.buffer(elementwiseParams(count, 1), false);
    cache.destroy();
    expect(created).toHaveLength(5);
    expect(created.every((buffer) => buffer.destroyed)).toBe(true);
    expect(cache.size).toBe(0);
  });
});
