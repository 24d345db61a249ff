// Float16 on the CPU path and the CPU engine: the WebAssembly SIMD conversions on every half and the
// float32 edges; the API (Uint16Array bits with { dtype: 'float16' }, out of either dtype, tensors);
// misuse errors that name the argument; odd lengths; row ops within 1 ulp. Node 20 has no Float16Array:
// the Float16Array forms are tested in Chromium (tests/browser/float16.test.ts).

import { afterAll, describe, expect, it } from 'vitest';
import { ACTIVATIONS, ArgumentRangeError, ArgumentTypeError, cpu, createActivations } from 'webgpu-activations';
import { useJavaScriptLoops, wasmKernels } from '../../src/cpu/wasm/module.ts';
import { float32BitsFromFloat16Bits } from '../../src/float16.ts';
import { expectedFloat16Bits, float16Value, float32EdgeBits, roundToFloat16Bits } from '../support/float16.ts';
import { FLOAT16_ROW_CASES, FLOAT16_ROW_OPS, rowOpInputs, worstRowUlps } from '../support/float16-rows.ts';
import { createRandom, SEED } from '../support/random.ts';

const BLOCK = 16384;

function randomHalves(seed: number, length: number): Uint16Array {
  const random = createRandom(seed);
  return Uint16Array.from({ length }, () => Math.floor(random() * 65536));
}

const widen = (bits: Uint16Array) => Float32Array.from(bits, float16Value);

// Float16 bits with every NaN as 0x7e00: the library keeps a NaN's payload, the tests' rounding cannot.
const canonical = (bits: Uint16Array) => bits.map((h) => ((h & 0x7c00) === 0x7c00 && (h & 0x3ff) !== 0 ? 0x7e00 : h));

describe('the WebAssembly SIMD conversions', () => {
  it('widen every half exactly and round each back to itself (NaN made quiet)', () => {
    const kernels = wasmKernels();
    if (!kernels) throw new Error('the WebAssembly kernels should load in Node');
    const xBits = new Uint32Array(kernels.xBuffer.buffer, kernels.xAddress, BLOCK);
    for (let start = 0; start < 65536; start += BLOCK) {
      const halves = new Uint16Array(BLOCK).map((_, i) => start + i);
      kernels.xHalves.set(halves);
      kernels.exports.float16_to_float32(kernels.xAddress + BLOCK * 2, kernels.xAddress, BLOCK);
      expect(Array.from(xBits)).toEqual(Array.from(halves, float32BitsFromFloat16Bits));
      kernels.exports.float32_to_float16(kernels.xAddress, kernels.outAddress, BLOCK);
      const quiet = halves.map((h) => ((h & 0x7c00) === 0x7c00 && (h & 0x3ff) !== 0 ? h | 0x200 : h));
      expect(Array.from(kernels.outHalves)).toEqual(Array.from(quiet));
    }
  });

  it(`round float32 ties, neighbours, boundaries, 65504, 65520 and NaN payloads once (seed ${SEED})`, () => {
    const kernels = wasmKernels();
    if (!kernels) throw new Error('the WebAssembly kernels should load in Node');
    const edges = float32EdgeBits(SEED, 20_000);
    const xBits = new Uint32Array(kernels.xBuffer.buffer, kernels.xAddress, BLOCK);
    let wrong = '';
    for (let start = 0; start < edges.length; start += BLOCK) {
      const block = edges.subarray(start, start + BLOCK);
      xBits.set(block);
      kernels.exports.float32_to_float16(kernels.xAddress, kernels.xAddress, Math.ceil(block.length / 4) * 4);
      const rounded = new Uint16Array(kernels.xBuffer.buffer, kernels.xAddress, block.length);
      block.forEach((bits, i) => {
        if (!wrong && rounded[i] !== expectedFloat16Bits(bits)) {
          wrong = `0x${bits.toString(16)} -> 0x${rounded[i]?.toString(16)}, expected 0x${expectedFloat16Bits(bits).toString(16)}`;
        }
      });
    }
    expect(wrong).toBe('');
  });
});

