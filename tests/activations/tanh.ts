// tanh's test cases: polynomial near 0, exp-based elsewhere, 4e / (1 + e)^2 for the derivative: a few ulp.
import type { ActivationCases } from '../support/activation-cases.ts';
import { uniformFloat32Array } from '../support/random.ts';
import { tanh64, tanhDerivative64, tanhDerivativeFromOutput64 } from '../support/reference.ts';

// Tanh outputs: uniform on [-1, 1] with the ends, values next to +-1 (where 1 - y^2 is all cancellation),
// tiny values and NaN mixed in, and a few out-of-range values (|y| > 1, huge, infinite) that the
// from-output formula must still follow: 1 - y^2, -Infinity once y^2 overflows.
const OUTPUT_EDGES = [
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

export const cases: ActivationCases = {
  activation: 'tanh',
  reference: { forward: tanh64, derivative: tanhDerivative64, derivativeFromOutput: tanhDerivativeFromOutput64 },
  tolerance: { relative: 1e-6 },
  outputs: (random, length) => {
    const y = uniformFloat32Array(random, length, -1, 1);
    for (let i = 0; i < length; i++) {
      if (random() < 0.02) y[i] = OUTPUT_EDGES[Math.floor(random() * OUTPUT_EDGES.length)] as number;
    }
    return y;
  },
  edges: [-100, -20, -0.5, 0.5],
  plainJs: Math.tanh,
};
