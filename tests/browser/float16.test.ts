// Float16 on WebGPU, in both hosts (Chromium with Float16Array, Node on Dawn with Uint16Array bits):
// row ops within 1 ulp, a caller's odd float16 range whose last word's other half must survive (a
// sentinel), the RangeError for a last half that ends a buffer whose size is not a multiple of 4,
// tensors (upload, read, read({ bits })), out of the other dtype, with(encoder), splitting, and
// agreement with the CPU backend. No `shader-f16`: SwiftShader has none.

import { describe, expect, it } from 'vitest';
import { type Activations, cpu, createActivations, type Tensor } from 'webgpu-activations';
import { BufferUsage, MapMode } from '../../src/gpu/flags.ts';
import { float16UlpDistance, float16Value, isFloat16NaN, roundToFloat16Bits } from '../support/float16.ts';
import { FLOAT16_ROW_CASES, FLOAT16_ROW_OPS, rowOpInputs, worstRowUlps } from '../support/float16-rows.ts';
import { HOST, testAdapter } from '../support/host.ts';
import { createRandom, SEED } from '../support/random.ts';

const STORAGE_IO = BufferUsage.STORAGE | BufferUsage.COPY_SRC | BufferUsage.COPY_DST;
const SENTINEL = 0xabcd;
const Float16 = (globalThis as { Float16Array?: new (buffer: ArrayBufferLike, byteOffset?: number, length?: number) => ArrayBufferView })
  .Float16Array;

async function withEngine(options: Parameters<typeof createActivations>[0], body: (device: GPUDevice, act: Activations) => Promise<void>) {
  const device = await (await testAdapter()).requestDevice();
  const act = await createActivations({ device, backend: 'webgpu', poisonOutputs: true, ...options });
  try {
    device.pushErrorScope('validation');
    await body(device, act);
    expect(await device.popErrorScope()).toBeNull();
  } finally {
    act.destroy();
    device.destroy();
  }
}

function randomHalves(seed: number, length: number, finite = false): Uint16Array {
  const random = createRandom(seed);
  return Uint16Array.from({ length }, () => {
    const bits = Math.floor(random() * 65536);
    return finite && (bits & 0x7c00) === 0x7c00 ? bits & 0xbfff : bits;
  });
}

// An array of halves as the host passes it: a Float16Array in Chromium, bits (with dtype) in Node.
function hostArray(bits: Uint16Array): { data: Uint16Array; options: { dtype?: 'float16' } } {
  if (HOST === 'browser' && Float16) return { data: new Float16(bits.slice().buffer) as unknown as Uint16Array, options: {} };
  return { data: bits, options: { dtype: 'float16' } };
}

function bitsOf(result: unknown): Uint16Array {
  const view = result as ArrayBufferView & { length: number };
  if (HOST === 'browser') expect(Float16 && result instanceof Float16, 'a Float16Array').toBe(true);
  else expect(result).toBeInstanceOf(Uint16Array);
  return new Uint16Array(view.buffer, view.byteOffset, view.length);
}

function worstUlps(a: Uint16Array, b: Uint16Array): number {
  let worst = 0;
  a.forEach((x, i) => {
    const y = b[i] as number;
    if (isFloat16NaN(x) || isFloat16NaN(y)) worst = Math.max(worst, isFloat16NaN(x) && isFloat16NaN(y) ? 0 : Number.POSITIVE_INFINITY);
    else worst = Math.max(worst, float16UlpDistance(x, y));
  });
  return worst;
}

async function readHalves(device: GPUDevice, buffer: GPUBuffer): Promise<Uint16Array> {
  const staging = device.createBuffer({ size: buffer.size, usage: BufferUsage.MAP_READ | BufferUsage.COPY_DST });
  const encoder = device.createCommandEncoder();
  encoder.copyBufferToBuffer(buffer, 0, staging, 0, buffer.size);
  device.queue.submit([encoder.finish()]);
  await staging.mapAsync(MapMode.READ);
  const halves = new Uint16Array(staging.getMappedRange()).slice();
  staging.unmap();
  staging.destroy();
  return halves;
}

