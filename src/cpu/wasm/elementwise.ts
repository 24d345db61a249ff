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
