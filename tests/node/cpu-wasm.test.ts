// The CPU path's WebAssembly SIMD kernels (src/cpu/wasm/): the shipped binary is its source's, every op
// is within 2.5e-7 of float64 on normal results, every special value is the JavaScript loops' own,
// in-place calls work, memory stays fixed over many calls, and the loops still run where asked.
import { readFileSync } from 'node:fs';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { ACTIVATIONS, type Activations, cpu, createActivations, type ElementwiseActivation } from 'webgpu-activations';
// @ts-expect-error: a plain ESM script; it has no type declarations.
import { binaryModule, compileKernels, OUTPUT } from '../../scripts/build-wasm.mjs';
import { cpuImplementation, ROW_BLOCK_ELEMENTS, useJavaScriptLoops, wasmKernels } from '../../src/cpu/wasm/module.ts';
import { expectClose, FLOAT32_MIN_NORMAL } from '../support/compare.ts';
import { OP_CASES, softmaxInput } from '../support/op-cases.ts';
import { createRandom, EDGE_VALUES, randomFloat32Array, SEED } from '../support/random.ts';
import { ROW_CASES, ROW_REFERENCES } from '../support/row-cases.ts';

/** The bound on normal results (XNNPACK's own tests allow 1e-5 for sigmoid). */
const MAX_RELATIVE_ERROR = 2.5e-7;
// Lengths around the vector width (4) and the host's elementwise block (16384 elements); the row ops
// also one row just longer than the row buffers (65536 elements) and one three times as long.
const LENGTHS = [1, 3, 4, 5, 255, 4097, 16384 + 7, 3 * 16384 + 1];
const ROW_LENGTHS = [...LENGTHS, ROW_BLOCK_ELEMENTS + 7, 3 * ROW_BLOCK_ELEMENTS + 1];
const maxErrors = new Map<string, number>();
// The in-place and 10,000-call tests take 1-4 s alone and ran past vitest's 5 s default in a full run
// on the 2-core machine (other projects' tests alongside): their own limit.
const HEAVY_TEST_MS = 60_000;

afterEach(() => useJavaScriptLoops(false));
afterAll(() => {
  const lines = [...maxErrors].map(([key, error]) => `  ${key.padEnd(44)} ${error.toExponential(2)}`);
  console.log(`wasm-simd max relative error against float64 (seed ${SEED}):\n${lines.join('\n')}`);
});

it('ships the binary that its source compiles to, byte for byte', async () => {
  const bytes: Uint8Array = await compileKernels();
  expect(readFileSync(new URL(`../../${OUTPUT}`, import.meta.url), 'utf8')).toBe(binaryModule(bytes));
}, 60_000);

it('runs the WebAssembly SIMD kernels in Node, and says so', () => {
  expect(cpuImplementation().name).toBe('wasm-simd');
  expect(cpu.implementation.name).toBe('wasm-simd');
  expect(cpu.implementation.reason).toMatch(/WebAssembly SIMD/);
});

describe('against float64', () => {
  let act: Activations;
  const cases = [
    ...OP_CASES.map((op) => ({ ...op, tolerance: () => op.tolerance, lengths: op.name === 'softmax' ? ROW_LENGTHS : LENGTHS })),
    ...ROW_CASES.map((op) => ({ ...op, lengths: ROW_LENGTHS })),
  ];
  for (const op of cases) {
    it(`${op.name}: within ${MAX_RELATIVE_ERROR} on normal results, at lengths ${op.lengths.join(', ')}`, async () => {
      act ??= await createActivations({ backend: 'cpu' });
      const random = createRandom(SEED ^ (op.name.length * 7919));
      for (const length of op.lengths) {
        const inputs = op.inputs(random, length);
        const copies = inputs.map((input) => input.slice());
        const actual = await op.run(act, inputs);
        const tolerance = { ...op.tolerance(inputs), relative: MAX_RELATIVE_ERROR };
        const error = expectClose(actual, op.reference(inputs), tolerance, `${op.name} wasm n=${length}`, inputs);
        maxErrors.set(op.name, Math.max(maxErrors.get(op.name) ?? 0, error));
        for (const [i, input] of inputs.entries()) expect(input, 'the input was mutated').toEqual(copies[i]);
      }
    });
  }
});

