// The uniform packers (src/gpu/uniforms.ts): the values each kernel reads, and the bits of the
// constants WGSL cannot spell. tests/node/wgsl-structs.test.ts checks the layouts against the shaders.

import { describe, expect, it } from 'vitest';
import {
  ELEMENTWISE_PARAMS,
  elementwiseParams,
  NEGATIVE_INFINITY_BITS,
  packUniform,
  QUIET_NAN_BITS,
  ROW_PARAMS,
  rowParams,
  tailParams,
  UNIFORM_BYTES,
} from '../../src/gpu/uniforms.ts';

const words = (params: ArrayBuffer) => Array.from(new Uint32Array(params));
const floatBits = (value: number) => new Uint32Array(new Float32Array([value]).buffer)[0];

describe('uniform packers', () => {
  it('elementwiseParams: whole vec4s over the slice (rounded up) and alpha as float32', () => {
    expect(words(elementwiseParams(0, 0))).toEqual([0, 0, 0, 0, 0, 0, 0, 0]);
    expect(words(elementwiseParams(9, 0.1))).toEqual([3, floatBits(0.1), 0, 0, 0, 0, 0, 0]);
    expect(words(elementwiseParams(8, -0))).toEqual([2, 0x80000000, 0, 0, 0, 0, 0, 0]);
  });

  it('tailParams: first, count, alpha', () => {
    expect(words(tailParams(1024, 1027, -2))).toEqual([1024, 1027, floatBits(-2), 0, 0, 0, 0, 0]);
  });

  it('rowParams: rows, cols, the NaN and -Infinity bits, length, parts (1 unless split)', () => {
    expect(words(rowParams(3, 5, 15))).toEqual([3, 5, QUIET_NAN_BITS, NEGATIVE_INFINITY_BITS, 15, 1, 0, 0]);
    expect(words(rowParams(1, 0, 0, 128))).toEqual([1, 0, QUIET_NAN_BITS, NEGATIVE_INFINITY_BITS, 0, 128, 0, 0]);
  });

  it('hands WGSL a quiet NaN and -Infinity by their bits', () => {
    const [nan, negativeInfinity] = new Float32Array(new Uint32Array([QUIET_NAN_BITS, NEGATIVE_INFINITY_BITS]).buffer);
    expect(nan).toBeNaN();
    expect(negativeInfinity).toBe(Number.NEGATIVE_INFINITY);
  });

  it('packUniform: every buffer UNIFORM_BYTES long; u32 wraps modulo 2^32 as a Uint32Array does; padding stays zero', () => {
    const params = packUniform(ROW_PARAMS, { rows: 2 ** 32 + 7, cols: 1, nan_bits: 2, negative_infinity_bits: 3, length: 4, parts: 5 });
    expect(params.byteLength).toBe(UNIFORM_BYTES);
    expect(words(params)).toEqual([7, 1, 2, 3, 4, 5, 0, 0]);
    expect(packUniform(ELEMENTWISE_PARAMS, { vec4_count: 1, alpha: 1.5 }).byteLength).toBe(UNIFORM_BYTES);
  });
});
