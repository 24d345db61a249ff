import { ArgumentTypeError } from '../errors.ts';
import { addNamedMethods, type ElementwiseOperations, type NamedElementwiseMethods, resolveCall } from '../ops/calls.ts';
import type { ElementwiseActivation, ElementwiseOptions } from '../ops/elementwise.ts';
import type { RowKernel } from '../ops/kernels.ts';
import {
  checkOptionsObject,
  checkOutput,
  checkSameLength,
  type NumericInput,
  type RowOptions,
  resolveShape,
  toFloat32Array,
} from '../validate.ts';
import { runElementwiseCpu, runForwardAndDerivativeCpu } from './elementwise.ts';
import { runRowsCpu } from './softmax.ts';
import { type CpuImplementation, cpuImplementation } from './wasm/module.ts';

/** Options of the CPU functions: the op's options plus `out`, a Float32Array of the input's length to write into (it may be the input itself, for in-place). */
export type CpuOptions<Options> = Options & { out?: Float32Array };

/** The CPU functions accept `out` inside the options or, as `cpu.sigmoid(x, out)`, in their place. */
export type CpuOptionsOrOut<Options> = CpuOptions<Options> | Float32Array;

// The key the CPU functions read besides the op's own options.
const CPU_KEYS = ['out'] as const;

function splitOut<Options>(optionsOrOut: CpuOptionsOrOut<Options> | undefined): { options: Options | undefined; out: unknown } {
  if (optionsOrOut instanceof Float32Array) return { options: undefined, out: optionsOrOut };
  const options = checkOptionsObject(optionsOrOut) as CpuOptions<Options>;
  return { options, out: options.out };
}

// `inputs` are the arrays the loop reads: out may be one of them (in place) but not overlap one in part.
function outputFor(out: unknown, length: number, inputs: readonly (readonly [Float32Array, string])[]): Float32Array {
  return out === undefined ? new Float32Array(length) : checkOutput(out, length, 'out', inputs);
}

/** The CPU path's functions; see {@link cpu}. */
export type CpuFunctions = ElementwiseOperations<Float32Array, [Float32Array, Float32Array], CpuOptionsOrOut<ElementwiseOptions>> &
  NamedElementwiseMethods<Float32Array, [Float32Array, Float32Array], CpuOptionsOrOut<ElementwiseOptions>> & {
    /**
     * Softmax along each row of a row-major rows x cols batch (default: one row). Rows sum to 1.
     * A NaN makes its row NaN; +Infinity entries share their row equally; -Infinity entries get 0; a
     * row of only -Infinity is NaN.
     * @param x - the batch, rows * cols values; never modified unless it is `out`.
     * @param options - `{ rows, cols, out }`; either dimension may be left out when the other divides the length.
     * @throws {TypeError} bad argument types. @throws {RangeError} a shape that does not match the length.
     */
    softmax(x: NumericInput, options?: CpuOptionsOrOut<RowOptions>): Float32Array;
    /** log(softmax(x)) along each row, as x - max - log(sum(exp(x - max))); see `Activations.logSoftmax`. */
    logSoftmax(x: NumericInput, options?: CpuOptionsOrOut<RowOptions>): Float32Array;
    /** dx = y * (dy - sum(dy * y)) along each row; see `Activations.softmaxBackward`. */
    softmaxBackward(y: NumericInput, dy: NumericInput, options?: CpuOptionsOrOut<RowOptions>): Float32Array;
    /**
     * Which implementation these functions (and the CPU backend) run: `{ name: 'wasm-simd' }`, the
     * WebAssembly SIMD kernels, wherever WebAssembly SIMD compiles; `{ name: 'js' }`, the JavaScript
     * loops, elsewhere (or under a Content-Security-Policy without `'wasm-unsafe-eval'`), with the reason.
     * @example `console.log(cpu.implementation.name, cpu.implementation.reason);`
     */
    readonly implementation: CpuImplementation;
  };