// Every kernel of every built-in activation, on the edge values (and random values) through both
// implementations: NaN where the loops give NaN, the same infinities, the same signed zeros.
type Kernel = (x: Float32Array, dy: Float32Array) => Float32Array | [Float32Array, Float32Array];
const ELEMENTWISE: Record<string, Kernel> = {};
for (const [name, activation] of Object.entries(ACTIVATIONS) as [string, ElementwiseActivation][]) {
  // every approximation, and a few values of a declared parameter (leaky relu's 0 and negative slopes, elu's)
  const variants: [string, object][] = [['', {}]];
  for (const form of Object.keys(activation.approximations ?? {})) variants.push([` ${form}`, { approximate: form }]);
  if (activation.parameters?.alpha)
    variants.push([' alpha=0', { alpha: 0 }], [' alpha=-0.3', { alpha: -0.3 }], [' alpha=2.5', { alpha: 2.5 }]);
  for (const [suffix, options] of variants) {
    const label = `${name}${suffix}`;
    ELEMENTWISE[`${label} forward`] = (x) => cpu.forward(activation, x, options);
    ELEMENTWISE[`${label} derivative`] = (x) => cpu.derivative(activation, x, options);
    ELEMENTWISE[`${label} backward`] = (x, dy) => cpu.backward(activation, x, dy, { ...options, from: 'input' });
    ELEMENTWISE[`${label} withDerivative`] = (x) => cpu.forwardWithDerivative(activation, x, options);
    const fromOutput =
      activation.derivativeFromOutput &&
      (activation.derivativeFromOutputWhen?.holds((options as { alpha?: number }).alpha ?? activation.parameters?.alpha?.default ?? 0) ??
        true);
    if (fromOutput && suffix === '') {
      ELEMENTWISE[`${label} derivative from output`] = (y) => cpu.derivative(activation, y, { ...options, from: 'output' });
      ELEMENTWISE[`${label} backward from output`] = (y, dy) => cpu.backward(activation, y, dy, { ...options, from: 'output' });
    }
  }
}
ELEMENTWISE['softmax rows of 19'] = (x) => cpu.softmax(x, { cols: 19 });
ELEMENTWISE['logSoftmax rows of 19'] = (x) => cpu.logSoftmax(x, { cols: 19 });
ELEMENTWISE['softmaxBackward rows of 19'] = (y, dy) => cpu.softmaxBackward(y, dy, { cols: 19 });

/** Edge values paired with every edge value (as x and as dy), then random values: 26 * 26 + 46 = 19 * 38 elements. */
function edgeInputs(random: () => number): [Float32Array, Float32Array] {
  const n = EDGE_VALUES.length;
  const x = new Float32Array(n * n + 46);
  const dy = new Float32Array(x.length);
  for (let i = 0; i < n * n; i++) {
    x[i] = EDGE_VALUES[i % n] as number;
    dy[i] = EDGE_VALUES[Math.floor(i / n)] as number;
  }
  x.set(randomFloat32Array(random, 46), n * n);
  dy.set(randomFloat32Array(random, 46), n * n);
  return [x, dy];
}

function sameSpecialValues(wasm: Float32Array, js: Float32Array, context: string): void {
  for (let i = 0; i < js.length; i++) {
    const w = wasm[i] as number;
    const j = js[i] as number;
    const special = Number.isNaN(j) || !Number.isFinite(j) || j === 0 || Number.isNaN(w) || !Number.isFinite(w) || w === 0;
    if (!special || Object.is(w, j)) continue;
    // Both round a float64 value to float32; a result at the edge of the subnormal range may round to 0 in one only.
    if (Math.abs(j) < FLOAT32_MIN_NORMAL && Math.abs(w) < FLOAT32_MIN_NORMAL && Math.sign(w) === Math.sign(j)) continue;
    expect(Object.is(w, j), `${context} [${i}]: wasm ${w}, js ${j} (seed ${SEED})`).toBe(true);
  }
}

