import type { Storage } from '../../dtype.ts';
import type { ElementwiseActivation } from '../../ops/activation.ts';
import { isBuiltIn } from '../../ops/elementwise.ts';
import type { ElementwiseKernel } from '../../ops/kernels.ts';
import { BLOCK_ELEMENTS, type WasmKernels } from './module.ts';

/**
 * The WebAssembly export of one kernel of a built-in activation: `<name>_<kernel>`, written by its file
 * in src/cpu/wasm/assembly/activations/ (tests/node/registry.test.ts checks that every one exists).
 * Custom activations have none: they run on the JavaScript loops.
 */
export function wasmExportName(
  activation: ElementwiseActivation,
  kernel: ElementwiseKernel | 'forward_and_derivative',
): string | undefined {
  return isBuiltIn(activation) ? `${activation.name}_${kernel}` : undefined;
}

/** Rounds a block's element count up to whole vectors: the buffers' tail lanes hold leftovers, computed and never copied out. */
function vectorCount(count: number): number {
  return (count + 3) & ~3;
}

/**
 * Runs one elementwise kernel through the WebAssembly module, a block at a time: x (and dy) copied
 * into the module's buffers, the kernel, the result copied to `out`. Each block is read in full before
 * its result is written, so `out` may be `x` or `dy`. Returns false, having done nothing, when the
 * module has no such kernel (a custom activation).
 */
export function runElementwiseWasm(
  kernels: WasmKernels,
  activation: ElementwiseActivation,
  kernel: ElementwiseKernel,
  x: Float32Array,
  dy: Float32Array | undefined,
  alpha: number,
  out: Float32Array,
): boolean {
  const name = wasmExportName(activation, kernel);
  const run = name === undefined ? undefined : kernels.elementwise(name);
  if (!run) return false;
  const { xBuffer, dyBuffer, outBuffer, xAddress, dyAddress, outAddress } = kernels;
  const length = x.length;
  for (let start = 0; start < length; start += BLOCK_ELEMENTS) {
    const count = Math.min(BLOCK_ELEMENTS, length - start);
    xBuffer.set(count === length ? x : x.subarray(start, start + count));
    if (dy) dyBuffer.set(count === length ? dy : dy.subarray(start, start + count));
    run(xAddress, dyAddress, outAddress, vectorCount(count), alpha);
    out.set(count === BLOCK_ELEMENTS ? outBuffer : outBuffer.subarray(0, count), start);
  }
  return true;
}

/** f(x) and f'(x) from one pass through the module; false when it has no such kernel. Outputs distinct from x and each other. */
export function runForwardAndDerivativeWasm(
  kernels: WasmKernels,
  activation: ElementwiseActivation,
  x: Float32Array,
  alpha: number,
  forwardOut: Float32Array,
  derivativeOut: Float32Array,
): boolean {
  const name = wasmExportName(activation, 'forward_and_derivative');
  const run = name === undefined ? undefined : kernels.elementwise(name);
  if (!run) return false;
  const { xBuffer, dyBuffer, outBuffer, xAddress, dyAddress, outAddress } = kernels;
  const length = x.length;
  for (let start = 0; start < length; start += BLOCK_ELEMENTS) {
    const count = Math.min(BLOCK_ELEMENTS, length - start);
    xBuffer.set(count === length ? x : x.subarray(start, start + count));
    run(xAddress, dyAddress, outAddress, vectorCount(count), alpha);
    forwardOut.set(count === BLOCK_ELEMENTS ? outBuffer : outBuffer.subarray(0, count), start);
    derivativeOut.set(count === BLOCK_ELEMENTS ? dyBuffer : dyBuffer.subarray(0, count), start);
  }
  return true;
}

// Puts a block of an input into the module's buffer at `address` as float32: a float32 block copied;
// a float16 block copied into the buffer's upper half and widened into its lower part (SIMD).
function loadBlock(
  kernels: WasmKernels,
  source: Storage,
  start: number,
  count: number,
  address: number,
  values: Float32Array,
  halves: Uint16Array,
): void {
  const block = source.subarray(start, start + count);
  if (block instanceof Float32Array) {
    values.set(block);
    return;
  }
  halves.set(block);
  kernels.exports.float16_to_float32(address + BLOCK_ELEMENTS * 2, address, vectorCount(count));
}

