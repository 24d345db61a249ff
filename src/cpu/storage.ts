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
const BLOCK = 4096;

let scratch: { x: Float32Array; dy: Float32Array; out: Float32Array; second: Float32Array } | undefined;

function blocks(): NonNullable<typeof scratch> {
  scratch ??= { x: new Float32Array(BLOCK), dy: new Float32Array(BLOCK), out: new Float32Array(BLOCK), second: new Float32Array(BLOCK) };
  return scratch;
}

// A block of an input as float32: the array itself where it is float32, else its halves widened into `into`.
function widen(source: Storage, start: number, count: number, into: Float32Array): Float32Array {
  const block = source.subarray(start, start + count);
  if (block instanceof Float32Array) return block;
  const target = into.subarray(0, count);
  float16ToFloat32(block, target);
  return target;
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
    if (out instanceof Uint16Array) float32ToFloat16(target, out.subarray(start, start + count));
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
    if (values instanceof Uint16Array) float32ToFloat16(valueBlock, values.subarray(start, start + count));
    if (derivatives instanceof Uint16Array) float32ToFloat16(derivativeBlock, derivatives.subarray(start, start + count));
  }
}

/**
 * A row op over storage of either dtype: float16 inputs widened exactly to float32, the float32 row
 * kernels (maxima and sums in float32 or better), a float16 output rounded once. `out` may be an input.
 */
export function runRowsStorage(kernel: RowKernel, x: Storage, dy: Storage | undefined, rows: number, cols: number, out: Storage): Storage {
  const kernels = wasmKernels();
  const toFloat32 = (source: Storage): Float32Array => {
    if (source instanceof Float32Array) return source;
    const widened = new Float32Array(source.length);
    if (kernels) widenHalvesWasm(kernels, source, widened);
    else float16ToFloat32(source, widened);
    return widened;
  };
  const target = out instanceof Float32Array ? out : new Float32Array(out.length);
  runRowsCpu(kernel, toFloat32(x), dy ? toFloat32(dy) : undefined, rows, cols, target);
  if (out instanceof Uint16Array) {
    if (kernels) roundToHalvesWasm(kernels, target, out);
    else float32ToFloat16(target, out);
  }
  return out;
}
