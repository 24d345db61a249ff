// ONNX Runtime Web and an engine on one device (examples/ort-interop.ts): a session's GPU output goes
// through our softmax and into the next session with no mapAsync in between, and the result matches
// float64 where ORT's own softmax does not (a row holding NaN).
import { expect } from 'vitest';
import { createOrtPipeline } from '../../examples/ort-interop.ts';
import { expectClose } from '../support/compare.ts';
import { itInBrowser } from '../support/host.ts';
import { createRandom, SEED, uniformFloat32Array } from '../support/random.ts';
import { softmax64 } from '../support/reference.ts';

// Counts every mapAsync on any GPUBuffer while `body` runs.
async function countMaps<T>(body: () => Promise<T>): Promise<{ result: T; maps: number }> {
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
  "runs our softmax between two ONNX Runtime Web sessions on ORT's device, with no read-back, exact where ORT is not",
  "ORT's WebGPU EP (navigator.gpu)",
  async () => {
    const pipeline = await createOrtPipeline();
    try {
      const random = createRandom(SEED + 61);
      const [rows, cols] = [300, 64];
      const logits = uniformFloat32Array(random, rows * cols, -10, 10);
      logits[5 * cols + 3] = Number.NaN; // row 5 holds a NaN: float64 makes the whole row NaN
      const { result, maps } = await countMaps(() => pipeline.run(logits, rows, cols));
      expect(maps, 'from the first session to the second: no mapAsync').toBe(0);
      expect(result.scaled.location).toBe('gpu-buffer');

      const doubled = Float64Array.from(logits, (v) => 2 * v);
      const expected = softmax64(doubled, rows, cols).map((p) => 2 * p);
      const scaled = (await result.scaled.getData(true)) as Float32Array;
      expectClose(scaled, expected, { relative: 1e-6 }, 'ORT -> our softmax -> ORT', [logits]);
      expect(scaled.slice(5 * cols, 6 * cols).every(Number.isNaN), 'the NaN row stays NaN').toBe(true);
      // ORT's own Softmax on the same row is not NaN (printed, not asserted: it is ORT's behaviour, not ours).
      const theirs = (await result.theirs.getData(true)) as Float32Array;
      console.log(`ORT webgpu Softmax of a row holding NaN: ${Array.from(theirs.slice(5 * cols, 5 * cols + 4)).join(', ')}, ...`);
    } finally {
      await pipeline.destroy();
    }
  },
);
