// The engine's behaviour around the kernels: which backend auto picks, what it owns, what destroy()
// releases, and that validation errors surface from GPU calls too.

import { describe, expect, it } from 'vitest';
import {
  ACTIVATIONS,
  createActivations,
  defineActivation,
  EngineDestroyedError,
  getDefaultActivations,
  resetDefaultActivations,
  sigmoid,
  softmax,
} from 'webgpu-activations';
import { expectClose } from '../support/compare.ts';
import { countingDevice } from '../support/counting-device.ts';
import { testAdapter } from '../support/host.ts';
import { createRandom, SEED, uniformFloat32Array } from '../support/random.ts';
import { map64, softmax64 } from '../support/reference.ts';
import { ROW_REFERENCES } from '../support/row-cases.ts';

describe('auto', () => {
  it('uses WebGPU here, says why, and sends arrays under minGpuElements to the CPU', async () => {
    const act = await createActivations({ backend: 'auto', minGpuElements: 1000 });
    try {
      expect(act.backend).toBe('webgpu');
      expect(act.reason).toMatch(/WebGPU device granted .*; arrays under 1000 elements run on the CPU/);
      expect(act.minGpuElements).toBe(1000);
      await act.sigmoid(new Float32Array(999));
      expect(act.stats().pooledBuffers, 'a small array must not touch the GPU').toBe(0);
      await act.sigmoid(new Float32Array(1000));
      expect(act.stats().pooledBuffers, 'a large array runs on the GPU').toBeGreaterThan(0);
    } finally {
      act.destroy();
    }
  });

  it('calibrates its CPU/GPU crossover at start, once per adapter, and says what it measured', async () => {
    const act = await createActivations();
    try {
      const calibration = act.calibration;
      expect(calibration).toBeDefined();
      expect(calibration?.gpuFixedMs).toBeGreaterThan(0);
      expect(calibration?.cpuPerElementNs).toBeGreaterThan(0);
      expect(act.minGpuElements).toBe(calibration?.minGpuElements);
      expect(act.reason).toMatch(/elementwise ops .*\(GPU round trip [\d.]+ ms \+ [\d.]+ ns\/element, CPU [\d.]+ ns\/element\)/);
      expect(act.reason).toMatch(/row ops .*\(GPU round trip [\d.]+ ms \+ [\d.]+ ns\/element, CPU [\d.]+ ns\/element\)/);
      expect(calibration?.rows.cpuPerElementNs).toBeGreaterThan(0);
      const again = await createActivations();
      expect(again.calibration, 'the second engine on the same adapter reuses the measurement').toBe(calibration);
      again.destroy();
      console.log(`auto on this adapter: ${act.reason}`);
    } finally {
      act.destroy();
    }
  });

  it('backs the module-level functions with one default engine', async () => {
    resetDefaultActivations();
    const engine = await getDefaultActivations();
    expect(await getDefaultActivations()).toBe(engine);
    expect(engine.backend).toBe('webgpu');
    expect(Array.from(await sigmoid([0]))).toEqual([0.5]);
    expect(Array.from(await softmax([1, 1], { cols: 2 }))).toEqual([0.5, 0.5]);
    resetDefaultActivations();
    expect(await getDefaultActivations()).not.toBe(engine);
    resetDefaultActivations();
  });
});

