import { ArgumentRangeError, ArgumentTypeError } from './errors.ts';

/** What every op accepts as data: a `Float32Array` (used as it is), or any array-like of numbers (copied to float32). */
export type NumericInput = Float32Array | ArrayLike<number>;

/** The shape of a row-major batch: `rows` rows of `cols` values each. */
export interface Shape {
  readonly rows: number;
  readonly cols: number;
}

/** Options of the row-wise ops (softmax and its family). Either may be left out when the other divides the length; with neither the whole array is one row. */
export interface RowOptions {
  rows?: number;
  cols?: number;
}

function isDetached(buffer: ArrayBufferLike): boolean {
  if ('detached' in buffer) return (buffer as ArrayBuffer & { detached: boolean }).detached;
  if (buffer.byteLength !== 0) return false;
  try {
    new Uint8Array(buffer);
    return false;
  } catch {
    return true;
  }
}

/**
 * Checks one data argument and returns it as a Float32Array. A Float32Array comes back as the same
 * object (never written to); anything else array-like is copied, and every element must be a number.
 */
export function toFloat32Array(value: unknown, argument: string): Float32Array {
  if (value instanceof Float32Array) {
    if (isDetached(value.buffer)) {
      throw new ArgumentTypeError(
        argument,
        'the Float32Array is backed by a detached ArrayBuffer (it was transferred or its memory released)',
      );
    }
    return value;
  }
  if (ArrayBuffer.isView(value)) {
    if (isDetached(value.buffer)) {
      throw new ArgumentTypeError(argument, `the ${value.constructor.name} is backed by a detached ArrayBuffer`);
    }
    if (value instanceof DataView || value instanceof BigInt64Array || value instanceof BigUint64Array) {
      throw new ArgumentTypeError(argument, `expected a Float32Array or an array of numbers, got a ${value.constructor.name}`);
    }
    return Float32Array.from(value as unknown as ArrayLike<number>);
  }
  if (value === null || typeof value !== 'object' || typeof (value as { length?: unknown }).length !== 'number') {
    throw new ArgumentTypeError(argument, `expected a Float32Array or an array of numbers, got ${describe(value)}`);
  }
  const arrayLike = value as ArrayLike<unknown>;
  const length = arrayLike.length;
  if (!Number.isSafeInteger(length) || length < 0) {
    throw new ArgumentTypeError(argument, `expected an array-like with a valid length, got length ${String(length)}`);
  }
  const result = new Float32Array(length);
  for (let i = 0; i < length; i++) {
    const element = arrayLike[i];
    if (typeof element !== 'number') {
      throw new ArgumentTypeError(argument, `element ${i} is ${describe(element)}, expected a number`);
    }
    result[i] = element;
  }
  return result;
}

/** Checks a caller's output array: a Float32Array of exactly `length` elements, not detached. */
export function checkOutput(out: unknown, length: number, argument = 'out'): Float32Array {
  if (!(out instanceof Float32Array)) {
    throw new ArgumentTypeError(argument, `expected a Float32Array to write into, got ${describe(out)}`);
  }
  if (isDetached(out.buffer)) {
    throw new ArgumentTypeError(argument, 'the Float32Array is backed by a detached ArrayBuffer');
  }
  if (out.length !== length) {
    throw new ArgumentRangeError(argument, `has length ${out.length}, expected ${length} (the input's length)`);
  }
  return out;
}

/** Checks that a second data argument matches the first one's length (for example `dy` against `y`). */
export function checkSameLength(value: Float32Array, argument: string, expected: number, expectedArgument: string): void {
  if (value.length !== expected) {
    throw new ArgumentRangeError(argument, `has length ${value.length}, expected ${expected} (the length of ${expectedArgument})`);
  }
}

function checkDimension(value: unknown, argument: string): number | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'number') {
    throw new ArgumentTypeError(argument, `expected a non-negative integer, got ${describe(value)}`);
  }
  if (!Number.isSafeInteger(value) || value < 0) {
    throw new ArgumentRangeError(argument, `expected a non-negative integer, got ${value}`);
  }
  return value;
}

/** Resolves `{ rows, cols }` against an array's length: both given must multiply to it; one given must divide it; none means one row. */
export function resolveShape(options: unknown, length: number, argument = 'options'): Shape {
  if (options !== undefined && (options === null || typeof options !== 'object')) {
    throw new ArgumentTypeError(argument, `expected an object like { rows, cols }, got ${describe(options)}`);
  }
  const given = (options ?? {}) as { rows?: unknown; cols?: unknown };
  const rows = checkDimension(given.rows, `${argument}.rows`);
  const cols = checkDimension(given.cols, `${argument}.cols`);
  if (rows !== undefined && cols !== undefined) {
    if (rows * cols !== length) {
      throw new ArgumentRangeError(
        `${argument}.rows`,
        `rows * cols = ${rows} * ${cols} = ${rows * cols}, but the array has ${length} elements`,
      );
    }
    return { rows, cols };
  }
  if (cols !== undefined) {
    if (cols === 0 ? length !== 0 : length % cols !== 0) {
      throw new ArgumentRangeError(`${argument}.cols`, `the array's ${length} elements are not a whole number of rows of ${cols}`);
    }
    return { rows: cols === 0 ? 0 : length / cols, cols };
  }
  if (rows !== undefined) {
    if (rows === 0 ? length !== 0 : length % rows !== 0) {
      throw new ArgumentRangeError(`${argument}.rows`, `the array's ${length} elements do not split into ${rows} equal rows`);
    }
    return { rows, cols: rows === 0 ? 0 : length / rows };
  }
  return length === 0 ? { rows: 0, cols: 0 } : { rows: 1, cols: length };
}

/** Checks an optional finite number option such as leaky relu's `alpha`. */
export function checkFiniteNumber(value: unknown, argument: string, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number') throw new ArgumentTypeError(argument, `expected a number, got ${describe(value)}`);
  // The GPU gets it as float32: beyond float32's range it would be Infinity there and finite on the CPU.
  if (!Number.isFinite(Math.fround(value))) {
    throw new ArgumentRangeError(argument, `expected a finite number within float32's range (|value| <= 3.4e38), got ${value}`);
  }
  return value;
}

/** Checks that an options argument is an object or undefined, and returns it as a record to read. */
export function checkOptionsObject(options: unknown, argument = 'options'): Record<string, unknown> {
  if (options === undefined) return {};
  if (options === null || typeof options !== 'object') {
    throw new ArgumentTypeError(argument, `expected an options object, got ${describe(options)}`);
  }
  return options as Record<string, unknown>;
}

/** How a value reads in an error message: its type, and a string quoted. */
export function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an Array';
  if (typeof value === 'object') return `an object (${(value as object).constructor?.name ?? 'Object'})`;
  if (typeof value === 'string') return `the string ${JSON.stringify(value.length > 20 ? `${value.slice(0, 20)}…` : value)}`;
  return `${typeof value} ${String(value)}`;
}
