import type { Activations } from 'webgpu-activations';
import { FLOAT32_MIN_NORMAL, type Tolerance } from './compare.ts';
import { EDGE_VALUES, randomFloat32Array, uniformFloat32Array } from './random.ts';
import {
  gelu64,
  geluDerivative64,
  geluTanh64,
  geluTanhDerivative64,
  leakyRelu64,
  leakyReluDerivative64,
  map64,
  map64Binary,
  overflowToInfinity,
  relu64,
  reluDerivative64,
  sigmoid64,
  sigmoidDerivative64,
  sigmoidDerivativeFromOutput64,
  silu64,
  siluDerivative64,
  softmax64,
  tanh64,
  tanhDerivative64,
  tanhDerivativeFromOutput64,
} from './reference.ts';

/**
 * The table every op joins: how to make inputs of a given length, how to run the op on an engine, its
 * float64 reference and its tolerance. The browser tests run it on both backends; tests/node/ops.test.ts on the CPU, in Node.
 */
export interface OpCase {
  readonly name: string;
  readonly tolerance: Tolerance;
  inputs(random: () => number, length: number): Float32Array[];
  run(act: Activations, inputs: Float32Array[]): Promise<Float32Array>;
  reference(inputs: Float32Array[]): Float64Array;
}

// Sigmoid outputs: uniform on [0, 1] with the ends and NaN mixed in.
function sigmoidOutputs(random: () => number, length: number): Float32Array {
  const y = uniformFloat32Array(random, length, 0, 1);
  for (let i = 0; i < length; i++) {
    if (random() < 0.02) y[i] = [0, 1, Number.NaN, 0.5, 1e-30][Math.floor(random() * 5)] as number;
  }
  return y;
}

// Tanh outputs: uniform on [-1, 1] with the ends, values next to +-1 (where 1 - y^2 is all cancellation),
// tiny values and NaN mixed in, and a few out-of-range values (|y| > 1, huge, infinite) that the
// from-output formula must still follow: 1 - y^2, -Infinity once y^2 overflows.
const TANH_OUTPUT_EDGES = [
  0,
  -0,
  1,
  -1,
  Number.NaN,
  1e-30,
  -1e-30,
  1 - 2 ** -24,
  -(1 - 2 ** -24),
  1 - 2 ** -13,
  0.99999,
  -0.99999,
  2,
  -2,
  1e19,
  3.4e38,
  Infinity,
  -Infinity,
];
function tanhOutputs(random: () => number, length: number): Float32Array {
  const y = uniformFloat32Array(random, length, -1, 1);
  for (let i = 0; i < length; i++) {
    if (random() < 0.02) y[i] = TANH_OUTPUT_EDGES[Math.floor(random() * TANH_OUTPUT_EDGES.length)] as number;
  }
  return y;
}

/** Where float32 rounding overflows: the largest float32 plus half an ulp. */
const FLOAT32_OVERFLOW = 3.4028235677973366e38;

