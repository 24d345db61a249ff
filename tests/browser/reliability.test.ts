// Device loss, concurrency, resource bounds: no call may return a wrong number or hang, whatever
// happens to the device or the engine around it.

import { describe, expect, it } from 'vitest';
import { type Activations, type BackendChange, createActivations, EngineDestroyedError } from 'webgpu-activations';
import { expectClose } from '../support/compare.ts';
import { countingDevice } from '../support/counting-device.ts';
import { testAdapter } from '../support/host.ts';
import { createRandom, SEED, uniformFloat32Array } from '../support/random.ts';
import { map64, sigmoid64, softmax64 } from '../support/reference.ts';

const LARGE = 1 << 18; // above every minGpuElements used here, so calls go to the GPU

function changes(act: Activations): BackendChange[] {
  const seen: BackendChange[] = [];
  act.addEventListener('backendchange', (event) => seen.push((event as CustomEvent<BackendChange>).detail));
  return seen;
}

describe('device loss', () => {
  it('between calls: later calls are right, a new device is requested, and an event says so', async () => {
    const act = await createActivations({ backend: 'auto', minGpuElements: 1024 });
    const seen = changes(act);
    const random = createRandom(SEED);
    const x = uniformFloat32Array(random, LARGE, -20, 20);
    try {
      const first = act.device as GPUDevice;
      // A real loss (driver reset, GPU removed) has reason 'unknown'; destroy() is the only way to
      // cause one from a page, and the engine treats a device it did not destroy itself as lost.
      first.destroy();
      await first.lost;
      expectClose(await act.sigmoid(x), map64(x, sigmoid64), { relative: 1e-6 }, 'sigmoid right after the loss');
      await act.recovered();
      expect(seen[0]?.backend).toBe('cpu');
      expect(seen[0]?.reason).toMatch(/device was lost/);
      // SwiftShader grants a second device, so recovery must have happened here.
      expect(act.backend, act.reason).toBe('webgpu');
      expect(act.device).not.toBe(first);
      expect(act.device).not.toBe(null);
      expect(seen.map((change) => change.backend)).toEqual(['cpu', 'webgpu']);
      expect(seen.at(-1)?.reason).toMatch(/new WebGPU device replaced the lost one/);
      expectClose(await act.sigmoid(x), map64(x, sigmoid64), { relative: 1e-6 }, 'sigmoid on the replacement');
      expectClose(await act.softmax(x, { cols: 256 }), softmax64(x, LARGE / 256, 256), { relative: 1e-6 }, 'softmax on the replacement');
    } finally {
      act.destroy();
    }
  });

  it('while calls are in flight: every call settles with the right values (recomputed on the CPU)', async () => {
    const act = await createActivations({ backend: 'auto', minGpuElements: 1024 });
    const random = createRandom(SEED + 1);
    const inputs = Array.from({ length: 24 }, (_, i) => uniformFloat32Array(random, LARGE + i * 4099, -30, 30));
    try {
      const calls = inputs.map((x) => act.sigmoid(x));
      (act.device as GPUDevice).destroy();
      const results = await Promise.all(calls);
      for (const [i, y] of results.entries())
        expectClose(y, map64(inputs[i] as Float32Array, sigmoid64), { relative: 1e-6 }, `in-flight call ${i}`);
    } finally {
      act.destroy();
    }
  });

  it("on a caller's device: falls back to the CPU for good and does not request another", async () => {
    const adapter = await testAdapter();
    const device = await adapter.requestDevice();
    const act = await createActivations({ device, minGpuElements: 1024 });
    const seen = changes(act);
    device.destroy();
    await device.lost;
    await act.recovered();
    expect(act.backend).toBe('cpu');
    expect(act.device).toBe(null);
    expect(seen).toHaveLength(1);
    expect(Array.from(await act.sigmoid(new Float32Array(LARGE))).every((v) => v === 0.5)).toBe(true);
    act.destroy();
  });

  it("backend 'webgpu' calls keep working across a loss", async () => {
    const act = await createActivations({ backend: 'webgpu' });
    (act.device as GPUDevice).destroy();
    expect((await act.sigmoid([0, 1e6]))[1]).toBe(1);
    await act.recovered();
    expect((await act.softmax([1, 1]))[0]).toBe(0.5);
    act.destroy();
  });
});

