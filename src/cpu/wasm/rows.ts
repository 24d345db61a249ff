import type { RowKernel } from '../../ops/kernels.ts';
import { ROW_BLOCK_ELEMENTS, type WasmKernels } from './module.ts';

/** Writes one row with the JavaScript rules (src/cpu/softmax.ts): the rows that special values decide. */
export type RowFallback = (kernel: RowKernel, x: Float32Array, out: Float32Array) => void;

/**
 * A row kernel through the WebAssembly module. Rows that fit its buffers go a block of whole rows at a
 * time; a row that the module leaves (NaN, +Infinity, nothing above -Infinity) is written by
 * `fallback` from the block's copy. Longer rows stream through the buffers: a pass for the max (and
 * the special rows go to `fallback` on the caller's arrays), a pass for the sum, a pass for the
 * outputs. Every pass reads a block before it writes it, so `out` may be `x` (or `y`, `dy`).
 */
export function runRowsWasm(
  kernels: WasmKernels,
  kernel: RowKernel,
  x: Float32Array,
  dy: Float32Array | undefined,
  rows: number,
  cols: number,
  out: Float32Array,
  fallback: RowFallback,
): Float32Array {
  if (cols > ROW_BLOCK_ELEMENTS) {
    for (let r = 0; r < rows; r++) longRow(kernels, kernel, x, dy, r * cols, cols, out, fallback);
    return out;
  }
  const { exports, xRows, dyRows, outRows, xRowsAddress: xAddress, dyRowsAddress: dyAddress, outRowsAddress: outAddress } = kernels;
  const rowsPerBlock = Math.floor(ROW_BLOCK_ELEMENTS / cols);
  const rowBytes = cols * 4;
  for (let first = 0; first < rows; first += rowsPerBlock) {
    const blockRows = Math.min(rowsPerBlock, rows - first);
    const start = first * cols;
    const count = blockRows * cols;
    xRows.set(count === x.length ? x : x.subarray(start, start + count));
    if (kernel === 'softmax_backward') {
      const gradient = dy as Float32Array;
      dyRows.set(count === gradient.length ? gradient : gradient.subarray(start, start + count));
      exports.softmax_backward_rows(xAddress, dyAddress, outAddress, blockRows, cols);
    } else {
      const runRows = kernel === 'softmax' ? exports.softmax_rows : exports.log_softmax_rows;
      for (let done = 0; done < blockRows; ) {
        const stopped = done + runRows(xAddress + done * rowBytes, outAddress + done * rowBytes, blockRows - done, cols);
        if (stopped < blockRows) {
          const at = stopped * cols;
          fallback(kernel, xRows.subarray(at, at + cols), outRows.subarray(at, at + cols));
        }
        done = stopped + 1;
      }
    }
    out.set(count === ROW_BLOCK_ELEMENTS ? outRows : outRows.subarray(0, count), start);
  }
  return out;
}

/** Calls `visit(count, offset)` for each block of a row of `cols` elements starting at `start`. */
function forEachBlock(start: number, cols: number, visit: (offset: number, count: number) => void): void {
  for (let offset = start, end = start + cols; offset < end; offset += ROW_BLOCK_ELEMENTS)
    visit(offset, Math.min(ROW_BLOCK_ELEMENTS, end - offset));
}

/**
 * A long softmax row in two passes over the caller's arrays instead of three: each block's terms are
 * taken against its own maximum (exp(x - reference_b), softmax_exp_reference), written to `out` and
 * summed; the blocks' sums are then brought to one reference in float64, and the second pass scales
 * each block by exp(reference_b - top) / sum. The same three roundings as the three passes (the exp,
 * the factor in float32, the product). Returns false, having maybe written `out`, where the row needs
 * the three passes: NaN or +Infinity in it, nothing above -Infinity, or a factor that is not a normal
 * float32. `out` must not share x's buffer (the first pass writes before the row is known to be plain).
 */
