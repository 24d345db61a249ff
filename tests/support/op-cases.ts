import type { Activations } from 'webgpu-activations';
import type { Tolerance } from './compare.ts';
import { map64, map64Binary, sigmoid64, sigmoidDerivative64, sigmoidDerivativeFromOutput64, softmax64 } from './reference.ts';
import { EDGE_VALUES, randomFloat32Array, uniformFloat32Array } from './random.ts';

/**
 * The table every op joins: how to make inputs of a given length, how to run the op on an engine, its
 * float64 reference and its tolerance. The browser tests run it on both backends, the node tests on the CPU.
 */
export interface OpCase {
  readonly name: string;
  readonly tolerance: Tolerance;
  inputs(random: () => number, length: number): Float32Array[];
  run(act: Activations, inputs: Float32Array[]): Promise<Float32Array>;
  reference(inputs: Float32Array[]): Float64Array;
}

// Sigmoid outputs: uniform on [0, 1] with the ends and NaN mixed in.
function sigmoidOutputs(random: () => number, length: number): Float32Array {
  const y = uniformFloat32Array(random, length, 0, 1);
  for (let i = 0; i < length; i++) {
    if (random() < 0.02) y[i] = [0, 1, Number.NaN, 0.5, 1e-30][Math.floor(random() * 5)] as number;
  }
  return y;
}

/** Shapes used for softmax at a given length: one row, and rows of 16 when the length allows. */
export function softmaxCols(length: number): number {
  if (length > 1 << 20) return 1;  // the large case: many 1-element rows, so the grid goes 2D
  return length % 16 === 0 ? 16 : length;
}

export const OP_CASES: readonly OpCase[] = [
  {
    name: 'sigmoid',
    tolerance: { relative: 1e-6 },
    inputs: (random, length) => [randomFloat32Array(random, length)],
    run: (act, [x]) => act.sigmoid(x as Float32Array),
    reference: ([x]) => map64(x as Float32Array, sigmoid64),
  },
  {
    name: 'sigmoidDerivative (from input)',
    tolerance: { relative: 1e-6 },
    inputs: (random, length) => [randomFloat32Array(random, length)],
    run: (act, [x]) => act.sigmoidDerivative(x as Float32Array),
    reference: ([x]) => map64(x as Float32Array, sigmoidDerivative64),
  },
  {
    name: 'sigmoidDerivative (from output)',
    tolerance: { relative: 1e-6 },
    inputs: (random, length) => [sigmoidOutputs(random, length)],
    run: (act, [y]) => act.sigmoidDerivative(y as Float32Array, { from: 'output' }),
    reference: ([y]) => map64(y as Float32Array, sigmoidDerivativeFromOutput64),
  },
  {
    name: 'sigmoidBackward',
    tolerance: { relative: 1e-6 },
    inputs: (random, length) => [sigmoidOutputs(random, length), randomFloat32Array(random, length)],
    run: (act, [y, dy]) => act.sigmoidBackward(y as Float32Array, dy as Float32Array),
    reference: ([y, dy]) => map64Binary(y as Float32Array, dy as Float32Array, (u, g) => g * sigmoidDerivativeFromOutput64(u)),
  },
  {
    name: 'sigmoidWithDerivative (values)',
    tolerance: { relative: 1e-6 },
    inputs: (random, length) => [randomFloat32Array(random, length)],
    run: async (act, [x]) => (await act.sigmoidWithDerivative(x as Float32Array))[0],
    reference: ([x]) => map64(x as Float32Array, sigmoid64),
  },
  {
    name: 'sigmoidWithDerivative (derivatives)',
    tolerance: { relative: 1e-6 },
    inputs: (random, length) => [randomFloat32Array(random, length)],
    run: async (act, [x]) => (await act.sigmoidWithDerivative(x as Float32Array))[1],
    reference: ([x]) => map64(x as Float32Array, sigmoidDerivative64),
  },
  {
    name: 'softmax',
    // exp is reduced exactly and x - max is taken exactly (two-sum); the sum is compensated; what is
    // left is a few roundings in exp, the sum and the division.
    tolerance: { relative: 1e-6 },
    inputs: (random, length) => [softmaxInput(random, length, softmaxCols(length))],
    run: (act, [x]) => act.softmax(x as Float32Array, { cols: softmaxCols((x as Float32Array).length) }),
    reference: ([x]) => {
      const cols = softmaxCols((x as Float32Array).length);
      return softmax64(x as Float32Array, (x as Float32Array).length / cols, cols);
    },
  },
];

/**
 * Softmax test data: most rows uniform on [-20, 20] (a realistic spread of logits) and some rows on
 * [-80, 80]; and, one row in ten, a special row: all -Infinity, a +Infinity or two, a NaN, huge equal
 * values (3.4e38), a mix of -Infinity and finite values, or float32 extremes of both signs.
 */
export function softmaxInput(random: () => number, length: number, cols: number): Float32Array {
  const x = new Float32Array(length);
  for (let start = 0; start < length; start += cols) {
    const row = x.subarray(start, start + cols);
    const kind = random() < 0.1 ? Math.floor(random() * 7) : random() < 0.8 ? 7 : 8;
    for (let i = 0; i < cols; i++) row[i] = kind === 8 ? (random() * 2 - 1) * 80 : (random() * 2 - 1) * 20;
    const at = () => Math.floor(random() * cols);
    switch (kind) {
      case 0: row.fill(-Infinity); break;
      case 1: row[at()] = Infinity; row[at()] = Infinity; break;
      case 2: row[at()] = Number.NaN; break;
      case 3: row.fill(3.4e38); break;
      case 4: for (let i = 0; i < cols; i++) if (random() < 0.5) row[i] = -Infinity; break;
      case 5: for (let i = 0; i < cols; i++) row[i] = random() < 0.5 ? 3.4028234663852886e38 : -3.4028234663852886e38; break;
      case 6: for (let i = 0; i < cols; i++) if (random() < 0.3) row[i] = EDGE_VALUES[Math.floor(random() * 4)] as number; break;
    }
  }
  return x;
}
