// How a row op (softmax, log-softmax, softmax backward) is laid out on the GPU: which kernel, how many
// threads a row, how many rows a slice. Pure functions of the shape and the adapter: the executor asks,
// then records what they say.

import { ArgumentRangeError } from '../errors.ts';
import type { RowByThreadKernel, RowKernel } from '../ops/kernels.ts';
import type { Shape } from '../validate.ts';
import { WORKGROUP_SIZE } from './pipelines.ts';

/**
 * How row ops choose their kernel: `'auto'` (by shape and adapter, see {@link planRows}), or one forced:
 * `'thread'` (a thread a row), `'workgroup'` (a workgroup-wide reduction a row), `'split'` (each row
 * split over many threads in three passes).
 */
export type RowStrategy = 'auto' | 'thread' | 'workgroup' | 'split';

/**
 * How a row op runs for a shape: which entry point, how many threads share a row, rows per workgroup;
 * `parts` > 1 for the split form (three passes: partials of `parts` threads a row, a merge, the outputs).
 */
export interface RowPlan {
  readonly kernel: RowKernel | RowByThreadKernel;
  readonly threadsPerRow: number;
  readonly rowsPerWorkgroup: number;
  readonly parts: number;
}

/** Rows up to this long get a thread each on every device: their statistics need no merging. */
export const SHORT_ROW_COLS = 32;

/**
 * Picks the row kernel for a rows x cols batch, under `strategy` (default `'auto'`).
 *
 * Under `'auto'`: rows of up to {@link SHORT_ROW_COLS} get a thread each (no workgroup memory, no
 * barrier). On a hardware adapter, fewer than 64 rows of 8192 or more get the split form (one
 * workgroup a row would leave most of the device idle), other rows a workgroup-wide reduction. On a
 * software adapter, where a workgroup that holds a barrier has a large fixed cost, longer rows get a
 * thread each, except fewer than 16 rows, or fewer than 64 of 32768 or more, which get a workgroup
 * a row; the split form is never chosen there (see bench/NOTES.md, "Softmax: a thread per row, no
 * barriers", "Few long rows: the split form" and "Software adapter: a workgroup a row for very long
 * rows").
 *
 * @param kernel - the row op's kernel.
 * @param rows - rows in the batch (or slice) to run.
 * @param cols - elements a row.
 * @param softwareAdapter - whether the device is CPU-emulated (see isSoftwareAdapter).
 * @param strategy - `'auto'`, or the strategy to force.
 * @returns the plan: `parts` is 1 except for `'split'`, where it is {@link splitParts}(cols).
 * @example
 * ```ts
 * planRows('softmax', 1024, 16, false); // { kernel: 'softmax_by_thread', threadsPerRow: 1, rowsPerWorkgroup: 256, parts: 1 }
 * ```
 */
export function planRows(kernel: RowKernel, rows: number, cols: number, softwareAdapter: boolean, strategy: RowStrategy = 'auto'): RowPlan {
  const chosen = strategy === 'auto' ? automaticRowStrategy(rows, cols, softwareAdapter) : strategy;
  if (chosen === 'thread') return { kernel: `${kernel}_by_thread`, threadsPerRow: 1, rowsPerWorkgroup: WORKGROUP_SIZE, parts: 1 };
  if (chosen === 'split') return { kernel, threadsPerRow: 1, rowsPerWorkgroup: WORKGROUP_SIZE, parts: splitParts(cols) };
  const threadsPerRow = threadsPerRowFor(cols);
  return { kernel, threadsPerRow, rowsPerWorkgroup: WORKGROUP_SIZE / threadsPerRow, parts: 1 };
}

// The thresholds and the figures behind them: bench/NOTES.md, "Few long rows: the split form" (the
// split form no faster on a software adapter, so kept for hardware) and "Software adapter: a workgroup
// a row for very long rows" (a thread a row at one rate whatever the shape; a workgroup a row ahead
// only on very long rows, behind on many rows for its barriers).
function automaticRowStrategy(rows: number, cols: number, softwareAdapter: boolean): Exclude<RowStrategy, 'auto'> {
  if (cols <= SHORT_ROW_COLS) return 'thread';
  if (softwareAdapter) return rows < 16 || (rows < 64 && cols >= 32768) ? 'workgroup' : 'thread';
  return rows < 64 && cols >= 8192 ? 'split' : 'workgroup';
}

/**
 * Threads that share one row in the workgroup-reduction kernels: the least power of two with
 * threads * 4 >= cols, at most a whole workgroup ({@link WORKGROUP_SIZE}).
 * @example
 * ```ts
 * threadsPerRowFor(64); // 16
 * ```
 */
export function threadsPerRowFor(cols: number): number {
  let threads = 1;
  while (threads < WORKGROUP_SIZE && threads * 4 < cols) threads *= 2;
  return threads;
}

/**
 * Threads that share a row in the split form: about 1024 elements each, a power of two from 2 to 1024.
 * @example
 * ```ts
 * splitParts(65536); // 64
 * ```
 */
export function splitParts(cols: number): number {
  let parts = 2;
  while (parts < 1024 && parts * 1024 < cols) parts *= 2;
  return parts;
}

/**
 * Rows per slice of a row op whose slices hold at most `chunkElements` elements (a multiple of 64): all
 * of them when the batch fits one slice, else the most whole rows that fill whole 64-float blocks (so
 * that each slice starts 256-byte aligned, as storage bindings require).
 * @param kernel - the row op's kernel (named in the error).
 * @param shape - the batch.
 * @param chunkElements - the largest number of elements in one binding.
 * @throws {ArgumentRangeError} (on `x`) a row too long for such a slice; an array input splits any
 * row instead (GpuExecutor.longRow).
 * @example
 * ```ts
 * rowsPerSlice('softmax', { rows: 100, cols: 3 }, 256); // 64: 64 rows of 3 fill 3 blocks of 64
 * ```
 */
export function rowsPerSlice(kernel: RowKernel, shape: Shape, chunkElements: number): number {
  const { rows, cols } = shape;
  if (rows * cols <= chunkElements) return rows;
  const alignedStep = 64 / greatestCommonDivisor(cols, 64);
  const sliceRows = Math.floor(Math.floor(chunkElements / Math.max(1, cols)) / alignedStep) * alignedStep;
  if (sliceRows === 0) {
    throw new ArgumentRangeError(
      'x',
      `a resident ${kernel} row of ${cols} elements cannot be sliced into storage bindings of ${chunkElements} elements at aligned offsets; pass an array instead, which splits any row`,
    );
  }
  return sliceRows;
}

function greatestCommonDivisor(a: number, b: number): number {
  return b === 0 ? a : greatestCommonDivisor(b, a % b);
}
