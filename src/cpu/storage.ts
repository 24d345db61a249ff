import type { Storage } from '../dtype.ts';
import { float16ToFloat32, float32ToFloat16 } from '../float16.ts';
import type { ElementwiseActivation } from '../ops/elementwise.ts';
import type { ElementwiseKernel, RowKernel } from '../ops/kernels.ts';
import { runElementwiseCpu, runForwardAndDerivativeCpu } from './elementwise.ts';
import { runRowsCpu } from './softmax.ts';
import { roundToHalvesWasm, runElementwiseWasmHalf, runForwardAndDerivativeWasmHalf, widenHalvesWasm } from './wasm/elementwise.ts';
import { wasmKernels } from './wasm/module.ts';

/**
 * Elements converted per block: the float32 kernels run on blocks of widened halves, which stay in
 * the L2 cache between the widening, the kernel and the rounding.
 */
const BLOCK = 16384;

let scratch: { x: Float32Array; dy: Float32Array; out: Float32Array; second: Float32Array } | undefined;

function blocks(): NonNullable<typeof scratch> {
  scratch ??= { x: new Float32Array(BLOCK), dy: new Float32Array(BLOCK), out: new Float32Array(BLOCK), second: new Float32Array(BLOCK) };
  return scratch;
}

// A block of an input as float32: the array itself where it is float32, else its halves widened into
// `into` (by the WebAssembly module's SIMD conversion where it loads, else the JavaScript table).
function widen(source: Storage, start: number, count: number, into: Float32Array): Float32Array {
  const block = source.subarray(start, start + count);
  if (block instanceof Float32Array) return block;
  const target = into.subarray(0, count);
  const kernels = wasmKernels();
  if (kernels) widenHalvesWasm(kernels, block, target);
  else float16ToFloat32(block, target);
  return target;
}

// Rounds a block of float32 results into float16 storage (SIMD where the module loads).
function round(source: Float32Array, target: Uint16Array): void {
  const kernels = wasmKernels();
  if (kernels) roundToHalvesWasm(kernels, source, target);
  else float32ToFloat16(source, target);
}

/**
 * Runs one elementwise kernel of `activation` on the CPU over storage of either dtype: float32
 * throughout goes straight to the float32 kernels; otherwise a block at a time, float16 inputs widened
 * exactly, the same float32 kernels (WebAssembly SIMD or the JavaScript loops), and a float16 output
 * rounded once. Each block is read before it is written, so `out` may be an input of its dtype (in place).
 */
export function runElementwiseStorage(
  activation: ElementwiseActivation,
  kernel: ElementwiseKernel,
  x: Storage,
  dy: Storage | undefined,
  alpha: number,
  out: Storage,
): Storage {
  if (x instanceof Float32Array && out instanceof Float32Array && (dy === undefined || dy instanceof Float32Array)) {
    return runElementwiseCpu(activation, kernel, x, dy, alpha, out);
  }
  const kernels = wasmKernels();
  if (kernels && runElementwiseWasmHalf(kernels, activation, kernel, x, dy, alpha, out)) return out;
  const buffers = blocks();
  for (let start = 0; start < x.length; start += BLOCK) {
    const count = Math.min(BLOCK, x.length - start);
    const xBlock = widen(x, start, count, buffers.x);
    const dyBlock = dy ? widen(dy, start, count, buffers.dy) : undefined;
    const target = out instanceof Float32Array ? out.subarray(start, start + count) : buffers.out.subarray(0, count);
    runElementwiseCpu(activation, kernel, xBlock, dyBlock, alpha, target);
    if (out instanceof Uint16Array) round(target, out.subarray(start, start + count));
  }
  return out;
}

/** f(x) and f'(x) over storage of either dtype, as {@link runElementwiseStorage}; outputs distinct from x and each other. */
export function runForwardAndDerivativeStorage(
  activation: ElementwiseActivation,
  x: Storage,
  alpha: number,
  values: Storage,
  derivatives: Storage,
): void {
  if (x instanceof Float32Array && values instanceof Float32Array && derivatives instanceof Float32Array) {
    runForwardAndDerivativeCpu(activation, x, alpha, values, derivatives);
    return;
  }
  const kernels = wasmKernels();
  if (kernels && runForwardAndDerivativeWasmHalf(kernels, activation, x, alpha, values, derivatives)) return;
  const buffers = blocks();
  for (let start = 0; start < x.length; start += BLOCK) {
    const count = Math.min(BLOCK, x.length - start);
    const xBlock = widen(x, start, count, buffers.x);
    const valueBlock = values instanceof Float32Array ? values.subarray(start, start + count) : buffers.out.subarray(0, count);
    const derivativeBlock =
      derivatives instanceof Float32Array ? derivatives.subarray(start, start + count) : buffers.second.subarray(0, count);
    runForwardAndDerivativeCpu(activation, xBlock, alpha, valueBlock, derivativeBlock);
    if (values instanceof Uint16Array) round(valueBlock, values.subarray(start, start + count));
    if (derivatives instanceof Uint16Array) round(derivativeBlock, derivatives.subarray(start, start + count));
  }
}

/** Elements of a block of whole rows in the float16 row path (more when one row is longer). */
const ROW_BLOCK = 16384;

/**
 * A row op over storage of either dtype: float16 inputs widened exactly to float32 a block of whole
 * rows at a time, the float32 row kernels (maxima and sums in float32 or better), a float16 output
 * rounded once. Each block is read before it is written, so `out` may be an input of its dtype.
 */
export function runRowsStorage(kernel: RowKernel, x: Storage, dy: Storage | undefined, rows: number, cols: number, out: Storage): Storage {
  if (x instanceof Float32Array && out instanceof Float32Array && (dy === undefined || dy instanceof Float32Array)) {
    return runRowsCpu(kernel, x, dy, rows, cols, out);
  }
  if (rows === 0 || cols === 0) return out;
  const rowsPerBlock = Math.max(1, Math.floor(ROW_BLOCK / cols));
  const blockElements = rowsPerBlock * cols;
  const shared = blocks();
  const scratch = (buffer: Float32Array) => (buffer.length >= blockElements ? buffer : new Float32Array(blockElements));
  const [xScratch, dyScratch, outScratch] = [scratch(shared.x), scratch(shared.dy), scratch(shared.out)];
  for (let row = 0; row < rows; row += rowsPerBlock) {
    const blockRows = Math.min(rowsPerBlock, rows - row);
    const start = row * cols;
    const count = blockRows * cols;
    const xBlock = widen(x, start, count, xScratch);
    const dyBlock = dy ? widen(dy, start, count, dyScratch) : undefined;
    const target = out instanceof Float32Array ? out.subarray(start, start + count) : outScratch.subarray(0, count);
    runRowsCpu(kernel, xBlock, dyBlock, blockRows, cols, target);
    if (out instanceof Uint16Array) round(target, out.subarray(start, start + count));
  }
  return out;
}
