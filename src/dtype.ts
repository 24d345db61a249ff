import { ArgumentRangeError, ArgumentTypeError } from './errors.ts';
import { float16ToFloat32, float32ToFloat16 } from './float16.ts';

/** How values are stored: `'float32'`, or `'float16'` (IEEE binary16: halves, as `Float16Array` or `Uint16Array` bits). */
export type Dtype = 'float32' | 'float16';

/** The storage types every op takes, in the order error messages list them. */
export const DTYPES: readonly Dtype[] = ['float32', 'float16'];

/**
 * The runtime's `Float16Array` type (ES2025: Chrome and Edge 135+, Firefox 129+, Safari 18.2+, Node
 * 24+), or `never` where the TypeScript `lib` has none, so that these declarations compile with any lib.
 */
export type Float16ArrayType = typeof globalThis extends { Float16Array: new (...args: never[]) => infer T } ? T : never;

/** The data of an op internally: float32 values, or float16 as their bits. */
export type Storage = Float32Array | Uint16Array;

interface Float16ArrayConstructorLike {
  new (buffer: ArrayBufferLike, byteOffset?: number, length?: number): ArrayLike<number> & ArrayBufferView;
}

/** The runtime's Float16Array constructor, or undefined (Node 20 and 22, older browsers). */
export function float16ArrayConstructor(): Float16ArrayConstructorLike | undefined {
  return (globalThis as { Float16Array?: Float16ArrayConstructorLike }).Float16Array;
}

/** Whether `value` is a Float16Array of this runtime. */
export function isFloat16Array(value: unknown): value is ArrayBufferView & ArrayLike<number> {
  const Float16 = float16ArrayConstructor();
  return Float16 !== undefined && value instanceof Float16;
}

/** The bits of a Float16Array, without a copy. */
export function float16Bits(value: ArrayBufferView & ArrayLike<number>): Uint16Array {
  return new Uint16Array(value.buffer, value.byteOffset, value.length);
}

/** Bytes per element of a dtype. */
export function elementBytes(dtype: Dtype): number {
  return dtype === 'float16' ? 2 : 4;
}

/** The dtype of internal storage. */
export function dtypeOf(data: Storage): Dtype {
  return data instanceof Uint16Array ? 'float16' : 'float32';
}

/** A new zeroed storage array. */
export function allocate(dtype: Dtype, length: number): Storage {
  return dtype === 'float16' ? new Uint16Array(length) : new Float32Array(length);
}

/**
 * Checks a `dtype` option: undefined, `'float32'` or `'float16'`; another string (`'bfloat16'`) is a
 * RangeError listing the supported ones, another type a TypeError.
 */
export function checkDtype(value: unknown, argument = 'options.dtype'): Dtype | undefined {
  if (value === undefined) return undefined;
  if (value === 'float32' || value === 'float16') return value;
  const supported = DTYPES.map((d) => `'${d}'`).join(' or ');
  if (typeof value === 'string') {
    throw new ArgumentRangeError(argument, `${JSON.stringify(value)} is not supported; the supported dtypes are ${supported}`);
  }
  throw new ArgumentTypeError(argument, `expected ${supported}, got ${typeof value}`);
}

/**
 * What a data argument holds, from its type and the call's `dtype`: a Float16Array is float16 (a
 * `dtype` of `'float32'` contradicts it); a Uint16Array is float16 bits with `dtype: 'float16'`, and
 * integers as values without; any other array is float32 values, and `dtype: 'float16'` on it is a
 * TypeError naming it (a Float32Array does not hold halves).
 */
export function dtypeOfArgument(value: unknown, dtype: Dtype | undefined, argument: string): Dtype {
  if (isFloat16Array(value)) {
    if (dtype === 'float32') {
      throw new ArgumentTypeError(
        argument,
        "is a Float16Array, which options.dtype 'float32' contradicts; leave dtype out or pass 'float16'",
      );
    }
    return 'float16';
  }
  if (dtype !== 'float16') return 'float32';
  if (value instanceof Uint16Array) return 'float16';
  const type = ArrayBuffer.isView(value) ? (value as object).constructor.name : Array.isArray(value) ? 'an Array' : typeof value;
  throw new ArgumentTypeError(
    argument,
    `options.dtype 'float16' describes Uint16Array bits or a Float16Array, but ${argument} is a ${type}; pass the halves as a Uint16Array of bits, or leave dtype out`,
  );
}

/** How an op's result is handed back: float32 values, a Float16Array, or float16 bits in a Uint16Array. */
export type ResultForm = 'float32' | 'float16-array' | 'float16-bits';

/** The result form of float16 inputs: as they came (a Float16Array, or Uint16Array bits). */
export function float16Form(value: unknown): ResultForm {
  return isFloat16Array(value) ? 'float16-array' : 'float16-bits';
}

/** Hands back internal storage in a form (a Float16Array over the same bytes, no copy). */
export function toForm(data: Storage, form: ResultForm): Float32Array | Uint16Array | ArrayBufferView {
  if (form === 'float16-array') {
    const Float16 = float16ArrayConstructor() as Float16ArrayConstructorLike;
    return new Float16(data.buffer, data.byteOffset, data.length);
  }
  return data;
}

/** Converts between storages of one length (float32 <-> float16 bits; the same dtype is a copy). */
export function convert(source: Storage, target: Storage): void {
  if (source instanceof Float32Array) {
    if (target instanceof Float32Array) target.set(source);
    else float32ToFloat16(source, target);
  } else if (target instanceof Uint16Array) target.set(source);
  else float16ToFloat32(source, target);
}

/** Any array an op can return or write into: float32 values, a Float16Array, or float16 bits in a Uint16Array. */
export type FloatArray = Float32Array | Uint16Array | Float16ArrayType;

/** One data argument of a call after validation: its storage, and its name for messages. */
export interface StorageArgument {
  readonly data: Storage;
  readonly argument: string;
}

/** The data arguments of a call, validated together: their storages (one dtype), and how to hand back a result. */
export interface ResolvedArguments {
  readonly inputs: Storage[];
  /** The inputs' dtype. */
  readonly dtype: Dtype;
  /** The caller's `out` as storage (a Float16Array as its bits), when given. */
  readonly out: Storage | undefined;
  /** What the caller passed as `out` (returned as the result). */
  readonly outValue: FloatArray | undefined;
  /** How a new result is handed back: as the inputs came. */
  readonly form: ResultForm;
}
