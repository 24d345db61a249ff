// elu's test cases: expm1 keeps it exact near 0, the rest is one exp and one product.
import type { ActivationCases } from '../support/activation-cases.ts';

/** elu(x) = x for x > 0, alpha (e^x - 1) otherwise (textbook; expm1 is e^x - 1 without cancellation). */
function elu64(x: number, alpha: number): number {
  if (Number.isNaN(x)) return Number.NaN;
  return x > 0 ? x : alpha * Math.expm1(x);
}

export const cases: ActivationCases = {
  activation: 'elu',
  reference: {
    forward: elu64,
    derivative: (x, alpha) => (Number.isNaN(x) ? Number.NaN : x > 0 ? 1 : alpha * Math.exp(x)),
    derivativeFromOutput: (y, alpha) => (Number.isNaN(y) ? Number.NaN : y > 0 ? 1 : y + alpha),
  },
  tolerance: { relative: 6e-7 },
  variants: [
    { label: ' alpha=2.5', options: { alpha: 2.5 } },
    { label: ' alpha=0', options: { alpha: 0 }, forwardOnly: true },
    { label: ' alpha=-0.5', options: { alpha: -0.5 } },
  ],
  maxDerivative: 2.5,
  // near 0 (where e^x - 1 would cancel), either side of ln 2 (expm1's two forms), the tail
  edges: [-1e-30, -1e-7, -1e-3, -0.3, -Math.LN2 * (1 - 2 ** -20), -Math.LN2 * (1 + 2 ** -20), -1, -20, -88, -100, -200, 1e-7],
  plainJs: (x) => (x > 0 ? x : Math.exp(x) - 1),
};