/** Forward, derivative from the input and backward cases of one elementwise op, all with the same tolerance. */
function elementwiseCases(spec: {
  name: string;
  tolerance: Tolerance;
  forward: (act: Activations, x: Float32Array) => Promise<Float32Array>;
  derivative: (act: Activations, x: Float32Array) => Promise<Float32Array>;
  backward: (act: Activations, x: Float32Array, dy: Float32Array) => Promise<Float32Array>;
  f: (x: number) => number;
  df: (x: number) => number;
  /**
   * sup |f'|, where it exceeds 1. A device may flush a subnormal dy to 0 (SwiftShader does), an
   * absolute error below 2^-126 in dy that f'(x) magnifies: backward allows 2^-126 * sup |f'|.
   */
  maxDerivative?: number;
}): OpCase[] {
  const { name, tolerance } = spec;
  const backwardTolerance: Tolerance =
    spec.maxDerivative && spec.maxDerivative > 1 ? { ...tolerance, absolute: FLOAT32_MIN_NORMAL * spec.maxDerivative } : tolerance;
  return [
    {
      name,
      tolerance,
      inputs: (random, length) => [randomFloat32Array(random, length)],
      run: (act, [x]) => spec.forward(act, x as Float32Array),
      reference: ([x]) => map64(x as Float32Array, spec.f),
    },
    {
      name: `${name} derivative (from input)`,
      tolerance,
      inputs: (random, length) => [randomFloat32Array(random, length)],
      run: (act, [x]) => spec.derivative(act, x as Float32Array),
      reference: ([x]) => map64(x as Float32Array, spec.df),
    },
    {
      name: `${name} backward`,
      tolerance: backwardTolerance,
      inputs: (random, length) => {
        const x = randomFloat32Array(random, length);
        const dy = randomFloat32Array(random, length);
        // The GPU kernel multiplies dy by f'(x) already stored as a float32, and a device may flush a
        // subnormal f'(x) to 0 (SwiftShader does): where 0 < |f'(x)| < 2^-126 (tanh for |x| in 44..52,
        // silu near x = -100, gelu near -13.4, ...) the product is then off by up to |dy| * 2^-126, which
        // for a huge or infinite dy is no float32 accuracy question but the kernel's float32 product.
        // Those few elements get a dy in [-1, 1], which keeps that error under the absolute tolerance;
        // everywhere else dy spans float32 with its edge values.
        // Likewise, where |dy f'(x)| lies within 1e-6 of float32's overflow threshold, whether the
        // result is the float32 maximum or Infinity is decided by the last ulp of f'(x): such a dy
        // (only the edge values near 3.4e38 can do it) is halved.
        for (let i = 0; i < length; i++) {
          const d = Math.abs(spec.df(x[i] as number));
          if (d > 0 && d < FLOAT32_MIN_NORMAL) dy[i] = random() * 2 - 1;
          const product = Math.abs((dy[i] as number) * d);
          if (Math.abs(product / FLOAT32_OVERFLOW - 1) < 1e-6) dy[i] = (dy[i] as number) / 2;
        }
        return [x, dy];
      },
      run: (act, [x, dy]) => spec.backward(act, x as Float32Array, dy as Float32Array),
      reference: ([x, dy]) => map64Binary(x as Float32Array, dy as Float32Array, (u, g) => overflowToInfinity(g * spec.df(u))),
    },
  ];
}

/** Shapes used for softmax at a given length: one row, and rows of 16 when the length allows. */
export function softmaxCols(length: number): number {
  if (length > 1 << 20) return 1; // the large case: many 1-element rows, so the grid goes 2D
  return length % 16 === 0 ? 16 : length;
}