describe('concurrency', () => {
  it('1000 concurrent calls of mixed ops and sizes through one engine are all right', async () => {
    const act = await createActivations({ backend: 'auto', minGpuElements: 256, maxPooledBytes: 8 << 20 });
    const random = createRandom(SEED + 2);
    try {
      const jobs = Array.from({ length: 1000 }, (_, i) => {
        const n = [1, 7, 256, 300, 1000, 5000, 20_000][i % 7] as number;
        const x = uniformFloat32Array(random, n, -10, 10);
        switch (i % 4) {
          case 0:
            return { call: act.sigmoid(x), expected: map64(x, sigmoid64) };
          case 1:
            return { call: act.softmax(x), expected: softmax64(x, 1, n) };
          case 2: {
            const dy = uniformFloat32Array(random, n, -1, 1);
            const y = Float32Array.from(map64(x, sigmoid64));
            return { call: act.sigmoidBackward(y, dy), expected: map64(y, (v) => v * (1 - v)).map((d, j) => d * (dy[j] as number)) };
          }
          default:
            return { call: act.sigmoidDerivative(x), expected: map64(x, (v) => sigmoid64(v) * sigmoid64(-v)) };
        }
      });
      const results = await Promise.all(jobs.map((job) => job.call));
      for (const [i, result] of results.entries()) {
        expectClose(result, (jobs[i] as { expected: Float64Array }).expected, { relative: 1e-6 }, `call ${i}`);
      }
      expect(act.stats().liveBuffers).toBe(0);
    } finally {
      act.destroy();
    }
  });

  it('destroy() during in-flight calls settles every promise, and later calls reject clearly', async () => {
    const act = await createActivations({ backend: 'webgpu' });
    const calls = Array.from({ length: 50 }, (_, i) => act.sigmoid(new Float32Array(4096 + i)));
    act.destroy();
    const settled = await Promise.allSettled(calls);
    for (const outcome of settled) {
      if (outcome.status === 'rejected') expect(outcome.reason).toBeInstanceOf(EngineDestroyedError);
      else expect(outcome.value[0]).toBe(0.5);
    }
    await expect(act.sigmoid([1])).rejects.toBeInstanceOf(EngineDestroyedError);
    expect(act.stats().liveBuffers).toBe(0);
  });
});

describe('memory', () => {
  it('10,000 calls of varied sizes keep pooled bytes under the bound, and destroy() frees everything', async () => {
    const maxPooledBytes = 2 << 20;
    const { device, alive } = await countingDevice();
    const act = await createActivations({ device, backend: 'webgpu', maxPooledBytes });
    let largestPooled = 0;
    let largestLive = 0;
    const x = new Float32Array(40_000).fill(1);
    const calls: Promise<Float32Array>[] = [];
    for (let i = 0; i < 10_000; i++) {
      const n = 1 + ((i * 7919) % 40_000);
      const view = x.subarray(0, n);
      // Batches of 20 concurrent calls, so that several buffers of each size are live at once.
      if (i % 20 === 19) await Promise.all([act.sigmoid(view), act.softmax(view)]);
      else calls.push(act.sigmoid(view));
      largestPooled = Math.max(largestPooled, act.stats().pooledBytes);
      largestLive = Math.max(largestLive, act.stats().liveBuffers);
    }
    const results = await Promise.all(calls);
    expect(results.every((y) => y.every((v) => v === 0.7310585975646973))).toBe(true);
    expect(act.stats().liveBuffers, 'every call returned its buffers').toBe(0);
    expect(largestPooled).toBeLessThanOrEqual(maxPooledBytes);
    console.log(
      `10,000 calls: largest pooled ${largestPooled} bytes under a bound of ${maxPooledBytes}; at most ${largestLive} buffers in use at once`,
    );
    act.destroy();
    expect(alive.size, 'buffers left undestroyed after destroy()').toBe(0);
    device.destroy();
  });
});
