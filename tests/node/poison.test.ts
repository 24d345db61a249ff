// Output poisoning (src/gpu/poison.ts) against a stand-in device and encoder: which copies it records,
// from a source holding the poison value, and which buffers it leaves alone.

import { describe, expect, it } from 'vitest';
import { BufferUsage } from '../../src/gpu/flags.ts';
import { OutputPoisoner, POISON_CHUNK_BYTES, POISON_VALUE } from '../../src/gpu/poison.ts';

interface FakeBuffer {
  readonly size: number;
  readonly usage: number;
  readonly values: Float32Array;
  destroyed: boolean;
}

function fakes() {
  const created: FakeBuffer[] = [];
  const copies: { source: FakeBuffer; sourceOffset: number; destination: FakeBuffer; destinationOffset: number; bytes: number }[] = [];
  const device = {
    createBuffer({ size, usage }: GPUBufferDescriptor) {
      const values = new Float32Array(size / 4);
      const buffer = {
        size,
        usage,
        values,
        destroyed: false,
        getMappedRange: () => values.buffer,
        unmap: () => {},
        destroy: () => {
          buffer.destroyed = true;
        },
      };
      created.push(buffer);
      return buffer;
    },
  } as unknown as GPUDevice;
  const encoder = {
    copyBufferToBuffer(source: FakeBuffer, sourceOffset: number, destination: FakeBuffer, destinationOffset: number, bytes: number) {
      copies.push({ source, sourceOffset, destination, destinationOffset, bytes });
    },
  } as unknown as GPUCommandEncoder;
  const output = (bytes: number, usage = BufferUsage.STORAGE | BufferUsage.COPY_DST) => ({ size: bytes, usage }) as unknown as GPUBuffer;
  return { device, encoder, created, copies, output };
}

describe('OutputPoisoner', () => {
  it('writes a finite float32 no activation returns', () => {
    expect(Number.isFinite(Math.fround(POISON_VALUE))).toBe(true);
    expect(Math.abs(POISON_VALUE)).toBeGreaterThan(1e29);
  });

  it('covers the whole range from its offset, in copies of at most POISON_CHUNK_BYTES from a source full of poison', () => {
    const { device, encoder, created, copies, output } = fakes();
    const poisoner = new OutputPoisoner(device);
    const length = (POISON_CHUNK_BYTES * 2.5) / 4 + 3;
    const target = output(4096 + length * 4);
    poisoner.record(encoder, target, 4096, length);
    expect(created).toHaveLength(1);
    const source = created[0] as FakeBuffer;
    expect(source.usage).toBe(BufferUsage.COPY_SRC);
    expect(source.size).toBe(POISON_CHUNK_BYTES);
    expect(source.values.every((value) => value === Math.fround(POISON_VALUE))).toBe(true);
    expect(copies.map(({ destinationOffset, bytes }) => [destinationOffset, bytes])).toEqual([
      [4096, POISON_CHUNK_BYTES],
      [4096 + POISON_CHUNK_BYTES, POISON_CHUNK_BYTES],
      [4096 + 2 * POISON_CHUNK_BYTES, POISON_CHUNK_BYTES / 2 + 12],
    ]);
    expect(copies.every((copy) => copy.source === source && copy.sourceOffset === 0 && copy.destination === (target as unknown))).toBe(
      true,
    );
  });

  it("leaves alone an empty range and a buffer it cannot copy into (a caller's without COPY_DST)", () => {
    const { device, encoder, created, copies, output } = fakes();
    const poisoner = new OutputPoisoner(device);
    poisoner.record(encoder, output(64), 0, 0);
    poisoner.record(encoder, output(64, BufferUsage.STORAGE), 0, 16);
    expect(copies).toHaveLength(0);
    expect(created).toHaveLength(0);
  });

  it('grows its source for a larger output, keeps the outgrown one until destroy(), then destroys both', () => {
    const { device, encoder, created, copies, output } = fakes();
    const poisoner = new OutputPoisoner(device);
    poisoner.record(encoder, output(64), 0, 5); // 20 bytes: a source of 32 (whole vec4s)
    poisoner.record(encoder, output(64), 0, 3); // fits the source: no new one
    expect(created.map((buffer) => buffer.size)).toEqual([32]);
    poisoner.record(encoder, output(4096), 0, 1000);
    expect(created.map((buffer) => buffer.size)).toEqual([32, 4000]);
    expect(created[0]?.destroyed).toBe(false); // an unsubmitted encoder may still copy from it
    expect(copies.map((copy) => copy.bytes)).toEqual([20, 12, 4000]);
    poisoner.destroy();
    expect(created.every((buffer) => buffer.destroyed)).toBe(true);
  });
});
