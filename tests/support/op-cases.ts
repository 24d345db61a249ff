import { type ActivationCases, activationOpCases, type OpCase } from './activation-cases.ts';
import { EDGE_VALUES } from './random.ts';
import { softmax64 } from './reference.ts';

export type { OpCase };

/**
 * Every activation's test cases, one file each in tests/activations/<name>.ts, found by their file
 * names (so a new activation's file joins every table without a line here), in name order.
 */
const CASE_FILES = import.meta.glob<ActivationCases>('../activations/*.ts', { eager: true, import: 'cases' });
export const ACTIVATION_CASES: readonly ActivationCases[] = Object.keys(CASE_FILES)
  .sort()
  .map((path) => CASE_FILES[path] as ActivationCases);

/** The file of each activation's cases, by its registry name. */
export function casesOf(name: string): ActivationCases | undefined {
  return ACTIVATION_CASES.find((cases) => cases.activation === name);
}

/** Shapes used for softmax at a given length: one row, and rows of 16 when the length allows. */
export function softmaxCols(length: number): number {
  if (length > 1 << 20) return 1; // the large case: many 1-element rows, so the grid goes 2D
  return length % 16 === 0 ? 16 : length;
}

/**
 * The table every op joins: each activation's cases (tests/activations/), and softmax. The browser tests
 * run it on both backends; tests/node/ops.test.ts and cpu-wasm.test.ts on the CPU, in Node.
 */
export const OP_CASES: readonly OpCase[] = [
  ...ACTIVATION_CASES.flatMap(activationOpCases),
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
      case 0:
        row.fill(-Infinity);
        break;
      case 1:
        row[at()] = Infinity;
        row[at()] = Infinity;
        break;
      case 2:
        row[at()] = Number.NaN;
        break;
      case 3:
        row.fill(3.4e38);
        break;
      case 4:
        for (let i = 0; i < cols; i++) if (random() < 0.5) row[i] = -Infinity;
        break;
      case 5:
        for (let i = 0; i < cols; i++) row[i] = random() < 0.5 ? 3.4028234663852886e38 : -3.4028234663852886e38;
        break;
      case 6:
        for (let i = 0; i < cols; i++) if (random() < 0.3) row[i] = EDGE_VALUES[Math.floor(random() * 4)] as number;
        break;
    }
  }
  return x;
}