describe('IEEE special values through the reductions', () => {
  // Every special row, fixed (the random tests meet them only by chance), short (8) and long enough
  // (8 x 37) that the workgroup and split kernels merge partial statistics across threads.
  const PATTERNS: readonly (readonly number[])[] = [
    [-Infinity, -Infinity, -Infinity, -Infinity, -Infinity, -Infinity, -Infinity, -Infinity], // no distribution: NaN
    [-Infinity, 0, -Infinity, -Infinity, -Infinity, -Infinity, -Infinity, -Infinity], // one finite entry
    [Infinity, 1, Infinity, 2, -Infinity, 0, 3.4e38, -5], // +Infinity entries share the row
    [1, 2, Number.NaN, 3, 4, 5, 6, 7], // NaN row
    [3.4e38, 3.4e38, 3.4e38, 3.4e38, 3.4e38, 3.4e38, 3.4e38, 3.4e38], // huge equal values
    [-3.4e38, -3.4e38, -3.4e38, -3.4e38, -3.4e38, -3.4e38, -3.4e38, -3.4e38],
    [3.4e38, -3.4e38, 0, -0, 1e30, -1e30, 88, -104],
    [1e-45, -1e-45, 0, -0, 1e-40, -1e-40, 1.1754943508222875e-38, -1e-38], // subnormals and zeros
    [Infinity, -Infinity, -Infinity, -Infinity, -Infinity, -Infinity, -Infinity, -Infinity],
    [-87.5, -88.5, -103, -104, -105, -150, 0, -1], // terms near and below float32's range
  ];
  const batch = (cols: number) =>
    Float32Array.from(PATTERNS.flatMap((row) => Array.from({ length: cols }, (_, i) => row[i % row.length] as number)));

  it('softmax and log-softmax of special rows agree with float64 on both backends and every row kernel', async () => {
    for (const [backend, rowStrategy] of [
      ['webgpu', 'thread'],
      ['webgpu', 'workgroup'],
      ['webgpu', 'split'],
      ['cpu', 'auto'],
    ] as const) {
      const act = await createActivations({ backend, rowStrategy, poisonOutputs: true });
      try {
        for (const cols of [8, 8 * 37]) {
          const x = batch(cols);
          const rows = PATTERNS.length;
          const context = `${backend} ${rowStrategy} cols=${cols}`;
          const p = await act.softmax(x, { rows, cols });
          expectClose(p, softmax64(x, rows, cols), { relative: 1e-6 }, `softmax ${context}`, [x]);
          expectClose(
            await act.logSoftmax(x, { rows, cols }),
            ROW_REFERENCES.logSoftmax(x, rows, cols),
            { relative: 1e-6 },
            `logSoftmax ${context}`,
            [x],
          );
          for (let r = 0; r < rows; r++) {
            const row = p.subarray(r * cols, (r + 1) * cols);
            if (row.every(Number.isFinite))
              expect(Math.abs(row.reduce((sum, v) => sum + v, 0) - 1), `row ${r} sums to 1, ${context}`).toBeLessThan(1e-6);
            else expect(row.every(Number.isNaN), `row ${r} is all NaN or all finite, ${context}`).toBe(true);
          }
        }
      } finally {
        act.destroy();
      }
    }
  });

  it('softmax backward with an infinite dy agrees with float64 on both backends and both row kernels', async () => {
    // dot = Infinity: dx = y * (dy - dot) = [0.5 * (Inf - Inf), 0.5 * (0 - Inf), 0 * (0 - Inf), 0 * (0 - Inf)]
    const y = [0.5, 0.5, 0, 0];
    const dy = [Infinity, 0, 0, 0];
    for (const [backend, rowStrategy] of [
      ['webgpu', 'thread'],
      ['webgpu', 'workgroup'],
      ['cpu', 'auto'],
    ] as const) {
      const act = await createActivations({ backend, rowStrategy });
      expect(Array.from(await act.softmaxBackward(y, dy)), `${backend} ${rowStrategy}`).toEqual([
        Number.NaN,
        -Infinity,
        Number.NaN,
        Number.NaN,
      ]);
      act.destroy();
    }
  });
});

