// GPU-resident tensors: ops chain without round trips, queued ops share one submit, results match
// the array API, and tensors follow the engine's lifetime rules.

import { describe, expect, it } from 'vitest';
import { cpu, createActivations, EngineDestroyedError, Tensor } from 'webgpu-activations';
import { expectClose } from '../support/compare.ts';
import { countSubmits } from '../support/counting-device.ts';
import { testAdapter } from '../support/host.ts';
import { createRandom, SEED, uniformFloat32Array } from '../support/random.ts';
import { map64, sigmoid64, softmax64 } from '../support/reference.ts';

for (const backend of ['webgpu', 'cpu'] as const) {
  describe(`tensors on the ${backend} backend`, () => {
    it('chain sigmoid then backward, and softmax, with the float64 answers', async () => {
      const act = await createActivations({ backend });
      try {
        const random = createRandom(SEED + 7);
        for (const n of [1, 5, 1000, 70_001]) {
          const xs = uniformFloat32Array(random, n, -30, 30);
          const dys = uniformFloat32Array(random, n, -1, 1);
          const x = act.upload(xs);
          const dy = act.upload(dys);
          expect(x).toBeInstanceOf(Tensor);
          expect(x.location).toBe(backend);
          const y = act.resident.sigmoid(x);
          const dx = act.resident.sigmoidBackward(y, dy);
          const [values, derivatives] = act.resident.sigmoidWithDerivative(x);
          const expectedY = map64(xs, sigmoid64);
          const yValues = await y.read();
          expectClose(yValues, expectedY, { relative: 1e-6 }, `sigmoid n=${n}`);
          // Backward is checked from the y it was given: near y = 1, 1 - y magnifies any ulp of y.
          expectClose(
            await dx.read(),
            map64(yValues, (v) => v * (1 - v)).map((d, i) => d * (dys[i] as number)),
            { relative: 1e-6 },
            `backward n=${n}`,
          );
          expectClose(await values.read(), expectedY, { relative: 1e-6 }, `fused values n=${n}`);
          expectClose(
            await derivatives.read(),
            map64(xs, (v) => sigmoid64(v) * sigmoid64(-v)),
            { relative: 1e-6 },
            `fused derivatives n=${n}`,
          );
          const cols = n % 5 === 0 ? 5 : n;
          const p = act.resident.softmax(x, { cols });
          expectClose(await p.read(), softmax64(xs, n / cols, cols), { relative: 1e-6 }, `softmax n=${n}`);
          for (const t of [x, dy, y, dx, values, derivatives, p]) t.destroy();
        }
        expect(act.stats().liveBuffers, 'every tensor buffer went back to the pool').toBe(0);
      } finally {
        act.destroy();
      }
    });

    it('reject a destroyed tensor, one of another engine, and a length mismatch, naming the argument', async () => {
      const act = await createActivations({ backend });
      const other = await createActivations({ backend });
      try {
        const x = act.upload([1, 2, 3]);
        expect(() => act.resident.sigmoidBackward(x, act.upload([1]))).toThrow(/^dy: has length 1, expected 3/);
        expect(() => act.resident.sigmoid(other.upload([1]))).toThrow(/^x: this tensor belongs to another engine/);
        x.destroy();
        expect(() => act.resident.sigmoid(x)).toThrow(TypeError);
        await expect(x.read()).rejects.toThrow(/destroyed/);
        // A tensor whose engine is gone: its buffer was destroyed with the engine, so reading must fail, not return zeros.
        const orphan = other.upload([1, 2, 3]);
        other.destroy();
        await expect(orphan.read()).rejects.toBeInstanceOf(EngineDestroyedError);
      } finally {
        act.destroy();
        other.destroy();
      }
    });
  });
}