function softmaxLongRowTwoPasses(kernels: WasmKernels, x: Float32Array, start: number, cols: number, out: Float32Array): boolean {
  const { exports, xRows, outRows, xRowsAddress: xAddress, outRowsAddress: outAddress } = kernels;
  const blocks = Math.ceil(cols / ROW_BLOCK_ELEMENTS);
  const references = new Float64Array(blocks);
  const sums = new Float64Array(blocks);
  let top = Number.NEGATIVE_INFINITY;
  for (let b = 0; b < blocks; b++) {
    const offset = start + b * ROW_BLOCK_ELEMENTS;
    const count = Math.min(ROW_BLOCK_ELEMENTS, start + cols - offset);
    xRows.set(x.subarray(offset, offset + count));
    const maximum = exports.row_max(xAddress, count);
    if (Number.isNaN(maximum) || maximum === Number.POSITIVE_INFINITY) return false;
    if (maximum === Number.NEGATIVE_INFINITY) {
      // a block of -Infinity: its terms are 0 whatever the row's maximum
      references[b] = Number.NEGATIVE_INFINITY;
      out.fill(0, offset, offset + count);
      continue;
    }
    const minimum = exports.row_minimum();
    references[b] = exports.softmax_exp_reference(maximum, minimum);
    sums[b] = exports.softmax_exp_sum(xAddress, outAddress, count, maximum, minimum);
    top = Math.max(top, references[b] as number);
    out.set(outRows.subarray(0, count), offset);
  }
  if (top === Number.NEGATIVE_INFINITY) return false;
  let sum = 0;
  for (let b = 0; b < blocks; b++) {
    const reference = references[b] as number;
    if (reference !== Number.NEGATIVE_INFINITY) sum += (sums[b] as number) * Math.exp(reference - top);
  }
  // The factors first (0: a block of -Infinity, left as written): one below float32's normal range
  // (2^-126) would lose digits in the scaling, one at 2^128 or above would be Infinity.
  const factors = new Float64Array(blocks);
  for (let b = 0; b < blocks; b++) {
    const reference = references[b] as number;
    if (reference === Number.NEGATIVE_INFINITY) continue;
    const factor = Math.exp(reference - top) / sum;
    if (!(factor >= 2 ** -126 && factor < 2 ** 128)) return false;
    factors[b] = factor;
  }
  for (let b = 0; b < blocks; b++) {
    const factor = factors[b] as number;
    if (factor === 0) continue;
    const offset = start + b * ROW_BLOCK_ELEMENTS;
    const count = Math.min(ROW_BLOCK_ELEMENTS, start + cols - offset);
    xRows.set(out.subarray(offset, offset + count));
    exports.scale(xAddress, outAddress, count, factor);
    out.set(outRows.subarray(0, count), offset);
  }
  return true;
}

function longRow(
  kernels: WasmKernels,
  kernel: RowKernel,
  x: Float32Array,
  dy: Float32Array | undefined,
  start: number,
  cols: number,
  out: Float32Array,
  fallback: RowFallback,
): void {
  const { exports, xRows, dyRows, outRows, xRowsAddress: xAddress, dyRowsAddress: dyAddress, outRowsAddress: outAddress } = kernels;
  const load = (source: Float32Array, buffer: Float32Array, offset: number, count: number) =>
    buffer.set(source.subarray(offset, offset + count));
  const store = (offset: number, count: number) => out.set(outRows.subarray(0, count), offset);
  if (kernel === 'softmax_backward') {
    const gradient = dy as Float32Array;
    let dotProduct = 0;
    forEachBlock(start, cols, (offset, count) => {
      load(x, xRows, offset, count);
      load(gradient, dyRows, offset, count);
      dotProduct += exports.dot(xAddress, dyAddress, count);
    });
    forEachBlock(start, cols, (offset, count) => {
      load(x, xRows, offset, count);
      load(gradient, dyRows, offset, count);
      exports.softmax_backward_write(xAddress, dyAddress, outAddress, count, dotProduct);
      store(offset, count);
    });
    return;
  }
  if (kernel === 'softmax' && x.buffer !== out.buffer && softmaxLongRowTwoPasses(kernels, x, start, cols, out)) return;
  let maximum = Number.NEGATIVE_INFINITY;
  let minimum = Number.POSITIVE_INFINITY;
  forEachBlock(start, cols, (offset, count) => {
    load(x, xRows, offset, count);
    maximum = Math.max(maximum, exports.row_max(xAddress, count)); // NaN stays NaN
    minimum = Math.min(minimum, exports.row_minimum());
  });
  if (!Number.isFinite(maximum)) {
    fallback(kernel, x.subarray(start, start + cols), out.subarray(start, start + cols));
    return;
  }
  // Every exp(x - max) normal: the module's unchecked loops apply (its withinExpRange).
  const inRange = minimum - maximum >= -87;
  if (kernel === 'softmax') {
    let sum = 0;
    forEachBlock(start, cols, (offset, count) => {
      load(x, xRows, offset, count);
      sum += exports.softmax_exp_sum(xAddress, outAddress, count, maximum, minimum);
      store(offset, count);
    });
    const factor = 1 / sum;
    forEachBlock(start, cols, (offset, count) => {
      load(out, xRows, offset, count);
      exports.scale(xAddress, outAddress, count, factor);
      store(offset, count);
    });
    return;
  }
  let rest = 0;
  let equal = 0;
  forEachBlock(start, cols, (offset, count) => {
    load(x, xRows, offset, count);
    rest += exports.log_softmax_rest(xAddress, count, maximum, inRange);
    equal += exports.log_softmax_equal_count();
  });
  const logSum = Math.log1p(equal - 1 + rest);
  forEachBlock(start, cols, (offset, count) => {
    load(x, xRows, offset, count);
    exports.log_softmax_write(xAddress, outAddress, count, maximum, logSum);
    store(offset, count);
  });
}
