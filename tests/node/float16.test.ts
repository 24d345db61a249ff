// The CPU path's float16 conversions (src/float16.ts) against the tests' own rounding from float64:
// every one of the 65536 halves both ways, and float32 ties, subnormal boundaries, 65504, 65520 and NaN
// payloads; the block converters of the CPU path agree with the scalar ones.

import { describe, expect, it } from 'vitest';
import {
  float16BitsFromFloat32Bits,
  float16BitsFromNumber,
  float16BitsToNumber,
  float16ToFloat32,
  float32BitsFromFloat16Bits,
  float32ToFloat16,
} from '../../src/float16.ts';
import { expectedFloat16Bits, float16Value, float32EdgeBits, isFloat16NaN, roundToFloat16Bits } from '../support/float16.ts';
import { SEED } from '../support/random.ts';

describe('float16 conversions (JavaScript)', () => {
  it('widens every half exactly, and rounds it back to itself (a NaN quiet, payload kept)', () => {
    for (let half = 0; half < 65536; half++) {
      const value = float16BitsToNumber(half);
      if (isFloat16NaN(half)) {
        expect(Number.isNaN(value), `0x${half.toString(16)}`).toBe(true);
        const float32 = float32BitsFromFloat16Bits(half);
        expect(float32 >>> 13, `payload of 0x${half.toString(16)}`).toBe(((half & 0x8000) << 3) | 0x3fc00 | (half & 0x3ff));
        expect(float16BitsFromFloat32Bits(float32)).toBe(half | 0x200);
        continue;
      }
      expect(Object.is(value, float16Value(half)), `0x${half.toString(16)}: ${value} vs ${float16Value(half)}`).toBe(true);
      expect(float16BitsFromFloat32Bits(float32BitsFromFloat16Bits(half))).toBe(half);
      expect(float16BitsFromNumber(value)).toBe(half);
    }
  });

  it(`rounds float32 ties, their neighbours, boundaries and NaN payloads once, to nearest even (seed ${SEED})`, () => {
    const inputs = float32EdgeBits(SEED);
    let mismatches = 0;
    let first = '';
    for (const bits of inputs) {
      const got = float16BitsFromFloat32Bits(bits);
      const want = expectedFloat16Bits(bits);
      if (got !== want) {
        mismatches++;
        first ||= `0x${bits.toString(16)} -> 0x${got.toString(16)}, expected 0x${want.toString(16)}`;
      }
    }
    expect(mismatches, first).toBe(0);
    expect(inputs.length).toBeGreaterThan(200_000);
  });

  it('names the edges: 65504, 65520, subnormal ties, signed zeros, NaN payloads', () => {
    const cases: [number, number][] = [
      [0x477fe000, 0x7bff], // 65504
      [0x477fefff, 0x7bff], // just under 65520
      [0x477ff000, 0x7c00], // 65520: the tie rounds to even, which is Infinity
      [0xc77ff000, 0xfc00],
      [0x33800000, 0x0001], // 2^-24
      [0x33000000, 0x0000], // 2^-25, a tie: to even, 0
      [0x33000001, 0x0001], // just above it
      [0xb3000000, 0x8000], // -2^-25: -0
      [0x33c00000, 0x0002], // 3 * 2^-25, a tie between 1 and 2: to 2
      [0x387fc000, 0x03ff], // largest subnormal
      [0x387fe000, 0x0400], // the tie above it rounds up into the normals
      [0x00000000, 0x0000],
      [0x80000000, 0x8000],
      [0x00000001, 0x0000],
      [0x80000001, 0x8000],
      [0x7f800000, 0x7c00],
      [0xff800000, 0xfc00],
      [0x7fc00000, 0x7e00],
      [0xffc00000, 0xfe00],
      [0x7f800001, 0x7e00], // a payload that would truncate to Infinity's bits: 0x7E00
      [0x7f802000, 0x7e01],
      [0x7fffffff, 0x7fff],
    ];
    for (const [float32, half] of cases) {
      expect(float16BitsFromFloat32Bits(float32), `0x${float32.toString(16)}`).toBe(half);
    }
    expect(roundToFloat16Bits(65519.99)).toBe(0x7bff);
  });

  it('converts blocks as the scalar routines do', () => {
    const halves = new Uint16Array(65536).map((_, i) => i);
    const widened = new Float32Array(65536);
    float16ToFloat32(halves, widened);
    const widenedBits = new Uint32Array(widened.buffer);
    const expectedWidened = Uint32Array.from(halves, (half) => float32BitsFromFloat16Bits(half));
    expect(widenedBits).toEqual(expectedWidened);
    const edges = float32EdgeBits(SEED + 1, 1000);
    const rounded = new Uint16Array(edges.length);
    float32ToFloat16(new Float32Array(edges.buffer), rounded);
    expect(rounded).toEqual(Uint16Array.from(edges, (bits) => float16BitsFromFloat32Bits(bits)));
  });
});
