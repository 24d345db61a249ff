// leaky relu's test cases: exact on both backends (one rounding at most: alpha * x), at several slopes.
import type { ActivationCases } from '../support/activation-cases.ts';
import { leakyRelu64, leakyReluDerivative64 } from '../support/reference.ts';

export const cases: ActivationCases = {
  activation: 'leakyRelu',
  reference: { forward: leakyRelu64, derivative: leakyReluDerivative64 },
  tolerance: { relative: 1e-6 },
  variants: [
    { label: ' alpha=0.001', options: { alpha: 0.001 } },
    // -Infinity * 0 is the limit 0, not NaN
    { label: ' alpha=0', options: { alpha: 0 }, forwardOnly: true },
  ],
  edges: [-100, -20],
  plainJs: (x) => (x >= 0 ? x : 0.01 * x),
};