describe(`float16 row ops on WebGPU (${HOST})`, () => {
  it.each(FLOAT16_ROW_CASES.map((c) => [c.name, c] as const))(
    'within 1 ulp of float64: %s',
    async (_, rowCase) => {
      await withEngine({}, async (_device, act) => {
        for (const op of FLOAT16_ROW_OPS) {
          const { args, reference } = rowOpInputs(op, rowCase, SEED);
          const [x, dy] = args.map(hostArray) as [ReturnType<typeof hostArray>, ReturnType<typeof hostArray> | undefined];
          const options = { rows: rowCase.rows, cols: rowCase.cols, ...x.options };
          const result = dy ? await act.softmaxBackward(x.data, dy.data, options) : await act[op as 'softmax'](x.data, options);
          const { worst, where } = worstRowUlps(bitsOf(result), reference);
          console.log(`float16 webgpu ${HOST} ${op} ${rowCase.name}: worst ${worst} ulp`);
          expect(worst, `${op} (seed ${SEED}) ${where}`).toBeLessThanOrEqual(1);
        }
      });
    },
    120_000,
  );
});

describe(`float16 tensors and a caller's buffers on WebGPU (${HOST})`, () => {
  it("leave the other half of an odd range's last word as it was (sentinel), in place and not", async () => {
    await withEngine({}, async (device, act) => {
      for (const n of [1, 5, 7, 1001]) {
        const words = Math.ceil((n + 1) / 2) + 2;
        const xs = randomHalves(SEED + n, n, true);
        const input = device.createBuffer({ size: words * 4, usage: STORAGE_IO });
        const output = device.createBuffer({ size: words * 4, usage: STORAGE_IO });
        const filled = new Uint16Array(words * 2).fill(SENTINEL);
        filled.set(xs);
        device.queue.writeBuffer(input, 0, filled);
        device.queue.writeBuffer(output, 0, new Uint16Array(words * 2).fill(SENTINEL));
        const x = act.wrap(input, { dtype: 'float16', length: n });
        expect([x.dtype, x.length, x.byteLength]).toEqual(['float16', n, n * 2]);
        const y = act.resident.relu(x, { out: act.wrap(output, { dtype: 'float16', length: n }) });
        await y.ready();
        const written = await readHalves(device, output);
        const expected = cpu.relu(xs, { dtype: 'float16' });
        expect(Array.from(written.subarray(0, n)), `relu into a wrapped range of ${n}`).toEqual(Array.from(expected));
        expect(Array.from(written.subarray(n)), 'the halves after the range').toEqual(new Array(words * 2 - n).fill(SENTINEL));
        act.resident.relu(x, { out: x });
        await x.ready();
        const inPlace = await readHalves(device, input);
        expect(Array.from(inPlace.subarray(0, n))).toEqual(Array.from(expected));
        expect(Array.from(inPlace.subarray(n)), 'in place: the halves after the range').toEqual(new Array(words * 2 - n).fill(SENTINEL));
        input.destroy();
        output.destroy();
      }
    });
  });

  it('refuse a last half that would end a buffer whose size is not a multiple of 4, naming length', async () => {
    await withEngine({}, async (device, act) => {
      const buffer = device.createBuffer({ size: 10, usage: STORAGE_IO });
      expect(() => act.wrap(buffer, { dtype: 'float16', length: 5 })).toThrow(RangeError);
      expect(() => act.wrap(buffer, { dtype: 'float16', length: 5 })).toThrow(
        /^options\.length: 5 float16 values from byte 0 end at byte 10, in the middle of a 32-bit word/,
      );
      expect(() => act.wrap(buffer, { dtype: 'float16' })).toThrow(/^options\.length: /);
      expect(act.wrap(buffer, { dtype: 'float16', length: 4 }).length).toBe(4);
      expect(() => act.wrap(buffer, { dtype: 'bfloat16' as never })).toThrow(
        /^options\.dtype: "bfloat16" is not supported; the supported dtypes are 'float32' or 'float16'/,
      );
      buffer.destroy();
    });
  });

  it('upload, read() as the host allows, read({ bits: true }), out of the other dtype, with(encoder)', async () => {
    await withEngine({}, async (device, act) => {
      const n = 777;
      const bits = randomHalves(SEED + 11, n);
      const x = hostArray(bits);
      const t = act.upload(x.data, x.options) as unknown as Tensor<'float16'>;
      expect(t.dtype).toBe('float16');
      const y = act.resident.gelu(t);
      expect(y.dtype).toBe('float16');
      const onCpu = cpu.gelu(bits, { dtype: 'float16' });
      expect(worstUlps(bitsOf(await y.read()), onCpu)).toBeLessThanOrEqual(1);
      expect(await y.read({ bits: true })).toBeInstanceOf(Uint16Array);
      const wide = act.upload(new Float32Array(n));
      act.resident.sigmoid(t, { out: wide });
      const widened = Float32Array.from(bits, float16Value);
      const wideValues = await wide.read();
      const reference = cpu.sigmoid(widened);
      wideValues.forEach((v, i) => {
        const r = reference[i] as number;
        if (Number.isNaN(r)) expect(v).toBeNaN();
        else expect(Math.abs(v - r)).toBeLessThanOrEqual(Math.abs(r) * 1e-6 + 1e-37);
      });
      const narrow = act.upload(new Uint16Array(n), { dtype: 'float16' });
      const encoder = device.createCommandEncoder();
      act.resident.with(encoder).sigmoid(wide, { out: narrow });
      device.queue.submit([encoder.finish()]);
      const twice = cpu.sigmoid(wideValues);
      expect(worstUlps(await narrow.read({ bits: true }), Uint16Array.from(twice, roundToFloat16Bits))).toBeLessThanOrEqual(1);
      expect(() => act.resident.siluBackward(t, wide)).toThrow(/^dy: is a float32 tensor but x is float16/);
      for (const tensor of [t, y, wide, narrow]) tensor.destroy();
    });
  });

  it('split arrays and resident rows into aligned slices, and agree with the CPU', async () => {
    await withEngine({ maxChunkBytes: 1024 }, async (_device, act) => {
      const n = 4099;
      const bits = randomHalves(SEED + 13, n);
      const dy = randomHalves(SEED + 14, n);
      const x = hostArray(bits);
      const d = hostArray(dy);
      expect(worstUlps(bitsOf(await act.silu(x.data, x.options)), cpu.silu(bits, { dtype: 'float16' }))).toBeLessThanOrEqual(1);
      expect(
        worstUlps(bitsOf(await act.siluBackward(x.data, d.data, x.options)), cpu.siluBackward(bits, dy, { dtype: 'float16' })),
      ).toBeLessThanOrEqual(1);
      const [values, derivatives] = await act.tanhWithDerivative(x.data, x.options);
      expect(worstUlps(bitsOf(values), cpu.tanh(bits, { dtype: 'float16' }))).toBeLessThanOrEqual(1);
      expect(worstUlps(bitsOf(derivatives), cpu.tanhDerivative(bits, { dtype: 'float16' }))).toBeLessThanOrEqual(1);
      // Rows of 64 halves: slices of two rows start 256-byte aligned in float16 (128 halves).
      const logits = randomHalves(SEED + 15, 41 * 64, true);
      const t = act.upload(logits, { dtype: 'float16' });
      const p = act.resident.softmax(t, { cols: 64 });
      expect(worstUlps(await p.read({ bits: true }), cpu.softmax(logits, { dtype: 'float16', cols: 64 }))).toBeLessThanOrEqual(1);
      const out = new Float32Array(n);
      expect(await act.silu(x.data, { ...x.options, out })).toBe(out);
      t.destroy();
      p.destroy();
    });
  });

  it('refuse a dtype that contradicts the array, naming it', async () => {
    await withEngine({}, async (_device, act) => {
      await expect(act.relu(new Float32Array(3), { dtype: 'float16' })).rejects.toThrow(/^x: options\.dtype 'float16' describes/);
      await expect(act.relu(new Uint16Array(3), { dtype: 'float16', out: new Float32Array(2) })).rejects.toThrow(
        /^options\.out: has length 2/,
      );
      if (Float16) {
        const halves = new Float16(new ArrayBuffer(6)) as unknown as Uint16Array;
        await expect(act.relu(halves, { dtype: 'float32' })).rejects.toThrow(
          /^x: is a Float16Array, which options\.dtype 'float32' contradicts/,
        );
        await expect(act.reluBackward(halves, new Float32Array(3))).rejects.toThrow(/^dy: holds float32 values but x holds float16/);
      }
    });
  });
});