describe('resident ops on WebGPU', () => {
  it('submit the ops of one task at its end, each in its own submit, in order', async () => {
    const act = await createActivations({ backend: 'webgpu' });
    const device = act.device as GPUDevice;
    const submits = countSubmits(device);
    try {
      const x = act.upload(new Float32Array(4096).fill(2));
      let t = x;
      for (let i = 0; i < 10; i++) t = act.resident.sigmoid(t);
      expect(submits.count, 'nothing is submitted while the task records').toBe(0);
      const result = await t.read();
      // One command buffer and submit an op, so that a failing op cannot take the others with it.
      expect(submits.count, 'ten ops and a read: a submit each for the ops, one for the copy back').toBe(11);
      let expected = 2;
      for (let i = 0; i < 10; i++) expected = 1 / (1 + Math.exp(-expected));
      expect(result[0]).toBeCloseTo(expected, 6);
    } finally {
      submits.restore();
      act.destroy();
    }
  });

  it('split elementwise ops on tensors larger than one binding (lowered), at 256-byte aligned offsets', async () => {
    const act = await createActivations({ backend: 'webgpu', maxChunkBytes: 4096 });
    try {
      const xs = uniformFloat32Array(createRandom(SEED + 8), 10_001, -10, 10);
      const y = act.resident.sigmoid(act.upload(xs));
      expectClose(await y.read(), map64(xs, sigmoid64), { relative: 1e-6 }, 'sigmoid on a split tensor');
    } finally {
      act.destroy();
    }
  });

  it('split row ops on tensors larger than one binding (lowered) into slices of whole rows, every row kernel', async () => {
    const random = createRandom(SEED + 9);
    for (const rowStrategy of ['auto', 'workgroup', 'split'] as const) {
      const act = await createActivations({ backend: 'webgpu', maxChunkBytes: 4096, rowStrategy, poisonOutputs: true });
      try {
        // 1024 floats a binding: rows of 48 go 20 at a time (a multiple of 4 rows keeps offsets 256-byte aligned).
        const x = uniformFloat32Array(random, 200 * 48, -30, 30);
        const p = act.resident.softmax(act.upload(x), { cols: 48 });
        expectClose(await p.read(), softmax64(x, 200, 48), { relative: 1e-6 }, `softmax on a sliced tensor, ${rowStrategy}`, [x]);
        const y = Float32Array.from(softmax64(x, 200, 48));
        const dy = uniformFloat32Array(random, y.length, -1, 1);
        const dx = await act.resident.softmaxBackward(act.upload(y), act.upload(dy), { cols: 48 }).read();
        const cpuDx = cpu.softmaxBackward(y, dy, { cols: 48 });
        expectClose(
          dx,
          Float64Array.from(cpuDx),
          { relative: 1e-5, absolute: 1e-7 },
          `softmax backward on a sliced tensor, ${rowStrategy}`,
          [y, dy],
        );
        // Rows of 100 need 16 at a time for aligned offsets, 1600 floats: more than a binding holds here.
        expect(() => act.resident.softmax(act.upload(new Float32Array(3200)), { cols: 100 })).toThrow(
          /row of 100 elements cannot be sliced/,
        );
      } finally {
        act.destroy();
      }
    }
  });

  it('refuses a tensor larger than the device can hold with a RangeError stating the limit', async () => {
    // A device with WebGPU's default limits (maxBufferSize 256 MiB), and an array one element past it.
    const device = await (await testAdapter()).requestDevice();
    const act = await createActivations({ device });
    try {
      const limit = device.limits.maxBufferSize;
      expect(() => act.upload(new Float32Array(limit / 4 + 1))).toThrow(new RegExp(`exceeds the device's maxBufferSize of ${limit} bytes`));
      expect(() => act.upload(new Float32Array(limit / 4 + 1))).toThrow(RangeError);
      expect(() => act.upload(new Float32Array(0))).not.toThrow();
    } finally {
      act.destroy();
      device.destroy();
    }
  });

  it('answer an empty tensor at once, for every op', async () => {
    const act = await createActivations({ backend: 'webgpu', poisonOutputs: true });
    try {
      const empty = act.upload([]);
      for (const result of [
        act.resident.softmax(empty),
        act.resident.logSoftmax(empty, { cols: 0 }),
        act.resident.softmaxBackward(empty, act.upload([]), { rows: 0 }),
        act.resident.gelu(empty),
        act.resident.sigmoidBackward(empty, act.upload([])),
        ...act.resident.tanhWithDerivative(empty),
      ]) {
        expect(result.length).toBe(0);
        expect(await result.read()).toEqual(new Float32Array(0));
      }
    } finally {
      act.destroy();
    }
  });

  it('name a tensor of a lost device, used or read after the engine moved on, with a TypeError', async () => {
    const act = await createActivations({ backend: 'webgpu' });
    try {
      const stale = act.upload([1, 2, 3]);
      const device = act.device as GPUDevice;
      device.destroy();
      await device.lost;
      await act.recovered();
      expect(act.backend).toBe('webgpu');
      expect(() => act.resident.sigmoid(stale)).toThrow(/^x: this tensor was on a WebGPU device that was lost/);
      expect(() => act.resident.sigmoid(stale)).toThrow(TypeError);
      await expect(stale.read()).rejects.toThrow(/^tensor: its WebGPU device was lost/);
      // New tensors work on the new device.
      expect(await act.resident.relu(act.upload([-1, 1])).read()).toEqual(Float32Array.from([0, 1]));
    } finally {
      act.destroy();
    }
  });

  it("name a GPU tensor passed after the engine fell back to the CPU (a caller's device was lost) with a TypeError", async () => {
    const device = await (await testAdapter()).requestDevice();
    const act = await createActivations({ device, backend: 'webgpu' });
    try {
      const stale = act.upload([1, 2, 3]);
      device.destroy();
      await device.lost;
      await act.recovered();
      expect(act.backend).toBe('cpu');
      expect(() => act.resident.sigmoid(stale)).toThrow(/^x: this tensor's WebGPU device is gone/);
      expect(() => act.resident.sigmoid(stale)).toThrow(TypeError);
      expect(await act.resident.relu(act.upload([-1, 1])).read()).toEqual(Float32Array.from([0, 1]));
    } finally {
      act.destroy();
    }
  });
});