describe('GPU resources', () => {
  it('pools buffers under the bound and destroys every buffer it made on destroy()', async () => {
    const maxPooledBytes = 1 << 20;
    const { device, alive } = await countingDevice();
    const act = await createActivations({ device, backend: 'webgpu', maxPooledBytes });
    const split = await createActivations({ device, backend: 'webgpu', rowStrategy: 'split', maxChunkBytes: 1 << 16 });
    const sizes = [1, 100, 5000, 70_000, 300_000, 17, 4096];
    for (let round = 0; round < 3; round++) {
      for (const n of sizes) {
        await act.sigmoidBackward(new Float32Array(n).fill(0.5), new Float32Array(n).fill(1));
        const stats = act.stats();
        expect(stats.liveBuffers, 'every buffer is returned after a call').toBe(0);
        expect(stats.pooledBytes).toBeLessThanOrEqual(maxPooledBytes);
      }
    }
    // Every other path that makes buffers: row kernels (split form, rows longer than a binding),
    // both outputs at once, and tensors (one left undestroyed: the engine must still free it).
    await act.softmax(new Float32Array(4096), { cols: 64 });
    await split.logSoftmax(new Float32Array(40_000), { cols: 40_000 });
    await split.softmaxBackward(new Float32Array(8192).fill(0.25), new Float32Array(8192), { cols: 4096 });
    await act.sigmoidWithDerivative(new Float32Array(1000));
    const kept = act.resident.softmax(act.upload(new Float32Array(256)), { cols: 16 });
    expect((await kept.read())[0]).toBe(1 / 16);
    expect(alive.size, 'buffers exist while the engines do').toBeGreaterThan(0);
    act.destroy();
    split.destroy();
    expect(alive.size, 'buffers the engines left undestroyed').toBe(0);
    device.destroy();
  });

  it('destroys a device it requested, and never one it was given', async () => {
    const own = await createActivations({ backend: 'webgpu' });
    const ownDevice = own.device as GPUDevice;
    own.destroy();
    const lost = await Promise.race([ownDevice.lost.then(() => 'lost'), new Promise((r) => setTimeout(() => r('alive'), 2000))]);
    expect(lost).toBe('lost');

    const adapter = await testAdapter();
    const device = await adapter.requestDevice();
    const given = await createActivations({ device });
    expect(given.device).toBe(device);
    expect(given.reason).toMatch(/given by the caller/);
    // Under auto a caller's device is calibrated like one the engine requested.
    expect(given.calibration?.gpuFixedMs).toBeGreaterThan(0);
    expect(given.minGpuElements).toBe(given.calibration?.minGpuElements);
    expect((await given.sigmoid(new Float32Array(1 << 17)))[0]).toBe(0.5);
    given.destroy();
    const alive = await Promise.race([device.lost.then(() => 'lost'), new Promise((r) => setTimeout(() => r('alive'), 500))]);
    expect(alive).toBe('alive');
    device.destroy();
  });

  it('rejects calls after destroy(), including on the GPU path', async () => {
    const act = await createActivations({ backend: 'webgpu' });
    act.destroy();
    await expect(act.sigmoid(new Float32Array(8))).rejects.toBeInstanceOf(EngineDestroyedError);
    await expect(act.softmax(new Float32Array(8))).rejects.toThrow(/destroyed/);
  });

  it('turns a WGSL error in a custom activation into a rejected call with the compiler message', async () => {
    const act = await createActivations({ backend: 'webgpu' });
    try {
      const broken = defineActivation({
        name: 'broken',
        wgsl: { forward: 'x * undefined_name', derivative: '1.0' },
        forward: (x) => x,
        derivative: () => 1,
      });
      await expect(act.forward(broken, new Float32Array(4))).rejects.toThrow(/broken\.forward: .*undefined_name/s);
      // The engine stays usable.
      expect((await act.sigmoid(new Float32Array(4)))[0]).toBe(0.5);
    } finally {
      act.destroy();
    }
  });

  it('runs a custom activation defined from WGSL expressions on both backends, to float32 precision', async () => {
    // The README's example: exact because it uses the library's helpers (no cancellation, no overflow).
    const softplus = defineActivation({
      name: 'softplus',
      wgsl: {
        forward: 'max(x, 0.0) + log1p_nonnegative(exp_nonpositive(-abs(x)))',
        derivative: 'select(exp_nonpositive(x) / (1.0 + exp_nonpositive(x)), 1.0 / (1.0 + exp_nonpositive(-x)), x >= 0.0)',
      },
      forward: (x) => Math.max(x, 0) + Math.log1p(Math.exp(-Math.abs(x))),
      derivative: (x) => 1 / (1 + Math.exp(-x)),
    });
    const random = createRandom(SEED + 3);
    const x = Float32Array.from([
      ...uniformFloat32Array(random, 4096, -80, 80),
      -Infinity,
      -100,
      -20,
      -0,
      0,
      20,
      100,
      Infinity,
      Number.NaN,
    ]);
    const dy = uniformFloat32Array(random, x.length, -2, 2);
    const softplus64 = (v: number) => Math.max(v, 0) + Math.log1p(Math.exp(-Math.abs(v)));
    const derivative64 = (v: number) => 1 / (1 + Math.exp(-v));
    for (const backend of ['webgpu', 'cpu'] as const) {
      const act = await createActivations({ backend, poisonOutputs: true });
      try {
        expectClose(await act.forward(softplus, x), map64(x, softplus64), { relative: 1e-6 }, `softplus ${backend}`, [x]);
        expectClose(await act.derivative(softplus, x), map64(x, derivative64), { relative: 1e-6 }, `softplus' ${backend}`, [x]);
        const backward = map64(x, derivative64).map((d, i) => d * (dy[i] as number));
        expectClose(await act.backward(softplus, x, dy), backward, { relative: 1e-6 }, `softplus backward ${backend}`, [x, dy]);
      } finally {
        act.destroy();
      }
    }
    expect(ACTIVATIONS.sigmoid.name).toBe('sigmoid');
  });
});