export const OP_CASES: readonly OpCase[] = [
  {
    name: 'sigmoid',
    tolerance: { relative: 1e-6 },
    inputs: (random, length) => [randomFloat32Array(random, length)],
    run: (act, [x]) => act.sigmoid(x as Float32Array),
    reference: ([x]) => map64(x as Float32Array, sigmoid64),
  },
  {
    name: 'sigmoidDerivative (from input)',
    tolerance: { relative: 1e-6 },
    inputs: (random, length) => [randomFloat32Array(random, length)],
    run: (act, [x]) => act.sigmoidDerivative(x as Float32Array),
    reference: ([x]) => map64(x as Float32Array, sigmoidDerivative64),
  },
  {
    name: 'sigmoidDerivative (from output)',
    tolerance: { relative: 1e-6 },
    inputs: (random, length) => [sigmoidOutputs(random, length)],
    run: (act, [y]) => act.sigmoidDerivative(y as Float32Array, { from: 'output' }),
    reference: ([y]) => map64(y as Float32Array, sigmoidDerivativeFromOutput64),
  },
  {
    name: 'sigmoidBackward',
    tolerance: { relative: 1e-6 },
    inputs: (random, length) => [sigmoidOutputs(random, length), randomFloat32Array(random, length)],
    run: (act, [y, dy]) => act.sigmoidBackward(y as Float32Array, dy as Float32Array),
    reference: ([y, dy]) => map64Binary(y as Float32Array, dy as Float32Array, (u, g) => g * sigmoidDerivativeFromOutput64(u)),
  },
  {
    name: 'sigmoidWithDerivative (values)',
    tolerance: { relative: 1e-6 },
    inputs: (random, length) => [randomFloat32Array(random, length)],
    run: async (act, [x]) => (await act.sigmoidWithDerivative(x as Float32Array))[0],
    reference: ([x]) => map64(x as Float32Array, sigmoid64),
  },
  {
    name: 'sigmoidWithDerivative (derivatives)',
    tolerance: { relative: 1e-6 },
    inputs: (random, length) => [randomFloat32Array(random, length)],
    run: async (act, [x]) => (await act.sigmoidWithDerivative(x as Float32Array))[1],
    reference: ([x]) => map64(x as Float32Array, sigmoidDerivative64),
  },
  {
    name: 'softmax',
    // exp is reduced exactly and x - max is taken exactly (two-sum); the sum is compensated; what is
    // left is a few roundings in exp, the sum and the division.
    tolerance: { relative: 1e-6 },
    inputs: (random, length) => [softmaxInput(random, length, softmaxCols(length))],
    run: (act, [x]) => act.softmax(x as Float32Array, { cols: softmaxCols((x as Float32Array).length) }),
    reference: ([x]) => {
      const cols = softmaxCols((x as Float32Array).length);
      return softmax64(x as Float32Array, (x as Float32Array).length / cols, cols);
    },
  },
  // relu, leaky relu: exact on both backends (one rounding at most: alpha * x).
  ...elementwiseCases({
    name: 'relu',
    tolerance: { relative: 1e-6 },
    forward: (act, x) => act.relu(x),
    derivative: (act, x) => act.reluDerivative(x),
    backward: (act, x, dy) => act.reluBackward(x, dy),
    f: relu64,
    df: reluDerivative64,
  }),
  {
    name: 'relu derivative (from output)',
    tolerance: { relative: 1e-6 },
    inputs: (random, length) => [randomFloat32Array(random, length)],
    run: (act, [y]) => act.reluDerivative(y as Float32Array, { from: 'output' }),
    reference: ([y]) => map64(y as Float32Array, reluDerivative64),
  },
  ...elementwiseCases({
    name: 'leakyRelu alpha=0.001',
    tolerance: { relative: 1e-6 },
    forward: (act, x) => act.leakyRelu(x, { alpha: 0.001 }),
    derivative: (act, x) => act.leakyReluDerivative(x, { alpha: 0.001 }),
    backward: (act, x, dy) => act.leakyReluBackward(x, dy, { alpha: 0.001 }),
    f: (x) => leakyRelu64(x, 0.001),
    df: (x) => leakyReluDerivative64(x, 0.001),
  }),
  {
    name: 'leakyRelu (default alpha 0.01)',
    tolerance: { relative: 1e-6 },
    inputs: (random, length) => [randomFloat32Array(random, length)],
    run: (act, [x]) => act.leakyRelu(x as Float32Array),
    reference: ([x]) => map64(x as Float32Array, (v) => leakyRelu64(v, 0.01)),
  },
  {
    name: 'leakyRelu alpha=0 (-Infinity -> 0)',
    tolerance: { relative: 1e-6 },
    inputs: (random, length) => [randomFloat32Array(random, length)],
    run: (act, [x]) => act.leakyRelu(x as Float32Array, { alpha: 0 }),
    reference: ([x]) => map64(x as Float32Array, (v) => leakyRelu64(v, 0)),
  },
  // tanh: polynomial near 0, exp-based elsewhere, 4e / (1 + e)^2 for the derivative: a few ulp.
  ...elementwiseCases({
    name: 'tanh',
    tolerance: { relative: 1e-6 },
    forward: (act, x) => act.tanh(x),
    derivative: (act, x) => act.tanhDerivative(x),
    backward: (act, x, dy) => act.tanhBackward(x, dy),
    f: tanh64,
    df: tanhDerivative64,
  }),
  {
    name: 'tanh derivative (from output)',
    tolerance: { relative: 1e-6 },
    inputs: (random, length) => [tanhOutputs(random, length)],
    run: (act, [y]) => act.tanhDerivative(y as Float32Array, { from: 'output' }),
    reference: ([y]) => map64(y as Float32Array, (v) => overflowToInfinity(tanhDerivativeFromOutput64(v))),
  },
  // gelu, silu: the tails are computed without cancellation (erfc, scaled exponentials) and the
  // derivatives' zero crossings by expansions about the zero, so the relative bound holds everywhere.
  ...elementwiseCases({
    name: 'gelu',
    tolerance: { relative: 1e-6 },
    forward: (act, x) => act.gelu(x),
    derivative: (act, x) => act.geluDerivative(x),
    backward: (act, x, dy) => act.geluBackward(x, dy),
    f: gelu64,
    df: geluDerivative64,
    maxDerivative: 1.129, // gelu'(sqrt 2) = 1.12890...
  }),
  ...elementwiseCases({
    name: "gelu approximate='tanh'",
    tolerance: { relative: 1e-6 },
    forward: (act, x) => act.gelu(x, { approximate: 'tanh' }),
    derivative: (act, x) => act.geluDerivative(x, { approximate: 'tanh' }),
    backward: (act, x, dy) => act.geluBackward(x, dy, { approximate: 'tanh' }),
    f: geluTanh64,
    df: geluTanhDerivative64,
    maxDerivative: 1.129, // 1.128993... near x = 1.41
  }),
  ...elementwiseCases({
    name: 'silu',
    tolerance: { relative: 1e-6 },
    forward: (act, x) => act.silu(x),
    derivative: (act, x) => act.siluDerivative(x),
    backward: (act, x, dy) => act.siluBackward(x, dy),
    f: silu64,
    df: siluDerivative64,
    maxDerivative: 1.09984, // silu'(2.3994) = 1.0998393...
  }),
];