// Copies a block of results out of the module's buffer at `address`: float32 as it is, or rounded to
// float16 in place (SIMD) and copied as bits.
function storeBlock(
  kernels: WasmKernels,
  target: Storage,
  start: number,
  count: number,
  address: number,
  values: Float32Array,
  halves: Uint16Array,
): void {
  if (target instanceof Float32Array) {
    target.set(values.subarray(0, count), start);
    return;
  }
  kernels.exports.float32_to_float16(address, address, vectorCount(count));
  target.set(halves.subarray(0, count), start);
}

/**
 * One elementwise kernel through the WebAssembly module where an input or the output is float16: each
 * block's halves widened by SIMD in the module, the float32 kernel, the result rounded once by SIMD.
 * `out` may be an input of its dtype (each block is read in full first). False when there is no such kernel.
 */
export function runElementwiseWasmHalf(
  kernels: WasmKernels,
  activation: ElementwiseActivation,
  kernel: ElementwiseKernel,
  x: Storage,
  dy: Storage | undefined,
  alpha: number,
  out: Storage,
): boolean {
  const name = wasmExportName(activation, kernel);
  const run = name === undefined ? undefined : kernels.elementwise(name);
  if (!run) return false;
  const { xAddress, dyAddress, outAddress } = kernels;
  for (let start = 0; start < x.length; start += BLOCK_ELEMENTS) {
    const count = Math.min(BLOCK_ELEMENTS, x.length - start);
    loadBlock(kernels, x, start, count, xAddress, kernels.xBuffer, kernels.xHalves);
    if (dy) loadBlock(kernels, dy, start, count, dyAddress, kernels.dyBuffer, kernels.dyHalves);
    run(xAddress, dyAddress, outAddress, vectorCount(count), alpha);
    storeBlock(kernels, out, start, count, outAddress, kernels.outBuffer, kernels.outHalves);
  }
  return true;
}

/** f(x) and f'(x) through the module where a side is float16, as {@link runElementwiseWasmHalf}; outputs distinct from x and each other. */
export function runForwardAndDerivativeWasmHalf(
  kernels: WasmKernels,
  activation: ElementwiseActivation,
  x: Storage,
  alpha: number,
  values: Storage,
  derivatives: Storage,
): boolean {
  const name = wasmExportName(activation, 'forward_and_derivative');
  const run = name === undefined ? undefined : kernels.elementwise(name);
  if (!run) return false;
  const { xAddress, dyAddress, outAddress } = kernels;
  for (let start = 0; start < x.length; start += BLOCK_ELEMENTS) {
    const count = Math.min(BLOCK_ELEMENTS, x.length - start);
    loadBlock(kernels, x, start, count, xAddress, kernels.xBuffer, kernels.xHalves);
    run(xAddress, dyAddress, outAddress, vectorCount(count), alpha);
    storeBlock(kernels, values, start, count, outAddress, kernels.outBuffer, kernels.outHalves);
    storeBlock(kernels, derivatives, start, count, dyAddress, kernels.dyBuffer, kernels.dyOutHalves);
  }
  return true;
}

/** Widens float16 bits into float32 through the module's SIMD conversion, a block at a time. */
export function widenHalvesWasm(kernels: WasmKernels, source: Uint16Array, target: Float32Array): void {
  for (let start = 0; start < source.length; start += BLOCK_ELEMENTS) {
    const count = Math.min(BLOCK_ELEMENTS, source.length - start);
    loadBlock(kernels, source, start, count, kernels.xAddress, kernels.xBuffer, kernels.xHalves);
    target.set(kernels.xBuffer.subarray(0, count), start);
  }
}

/** Rounds float32 values to float16 bits through the module's SIMD conversion, a block at a time. */
export function roundToHalvesWasm(kernels: WasmKernels, source: Float32Array, target: Uint16Array): void {
  for (let start = 0; start < source.length; start += BLOCK_ELEMENTS) {
    const count = Math.min(BLOCK_ELEMENTS, source.length - start);
    kernels.outBuffer.set(source.subarray(start, start + count));
    storeBlock(kernels, target, start, count, kernels.outAddress, kernels.outBuffer, kernels.outHalves);
  }
}
