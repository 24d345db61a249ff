import type { RowKernel } from '../../ops/kernels.ts';
import { BLOCK_ELEMENTS, type WasmKernels } from './module.ts';

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
  if (cols > BLOCK_ELEMENTS) {
    for (let r = 0; r < rows; r++) longRow(kernels, kernel, x, dy, r * cols, cols, out, fallback);
    return out;
  }
  const { exports, xBuffer, dyBuffer, outBuffer, xAddress, dyAddress, outAddress } = kernels;
  const rowsPerBlock = Math.floor(BLOCK_ELEMENTS / cols);
  const rowBytes = cols * 4;
  for (let first = 0; first < rows; first += rowsPerBlock) {
    const blockRows = Math.min(rowsPerBlock, rows - first);
    const start = first * cols;
    const count = blockRows * cols;
    xBuffer.set(count === x.length ? x : x.subarray(start, start + count));
    if (kernel === 'softmax_backward') {
      const gradient = dy as Float32Array;
      dyBuffer.set(count === gradient.length ? gradient : gradient.subarray(start, start + count));
      exports.softmax_backward_rows(xAddress, dyAddress, outAddress, blockRows, cols);
    } else {
      const runRows = kernel === 'softmax' ? exports.softmax_rows : exports.log_softmax_rows;
      for (let done = 0; done < blockRows; ) {
        const stopped = done + runRows(xAddress + done * rowBytes, outAddress + done * rowBytes, blockRows - done, cols);
        if (stopped < blockRows) {
          const at = stopped * cols;
          fallback(kernel, xBuffer.subarray(at, at + cols), outBuffer.subarray(at, at + cols));
        }
        done = stopped + 1;
      }
    }
    out.set(count === BLOCK_ELEMENTS ? outBuffer : outBuffer.subarray(0, count), start);
  }
  return out;
}

/** Calls `visit(count, offset)` for each block of a row of `cols` elements starting at `start`. */
function forEachBlock(start: number, cols: number, visit: (offset: number, count: number) => void): void {
  for (let offset = start, end = start + cols; offset < end; offset += BLOCK_ELEMENTS)
    visit(offset, Math.min(BLOCK_ELEMENTS, end - offset));
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
  const { exports, xBuffer, dyBuffer, outBuffer, xAddress, dyAddress, outAddress } = kernels;
  const load = (source: Float32Array, buffer: Float32Array, offset: number, count: number) =>
    buffer.set(source.subarray(offset, offset + count));
  const store = (offset: number, count: number) => out.set(outBuffer.subarray(0, count), offset);
  if (kernel === 'softmax_backward') {
    const gradient = dy as Float32Array;
    let dotProduct = 0;
    forEachBlock(start, cols, (offset, count) => {
      load(x, xBuffer, offset, count);
      load(gradient, dyBuffer, offset, count);
      dotProduct += exports.dot(xAddress, dyAddress, count);
    });
    forEachBlock(start, cols, (offset, count) => {
      load(x, xBuffer, offset, count);
      load(gradient, dyBuffer, offset, count);
      exports.softmax_backward_write(xAddress, dyAddress, outAddress, count, dotProduct);
      store(offset, count);
    });
    return;
  }
  let maximum = Number.NEGATIVE_INFINITY;
  let minimum = Number.POSITIVE_INFINITY;
  forEachBlock(start, cols, (offset, count) => {
    load(x, xBuffer, offset, count);
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
      load(x, xBuffer, offset, count);
      sum += exports.softmax_exp_sum(xAddress, outAddress, count, maximum, minimum);
      store(offset, count);
    });
    const factor = 1 / sum;
    forEachBlock(start, cols, (offset, count) => {
      load(out, xBuffer, offset, count);
      exports.scale(xAddress, outAddress, count, factor);
      store(offset, count);
    });
    return;
  }
  let rest = 0;
  let equal = 0;
  forEachBlock(start, cols, (offset, count) => {
    load(x, xBuffer, offset, count);
    rest += exports.log_softmax_rest(xAddress, count, maximum, inRange);
    equal += exports.log_softmax_equal_count();
  });
  const logSum = Math.log1p(equal - 1 + rest);
  forEachBlock(start, cols, (offset, count) => {
    load(x, xBuffer, offset, count);
    exports.log_softmax_write(xAddress, outAddress, count, maximum, logSum);
    store(offset, count);
  });
}