// A row op on validated inputs (x, or y and dy), with the shape and `out` from the options.
function rows(kernel: RowKernel, inputs: Float32Array[], optionsOrOut: CpuOptionsOrOut<RowOptions> | undefined): Float32Array {
  const { options, out } = splitOut(optionsOrOut);
  const [first, second] = inputs as [Float32Array, Float32Array | undefined];
  const shape = resolveShape(options, first.length, 'options', CPU_KEYS);
  const names = second ? (['y', 'dy'] as const) : (['x'] as const);
  const read = inputs.map((input, i) => [input, names[i] as string] as const);
  return runRowsCpu(kernel, first, second, shape.rows, shape.cols, outputFor(out, first.length, read));
}

const operations = {
  forward(activation: ElementwiseActivation, x: NumericInput, optionsOrOut?: CpuOptionsOrOut<ElementwiseOptions>): Float32Array {
    const { options, out } = splitOut(optionsOrOut);
    const call = resolveCall(activation, options, 'forward', CPU_KEYS);
    const input = toFloat32Array(x, call.input);
    return runElementwiseCpu(
      call.activation,
      call.kernel,
      input,
      undefined,
      call.alpha,
      outputFor(out, input.length, [[input, call.input]]),
    );
  },
  derivative(activation: ElementwiseActivation, x: NumericInput, optionsOrOut?: CpuOptionsOrOut<ElementwiseOptions>): Float32Array {
    const { options, out } = splitOut(optionsOrOut);
    const call = resolveCall(activation, options, 'derivative', CPU_KEYS);
    const input = toFloat32Array(x, call.input);
    return runElementwiseCpu(
      call.activation,
      call.kernel,
      input,
      undefined,
      call.alpha,
      outputFor(out, input.length, [[input, call.input]]),
    );
  },
  backward(
    activation: ElementwiseActivation,
    a: NumericInput,
    dy: NumericInput,
    optionsOrOut?: CpuOptionsOrOut<ElementwiseOptions>,
  ): Float32Array {
    const { options, out } = splitOut(optionsOrOut);
    const call = resolveCall(activation, options, 'backward', CPU_KEYS);
    const input = toFloat32Array(a, call.input);
    const gradient = toFloat32Array(dy, 'dy');
    checkSameLength(gradient, 'dy', input.length, call.input);
    const output = outputFor(out, input.length, [
      [input, call.input],
      [gradient, 'dy'],
    ]);
    return runElementwiseCpu(call.activation, call.kernel, input, gradient, call.alpha, output);
  },
  forwardWithDerivative(
    activation: ElementwiseActivation,
    x: NumericInput,
    optionsOrOut?: CpuOptionsOrOut<ElementwiseOptions>,
  ): [Float32Array, Float32Array] {
    const { options, out } = splitOut(optionsOrOut);
    // Two results cannot go into one out: refuse it rather than ignore it.
    if (out !== undefined) throw new ArgumentTypeError('out', 'the WithDerivative functions return two new arrays and take no out');
    const call = resolveCall(activation, options, 'forwardWithDerivative', CPU_KEYS);
    const input = toFloat32Array(x, call.input);
    const values = new Float32Array(input.length);
    const derivatives = new Float32Array(input.length);
    runForwardAndDerivativeCpu(call.activation, input, call.alpha, values, derivatives);
    return [values, derivatives];
  },
  softmax(x: NumericInput, optionsOrOut?: CpuOptionsOrOut<RowOptions>): Float32Array {
    return rows('softmax', [toFloat32Array(x, 'x')], optionsOrOut);
  },
  logSoftmax(x: NumericInput, optionsOrOut?: CpuOptionsOrOut<RowOptions>): Float32Array {
    return rows('log_softmax', [toFloat32Array(x, 'x')], optionsOrOut);
  },
  softmaxBackward(y: NumericInput, dy: NumericInput, optionsOrOut?: CpuOptionsOrOut<RowOptions>): Float32Array {
    const output = toFloat32Array(y, 'y');
    const gradient = toFloat32Array(dy, 'dy');
    checkSameLength(gradient, 'dy', output.length, 'y');
    return rows('softmax_backward', [output, gradient], optionsOrOut);
  },
};
// Bound to `operations`, so that a function taken off the namespace (`const { sigmoid } = cpu`) works.
addNamedMethods(operations, operations);
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
