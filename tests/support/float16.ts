// The tests' own float16: rounding of any float64 to the nearest float16 (ties to even) in exact
// float64 arithmetic (scaling by powers of two is exact, and so is splitting off the integer part), and
// the value of any float16 from its fields. Independent of src/float16.ts and of Math.f16round, which
// Node 20 lacks. Also the float32 inputs every conversion is checked on.

import { createRandom } from './random.ts';

/** The float16 bits nearest to `value` (one rounding, ties to even); NaN gives 0x7e00 (the caller checks NaN by class). */
export function roundToFloat16Bits(value: number): number {
  if (Number.isNaN(value)) return 0x7e00;
  const sign = value < 0 || Object.is(value, -0) ? 0x8000 : 0;
  const magnitude = Math.abs(value);
  if (magnitude >= 65520) return sign | 0x7c00;
  if (magnitude < 2 ** -14) return sign | roundHalfEven(magnitude * 2 ** 24); // subnormal units of 2^-24 (1024 is the least normal)
  let exponent = Math.floor(Math.log2(magnitude));
  if (2 ** exponent > magnitude) exponent--;
  if (2 ** (exponent + 1) <= magnitude) exponent++;
  let significand = roundHalfEven(magnitude * 2 ** (10 - exponent)); // in [1024, 2048]
  if (significand === 2048) {
    significand = 1024;
    exponent++;
  }
  if (exponent > 15) return sign | 0x7c00;
  return sign | ((exponent + 15) << 10) | (significand - 1024);
}

function roundHalfEven(units: number): number {
  const whole = Math.floor(units);
  const rest = units - whole;
  if (rest > 0.5 || (rest === 0.5 && whole % 2 === 1)) return whole + 1;
  return whole;
}

/** The value of a float16 from its fields. */
export function float16Value(bits: number): number {
  const sign = bits & 0x8000 ? -1 : 1;
  const exponent = (bits >> 10) & 0x1f;
  const significand = bits & 0x3ff;
  if (exponent === 31) return significand === 0 ? sign * Number.POSITIVE_INFINITY : Number.NaN;
  if (exponent === 0) return sign * significand * 2 ** -24;
  return sign * (1024 + significand) * 2 ** (exponent - 25);
}

/** Whether float16 bits are a NaN. */
export function isFloat16NaN(bits: number): boolean {
  return (bits & 0x7c00) === 0x7c00 && (bits & 0x3ff) !== 0;
}

/** Distance in float16 ulps between two finite or infinite halves of one sign-ordered line (±0 equal). */
export function float16UlpDistance(a: number, b: number): number {
  const ordered = (h: number) => (h & 0x8000 ? -(h & 0x7fff) : h);
  return Math.abs(ordered(a) - ordered(b));
}

/** The float32 value of `bits`. */
export function float32FromBits(bits: number): number {
  return new Float32Array(new Uint32Array([bits >>> 0]).buffer)[0] as number;
}

/**
 * Float32 bit patterns that probe a float32 -> float16 rounding: for every pair of neighbouring
 * finite halves, their midpoint (a tie) and the float32 on either side of it, both signs; the
 * subnormal and normal boundaries; 65504, 65520 and neighbours; float32 subnormals, ±0, ±Infinity; NaN
 * payloads (quiet, signalling, ones that truncate to an Infinity's bits); and `randomCount` random bit
 * patterns from `seed`.
 */
export function float32EdgeBits(seed: number, randomCount = 100_000): Uint32Array {
  const bits: number[] = [];
  const view = new Float32Array(1);
  const asBits = new Uint32Array(view.buffer);
  const push = (value: number) => {
    view[0] = value;
    const b = asBits[0] as number;
    bits.push(b, b - 1, b + 1, (b ^ 0x80000000) >>> 0);
  };
  for (let half = 0; half < 0x7c00; half++) {
    push(float16Value(half));
    push((float16Value(half) + float16Value(half + 1)) / 2); // a tie, exact in float32
  }
  for (const value of [65504, 65519, 65520, 65536, 2 ** -14, 2 ** -24, 2 ** -25, 3 * 2 ** -26, 2 ** -26, 1e-30, 3.4e38, 1, 2048, 2049]) {
    push(value);
  }
  bits.push(0, 0x80000000, 1, 0x80000001, 0x7fffff, 0x807fffff, 0x7f800000, 0xff800000);
  bits.push(0x7fc00000, 0xffc00000, 0x7f800001, 0xff800001, 0x7fa00000, 0x7f801fff, 0x7f802000, 0x7fffffff, 0xffffffff, 0x7fbfffff);
  const random = createRandom(seed);
  for (let i = 0; i < randomCount; i++) bits.push(Math.floor(random() * 2 ** 32));
  return new Uint32Array(bits.map((b) => b >>> 0));
}

/**
 * What a float32 -> float16 conversion must give for float32 bits: the nearest half (ties to even), or
 * for a NaN the sign, 0x7e00 and the payload's top ten bits.
 */
export function expectedFloat16Bits(float32Bits: number): number {
  const magnitude = float32Bits & 0x7fffffff;
  if (magnitude > 0x7f800000) return ((float32Bits >>> 16) & 0x8000) | 0x7e00 | ((magnitude >>> 13) & 0x3ff);
  return roundToFloat16Bits(float32FromBits(float32Bits));
}
