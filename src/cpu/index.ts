import { allocate, type FloatArray, isFloat16Array, type ResolvedArguments, type Storage, toForm } from '../dtype.ts';
import { ArgumentTypeError } from '../errors.ts';
import {
  type ArrayElementwiseOperations,
  type ArrayInput,
  type ArrayResult,
  addNamedMethods,
  type NamedArrayMethods,
  resolveCall,
  type StorageOptions,
} from '../ops/calls.ts';
import type { ElementwiseActivation, ElementwiseOptions } from '../ops/elementwise.ts';
import type { RowKernel } from '../ops/kernels.ts';
import { checkOptionsObject, checkSameLength, type RowOptions, resolveArguments, resolveShape } from '../validate.ts';
import { runElementwiseStorage, runForwardAndDerivativeStorage, runRowsStorage } from './storage.ts';
import { type CpuImplementation, cpuImplementation } from './wasm/module.ts';

/**
 * Options of the CPU functions: the op's options plus `dtype` (what Uint16Array arguments hold) and
 * `out`, an array of the input's length to write into (it may be the input itself, for in-place; of
 * the other dtype, the write converts).
 */
export type CpuOptions<Options> = Options & StorageOptions;

/** The CPU functions accept `out` inside the options or, as `cpu.sigmoid(x, out)`, in their place (a Float32Array or Float16Array). */
export type CpuOptionsOrOut<Options> = CpuOptions<Options> | Float32Array;

// The keys the CPU functions read besides the op's own options.
const CPU_KEYS = ['out', 'dtype'] as const;

function splitOut(optionsOrOut: unknown): { options: Record<string, unknown> | undefined; out: unknown; dtype: unknown } {
  if (optionsOrOut instanceof Float32Array || isFloat16Array(optionsOrOut) || optionsOrOut instanceof Uint16Array) {
    return { options: undefined, out: optionsOrOut, dtype: undefined };
  }
  const options = checkOptionsObject(optionsOrOut);
  return { options, out: options.out, dtype: options.dtype };
}

// The result of a call: the caller's out, or the new storage in the inputs' form.
function result(args: ResolvedArguments, output: Storage): FloatArray {
  return (args.outValue ?? toForm(output, args.form)) as FloatArray;
}

function outputFor(args: ResolvedArguments, length: number): Storage {
  return args.out ?? allocate(args.dtype, length);
}

/** The CPU path's functions; see {@link cpu}. */
export type CpuFunctions = ArrayElementwiseOperations<CpuOptionsOrOut<ElementwiseOptions>, true> &
  NamedArrayMethods<CpuOptionsOrOut<ElementwiseOptions>, true> & {
    /**
     * Softmax along each row of a row-major rows x cols batch (default: one row). Rows sum to 1.
     * A NaN makes its row NaN; +Infinity entries share their row equally; -Infinity entries get 0; a
     * row of only -Infinity is NaN. Float16 inputs are widened exactly; maxima and sums stay float32.
     * @param x - the batch, rows * cols values; never modified unless it is `out`.
     * @param options - `{ rows, cols, dtype, out }`; either dimension may be left out when the other divides the length.
     * @throws {TypeError} bad argument types. @throws {RangeError} a shape that does not match the length.
     */
    softmax<X extends ArrayInput, O extends CpuOptionsOrOut<RowOptions> = CpuOptionsOrOut<RowOptions>>(
      x: X,
      options?: O,
    ): ArrayResult<X, NoInfer<O>>;
    /** log(softmax(x)) along each row, as x - max - log(sum(exp(x - max))); see `Activations.logSoftmax`. */
    logSoftmax<X extends ArrayInput, O extends CpuOptionsOrOut<RowOptions> = CpuOptionsOrOut<RowOptions>>(
      x: X,
      options?: O,
    ): ArrayResult<X, NoInfer<O>>;
    /** dx = y * (dy - sum(dy * y)) along each row; see `Activations.softmaxBackward`. */
    softmaxBackward<X extends ArrayInput, O extends CpuOptionsOrOut<RowOptions> = CpuOptionsOrOut<RowOptions>>(
      y: X,
      dy: ArrayInput,
      options?: O,
    ): ArrayResult<X, NoInfer<O>>;
    /**
     * Which implementation these functions (and the CPU backend) run: `{ name: 'wasm-simd' }`, the
     * WebAssembly SIMD kernels, wherever WebAssembly SIMD compiles; `{ name: 'js' }`, the JavaScript
     * loops, elsewhere (or under a Content-Security-Policy without `'wasm-unsafe-eval'`), with the reason.
     * @example `console.log(cpu.implementation.name, cpu.implementation.reason);`
     */
    readonly implementation: CpuImplementation;
  };

