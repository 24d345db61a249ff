// gelu's test cases, exact (erf) form and tanh approximation: the tails are computed without
// cancellation (erfc, scaled exponentials) and the derivatives' zero crossings by expansions about the
// zero, so the relative bound holds everywhere.
import type { ActivationCases } from '../support/activation-cases.ts';
import { gelu64, geluDerivative64, geluTanh64, geluTanhDerivative64 } from '../support/reference.ts';

export const cases: ActivationCases = {
  activation: 'gelu',
  reference: { forward: gelu64, derivative: geluDerivative64 },
  tolerance: { relative: 1e-6 },
  variants: [
    {
      label: " approximate='tanh'",
      options: { approximate: 'tanh' },
      reference: { forward: geluTanh64, derivative: geluTanhDerivative64 },
    },
  ],
  maxDerivative: 1.129, // gelu'(sqrt 2) = 1.12890..., the tanh form's 1.128993... near x = 1.41
  // gelu(-10) = -7.6e-23; gelu(-14) would be subnormal. -0.75: near the derivative's zero.
  edges: [-10, -5, -0.75],
};
