// Float64 references of the row ops that tests/support/reference.ts has no export for (log-softmax,
// softmax backward), written from the textbook formulas, not from the library's code.
import { softmax64 } from '../tests/support/reference.ts';

/**
 * log(softmax(x)) along each row in float64: x - max - log(sum(exp(x - max))), the log of the sum
 * taken as log1p of the terms other than one max entry (its own term is 1), so that a result near 0
 * keeps its digits. Rows with a NaN or +Infinity, or with nothing above -Infinity, are the log of the
 * softmax reference (log 1/k, log 0 = -Infinity, NaN).
 */
export function logSoftmax64(x: ArrayLike<number>, rows: number, cols: number): Float64Array {
  const out = new Float64Array(rows * cols);
  for (let r = 0; r < rows; r++) {
    const start = r * cols;
    const end = start + cols;
    let max = Number.NEGATIVE_INFINITY;
    let maxIndex = -1;
    let special = false;
    for (let i = start; i < end; i++) {
      const v = x[i] as number;
      if (Number.isNaN(v) || v === Number.POSITIVE_INFINITY) special = true;
      else if (v > max) {
        max = v;
        maxIndex = i;
      }
    }
    if (special || maxIndex < 0) {
      const row = softmax64(Array.prototype.slice.call(x, start, end) as number[], 1, cols);
      for (let i = 0; i < cols; i++) out[start + i] = Math.log(row[i] as number);
      continue;
    }
    let rest = 0;
    for (let i = start; i < end; i++) if (i !== maxIndex) rest += Math.exp((x[i] as number) - max);
    const logSum = Math.log1p(rest);
    for (let i = start; i < end; i++) out[i] = (x[i] as number) - max - logSum;
  }
  return out;
}

/** dx = y * (dy - sum_j(dy_j * y_j)) along each row, in float64 (y is the softmax output). */
export function softmaxBackward64(y: ArrayLike<number>, dy: ArrayLike<number>, rows: number, cols: number): Float64Array {
  const out = new Float64Array(rows * cols);
  for (let r = 0; r < rows; r++) {
    const start = r * cols;
    const end = start + cols;
    let dot = 0;
    for (let i = start; i < end; i++) dot += (y[i] as number) * (dy[i] as number);
    for (let i = start; i < end; i++) out[i] = (y[i] as number) * ((dy[i] as number) - dot);
  }
  return out;
}
