import type { RowKernel } from '../ops/kernels.ts';
import { wasmKernels } from './wasm/module.ts';
import { runRowsWasm } from './wasm/rows.ts';

/**
 * Row-wise kernels on the CPU, in float64, with the same special-value rules as `shaders/softmax.wgsl`:
 * a NaN makes its row NaN; +Infinity entries share the row equally; -Infinity entries get 0; a row of
 * only -Infinity is NaN (log-softmax: the same in log space). `out` may be the input (in place).
 * Inputs are trusted.
 */

/** What a row's special values decide before any arithmetic: NaN, k > 0 +Infinities, or a finite max (-Infinity when there is none) and where it first stands. */
interface RowStatistics {
  nan: boolean;
  positiveInfinities: number;
  max: number;
  maxIndex: number;
}

const statistics: RowStatistics = { nan: false, positiveInfinities: 0, max: -Infinity, maxIndex: -1 };

// The one reduction shared by softmax and log-softmax: max over finite values, counting +Infinity and
// noting NaN. Fills and returns a shared object, so the hot loop allocates nothing.
function rowStatistics(x: Float32Array, start: number, end: number): RowStatistics {
  let max = -Infinity;
  let maxIndex = -1;
  let positiveInfinities = 0;
  let nan = false;
  for (let i = start; i < end; i++) {
    const v = x[i] as number;
    if (v > max) {
      if (v === Infinity) positiveInfinities++;
      else {
        max = v;
        maxIndex = i;
      }
    } else if (Number.isNaN(v)) {
      nan = true;
    }
  }
  statistics.nan = nan;
  statistics.positiveInfinities = positiveInfinities;
  statistics.max = max;
  statistics.maxIndex = maxIndex;
  return statistics;
}

/** True when the row has no distribution to return: a NaN, or nothing above -Infinity. */
function isUndefinedRow(row: RowStatistics): boolean {
  return row.nan || (row.positiveInfinities === 0 && row.max === -Infinity);
}

/**
 * A row kernel by name: x for softmax and log-softmax, y and dy for softmax backward. The WebAssembly
 * SIMD kernels run it where they load (the rows that special values decide still come here); the
 * JavaScript loops below otherwise.
 */
export function runRowsCpu(
  kernel: RowKernel,
  x: Float32Array,
  dy: Float32Array | undefined,
  rows: number,
  cols: number,
  out: Float32Array,
): Float32Array {
  // An empty batch answers at once: the loops below run once a row, and { rows: 2 ** 53 - 1, cols: 0 }
  // is a valid shape of an empty array.
  if (rows === 0 || cols === 0) return out;
  const kernels = wasmKernels();
  // (softmax backward's rows longer than the module's row buffers ran the loops below, faster than the
  // module through 16384-element buffers; through 65536-element ones the module is 2.5x faster on a
  // row of 2^20: bench/NOTES.md, 2026-12-03.)
  if (kernels && x.length > 0) return runRowsWasm(kernels, kernel, x, dy, rows, cols, out, runRowJavaScript);
  return runRowsJavaScript(kernel, x, dy, rows, cols, out);
}

/** One row (softmax or log-softmax) by the JavaScript loops: the fallback for the rows the WebAssembly kernels leave. */
function runRowJavaScript(kernel: RowKernel, x: Float32Array, out: Float32Array): void {
  runRowsJavaScript(kernel, x, undefined, 1, x.length, out);
}

function runRowsJavaScript(
  kernel: RowKernel,
  x: Float32Array,
  dy: Float32Array | undefined,
  rows: number,
  cols: number,
  out: Float32Array,
): Float32Array {
  if (kernel === 'softmax') return softmaxCpu(x, rows, cols, out);
  if (kernel === 'log_softmax') return logSoftmaxCpu(x, rows, cols, out);
  return softmaxBackwardCpu(x, dy as Float32Array, rows, cols, out);
}

/**
 * Writes a row that special values decide (returns true), else leaves it (false): NaN for an undefined
 * row; for a row with +Infinity entries, `infinityShare(k)` at each of the k and `elsewhere` at the rest.
 * Shared by softmax (1/k, 0) and log-softmax (-log k, -Infinity).
 */
function writeSpecialRow(
  x: Float32Array,
  start: number,
  end: number,
  row: RowStatistics,
  out: Float32Array,
  infinityShare: (count: number) => number,
  elsewhere: number,
): boolean {
  if (isUndefinedRow(row)) {
    out.fill(Number.NaN, start, end);
    return true;
  }
  if (row.positiveInfinities === 0) return false;
  const share = infinityShare(row.positiveInfinities);
  for (let i = start; i < end; i++) out[i] = x[i] === Infinity ? share : elsewhere;
  return true;
}

/** softmax along each row. */
export function softmaxCpu(x: Float32Array, rows: number, cols: number, out: Float32Array): Float32Array {
  for (let r = 0; r < rows; r++) {
    const start = r * cols;
    const end = start + cols;
    const row = rowStatistics(x, start, end);
    if (writeSpecialRow(x, start, end, row, out, (count) => 1 / count, 0)) continue;
    // exp(x - max) is stored rounded to float32 but summed in float64; the division rounds once more,
    // so each output is within one float32 ulp of the float64 softmax.
    const max = row.max;
    let sum = 0;
    for (let i = start; i < end; i++) {
      const e = Math.exp((x[i] as number) - max);
      out[i] = e;
      sum += e;
    }
    for (let i = start; i < end; i++) out[i] = (out[i] as number) / sum;
  }
  return out;
}

/**
 * log(softmax) along each row, as (x - max) - log1p(rest), where rest sums exp(x - max) over all but
 * one max entry: log(sum) would lose the digits of a sum within 1e-16 of 1, and with them every digit
 * of a result near 0. Never -Infinity for a finite entry.
 */
export function logSoftmaxCpu(x: Float32Array, rows: number, cols: number, out: Float32Array): Float32Array {
  for (let r = 0; r < rows; r++) {
    const start = r * cols;
    const end = start + cols;
    const row = rowStatistics(x, start, end);
    if (writeSpecialRow(x, start, end, row, out, (count) => -Math.log(count), Number.NEGATIVE_INFINITY)) continue;
    const { max, maxIndex } = row;
    let rest = 0;
    for (let i = start; i < end; i++) if (i !== maxIndex) rest += Math.exp((x[i] as number) - max);
    const logSum = Math.log1p(rest);
    for (let i = start; i < end; i++) out[i] = (x[i] as number) - max - logSum;
  }
  return out;
}

/** dx = y * (dy - sum(dy * y)) along each row, y being the softmax output. */
export function softmaxBackwardCpu(y: Float32Array, dy: Float32Array, rows: number, cols: number, out: Float32Array): Float32Array {
  for (let r = 0; r < rows; r++) {
    const start = r * cols;
    const end = start + cols;
    let dot = 0;
    for (let i = start; i < end; i++) dot += (y[i] as number) * (dy[i] as number);
    for (let i = start; i < end; i++) out[i] = (y[i] as number) * ((dy[i] as number) - dot);
  }
  return out;
}
