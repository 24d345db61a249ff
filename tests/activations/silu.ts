// silu's test cases: the lower tail from scaled exponentials, the derivative's zero (-1.2785) by an
// expansion about it, so the relative bound holds everywhere.
import type { ActivationCases } from '../support/activation-cases.ts';
import { silu64, siluDerivative64 } from '../support/reference.ts';

export const cases: ActivationCases = {
  activation: 'silu',
  reference: { forward: silu64, derivative: siluDerivative64 },
  tolerance: { relative: 1e-6 },
  maxDerivative: 1.09984, // silu'(2.3994) = 1.0998393...
  // silu(-50) = -9.6e-21; silu(-100) would be subnormal. -1.28: near the derivative's zero.
  edges: [-50, -20, -1.28],
  plainJs: (x) => x / (1 + Math.exp(-x)),
};
