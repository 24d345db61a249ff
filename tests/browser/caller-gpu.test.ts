// Composing with the caller's WebGPU: their buffers in and out (act.wrap, { out }), tensor.buffer,
// their command encoder (act.resident.with), and a failing op that must not take the others with it.

import { describe, expect, it } from 'vitest';
import { createActivations, defineActivation, type Tensor } from 'webgpu-activations';
import { BufferUsage, MapMode } from '../../src/gpu/flags.ts';
import { expectClose } from '../support/compare.ts';
import { testAdapter } from '../support/host.ts';
import { createRandom, SEED, uniformFloat32Array } from '../support/random.ts';
import { map64, sigmoid64, softmax64 } from '../support/reference.ts';

const STORAGE_IO = BufferUsage.STORAGE | BufferUsage.COPY_SRC | BufferUsage.COPY_DST;

type Engine = Awaited<ReturnType<typeof createActivations>>;

// Runs `body` with a poisoning WebGPU engine on a device of the test's own, and destroys both after.
async function withEngine(
  options: Parameters<typeof createActivations>[0],
  body: (device: GPUDevice, act: Engine) => Promise<void>,
): Promise<void> {
  const adapter = await testAdapter();
  const device = await adapter.requestDevice({
    requiredLimits: { maxStorageBufferBindingSize: adapter.limits.maxStorageBufferBindingSize },
  });
  const act = await createActivations({ device, backend: 'webgpu', poisonOutputs: true, ...options });
  try {
    await body(device, act);
  } finally {
    act.destroy();
    device.destroy();
  }
}

// A caller's buffer of exactly `bytes` (no padding past the last element), filled with `values` at `byteOffset`.
function callerBuffer(device: GPUDevice, bytes: number, values?: Float32Array, byteOffset = 0, usage = STORAGE_IO): GPUBuffer {
  const buffer = device.createBuffer({ size: bytes, usage });
  if (values) device.queue.writeBuffer(buffer, byteOffset, values);
  return buffer;
}

async function readBuffer(device: GPUDevice, buffer: GPUBuffer, byteOffset: number, length: number): Promise<Float32Array> {
  const staging = device.createBuffer({
    size: Math.ceil((length * 4) / 16) * 16 || 16,
    usage: BufferUsage.MAP_READ | BufferUsage.COPY_DST,
  });
  const encoder = device.createCommandEncoder();
  encoder.copyBufferToBuffer(buffer, byteOffset, staging, 0, length * 4);
  device.queue.submit([encoder.finish()]);
  await staging.mapAsync(MapMode.READ);
  const values = new Float32Array(staging.getMappedRange(), 0, length).slice();
  staging.unmap();
  staging.destroy();
  return values;
}