// A row op on its data arguments (x, or y and dy), with the shape, dtype and `out` from the options.
function rows(kernel: RowKernel, values: readonly (readonly [unknown, string])[], optionsOrOut: unknown): FloatArray {
  const { options, out, dtype } = splitOut(optionsOrOut);
  const args = resolveArguments(values, out, dtype);
  const [first, second] = args.inputs as [Storage, Storage | undefined];
  if (second) checkSameLength(second, 'dy', first.length, 'y');
  const shape = resolveShape(options, first.length, 'options', CPU_KEYS);
  return result(args, runRowsStorage(kernel, first, second, shape.rows, shape.cols, outputFor(args, first.length)));
}

const operations = {
  forward(activation: ElementwiseActivation, x: unknown, optionsOrOut?: unknown): FloatArray {
    const { options, out, dtype } = splitOut(optionsOrOut);
    const call = resolveCall(activation, options, 'forward', CPU_KEYS);
    const args = resolveArguments([[x, call.input]], out, dtype);
    const input = args.inputs[0] as Storage;
    return result(args, runElementwiseStorage(call.activation, call.kernel, input, undefined, call.alpha, outputFor(args, input.length)));
  },
  derivative(activation: ElementwiseActivation, x: unknown, optionsOrOut?: unknown): FloatArray {
    const { options, out, dtype } = splitOut(optionsOrOut);
    const call = resolveCall(activation, options, 'derivative', CPU_KEYS);
    const args = resolveArguments([[x, call.input]], out, dtype);
    const input = args.inputs[0] as Storage;
    return result(args, runElementwiseStorage(call.activation, call.kernel, input, undefined, call.alpha, outputFor(args, input.length)));
  },
  backward(activation: ElementwiseActivation, a: unknown, dy: unknown, optionsOrOut?: unknown): FloatArray {
    const { options, out, dtype } = splitOut(optionsOrOut);
    const call = resolveCall(activation, options, 'backward', CPU_KEYS);
    const args = resolveArguments(
      [
        [a, call.input],
        [dy, 'dy'],
      ],
      out,
      dtype,
    );
    const [input, gradient] = args.inputs as [Storage, Storage];
    checkSameLength(gradient, 'dy', input.length, call.input);
    return result(args, runElementwiseStorage(call.activation, call.kernel, input, gradient, call.alpha, outputFor(args, input.length)));
  },
  forwardWithDerivative(activation: ElementwiseActivation, x: unknown, optionsOrOut?: unknown): [FloatArray, FloatArray] {
    const { options, out, dtype } = splitOut(optionsOrOut);
    // Two results cannot go into one out: refuse it rather than ignore it.
    if (out !== undefined) throw new ArgumentTypeError('out', 'the WithDerivative functions return two new arrays and take no out');
    const call = resolveCall(activation, options, 'forwardWithDerivative', CPU_KEYS);
    const args = resolveArguments([[x, call.input]], undefined, dtype);
    const input = args.inputs[0] as Storage;
    const values = allocate(args.dtype, input.length);
    const derivatives = allocate(args.dtype, input.length);
    runForwardAndDerivativeStorage(call.activation, input, call.alpha, values, derivatives);
    return [result(args, values), result(args, derivatives)];
  },
  softmax(x: unknown, optionsOrOut?: unknown): FloatArray {
    return rows('softmax', [[x, 'x']], optionsOrOut);
  },
  logSoftmax(x: unknown, optionsOrOut?: unknown): FloatArray {
    return rows('log_softmax', [[x, 'x']], optionsOrOut);
  },
  softmaxBackward(y: unknown, dy: unknown, optionsOrOut?: unknown): FloatArray {
    return rows(
      'softmax_backward',
      [
        [y, 'y'],
        [dy, 'dy'],
      ],
      optionsOrOut,
    );
  },
};
// Bound to `operations`, so that a function taken off the namespace (`const { sigmoid } = cpu`) works.
addNamedMethods(operations as unknown as Parameters<typeof addNamedMethods>[0], operations);
Object.defineProperty(operations, 'implementation', { get: cpuImplementation, enumerable: true });

/**
 * The CPU path: the same functions as an engine, synchronous, on `Float32Array`: WebAssembly SIMD
 * kernels where WebAssembly SIMD compiles, else JavaScript loops in float64 rounded once to float32
 * (`cpu.implementation` says which). Each writes into `out` when given (which may be the input itself, for
 * in-place) and otherwise allocates only the result. Named methods exist for every built-in
 * activation (`sigmoid`, `sigmoidDerivative`, `sigmoidBackward`, `sigmoidWithDerivative`, ...).
 *
 * @example
 * ```ts
 * import { cpu } from 'webgpu-activations';
 * const y = cpu.sigmoid(new Float32Array([-1, 0, 1]));       // Float32Array [0.2689, 0.5, 0.7311]
 * const d = cpu.sigmoidDerivative(y, { from: 'output' });    // y * (1 - y)
 * cpu.softmax(logits, { rows: 32, cols: 10, out: logits });  // in place
 * ```
 */
export const cpu: CpuFunctions = operations as unknown as CpuFunctions;