describe('special values as the JavaScript loops give them', () => {
  for (const [name, kernel] of Object.entries(ELEMENTWISE)) {
    it(name, () => {
      const [x, dy] = edgeInputs(createRandom(SEED ^ name.length));
      if (name.startsWith('softmax') || name.startsWith('logSoftmax')) x.set(softmaxInput(createRandom(SEED), 19 * 20, 19), 0);
      const wasm = [kernel(x, dy)].flat();
      useJavaScriptLoops(true);
      const js = [kernel(x, dy)].flat();
      useJavaScriptLoops(false);
      for (const [i, result] of wasm.entries()) sameSpecialValues(result, js[i] as Float32Array, name);
    });
  }

  it('softmax rows sum to 1, sigmoid stays in [0, 1]', () => {
    const random = createRandom(SEED + 3);
    const x = randomFloat32Array(random, 40_000);
    const y = cpu.sigmoid(x);
    for (const v of y) if (!Number.isNaN(v)) expect(v >= 0 && v <= 1).toBe(true);
    for (const cols of [10, 1000, 40_000]) {
      const logits = softmaxInput(random, 40_000, cols);
      const p = cpu.softmax(logits, { cols });
      const reference = ROW_REFERENCES.softmax(logits, 40_000 / cols, cols);
      for (let r = 0; r < 40_000 / cols; r++) {
        let sum = 0;
        let expected = 0;
        for (let i = r * cols; i < (r + 1) * cols; i++) {
          sum += p[i] as number;
          expected += reference[i] as number;
        }
        if (Number.isNaN(expected)) expect(sum).toBeNaN();
        else expect(Math.abs(sum - 1), `row ${r} of ${cols} (seed ${SEED})`).toBeLessThan(1e-5);
      }
    }
  });
});

it('softmax keeps 2.5e-7 on rows near the top of float32 exp (values in [87, 88], every length)', () => {
  // exp(x) unshifted was taken up to 88, where 1 / sum of a long row is subnormal in float32: 2.4e-4 off.
  for (const cols of [4, 64, 1000, 4096, 16384, 40_000, 2 * ROW_BLOCK_ELEMENTS + 3]) {
    const x = Float32Array.from({ length: cols }, (_, i) => 87 + (i % 11) / 10);
    const reference = ROW_REFERENCES.softmax(x, 1, cols);
    expectClose(cpu.softmax(x, { cols }), reference, { relative: MAX_RELATIVE_ERROR }, `softmax of ${cols} values in [87, 88]`, [x]);
  }
});

it(
  'softmax of rows longer than the row buffers: what the JavaScript loops give, whatever a later block holds',
  () => {
    // Long rows go in two passes, each block's terms against its own maximum; these rows must leave
    // that path (NaN, +Infinity or nothing above -Infinity in some block, or a block whose factor
    // exp(max_b - max) / sum is below float32's normal range) or go through it with a block of -Infinity.
    const block = ROW_BLOCK_ELEMENTS;
    const cols = 2 * block + 11;
    const random = createRandom(SEED + 11);
    const base = () => Float32Array.from({ length: cols }, () => (random() * 2 - 1) * 20);
    const rows: [string, Float32Array][] = [];
    const withValue = (label: string, at: number, value: number) => {
      const x = base();
      x[at] = value;
      rows.push([label, x]);
    };
    withValue('NaN in the last block', 2 * block + 5, Number.NaN);
    withValue('+Infinity in the second block', block + 17, Number.POSITIVE_INFINITY);
    withValue('NaN with a payload in the second block', block + 1, new Float32Array(new Uint32Array([0x7f800001]).buffer)[0] as number);
    const middle = base();
    middle.fill(Number.NEGATIVE_INFINITY, block, 2 * block);
    rows.push(['a block of -Infinity', middle]);
    rows.push(['every value -Infinity', new Float32Array(cols).fill(Number.NEGATIVE_INFINITY)]);
    const far = base();
    for (let i = 0; i < block; i++) far[i] = 100 + (i % 7);
    rows.push(['a first block 100 above the others (factors below 2^-126)', far]);
    const huge = new Float32Array(cols).fill(3.4e38);
    rows.push(['huge equal values', huge]);
    const wide = Float32Array.from({ length: cols }, (_, i) => (i < block ? -3e38 : (random() * 2 - 1) * 1e4));
    rows.push(['-3e38 then values up to 1e4', wide]);
    for (const [label, x] of rows) {
      const copy = x.slice();
      const wasm = cpu.softmax(x, { cols });
      expect(x, `${label}: the input was mutated`).toEqual(copy);
      useJavaScriptLoops(true);
      const js = cpu.softmax(x, { cols });
      useJavaScriptLoops(false);
      sameSpecialValues(wasm, js, label);
      expectClose(wasm, ROW_REFERENCES.softmax(x, 1, cols), { relative: MAX_RELATIVE_ERROR }, label, [x]);
      // in place (out = x) takes the three passes (the factor rounds differently: the last bit may differ)
      const inPlace = x.slice();
      cpu.softmax(inPlace, { cols, out: inPlace });
      sameSpecialValues(inPlace, js, `${label}, in place`);
      expectClose(inPlace, ROW_REFERENCES.softmax(x, 1, cols), { relative: MAX_RELATIVE_ERROR }, `${label}, in place`, [x]);
    }
  },
  HEAVY_TEST_MS,
);