describe("the caller's buffers: act.wrap, { out }, tensor.buffer", () => {
  it('write nothing past a wrapped range that ends inside the buffer (float32, any length), out or in place', async () => {
    await withEngine({}, async (device, act) => {
      const random = createRandom(SEED + 43);
      for (const n of [1, 3, 5, 63, 65, 130, 1001]) {
        const spare = 67; // sentinels after the range: more than a vec4 and a workgroup's odd end
        const xs = uniformFloat32Array(random, n, -20, 20);
        const sentinels = new Float32Array(spare).map((_, i) => 1000 + i);
        const filled = new Float32Array(n + spare);
        filled.set(sentinels, n);
        const output = callerBuffer(device, (n + spare) * 4, filled);
        const inPlace = callerBuffer(device, (n + spare) * 4, Float32Array.from([...xs, ...sentinels]));
        const y = act.resident.sigmoid(act.upload(xs), { out: act.wrap(output, { length: n }) });
        await y.ready();
        const z = act.resident.tanh(act.wrap(inPlace, { length: n }), { out: act.wrap(inPlace, { length: n }) });
        await z.ready();
        const after = await readBuffer(device, output, 0, n + spare);
        const afterInPlace = await readBuffer(device, inPlace, 0, n + spare);
        const [values, derivatives] = act.resident.siluWithDerivative(act.upload(xs), {
          out: [act.wrap(output, { length: n }), act.wrap(inPlace, { length: n })],
        });
        await Promise.all([values.ready(), derivatives.ready()]);
        const p = act.resident.softmax(act.upload(xs), { cols: n, out: act.wrap(output, { length: n }) });
        await p.ready();
        for (const [name, buffer] of [
          ['WithDerivative and softmax', output],
          ['WithDerivative', inPlace],
        ] as const) {
          const now = await readBuffer(device, buffer, 0, n + spare);
          expect([...now.subarray(n)], `${name}, n=${n}: the elements after the range`).toEqual([...sentinels]);
        }
        expect([...after.subarray(n)], `out, n=${n}: the elements after the range`).toEqual([...sentinels]);
        expect([...afterInPlace.subarray(n)], `in place, n=${n}: the elements after the range`).toEqual([...sentinels]);
        expectClose(after.subarray(0, n), map64(xs, sigmoid64), { relative: 1e-6 }, `sigmoid into the range, n=${n}`);
        output.destroy();
        inPlace.destroy();
      }
    });
  });

  it('read from and write into ranges of caller buffers that end on their last element (vec4 body + scalar tail), poisoned first', async () => {
    await withEngine({}, async (device, act) => {
      const random = createRandom(SEED + 41);
      const alignment = device.limits.minStorageBufferOffsetAlignment;
      for (const n of [1, 3, 7, 64, 1001]) {
        const xs = uniformFloat32Array(random, n, -20, 20);
        const input = callerBuffer(device, alignment + n * 4, xs, alignment);
        const output = callerBuffer(device, n * 4);
        const x = act.wrap(input, { byteOffset: alignment, length: n });
        expect([x.length, x.byteOffset, x.byteLength, x.buffer]).toEqual([n, alignment, n * 4, input]);
        const y = act.resident.sigmoid(x, { out: act.wrap(output) });
        expectClose(
          await readBuffer(device, y.buffer, 0, n),
          map64(xs, sigmoid64),
          { relative: 1e-6 },
          `sigmoid into a wrapped buffer, n=${n}`,
        );
        const p = act.resident.softmax(x, { out: act.wrap(output), cols: n });
        expectClose(await p.read(), softmax64(xs, 1, n), { relative: 1e-6 }, `softmax into a wrapped buffer, n=${n}`);
        expect(await act.wrap(input, { byteOffset: alignment }).read(), 'the input is untouched').toEqual(xs);
        input.destroy();
        output.destroy();
      }
    });
  });

  it('work in place (out is the input), and through scratch where out shares a buffer with an input', async () => {
    await withEngine({}, async (device, act) => {
      const random = createRandom(SEED + 42);
      const n = 1000;
      const alignment = device.limits.minStorageBufferOffsetAlignment;
      const xs = uniformFloat32Array(random, n, -20, 20);
      const dys = uniformFloat32Array(random, n, -1, 1);
      const arena = callerBuffer(device, 2 * alignment + 2 * n * 4);
      const second = Math.ceil((n * 4) / alignment) * alignment;
      device.queue.writeBuffer(arena, 0, xs);
      device.queue.writeBuffer(arena, second, dys);
      const x = act.wrap(arena, { length: n });
      const dy = act.wrap(arena, { byteOffset: second, length: n });
      // dy * s'(x) into dy's range: x and dy in one buffer, out = dy (the scratch-and-copy path).
      const expectedBackward = map64(xs, (v) => sigmoid64(v) * sigmoid64(-v)).map((d, i) => d * (dys[i] as number));
      act.resident.sigmoidBackward(x, dy, { from: 'input', out: dy });
      expectClose(await dy.read(), expectedBackward, { relative: 1e-6 }, 'backward into dy, one buffer');
      // sigmoid in place (the in-place kernel), then softmax in place (scratch and copy).
      const y = act.resident.sigmoid(x, { out: x });
      expect(y).toBe(x);
      const sigmoids = await x.read();
      expectClose(sigmoids, map64(xs, sigmoid64), { relative: 1e-6 }, 'sigmoid in place');
      act.resident.softmax(x, { out: x, cols: 100 });
      expectClose(await x.read(), softmax64(sigmoids, 10, 100), { relative: 1e-6 }, 'softmax in place');
      // An engine tensor in place too, and the pair of sigmoidWithDerivative.
      const t = act.upload(xs);
      const derivative = act.upload(new Float32Array(n));
      act.resident.sigmoidWithDerivative(t, { out: [t, derivative] });
      expectClose(await t.read(), map64(xs, sigmoid64), { relative: 1e-6 }, 'withDerivative values over x');
      expectClose(
        await derivative.read(),
        map64(xs, (v) => sigmoid64(v) * sigmoid64(-v)),
        { relative: 1e-6 },
        'withDerivative derivatives',
      );
      arena.destroy();
    });
  });

  it('refuse each misuse with an error that names the argument', async () => {
    await withEngine({}, async (device, act) => {
      const buffer = callerBuffer(device, 1024);
      expect(() => act.wrap({} as GPUBuffer)).toThrow(/^buffer: expected a GPUBuffer/);
      expect(() => act.wrap(callerBuffer(device, 64, undefined, 0, BufferUsage.COPY_DST))).toThrow(/^buffer: lacks the STORAGE usage flag/);
      expect(() => act.wrap(buffer, { byteOffset: 4 })).toThrow(
        /^options.byteOffset: expected a non-negative multiple of the device's minStorageBufferOffsetAlignment/,
      );
      expect(() => act.wrap(buffer, { byteOffset: 4 })).toThrow(RangeError);
      expect(() => act.wrap(buffer, { length: 257 })).toThrow(
        /^options.length: 257 floats from byte 0 end at byte 1028, past the end of the buffer \(1024 bytes\)/,
      );
      expect(() => act.wrap(buffer, { length: 1.5 })).toThrow(RangeError);
      expect(() => act.wrap(buffer, { length: '4' as unknown as number })).toThrow(
        /^options.length: expected a number of float32 values, got the string "4"/,
      );
      const x = act.wrap(buffer, { length: 100 });
      expect(() => act.resident.sigmoid(x, { out: act.wrap(buffer, { length: 99 }) })).toThrow(/^options.out: has length 99, expected 100/);
      expect(() => act.resident.sigmoid(x, { out: act.wrap(buffer, { byteOffset: 256, length: 100 }) })).toThrow(
        /^options.out: overlaps x/,
      );
      expect(() => act.resident.sigmoid(new Float32Array(4) as unknown as Tensor)).toThrow(/^x: expected a Tensor/);
      const [a, b] = [act.upload(new Float32Array(8)), act.upload(new Float32Array(8))];
      expect(() => act.resident.sigmoidWithDerivative(a, { out: [b, b] })).toThrow(/^options.out\[1\]: overlaps options.out\[0\]/);
      expect(() => act.resident.sigmoidWithDerivative(a, { out: b })).toThrow(/^options.out: expected a pair/);
      // read() needs COPY_SRC.
      const storageOnly = act.wrap(callerBuffer(device, 64, undefined, 0, BufferUsage.STORAGE));
      await expect(storageOnly.read()).rejects.toThrow(/^tensor: its GPUBuffer lacks the COPY_SRC usage flag/);
      // A buffer of another device: its ops and read() reject with a TypeError naming the buffer.
      const other = await (await testAdapter()).requestDevice();
      const foreign = act.wrap(other.createBuffer({ size: 64, usage: STORAGE_IO }));
      await expect(foreign.read()).rejects.toThrow(/^buffer: cannot be used on this engine's device/);
      await expect(act.resident.relu(foreign).read()).rejects.toThrow(TypeError);
      other.destroy();
      // A destroyed buffer: the op rejects, and the engine goes on.
      const gone = callerBuffer(device, 64);
      const wrapped = act.wrap(gone);
      gone.destroy();
      await expect(act.resident.tanh(wrapped).read()).rejects.toThrow(/^x: its GPUBuffer was destroyed before the op ran/);
      await expect(act.resident.tanh(act.upload(new Float32Array(16)), { out: act.wrap(gone) }).ready()).rejects.toThrow(
        /^options.out: its GPUBuffer was destroyed/,
      );
      expect(await act.resident.relu(act.upload([-1, 2])).read()).toEqual(Float32Array.from([0, 2]));
    });
  });

  it('never destroy, pool or resize a wrapped buffer, and taking tensor.buffer submits the ops first', async () => {
    await withEngine({}, async (device, act) => {
      const input = callerBuffer(device, 40, Float32Array.from([-2, -1, 0, 1, 2, 3, 4, 5, 6, 7]));
      const x = act.wrap(input);
      const y = act.resident.relu(x);
      // The caller's own copy, submitted right after taking y.buffer, sees relu's values.
      const values = await readBuffer(device, y.buffer, y.byteOffset, y.length);
      expect(values).toEqual(Float32Array.from([0, 0, 0, 1, 2, 3, 4, 5, 6, 7]));
      x.destroy();
      y.destroy();
      act.destroy();
      expect(input.size).toBe(40);
      expect(await readBuffer(device, input, 0, 10), 'a wrapped buffer outlives the engine').toEqual(
        Float32Array.from([-2, -1, 0, 1, 2, 3, 4, 5, 6, 7]),
      );
      input.destroy();
    });
  });
});

describe("the caller's command encoder: act.resident.with(encoder)", () => {
  it('records every op into the encoder; nothing runs before the caller submits', async () => {
    await withEngine({}, async (device, act) => {
      const random = createRandom(SEED + 43);
      const xs = uniformFloat32Array(random, 4096, -10, 10);
      const x = act.upload(xs);
      const encoder = device.createCommandEncoder();
      const recorded = act.resident.with(encoder);
      const y = recorded.sigmoid(x);
      const marked = callerBuffer(device, xs.byteLength, new Float32Array(xs.length).fill(7));
      const p = recorded.softmax(y, { cols: 64, out: act.wrap(marked) });
      // Not submitted: the caller's buffer still holds what it held.
      expect(await readBuffer(device, marked, 0, xs.length)).toEqual(new Float32Array(xs.length).fill(7));
      device.queue.submit([encoder.finish()]);
      const sigmoids = map64(xs, sigmoid64);
      expectClose(await y.read(), sigmoids, { relative: 1e-6 }, 'sigmoid in a caller encoder');
      expectClose(await p.read(), softmax64(Float32Array.from(sigmoids), 64, 64), { relative: 1e-6 }, 'softmax in a caller encoder');
      await expect(p.ready()).resolves.toBeUndefined();
      expect(() => act.resident.with({} as GPUCommandEncoder)).toThrow(/^encoder: expected a GPUCommandEncoder/);
    });
  });

  it('shares no temporary between recordings before the submit: two in one encoder, several in a row, the split form included', async () => {
    for (const rowStrategy of ['split', 'auto'] as const) {
      await withEngine({ rowStrategy }, async (device, act) => {
        const random = createRandom(SEED + 44);
        // Different shapes and parameters: a shared uniform or partials buffer would give one the other's.
        const shapes = [
          { rows: 3, cols: 5000 },
          { rows: 40, cols: 300 },
          { rows: 1, cols: 20_000 },
        ];
        const inputs = shapes.map(({ rows, cols }) => uniformFloat32Array(random, rows * cols, -30, 30));
        const encoders = [device.createCommandEncoder(), device.createCommandEncoder()];
        const outputs: Tensor[] = [];
        for (const encoder of encoders) {
          for (const [i, shape] of shapes.entries())
            outputs.push(act.resident.with(encoder).softmax(act.upload(inputs[i] as Float32Array), shape));
          outputs.push(
            act.resident.with(encoder).leakyRelu(act.upload(inputs[0] as Float32Array), { alpha: encoders.indexOf(encoder) + 0.5 }),
          );
        }
        device.queue.submit(encoders.map((encoder) => encoder.finish()));
        for (const [e] of encoders.entries()) {
          for (const [i, { rows, cols }] of shapes.entries()) {
            const result = await (outputs[e * 4 + i] as Tensor).read();
            expectClose(
              result,
              softmax64(inputs[i] as Float32Array, rows, cols),
              { relative: 1e-6 },
              `${rowStrategy} encoder ${e} softmax ${rows}x${cols}`,
            );
          }
          const alpha = e + 0.5;
          const leaky = map64(inputs[0] as Float32Array, (v) => (v > 0 ? v : alpha * v));
          expectClose(await (outputs[e * 4 + 3] as Tensor).read(), leaky, { relative: 1e-6 }, `${rowStrategy} encoder ${e} leaky relu`);
        }
      });
    }
  });
});

describe('a failing op in a batch', () => {
  it('rejects its own results and its dependents; the other ops of the batch stay right; the engine stays usable', async () => {
    await withEngine({}, async (_device, act) => {
      const broken = defineActivation({
        name: 'broken',
        wgsl: { forward: 'x +* 1.0', derivative: '1.0' },
        forward: (x) => x,
        derivative: () => 1,
      });
      const xs = Float32Array.from([-3, -1, 0, 1, 3]);
      for (let round = 0; round < 2; round++) {
        const x = act.upload(xs);
        const before = act.resident.sigmoid(x);
        const failed = act.resident.forward(broken, x);
        const dependent = act.resident.relu(failed);
        const after = act.resident.tanh(x);
        const afterBefore = act.resident.silu(before);
        await expect(failed.read()).rejects.toThrow(/broken/);
        await expect(dependent.read()).rejects.toThrow(/broken/);
        await expect(dependent.ready()).rejects.toThrow(/broken/);
        expectClose(await before.read(), map64(xs, sigmoid64), { relative: 1e-6 }, 'the op before the failure');
        expectClose(await after.read(), map64(xs, Math.tanh), { relative: 1e-6 }, 'the op after the failure');
        const s = await before.read();
        expectClose(
          await afterBefore.read(),
          map64(s, (v) => v * sigmoid64(v)),
          { relative: 1e-6 },
          'an op on a good result',
        );
      }
      // The array API on the same engine still works.
      expectClose(await act.sigmoid(xs), map64(xs, sigmoid64), { relative: 1e-6 }, 'array call after a failed batch');
    });
  });
});
