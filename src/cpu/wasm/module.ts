import { KERNELS_WASM_BASE64 } from './binary.ts';

/** Which implementation the CPU path runs, and why; see {@link cpuImplementation}. */
export interface CpuImplementation {
  /** `'wasm-simd'`: the WebAssembly SIMD kernels; `'js'`: the JavaScript loops (float64, one rounding). */
  readonly name: 'wasm-simd' | 'js';
  /** In words: what was loaded, or why the WebAssembly module could not be. */
  readonly reason: string;
}

type ElementwiseExport = (x: number, dy: number, out: number, n: number, alpha: number) => void;

/** The exports of src/cpu/wasm/assembly/ (kernels.ts, activations/*.ts) that the host calls. Addresses are byte offsets in `memory`. */
export interface KernelExports {
  readonly memory: WebAssembly.Memory;
  readonly buffer_base: () => number;
  readonly row_max: (x: number, n: number) => number;
  readonly row_minimum: () => number;
  readonly softmax_exp_sum: (x: number, out: number, n: number, maximum: number, minimum: number) => number;
  /** The shift of softmax_exp_sum's terms, exp(x - reference): 0 (x itself) or maximum. */
  readonly softmax_exp_reference: (maximum: number, minimum: number) => number;
  readonly scale: (x: number, out: number, n: number, factor: number) => void;
  readonly softmax_rows: (x: number, out: number, rows: number, cols: number) => number;
  readonly log_softmax_rest: (x: number, n: number, maximum: number, inRange: boolean) => number;
  readonly log_softmax_equal_count: () => number;
  readonly log_softmax_write: (x: number, out: number, n: number, maximum: number, logSum: number) => void;
  readonly log_softmax_rows: (x: number, out: number, rows: number, cols: number) => number;
  readonly dot: (y: number, dy: number, n: number) => number;
  readonly softmax_backward_write: (y: number, dy: number, out: number, n: number, dotProduct: number) => void;
  readonly softmax_backward_rows: (y: number, dy: number, out: number, rows: number, cols: number) => void;
  /** n halves (u16) at `source` widened to float32 at `target` (src/cpu/wasm/assembly/float16.ts). */
  readonly float16_to_float32: (source: number, target: number, n: number) => void;
  /** n float32 at `source` rounded to float16 bits at `target` (may be `source`). */
  readonly float32_to_float16: (source: number, target: number, n: number) => void;
  /** `<activation>_<kernel>`: sigmoid_forward, tanh_backward_from_output, gelu_tanh_forward_and_derivative, ... */
  readonly [elementwise: string]: unknown;
}

/**
 * Elements per block of an elementwise op: 16384 float32 (64 KiB). The host copies each array through
 * the x, dy and out buffers a block at a time, so that a block stays in the L2 cache between its copy
 * in, its kernel and its copy out, and the module's memory is fixed whatever the array size.
 */
export const BLOCK_ELEMENTS = 16384;

/**
 * Elements per row buffer (x, out, dy): 65536 float32, 256 KiB each. The row ops take rows up to this
 * long whole, a block of rows at a time; longer rows stream through in parts, with more passes over
 * the caller's arrays (softmax on rows of 65536: 25% faster than through 16384-element buffers,
 * bench/NOTES.md, 2026-12-03). The row buffers overlay the elementwise ones (one op runs at a time) and
 * lie 320 KiB apart, not 256: buffers a multiple of 128 KiB apart share their L2 cache sets, which
 * took relu 45% longer when the elementwise buffers were placed so.
 */
export const ROW_BLOCK_ELEMENTS = 65536;
const ROW_STRIDE_BYTES = ROW_BLOCK_ELEMENTS * 4 + 65536;

/** The loaded module: its exports and float32 views of the three buffers. */
export interface WasmKernels {
  readonly exports: KernelExports;
  /** Byte addresses of the elementwise x, dy and out buffers, each BLOCK_ELEMENTS float32, one after the other. */
  readonly xAddress: number;
  readonly dyAddress: number;
  readonly outAddress: number;
  /** Byte addresses of the row buffers, each ROW_BLOCK_ELEMENTS float32. */
  readonly xRowsAddress: number;
  readonly dyRowsAddress: number;
  readonly outRowsAddress: number;
  /** The elementwise buffers as float32 views (the memory never grows, so the views never detach). */
  readonly xBuffer: Float32Array;
  readonly dyBuffer: Float32Array;
  readonly outBuffer: Float32Array;
  /** The row buffers as float32 views. */
  readonly xRows: Float32Array;
  readonly dyRows: Float32Array;
  readonly outRows: Float32Array;
  /** 16-bit views of the buffers: where float16 blocks land (`xHalves` and `dyHalves`: the upper half of x's and dy's buffers, widened in place into their lower part; `outHalves` and `dyOutHalves`: the start of out's and dy's, rounded in place). */
  readonly xHalves: Uint16Array;
  readonly dyHalves: Uint16Array;
  readonly outHalves: Uint16Array;
  readonly dyOutHalves: Uint16Array;
  elementwise(name: string): ElementwiseExport | undefined;
}