describe('out', () => {
  it(
    'may be x, or dy, for in-place calls, across blocks and for long rows',
    () => {
      const random = createRandom(SEED + 5);
      for (const length of [13, 3 * 16384 + 5, 3 * ROW_BLOCK_ELEMENTS + 5]) {
        const x = randomFloat32Array(random, length);
        const dy = randomFloat32Array(random, length);
        const expected = [
          cpu.sigmoid(x),
          cpu.tanhBackward(x, dy),
          cpu.geluBackward(x, dy),
          cpu.softmax(x),
          cpu.logSoftmax(x, { cols: 1 }),
          cpu.softmaxBackward(x, dy),
        ];
        const inPlace = [
          (() => {
            const v = x.slice();
            return cpu.sigmoid(v, v);
          })(),
          (() => {
            const g = dy.slice();
            return cpu.tanhBackward(x, g, g);
          })(),
          (() => {
            const v = x.slice();
            return cpu.geluBackward(v, dy, v);
          })(),
          (() => {
            const v = x.slice();
            return cpu.softmax(v, v);
          })(),
          (() => {
            const v = x.slice();
            return cpu.logSoftmax(v, { cols: 1, out: v });
          })(),
          (() => {
            const v = x.slice();
            return cpu.softmaxBackward(v, dy, v);
          })(),
        ];
        for (const [i, result] of inPlace.entries()) expect(result, `case ${i}, length ${length}`).toEqual(expected[i]);
      }
    },
    HEAVY_TEST_MS,
  );
});

it(
  'keeps its memory fixed over 10,000 calls of mixed sizes and ops',
  () => {
    const kernels = wasmKernels();
    expect(kernels).toBeDefined();
    const memory = kernels?.exports.memory as WebAssembly.Memory;
    const bytes = memory.buffer.byteLength;
    expect(bytes).toBe(15 * 65536);
    const random = createRandom(SEED + 7);
    const sizes = [1, 7, 64, 1000, 16384, 16385, 40_000, ROW_BLOCK_ELEMENTS + 1];
    const inputs = sizes.map((size) => randomFloat32Array(random, size));
    for (let call = 0; call < 10_000; call++) {
      const x = inputs[call % sizes.length] as Float32Array;
      switch (call % 5) {
        case 0:
          cpu.sigmoid(x);
          break;
        case 1:
          cpu.siluBackward(x, x);
          break;
        case 2:
          cpu.softmax(x);
          break;
        case 3:
          cpu.logSoftmax(x, { cols: 1 });
          break;
        default:
          cpu.tanhWithDerivative(x);
      }
    }
    expect(memory.buffer.byteLength).toBe(bytes);
    expect(memory.buffer).toBe(kernels?.exports.memory.buffer);
  },
  HEAVY_TEST_MS,
);

it('runs the JavaScript loops where asked, with the same results within float32 rounding', () => {
  useJavaScriptLoops(true);
  expect(cpu.implementation.name).toBe('js');
  const x = randomFloat32Array(createRandom(SEED + 9), 1000);
  const js = cpu.sigmoid(x);
  useJavaScriptLoops(false);
  expect(cpu.implementation.name).toBe('wasm-simd');
  expectClose(cpu.sigmoid(x), js, { relative: 5e-7 }, 'wasm against js');
});
