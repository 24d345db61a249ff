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

/** The longest array-like copied to float32: an Array's own limit. */
const MAX_ARRAY_LIKE_LENGTH = 2 ** 32 - 1;

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
  // Checked before allocating: { length: 2 ** 32 } would otherwise ask for 16 GiB before its first
  // element is looked at. An Array holds at most 2^32 - 1 elements; an array-like past that is no array.
  if (length > MAX_ARRAY_LIKE_LENGTH) {
    throw new ArgumentRangeError(argument, `has length ${length}, expected at most ${MAX_ARRAY_LIKE_LENGTH} (2^32 - 1, an Array's limit)`);
  }
  if (length > 0 && typeof arrayLike[0] !== 'number') {
    throw new ArgumentTypeError(argument, `element 0 is ${describe(arrayLike[0])}, expected a number`);
  }
  let result: Float32Array;
  try {
    result = new Float32Array(length);
  } catch {
    throw new ArgumentRangeError(argument, `has length ${length}, more float32 values than this platform can allocate`);
  }
  for (let i = 0; i < length; i++) {
    const element = arrayLike[i];
    if (typeof element !== 'number') {
      throw new ArgumentTypeError(argument, `element ${i} is ${describe(element)}, expected a number`);
    }
    result[i] = element;
  }
  return result;
}

/**
 * Checks a caller's output array: a Float32Array of exactly `length` elements, not detached, and
 * either the very array of each input (in place) or apart from it. A partial overlap would have the
 * loops read elements they already wrote (`cpu.sigmoid(b.subarray(4, 14), b.subarray(5, 15))`).
 */
export function checkOutput(
  out: unknown,
  length: number,
  argument = 'out',
  inputs: readonly (readonly [Float32Array, string])[] = [],
): Float32Array {
  if (!(out instanceof Float32Array)) {
    throw new ArgumentTypeError(argument, `expected a Float32Array to write into, got ${describe(out)}`);
  }
  if (isDetached(out.buffer)) {
    throw new ArgumentTypeError(argument, 'the Float32Array is backed by a detached ArrayBuffer');
  }
  if (out.length !== length) {
    throw new ArgumentRangeError(argument, `has length ${out.length}, expected ${length} (the input's length)`);
  }
  for (const [input, name] of inputs) {
    if (partlyOverlaps(out, input)) {
      throw new ArgumentRangeError(
        argument,
        `overlaps ${name} in part (bytes ${out.byteOffset}..${out.byteOffset + out.byteLength} against ${input.byteOffset}..${input.byteOffset + input.byteLength} of one buffer); pass ${name} itself for in place, or an array apart from it`,
      );
    }
  }
  return out;
}

/** Whether two arrays share some bytes of one buffer without being the same elements (same offset, same length). */
function partlyOverlaps(a: Float32Array, b: Float32Array): boolean {
  if (a.buffer !== b.buffer) return false;
  if (a.byteOffset === b.byteOffset && a.length === b.length) return false;
  return a.byteOffset < b.byteOffset + b.byteLength && b.byteOffset < a.byteOffset + a.byteLength;
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

/**
 * Resolves `{ rows, cols }` against an array's length: both given must multiply to it; one given must
 * divide it; none means one row. `extraKeys` are other options the caller reads from the same object
 * (`out` for `cpu`); any other key is refused, so that a typo (`{ col: 10 }`) cannot pass for one row.
 */
export function resolveShape(options: unknown, length: number, argument = 'options', extraKeys: readonly string[] = []): Shape {
  if (options !== undefined && (options === null || typeof options !== 'object')) {
    throw new ArgumentTypeError(argument, `expected an object like { rows, cols }, got ${describe(options)}`);
  }
  if (options !== undefined) checkKnownKeys(options as object, ['rows', 'cols', ...extraKeys], argument);
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

/**
 * Checks a string option against its allowed values: another type is a TypeError, another string a
 * RangeError; both messages list the values (`expected 'auto', 'webgpu' or 'cpu', got "gpu"`).
 */
export function checkOneOf<T extends string>(value: unknown, argument: string, allowed: readonly T[]): T {
  if ((allowed as readonly unknown[]).includes(value)) return value as T;
  const quoted = allowed.map((a) => `'${a}'`);
  const list = quoted.length > 1 ? `${quoted.slice(0, -1).join(', ')} or ${quoted.at(-1)}` : (quoted[0] ?? '');
  const got = typeof value === 'string' ? JSON.stringify(value) : describe(value);
  if (typeof value === 'string') throw new ArgumentRangeError(argument, `expected ${list}, got ${got}`);
  throw new ArgumentTypeError(argument, `expected ${list}, got ${got}`);
}

/** Checks that an options argument is an object or undefined, and returns it as a record to read. */
export function checkOptionsObject(options: unknown, argument = 'options'): Record<string, unknown> {
  if (options === undefined) return {};
  if (options === null || typeof options !== 'object') {
    throw new ArgumentTypeError(argument, `expected an options object, got ${describe(options)}`);
  }
  return options as Record<string, unknown>;
}

/**
 * Refuses an options object with a key outside `known` (a typo such as `{ col: 10 }` or
 * `{ minGpuElement: 0 }` must not pass silently), suggesting the nearest known key.
 */
export function checkKnownKeys(options: object, known: readonly string[], argument = 'options'): void {
  for (const key of Object.keys(options)) {
    if (known.includes(key)) continue;
    const near = known.find((candidate) => isNear(key, candidate));
    const hint = near ? `; did you mean ${near}?` : '';
    const expected = known.length === 0 ? 'this call takes no options' : `expected one of ${known.join(', ')}`;
    throw new ArgumentTypeError(`${argument}.${key}`, `is not an option here (${expected})${hint}`);
  }
}

// Within one edit (insert, delete, replace, swap of neighbours) or the same apart from case.
function isNear(a: string, b: string): boolean {
  if (a.toLowerCase() === b.toLowerCase()) return true;
  if (Math.abs(a.length - b.length) > 1) return false;
  let i = 0;
  while (i < a.length && i < b.length && a[i] === b[i]) i++;
  const rest = (x: string, n: number) => x.slice(i + n);
  return (
    rest(a, 1) === rest(b, 1) ||
    rest(a, 1) === rest(b, 0) ||
    rest(a, 0) === rest(b, 1) ||
    (a[i] === b[i + 1] && a[i + 1] === b[i] && rest(a, 2) === rest(b, 2))
  );
}

/** A value as messages show it: strings quoted (`the string "10"`), objects by constructor, the rest as `type value`. */
export function describe(value: unknown): string {
  if (value === null) return 'null';
  if (value === undefined) return 'undefined';
  if (Array.isArray(value)) return 'an Array';
  if (typeof value === 'object') return `an object (${(value as object).constructor?.name ?? 'Object'})`;
  if (typeof value === 'string') return `the string ${JSON.stringify(value.length > 20 ? `${value.slice(0, 20)}…` : value)}`;
  return `${typeof value} ${String(value)}`;
}
