import type { Activations } from 'webgpu-activations';
import type { Tolerance } from './compare.ts';
import { type OpCase, softmaxCols, softmaxInput } from './op-cases.ts';
import { logSoftmax64, softmax64, softmaxBackward64 } from './reference.ts';

/** A row-op case: like an elementwise OpCase, but its tolerance may depend on the inputs. */
export interface RowCase extends Omit<OpCase, 'tolerance'> {
  tolerance(inputs: Float32Array[]): Tolerance;
}

const rowsOf = (x: Float32Array) => {
  const cols = softmaxCols(x.length);
  return { rows: x.length / cols, cols };
};

/**
 * softmax backward's bound: dx_i = y_i * (dy_i - dot) cancels when dy_i is near dot, so the allowed
 * error scales with the terms: |error_i| <= 1e-6 * y_i * (|dy_i| + sum_j |y_j * dy_j|).
 */
export function softmaxBackwardTolerance(y: Float32Array, dy: Float32Array, rows: number, cols: number): Tolerance {
  const bound = new Float64Array(y.length);
  for (let r = 0; r < rows; r++) {
    let magnitude = 0;
    for (let i = r * cols; i < (r + 1) * cols; i++) magnitude += Math.abs((y[i] as number) * (dy[i] as number));
    for (let i = r * cols; i < (r + 1) * cols; i++) bound[i] = 1e-6 * (y[i] as number) * (Math.abs(dy[i] as number) + magnitude);
  }
  return { relative: 1e-6, elementBound: bound };
}

/** The float64 references of the row ops, for any shape. */
export const ROW_REFERENCES = {
  softmax: (x: Float32Array, rows: number, cols: number) => softmax64(x, rows, cols),
  logSoftmax: (x: Float32Array, rows: number, cols: number) => logSoftmax64(x, rows, cols),
  softmaxBackward: (y: Float32Array, dy: Float32Array, rows: number, cols: number) => softmaxBackward64(y, dy, rows, cols),
};

/** Softmax outputs (rounded to float32) of random logits, with a NaN row now and then. */
function softmaxOutputs(random: () => number, length: number): Float32Array {
  const { rows, cols } = rowsOf(new Float32Array(length));
  const logits = new Float32Array(length).map(() => (random() * 2 - 1) * 10);
  return Float32Array.from(softmax64(logits, rows, cols));
}

function gradients(random: () => number, length: number): Float32Array {
  return new Float32Array(length).map(() => (random() < 0.002 ? Number.NaN : (random() * 2 - 1) * 10 ** (random() * 6 - 3)));
}

export const ROW_CASES: readonly RowCase[] = [
  {
    name: 'logSoftmax',
    // x - max is split exactly, log is reduced exactly (log_at_least_one), exp as in softmax.
    tolerance: () => ({ relative: 1e-6 }),
    inputs: (random, length) => [softmaxInput(random, length, softmaxCols(length))],
    run: (act: Activations, [x]) => act.logSoftmax(x as Float32Array, rowsOf(x as Float32Array)),
    reference: ([x]) => {
      const { rows, cols } = rowsOf(x as Float32Array);
      return logSoftmax64(x as Float32Array, rows, cols);
    },
  },
  {
    name: 'softmaxBackward',
    // dx_i = y_i * (dy_i - dot) cancels when dy_i is near dot, so the bound scales with the terms:
    // |error_i| <= 1e-6 * y_i * (|dy_i| + sum_j |y_j * dy_j|), a few float32 roundings of each term.
    tolerance: ([y, dy]) => {
      const { rows, cols } = rowsOf(y as Float32Array);
      return softmaxBackwardTolerance(y as Float32Array, dy as Float32Array, rows, cols);
    },
    inputs: (random, length) => [softmaxOutputs(random, length), gradients(random, length)],
    run: (act: Activations, [y, dy]) => act.softmaxBackward(y as Float32Array, dy as Float32Array, rowsOf(y as Float32Array)),
    reference: ([y, dy]) => {
      const { rows, cols } = rowsOf(y as Float32Array);
      return softmaxBackward64(y as Float32Array, dy as Float32Array, rows, cols);
    },
  },
];
