// TensorFlow.js and an engine on one device (examples/tfjs-interop.ts): TF.js tensors go through our
// kernels and back with no mapAsync in between, and the results match float64 where TF.js's own don't.

import type * as TensorFlow from '@tensorflow/tfjs-core';
import { expect } from 'vitest';
import { shareDevice, sigmoidAndBackwardOnGpu, softmaxOnGpu } from '../../examples/tfjs-interop.ts';
import { compare, expectClose } from '../support/compare.ts';
import { itInBrowser } from '../support/host.ts';
import { createRandom, SEED, uniformFloat32Array } from '../support/random.ts';
import { map64, sigmoid64, softmax64 } from '../support/reference.ts';

// Counts every mapAsync on any GPUBuffer while `body` runs.
async function countMaps<T>(body: () => T | Promise<T>): Promise<{ result: T; maps: number }> {
  const prototype = GPUBuffer.prototype;
  const original = prototype.mapAsync;
  let maps = 0;
  prototype.mapAsync = function (this: GPUBuffer, ...args: Parameters<GPUBuffer['mapAsync']>) {
    maps++;
    return original.apply(this, args);
  };
  try {
    return { result: await body(), maps };
  } finally {
    prototype.mapAsync = original;
  }
}

itInBrowser(
  'runs our softmax and sigmoid backward on TF.js tensors on a shared device, with no read-back, exact where TF.js is not',
  "TF.js's webgpu backend",
  async () => {
    const { tf, act } = await shareDevice();
    try {
      const random = createRandom(SEED + 51);
      // More than 65535 rows: TF.js's own softmax is wrong there (a grid dimension it does not split).
      const [rows, cols] = [70_000, 16];
      const logits = uniformFloat32Array(random, rows * cols, -10, 10);
      const z = uniformFloat32Array(random, 4096, -30, 30);
      z[0] = Number.NaN;
      const dy = uniformFloat32Array(random, 4096, -1, 1);
      // On the GPU, as a model's tensors are: the outputs of a TF.js op (a tensor made from an array stays on the CPU until used).
      const onGpu = <T extends TensorFlow.Tensor>(tensor: T): T => tf.tidy(() => tf.mul(tensor, 1) as T);
      const inputs = [onGpu(tf.tensor2d(logits, [rows, cols])), onGpu(tf.tensor1d(z)), onGpu(tf.tensor1d(dy))] as const;
      const { result, maps } = await countMaps(() => {
        const probabilities = softmaxOnGpu(tf, act, inputs[0]);
        const [y, dz] = sigmoidAndBackwardOnGpu(tf, act, inputs[1], inputs[2]);
        // TF.js goes on with our results, on the GPU.
        return {
          probabilities,
          y,
          dz,
          rowSums: tf.sum(probabilities, 1),
          theirs: tf.softmax(inputs[0]),
          theirSigmoid: tf.sigmoid(inputs[1]),
        };
      });
      expect(maps, 'from dataToGPU() to tf.tensor({ buffer }): no mapAsync').toBe(0);
      const expectedP = softmax64(logits, rows, cols);
      expectClose((await result.probabilities.data()) as Float32Array, expectedP, { relative: 1e-6 }, 'our softmax through TF.js', [
        logits,
      ]);
      const sums = (await result.rowSums.data()) as Float32Array;
      expect(sums.every((sum) => Math.abs(sum - 1) < 1e-5)).toBe(true);
      const expectedY = map64(z, sigmoid64);
      const y = (await result.y.data()) as Float32Array;
      expectClose(y, expectedY, { relative: 1e-6 }, 'our sigmoid through TF.js');
      expect(Number.isNaN(y[0]), 'sigmoid(NaN) is NaN').toBe(true);
      expectClose(
        (await result.dz.data()) as Float32Array,
        map64(y, (v) => v * (1 - v)).map((d, i) => d * (dy[i] as number)),
        { relative: 1e-6 },
        'our sigmoid backward through TF.js',
      );
      // What TF.js computes itself on the same inputs: 0 for sigmoid(NaN); its softmax error is printed, not asserted (it depends on the adapter's limits).
      expect((await result.theirSigmoid.data())[0], "TF.js's sigmoid(NaN)").toBe(0);
      const theirError = compare((await result.theirs.data()) as Float32Array, expectedP, { relative: 1e-6 }).maxRelativeError;
      console.log(`softmax ${rows} x ${cols}: ours matches float64; TF.js webgpu's own max relative error ${theirError.toExponential(2)}`);
      for (const tensor of [...inputs, ...Object.values(result)]) tensor.dispose();
    } finally {
      act.destroy();
    }
  },
);
