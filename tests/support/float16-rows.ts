// The float16 row cases: softmax, log-softmax and softmax backward over halves, each element checked
// within 1 float16 ulp of the float64 result rounded once to float16 (maxima and sums are float32 or
// better in the library). Shapes: one row of 70000 equal values, one of 4096 random in [-4, 4], 3000
// rows of 16 in [-30, 30], 16 rows of 65536.

import { float16UlpDistance, float16Value, isFloat16NaN, roundToFloat16Bits } from './float16.ts';
import { createRandom } from './random.ts';
import { logSoftmax64, softmax64, softmaxBackward64 } from './reference.ts';

export interface Float16RowCase {
  readonly name: string;
  readonly rows: number;
  readonly cols: number;
  /** x (or y) and dy as float16 bits. */
  inputs(seed: number): { x: Uint16Array; dy: Uint16Array };
}

function randomHalves(random: () => number, length: number, low: number, high: number): Uint16Array {
  return Uint16Array.from({ length }, () => roundToFloat16Bits(low + (high - low) * random()));
}

function rowCase(name: string, rows: number, cols: number, values: (random: () => number, length: number) => Uint16Array): Float16RowCase {
  return {
    name,
    rows,
    cols,
    inputs(seed) {
      const random = createRandom(seed);
      return { x: values(random, rows * cols), dy: randomHalves(random, rows * cols, -1, 1) };
    },
  };
}

export const FLOAT16_ROW_CASES: readonly Float16RowCase[] = [
  rowCase('1 x 70000 equal values', 1, 70000, (_, length) => new Uint16Array(length).fill(roundToFloat16Bits(3.5))),
  rowCase('1 x 4096 random in [-4, 4]', 1, 4096, (random, length) => randomHalves(random, length, -4, 4)),
  rowCase('3000 x 16 in [-30, 30]', 3000, 16, (random, length) => randomHalves(random, length, -30, 30)),
  rowCase('16 x 65536 in [-8, 8]', 16, 65536, (random, length) => randomHalves(random, length, -8, 8)),
];

export type Float16RowOp = 'softmax' | 'logSoftmax' | 'softmaxBackward';
export const FLOAT16_ROW_OPS: readonly Float16RowOp[] = ['softmax', 'logSoftmax', 'softmaxBackward'];

/**
 * The inputs of a row op: x for softmax and log-softmax; for softmax backward y (softmax of x, as
 * halves) and dy. Returns the data arguments and the float64 reference of the op on their values.
 */
export function rowOpInputs(op: Float16RowOp, rowCase: Float16RowCase, seed: number): { args: Uint16Array[]; reference: Float64Array } {
  const { x, dy } = rowCase.inputs(seed);
  const { rows, cols } = rowCase;
  const values = Float64Array.from(x, float16Value);
  if (op === 'softmax') return { args: [x], reference: softmax64(values, rows, cols) };
  if (op === 'logSoftmax') return { args: [x], reference: logSoftmax64(values, rows, cols) };
  const y = Uint16Array.from(softmax64(values, rows, cols), roundToFloat16Bits);
  return {
    args: [y, dy],
    reference: softmaxBackward64(Float64Array.from(y, float16Value), Float64Array.from(dy, float16Value), rows, cols),
  };
}

/** The largest distance in float16 ulps between `got` and the reference rounded once (NaN must meet NaN). */
export function worstRowUlps(got: Uint16Array, reference: Float64Array): { worst: number; where: string } {
  let worst = 0;
  let where = '';
  for (let i = 0; i < got.length; i++) {
    const want = roundToFloat16Bits(reference[i] as number);
    const result = got[i] as number;
    const ulps =
      Number.isNaN(reference[i]) || isFloat16NaN(result)
        ? Number.isNaN(reference[i]) && isFloat16NaN(result)
          ? 0
          : Number.POSITIVE_INFINITY
        : float16UlpDistance(result, want);
    if (ulps > worst) {
      worst = ulps;
      where = `element ${i}: got 0x${result.toString(16)} (${float16Value(result)}), float64 ${reference[i]} rounds to 0x${want.toString(16)}`;
    }
  }
  return { worst, where };
}