/**
 * Softmax test data: most rows uniform on [-20, 20] (a realistic spread of logits) and some rows on
 * [-80, 80]; and, one row in ten, a special row: all -Infinity, a +Infinity or two, a NaN, huge equal
 * values (3.4e38), a mix of -Infinity and finite values, or float32 extremes of both signs.
 */
export function softmaxInput(random: () => number, length: number, cols: number): Float32Array {
  const x = new Float32Array(length);
  for (let start = 0; start < length; start += cols) {
    const row = x.subarray(start, start + cols);
    const kind = random() < 0.1 ? Math.floor(random() * 7) : random() < 0.8 ? 7 : 8;
    for (let i = 0; i < cols; i++) row[i] = kind === 8 ? (random() * 2 - 1) * 80 : (random() * 2 - 1) * 20;
    const at = () => Math.floor(random() * cols);
    switch (kind) {
      case 0:
        row.fill(-Infinity);
        break;
      case 1:
        row[at()] = Infinity;
        row[at()] = Infinity;
        break;
      case 2:
        row[at()] = Number.NaN;
        break;
      case 3:
        row.fill(3.4e38);
        break;
      case 4:
        for (let i = 0; i < cols; i++) if (random() < 0.5) row[i] = -Infinity;
        break;
      case 5:
        for (let i = 0; i < cols; i++) row[i] = random() < 0.5 ? 3.4028234663852886e38 : -3.4028234663852886e38;
        break;
      case 6:
        for (let i = 0; i < cols; i++) if (random() < 0.3) row[i] = EDGE_VALUES[Math.floor(random() * 4)] as number;
        break;
    }
  }
  return x;
}
