// The README's worked example: the seed cases' network trained on XOR on each backend. Its loss curve
// must match the same training done in float64 step for step, fall, and end with the XOR table.

import { expect, it } from 'vitest';
import { createActivations } from 'webgpu-activations';
import { INITIAL_WEIGHTS, trainXor, XOR_INPUTS, XOR_TARGETS } from '../../examples/xor.ts';
import { trainXorOnGpu } from '../../examples/xor-resident.ts';
import { countSubmits } from '../support/counting-device.ts';

/** The same training in float64 with textbook formulas: the curve the library must reproduce. */
function trainXor64(steps: number, learningRate: number): number[] {
  const sigmoid = (v: number) => 1 / (1 + Math.exp(-v));
  const w1 = INITIAL_WEIGHTS.inputHidden.map((row) => [...row]);
  const w2 = [...INITIAL_WEIGHTS.hiddenOutput];
  const b1 = [0, 0, 0];
  let b2 = 0;
  const losses: number[] = [];
  for (let step = 0; step < steps; step++) {
    const hidden = XOR_INPUTS.map((x) => [0, 1, 2].map((j) => sigmoid(x[0]! * w1[0]![j]! + x[1]! * w1[1]![j]! + b1[j]!)));
    const output = hidden.map((h) => sigmoid(h[0]! * w2[0]! + h[1]! * w2[1]! + h[2]! * w2[2]! + b2));
    const error = output.map((o, i) => XOR_TARGETS[i]! - o);
    losses.push(error.reduce((sum, e) => sum + e * e, 0) / 4);
    const g = output.map((o, i) => error[i]! * o * (1 - o));
    const hg = hidden.map((h, i) => h.map((v, j) => g[i]! * w2[j]! * v * (1 - v)));
    for (let j = 0; j < 3; j++) {
      w2[j] = w2[j]! + learningRate * hidden.reduce((sum, h, i) => sum + h[j]! * g[i]!, 0);
      b1[j] = b1[j]! + learningRate * hg.reduce((sum, row) => sum + row[j]!, 0);
      for (let k = 0; k < 2; k++) w1[k]![j] = w1[k]![j]! + learningRate * XOR_INPUTS.reduce((sum, x, i) => sum + x[k]! * hg[i]![j]!, 0);
    }
    b2 += learningRate * g.reduce((sum, v) => sum + v, 0);
  }
  return losses;
}

const STEPS = 500;
const reference = trainXor64(STEPS, 2);

for (const backend of ['webgpu', 'cpu'] as const) {
  it(`trains XOR on the ${backend} backend along the float64 loss curve`, async () => {
    const act = await createActivations({ backend });
    try {
      const { losses, predictions } = await trainXor(act, STEPS, 2);
      expect(losses).toHaveLength(STEPS);
      // float32 activations against float64: the curves agree to 1e-4 relative at every step.
      for (const [step, loss] of losses.entries()) {
        expect(Math.abs(loss - (reference[step] as number)), `step ${step}`).toBeLessThanOrEqual(1e-4 * (reference[step] as number));
      }
      expect(losses[0]).toBeCloseTo(0.2978475, 6);
      expect(losses.at(-1)).toBeLessThan(0.003);
      expect(predictions.map(Math.round)).toEqual(XOR_TARGETS);
      console.log(
        `XOR on ${backend}: loss ${losses[0]?.toFixed(4)} -> ${losses.at(-1)?.toFixed(5)}, predictions ${predictions.map((p) => p.toFixed(3)).join(' ')}`,
      );
    } finally {
      act.destroy();
    }
  });
}

it('trains XOR with everything on the GPU (WGSL products of its own, our activations in its encoder), one submit a step, along the float64 curve', async () => {
  const act = await createActivations({ backend: 'webgpu' });
  const device = act.device as GPUDevice;
  const submits = countSubmits(device);
  try {
    const { losses, predictions } = await trainXorOnGpu(act, STEPS, 2);
    // Each step and the final forward pass; the two read-backs at the end.
    expect(submits.count).toBe(STEPS + 1 + 2);
    expect(losses).toHaveLength(STEPS);
    for (const [step, loss] of losses.entries()) {
      expect(Math.abs(loss - (reference[step] as number)), `step ${step}`).toBeLessThanOrEqual(1e-4 * (reference[step] as number));
    }
    expect(predictions.map(Math.round)).toEqual(XOR_TARGETS);
    console.log(
      `XOR on the GPU: loss ${losses[0]?.toFixed(4)} -> ${losses.at(-1)?.toFixed(5)}, predictions ${predictions.map((p) => p.toFixed(3)).join(' ')}`,
    );
  } finally {
    submits.restore();
    act.destroy();
  }
});
