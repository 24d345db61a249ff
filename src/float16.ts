/**
 * Float16 conversions of the CPU path, in integer arithmetic on the float32 bits: the one JavaScript
 * routine for each direction, twins of `shaders/float16.wgsl` (the GPU) and
 * `src/cpu/wasm/assembly/float16.ts` (WebAssembly SIMD), which tests/node/float16.test.ts compares
 * on every float16 and on the float32 edges (ties, subnormal boundaries, 65504, 65520, NaN payloads).
 *
 * Rounding is to nearest, ties to even, once; subnormal halves are kept; a finite value of 65520 or
 * more becomes ±Infinity; a NaN stays a NaN with its sign and the top ten bits of its payload, made
 * quiet (bit 9 set), so that a payload that would truncate to an Infinity's bits becomes 0x7E00;
 * signed zeros keep their sign. `Math.f16round` (missing in Node 20) is not used.
 * @module
 */

const FLOAT32_BITS = new Uint32Array(1);
const FLOAT32_VIEW = new Float32Array(FLOAT32_BITS.buffer);

/**
 * The float16 bits nearest to the float32 whose bits are `bits` (an unsigned or signed 32-bit integer).
 * @example `float16BitsFromFloat32Bits(0x3f800000) === 0x3c00 // 1`
 */
export function float16BitsFromFloat32Bits(bits: number): number {
  const sign = (bits >>> 16) & 0x8000;
  const magnitude = bits & 0x7fffffff;
  if (magnitude > 0x7f800000) return sign | 0x7e00 | ((magnitude >>> 13) & 0x3ff);
  if (magnitude >= 0x38800000) {
    // Normal halves: rebias the exponent (127 -> 15) and round the 13 dropped bits to nearest even;
    // a carry out of the significand bumps the exponent, and from 65520 on the result is Infinity.
    const half = (magnitude - 0x37fff001 + ((magnitude >>> 13) & 1)) >>> 13;
    return sign | Math.min(half, 0x7c00);
  }
  // Subnormal halves (and zero): the significand with its implicit bit, shifted right by 14 to 25
  // places (126 - exponent, capped where everything is shifted out), rounded to nearest even.
  const shift = Math.min(126 - (magnitude >>> 23), 25);
  const significand = (magnitude & 0x7fffff) | 0x800000;
  return sign | ((significand + (1 << (shift - 1)) - 1 + ((significand >>> shift) & 1)) >>> shift);
}

/**
 * The float16 bits nearest to `value` rounded first to float32 (the precision of every kernel's
 * result): `float16BitsFromFloat32Bits` of `Math.fround(value)`'s bits.
 */
export function float16BitsFromNumber(value: number): number {
  FLOAT32_VIEW[0] = value;
  return float16BitsFromFloat32Bits(FLOAT32_BITS[0] as number);
}

/** The float32 bits of the float16 whose bits are `half` (exact: every float16 is a float32). */
export function float32BitsFromFloat16Bits(half: number): number {
  const sign = (half & 0x8000) << 16;
  const exponent = (half >>> 10) & 0x1f;
  const significand = half & 0x3ff;
  if (exponent === 31) return (sign | 0x7f800000 | (significand << 13)) >>> 0;
  if (exponent !== 0) return (sign | ((exponent + 112) << 23) | (significand << 13)) >>> 0;
  if (significand === 0) return sign >>> 0;
  // A subnormal half, significand * 2^-24, is a normal float32: normalise by its leading bit.
  const leading = 31 - Math.clz32(significand);
  return (sign | ((leading + 103) << 23) | ((significand << (23 - leading)) & 0x7fffff)) >>> 0;
}

/** The value of the float16 whose bits are `half`. @example `float16BitsToNumber(0x7bff) === 65504` */
export function float16BitsToNumber(half: number): number {
  FLOAT32_BITS[0] = float32BitsFromFloat16Bits(half);
  return FLOAT32_VIEW[0] as number;
}

let decodeTable: Float32Array | undefined;

/** Every float16's float32 value, by bits (256 KiB, made on first use): the fastest exact decode in JavaScript. */
function float16Table(): Float32Array {
  if (!decodeTable) {
    const bits = new Uint32Array(65536);
    for (let half = 0; half < 65536; half++) bits[half] = float32BitsFromFloat16Bits(half);
    decodeTable = new Float32Array(bits.buffer);
  }
  return decodeTable;
}

/** Decodes float16 bits into float32 values, element by element (`target` at least as long as `source`). */
export function float16ToFloat32(source: Uint16Array, target: Float32Array): void {
  const table = float16Table();
  const bitsOfTarget = new Uint32Array(target.buffer, target.byteOffset, target.length);
  const tableBits = new Uint32Array(table.buffer);
  // Copied as bits, so that a NaN's payload survives (a float load and store may canonicalise it).
  for (let i = 0; i < source.length; i++) bitsOfTarget[i] = tableBits[source[i] as number] as number;
}

/** Rounds float32 values to float16 bits, element by element (`target` at least as long as `source`). */
export function float32ToFloat16(source: Float32Array, target: Uint16Array): void {
  const bits = new Uint32Array(source.buffer, source.byteOffset, source.length);
  for (let i = 0; i < bits.length; i++) target[i] = float16BitsFromFloat32Bits(bits[i] as number);
}
