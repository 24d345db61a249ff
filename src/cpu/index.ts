import { ArgumentTypeError } from '../errors.ts';
import { sigmoidActivation } from '../ops/elementwise.ts';
import { checkOptionsObject, checkOutput, checkSameLength, type NumericInput, type RowOptions, resolveShape, toFloat32Array } from '../validate.ts';
import { runElementwiseCpu, runForwardAndDerivativeCpu } from './elementwise.ts';
import { softmaxCpu } from './softmax.ts';

/** Options of the sigmoid derivative: what the data argument holds. */
export interface DerivativeOptions {
  /** `'input'` (default): the argument is the pre-activation x. `'output'`: it is y = sigmoid(x). */
  from?: 'input' | 'output';
}

/** Reads `options.from` of a derivative call. */
export function derivativeSource(options: unknown): 'input' | 'output' {
  const from = checkOptionsObject(options).from;
  if (from === undefined || from === 'input' || from === 'output') return from ?? 'input';
  throw new ArgumentTypeError('options.from', `expected 'input' or 'output', got ${JSON.stringify(from)}`);
}

function outputFor(out: unknown, length: number): Float32Array {
  return out === undefined ? new Float32Array(length) : checkOutput(out, length);
}

/**
 * The CPU path: the same functions as the WebGPU engine, synchronous, on `Float32Array`, computed in
 * float64 and rounded once to float32. Each writes into `out` when given (which may be the input
 * itself, for in-place) and otherwise allocates only the result.
 *
 * @example
 * ```ts
 * import { cpu } from 'webgpu-activations';
 * const y = cpu.sigmoid(new Float32Array([-1, 0, 1]));   // Float32Array [0.2689, 0.5, 0.7311]
 * cpu.softmax(logits, { rows: 32, cols: 10 }, logits);   // in place
 * ```
 */
export const cpu = {
  /**
   * sigmoid(x) = 1 / (1 + exp(-x)), elementwise. Stays in [0, 1] for every input; NaN gives NaN.
   * @param x - the input, a Float32Array or array-like of numbers (never modified unless it is `out`).
   * @param out - optional Float32Array of the same length to write into.
   * @returns `out`, or a new Float32Array.
   * @throws {TypeError} x or out is not an array of numbers, or is detached. @throws {RangeError} out has another length.
   */
  sigmoid(x: NumericInput, out?: Float32Array): Float32Array {
    const input = toFloat32Array(x, 'x');
    return runElementwiseCpu(sigmoidActivation, 'forward', input, undefined, 0, outputFor(out, input.length));
  },

  /**
   * The sigmoid derivative. From the input (default): s(x) * (1 - s(x)), computed without cancellation.
   * From the output (`{ from: 'output' }`): y * (1 - y) for y = sigmoid(x) already computed.
   * @param x - x, or y when `from` is 'output'.
   * @param options - `{ from: 'input' | 'output' }`.
   * @param out - optional Float32Array of the same length to write into.
   * @throws {TypeError} bad argument types. @throws {RangeError} out has another length.
   */
  sigmoidDerivative(x: NumericInput, options?: DerivativeOptions, out?: Float32Array): Float32Array {
    const from = derivativeSource(options);
    const input = toFloat32Array(x, from === 'output' ? 'y' : 'x');
    const kernel = from === 'output' ? 'derivative_from_output' : 'derivative';
    return runElementwiseCpu(sigmoidActivation, kernel, input, undefined, 0, outputFor(out, input.length));
  },

  /**
   * The backward step of sigmoid: dy * y * (1 - y), with y = sigmoid(x) from the forward pass.
   * @param y - the sigmoid's output.
   * @param dy - the gradient of the loss with respect to y; same length as y.
   * @param out - optional Float32Array of the same length to write into.
   * @throws {TypeError} bad argument types. @throws {RangeError} dy or out has another length than y.
   */
  sigmoidBackward(y: NumericInput, dy: NumericInput, out?: Float32Array): Float32Array {
    const output = toFloat32Array(y, 'y');
    const gradient = toFloat32Array(dy, 'dy');
    checkSameLength(gradient, 'dy', output.length, 'y');
    return runElementwiseCpu(sigmoidActivation, 'backward_from_output', output, gradient, 0, outputFor(out, output.length));
  },

  /**
   * sigmoid(x) and its derivative in one pass.
   * @returns `[sigmoid(x), sigmoid'(x)]`.
   */
  sigmoidWithDerivative(x: NumericInput): [Float32Array, Float32Array] {
    const input = toFloat32Array(x, 'x');
    const values = new Float32Array(input.length);
    const derivatives = new Float32Array(input.length);
    runForwardAndDerivativeCpu(sigmoidActivation, input, 0, values, derivatives);
    return [values, derivatives];
  },

  /**
   * Softmax along each row of a row-major rows x cols batch (default: one row). Rows sum to 1.
   * Special values: a NaN makes its row NaN; +Infinity entries share their row equally; -Infinity
   * entries get 0; a row of only -Infinity is NaN.
   * @param x - the batch, rows * cols values.
   * @param options - `{ rows, cols }`; either may be left out when the other divides the length.
   * @param out - optional Float32Array of the same length to write into.
   * @throws {TypeError} bad argument types. @throws {RangeError} a shape that does not match the length.
   */
  softmax(x: NumericInput, options?: RowOptions, out?: Float32Array): Float32Array {
    const input = toFloat32Array(x, 'x');
    const shape = resolveShape(options, input.length);
    return softmaxCpu(input, shape.rows, shape.cols, outputFor(out, input.length));
  },
};
