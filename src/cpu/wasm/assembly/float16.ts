// Float16 storage for the WebAssembly path: SIMD conversions between float16 bits and float32, four
// lanes at a time, twins of src/float16.ts and shaders/float16.wgsl (tests/node/cpu-wasm-float16.test.ts
// compares them on all 65536 halves and the float32 edges). WebAssembly SIMD has no float16 lanes.
//
// float32 -> float16: integer lanes (i32x4) for normal halves, NaN and Infinity; a subnormal half is
// x + 0.5 in float32, whose ulp is float16's subnormal step 2^-24, so that WebAssembly's float addition
// (IEEE, round to nearest even, subnormals kept, on every engine) rounds it once: the classic
// magic-number trick, exact here because WebAssembly fixes the rounding mode (WGSL does not).
// float16 -> float32 is exact: fields moved in integer lanes; a subnormal half m * 2^-24 is the
// product of two floats that is exactly representable.

// @ts-ignore: decorator
@inline function splatInt(v: i32): v128 {
  return i32x4.splat(v);
}

/** n halves at `source` (u16) widened to float32 at `target`, four at a time; n a multiple of 4. `target` may lie below `source` by 2n bytes or more (the host widens a block within its buffer). */
export function float16_to_float32(source: usize, target: usize, n: i32): void {
  for (let i = 0; i < n; i += 4) {
    const half = i32x4.extend_low_i16x8_u(v128.load64_zero(source + ((<usize>i) << 1)));
    const sign = i32x4.shl(v128.and(half, splatInt(0x8000)), 16);
    const exponent = v128.and(i32x4.shr_u(half, 10), splatInt(0x1f));
    const significand = v128.and(half, splatInt(0x3ff));
    const normal = v128.or(i32x4.shl(i32x4.add(exponent, splatInt(112)), 23), i32x4.shl(significand, 13));
    const special = v128.or(splatInt(0x7f800000), i32x4.shl(significand, 13));
    const subnormal = f32x4.mul(f32x4.convert_i32x4_u(significand), f32x4.splat(5.9604644775390625e-8));
    let bits = v128.bitselect(special, normal, i32x4.eq(exponent, splatInt(31)));
    bits = v128.bitselect(subnormal, bits, i32x4.eq(exponent, splatInt(0)));
    v128.store(target + ((<usize>i) << 2), v128.or(bits, sign));
  }
}

/** n float32 at `source` rounded to float16 bits at `target` (u16), four at a time; n a multiple of 4. `target` may be `source` (in place, front to back). */
export function float32_to_float16(source: usize, target: usize, n: i32): void {
  for (let i = 0; i < n; i += 4) {
    const bits = v128.load(source + ((<usize>i) << 2));
    const sign = v128.and(i32x4.shr_u(bits, 16), splatInt(0x8000));
    const magnitude = v128.and(bits, splatInt(0x7fffffff));
    const odd = v128.and(i32x4.shr_u(magnitude, 13), splatInt(1));
    const normal = i32x4.min_u(i32x4.shr_u(i32x4.add(i32x4.sub(magnitude, splatInt(0x37fff001)), odd), 13), splatInt(0x7c00));
    const subnormal = i32x4.sub(f32x4.add(magnitude, f32x4.splat(0.5)), splatInt(0x3f000000));
    const nan = v128.or(splatInt(0x7e00), v128.and(i32x4.shr_u(magnitude, 13), splatInt(0x3ff)));
    let half = v128.bitselect(subnormal, normal, i32x4.lt_u(magnitude, splatInt(0x38800000)));
    half = v128.bitselect(nan, half, i32x4.gt_u(magnitude, splatInt(0x7f800000)));
    half = v128.or(half, sign);
    v128.store64_lane(target + ((<usize>i) << 1), i16x8.narrow_i32x4_u(half, half), 0);
  }
}