let loaded: WasmKernels | undefined;
let implementation: CpuImplementation | undefined;

function decodeBase64(text: string): Uint8Array<ArrayBuffer> {
  const binary = atob(text);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

function load(): WasmKernels | undefined {
  if (typeof WebAssembly !== 'object' || typeof WebAssembly.Module !== 'function') {
    implementation = { name: 'js', reason: 'WebAssembly is not available here; the CPU path runs its JavaScript loops' };
    return undefined;
  }
  const bytes = decodeBase64(KERNELS_WASM_BASE64);
  // validate() compiles nothing, so a Content-Security-Policy does not stop it: a false here is an
  // engine without SIMD, an error below is a refusal to compile.
  if (!WebAssembly.validate(bytes)) {
    implementation = { name: 'js', reason: 'WebAssembly SIMD is not supported here; the CPU path runs its JavaScript loops' };
    return undefined;
  }
  let instance: WebAssembly.Instance;
  try {
    // Synchronous compile and instantiation, so that cpu.* stays synchronous: the module is about 48 KB,
    // far under the 8 MB that Chromium compiles synchronously on the main thread.
    instance = new WebAssembly.Instance(new WebAssembly.Module(bytes), {});
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    implementation = {
      name: 'js',
      reason: `WebAssembly compilation was refused (${message}; a Content-Security-Policy needs 'wasm-unsafe-eval' in script-src); the CPU path runs its JavaScript loops`,
    };
    return undefined;
  }
  const exports = instance.exports as unknown as KernelExports;
  const base = exports.buffer_base();
  const blockBytes = BLOCK_ELEMENTS * 4;
  const memory = exports.memory.buffer;
  if (base + 2 * ROW_STRIDE_BYTES + ROW_BLOCK_ELEMENTS * 4 > memory.byteLength) {
    // The module's static data grew into the buffers' room (scripts/build-wasm.mjs sets the memory size).
    implementation = { name: 'js', reason: `the WebAssembly module's memory (${memory.byteLength} bytes) has no room for its buffers` };
    return undefined;
  }
  const cache = new Map<string, ElementwiseExport | undefined>();
  implementation = { name: 'wasm-simd', reason: 'the CPU path runs WebAssembly SIMD kernels (f32x4, float64 where rounding needs it)' };
  const [xAddress, dyAddress, outAddress] = [base, base + blockBytes, base + 2 * blockBytes];
  const [xRowsAddress, outRowsAddress, dyRowsAddress] = [base, base + ROW_STRIDE_BYTES, base + 2 * ROW_STRIDE_BYTES];
  return {
    exports,
    xAddress,
    dyAddress,
    outAddress,
    xRowsAddress,
    dyRowsAddress,
    outRowsAddress,
    xBuffer: new Float32Array(memory, xAddress, BLOCK_ELEMENTS),
    dyBuffer: new Float32Array(memory, dyAddress, BLOCK_ELEMENTS),
    outBuffer: new Float32Array(memory, outAddress, BLOCK_ELEMENTS),
    xRows: new Float32Array(memory, xRowsAddress, ROW_BLOCK_ELEMENTS),
    dyRows: new Float32Array(memory, dyRowsAddress, ROW_BLOCK_ELEMENTS),
    outRows: new Float32Array(memory, outRowsAddress, ROW_BLOCK_ELEMENTS),
    xHalves: new Uint16Array(memory, xAddress + blockBytes / 2, BLOCK_ELEMENTS),
    dyHalves: new Uint16Array(memory, dyAddress + blockBytes / 2, BLOCK_ELEMENTS),
    outHalves: new Uint16Array(memory, outAddress, BLOCK_ELEMENTS),
    dyOutHalves: new Uint16Array(memory, dyAddress, BLOCK_ELEMENTS),
    elementwise(name) {
      if (!cache.has(name)) {
        const candidate = exports[name];
        cache.set(name, typeof candidate === 'function' ? (candidate as ElementwiseExport) : undefined);
      }
      return cache.get(name);
    },
  };
}

let forcedJavaScript = false;

/** The WebAssembly kernels, compiled on first use; undefined where they cannot run (the JavaScript loops then do). */
export function wasmKernels(): WasmKernels | undefined {
  if (forcedJavaScript) return undefined;
  if (!implementation) loaded = load();
  return loaded;
}

/**
 * Which implementation the CPU path (`cpu.*`, the CPU backend, and `auto`'s small arrays) runs:
 * `'wasm-simd'` where WebAssembly SIMD compiles (Chrome 91+, Firefox 89+, Safari 16.4+, Node 16.4+),
 * else `'js'`, with the reason. Asking compiles the module if it was not yet.
 */
export function cpuImplementation(): CpuImplementation {
  wasmKernels();
  if (forcedJavaScript) return { name: 'js', reason: 'the JavaScript loops were selected with useJavaScriptLoops(true)' };
  return implementation as CpuImplementation;
}

/**
 * Test and benchmark hook: `true` makes the CPU path run its JavaScript loops even where the
 * WebAssembly kernels load; `false` restores the default. Not part of the package's API.
 */
export function useJavaScriptLoops(on: boolean): void {
  forcedJavaScript = on;
}