describe.each(['wasm-simd', 'js'] as const)('float16 on cpu (%s)', (implementation) => {
  afterAll(() => useJavaScriptLoops(false));
  const use = () => useJavaScriptLoops(implementation === 'js');

  it('is the float32 kernel rounded once, at odd lengths and across blocks, in place too', () => {
    use();
    for (const length of [1, 3, 5, 4097, BLOCK + 7, 2 * BLOCK + 1]) {
      const x = randomHalves(SEED + length, length);
      const dy = randomHalves(SEED + length + 1, length);
      const expected = (values: Float32Array) => Uint16Array.from(values, roundToFloat16Bits);
      expect(canonical(cpu.gelu(x, { dtype: 'float16' }))).toEqual(expected(cpu.gelu(widen(x))));
      expect(canonical(cpu.siluBackward(x, dy, { dtype: 'float16' }))).toEqual(expected(cpu.siluBackward(widen(x), widen(dy))));
      const [values, derivatives] = cpu.tanhWithDerivative(x, { dtype: 'float16' });
      expect(canonical(values)).toEqual(expected(cpu.tanh(widen(x))));
      expect(canonical(derivatives)).toEqual(expected(cpu.tanhDerivative(widen(x))));
      const inPlace = x.slice();
      expect(cpu.sigmoid(inPlace, { dtype: 'float16', out: inPlace })).toBe(inPlace);
      expect(canonical(inPlace)).toEqual(expected(cpu.sigmoid(widen(x))));
    }
  });

  it('converts on write into an out of the other dtype', () => {
    use();
    const x = randomHalves(SEED + 3, 1001);
    const probabilities = new Float32Array(1001);
    expect(cpu.softmax(x, { dtype: 'float16', out: probabilities })).toBe(probabilities);
    expect(probabilities).toEqual(cpu.softmax(widen(x)));
    const halves = new Uint16Array(1001);
    const values = widen(x).map((v) => (Number.isFinite(v) ? v / 7 : 0));
    expect(cpu.silu(values, { dtype: 'float16', out: halves })).toBe(halves);
    expect(canonical(halves)).toEqual(Uint16Array.from(cpu.silu(values), roundToFloat16Bits));
  });

  it.each(FLOAT16_ROW_CASES.map((c) => [c.name, c] as const))(
    'row ops within 1 ulp of float64: %s',
    (_, rowCase) => {
      use();
      for (const op of FLOAT16_ROW_OPS) {
        const { args, reference } = rowOpInputs(op, rowCase, SEED);
        const options = { rows: rowCase.rows, cols: rowCase.cols, dtype: 'float16' as const };
        const got =
          op === 'softmaxBackward'
            ? cpu.softmaxBackward(args[0] as Uint16Array, args[1] as Uint16Array, options)
            : cpu[op](args[0] as Uint16Array, options);
        const { worst, where } = worstRowUlps(got, reference);
        console.log(`float16 cpu ${implementation} ${op} ${rowCase.name}: worst ${worst} ulp`);
        expect(worst, `${op} (seed ${SEED}) ${where}`).toBeLessThanOrEqual(1);
      }
    },
    60_000,
  );
});

describe('float16 misuse, named', () => {
  const bits = new Uint16Array([0x3c00, 0x4000, 0xc000]);
  it('refuses dtype on a Float32Array, an unknown dtype, a mix, and an integer Uint16Array out', () => {
    expect(() => cpu.relu(new Float32Array(3), { dtype: 'float16' })).toThrow(ArgumentTypeError);
    expect(() => cpu.relu(new Float32Array(3), { dtype: 'float16' })).toThrow(/^x: options\.dtype 'float16' describes Uint16Array bits/);
    expect(() => cpu.relu(bits, { dtype: 'bfloat16' as never })).toThrow(ArgumentRangeError);
    expect(() => cpu.relu(bits, { dtype: 'bfloat16' as never })).toThrow(
      /^options\.dtype: "bfloat16" is not supported; the supported dtypes are 'float32' or 'float16'/,
    );
    expect(() => cpu.reluBackward(bits, new Float32Array(3), { dtype: 'float16' })).toThrow(
      /^dy: holds float32 values but x holds float16/,
    );
    expect(() => cpu.relu(new Float32Array(3), { out: new Uint16Array(3) })).toThrow(/^out: is a Uint16Array: pass \{ dtype: 'float16' \}/);
    expect(() => cpu.relu(bits, { dtype: 'float16', out: new Uint16Array(4) })).toThrow(/^out: has length 4, expected 3/);
    expect(() => cpu.softmax(bits, { dtype: 'float16', out: new Float32Array(bits.buffer, 0, 1) })).toThrow(RangeError);
  });

  it('keeps a Uint16Array without dtype as integers, like any typed array', () => {
    expect(cpu.relu(new Uint16Array([1, 0x3c00]))).toEqual(new Float32Array([1, 0x3c00]));
  });
});

describe('float16 tensors on the CPU engine', () => {
  it('upload, ops, out of the other dtype, read() and read({ bits: true })', async () => {
    const act = await createActivations({ backend: 'cpu' });
    try {
      const x = randomHalves(SEED + 5, 33);
      const t = act.upload(x, { dtype: 'float16' });
      expect(t.dtype).toBe('float16');
      expect(t.byteLength).toBe(66);
      const y = act.resident.gelu(t);
      expect(y.dtype).toBe('float16');
      // Node 20 has no Float16Array: read() gives the bits there.
      expect(await y.read()).toEqual(cpu.gelu(x, { dtype: 'float16' }));
      expect(await y.read({ bits: true })).toEqual(cpu.gelu(x, { dtype: 'float16' }));
      const wide = act.upload(new Float32Array(33));
      act.resident.sigmoid(t, { out: wide });
      expect(await wide.read()).toEqual(cpu.sigmoid(widen(x)));
      await expect(wide.read({ bits: true })).rejects.toThrow(/^options\.bits: this is a float32 tensor/);
      expect(() => act.resident.siluBackward(t, wide)).toThrow(/^dy: is a float32 tensor but x is float16/);
      expect(() => act.upload(new Float32Array(2), { dtype: 'float16' })).toThrow(/^x: /);
      expect(await act.gelu(x, { dtype: 'float16' })).toEqual(cpu.gelu(x, { dtype: 'float16' }));
      const out = new Float32Array(33);
      expect(await act.gelu(x, { dtype: 'float16', out })).toBe(out);
      expect(out).toEqual(cpu.gelu(widen(x)));
      expect(ACTIVATIONS.gelu.name).toBe('gelu');
    } finally {
      act.destroy();
    }
  });
});
