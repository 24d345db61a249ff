// Misuse on the WebGPU engine (the CPU side is in tests/node/misuse.test.ts): the same clear errors,
// checked before anything reaches the device, and the right answers where an input is legal but odd.

import { describe, expect, it } from 'vitest';
import { ArgumentRangeError, ArgumentTypeError, cpu, createActivations, EngineDestroyedError } from 'webgpu-activations';
import { createRandom, SEED } from '../support/random.ts';

describe('the WebGPU engine', () => {
  it('answers an empty batch at once whatever its shape, in the array API', async () => {
    const act = await createActivations({ backend: 'webgpu' });
    try {
      const empty = new Float32Array(0);
      for (const shape of [
        { rows: 1e8, cols: 0 },
        { rows: 2 ** 53 - 1, cols: 0 },
        { rows: 0, cols: 2 ** 53 - 1 },
      ]) {
        expect((await act.softmax(empty, shape)).length).toBe(0);
        expect((await act.logSoftmax(empty, shape)).length).toBe(0);
        expect((await act.softmaxBackward(empty, empty, shape)).length).toBe(0);
      }
      expect((await act.gelu(empty)).length).toBe(0);
    } finally {
      act.destroy();
    }
  });

  it('refuses what the CPU refuses, with the same errors', async () => {
    const act = await createActivations({ backend: 'webgpu' });
    try {
      await expect(act.leakyRelu([-1e30], { alpha: 1e-40 })).rejects.toThrow(ArgumentRangeError);
      await expect(act.softmax(new Float32Array(20), { col: 10 } as never)).rejects.toThrow(/^options\.col: .*did you mean cols\?/);
      await expect(act.sigmoid({ length: 2 ** 32 })).rejects.toThrow(/^x: has length 4294967296/);
      expect(act.stats().liveBuffers, 'nothing reached the device').toBe(0);
    } finally {
      act.destroy();
    }
    await expect(createActivations({ device: {} as GPUDevice })).rejects.toThrow(ArgumentTypeError);
    await expect(createActivations({ device: {} as GPUDevice })).rejects.toThrow(/^options\.device: expected a GPUDevice/);
    await expect(createActivations({ backend: 'webgpu', maxChunkBytes: Number.NaN })).rejects.toThrow(/^options\.maxChunkBytes: /);
  });

  it('reports bad input before EngineDestroyedError once destroyed', async () => {
    const act = await createActivations({ backend: 'webgpu' });
    act.destroy();
    await expect(act.softmax([1, 2], { cols: 3 })).rejects.toThrow(ArgumentRangeError);
    await expect(act.sigmoid([1])).rejects.toThrow(EngineDestroyedError);
  });

  // The resident paths go through the same resolver as the array API: an option the op does not take is
  // refused there too, before anything is recorded (tests/node/validate.test.ts covers cpu and the engine).
  it('refuses an option the op does not take on act.resident and with(encoder), naming it', async () => {
    const act = await createActivations({ backend: 'webgpu' });
    try {
      const x = act.upload([0.5, 1]);
      const dy = act.upload([1, 1]);
      const device = act.device as GPUDevice;
      const encoder = device.createCommandEncoder();
      for (const ops of [act.resident, act.resident.with(encoder)]) {
        expect(() => ops.sigmoid(x, { alpha: 0.1 } as never)).toThrow(/^options\.alpha: is not an option here/);
        expect(() => ops.tanh(x, { from: 'output' } as never)).toThrow(/^options\.from: is not an option here/);
        expect(() => ops.reluBackward(x, dy, { approximate: 'tanh' } as never)).toThrow(/^options\.approximate: is not an option here/);
        expect(() => ops.eluDerivative(x, { from: 'output', alpha: 0 })).toThrow(ArgumentRangeError);
      }
      encoder.finish();
      expect([...(await act.resident.leakyRelu(x, { alpha: 0.5 }).read())]).toEqual([0.5, 1]);
    } finally {
      act.destroy();
    }
  });

  it(`gives leaky relu the same bits as the CPU for any normal alpha and 0 (seed ${SEED})`, async () => {
    const act = await createActivations({ backend: 'webgpu' });
    try {
      const random = createRandom(SEED);
      const x = new Float32Array(4096).map(() => (random() < 0.5 ? -1 : 1) * 10 ** (random() * 76 - 38));
      x.set([-1e30, -3.4e38, -Infinity, -0, 0, Infinity]);
      for (const alpha of [0, 0.01, 0.1, -0.3, 2 ** -126, 1e-30, 3e38]) {
        const gpu = await act.leakyRelu(x, { alpha });
        const expected = cpu.leakyRelu(x, { alpha });
        const differing = [...gpu.keys()].filter(
          (i) => !Object.is(gpu[i], expected[i]) && !(Number.isNaN(gpu[i]) && Number.isNaN(expected[i])),
        );
        // A subnormal x, or a product below float32's normal range, may be flushed to 0 on the GPU (WGSL allows it).
        const subnormal = (v: number) => v !== 0 && Math.abs(v) < 2 ** -126;
        const flushed = differing.filter((i) => subnormal(x[i] as number) || subnormal(expected[i] as number));
        expect(
          differing.length - flushed.length,
          `alpha ${alpha}: ${differing.slice(0, 3).map((i) => `x=${x[i]} gpu ${gpu[i]} cpu ${expected[i]}`)}`,
        ).toBe(0);
      }
    } finally {
      act.destroy();
    }
  });
});
