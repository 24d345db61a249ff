// softplus's test cases: exact for every float32 (log1p of e^x below 0, x + log1p(e^-x) above).
import type { ActivationCases } from '../support/activation-cases.ts';
import { sigmoid64 } from '../support/reference.ts';

/** log(1 + e^x), each side written so that float64 neither overflows nor cancels. */
function softplus64(x: number): number {
  if (Number.isNaN(x)) return Number.NaN;
  return x > 0 ? x + Math.log1p(Math.exp(-x)) : Math.log1p(Math.exp(x));
}

export const cases: ActivationCases = {
  activation: 'softplus',
  reference: {
    forward: softplus64,
    derivative: sigmoid64,
    // y = log(1 + e^x) gives e^x = e^y - 1, so sigmoid(x) = 1 - e^-y
    derivativeFromOutput: (y) => -Math.expm1(-y),
  },
  tolerance: { relative: 6e-7 },
  // the tails, either side of 0 and of the cut-off at 16, where log1p's two forms meet (e^x = 0.414)
  edges: [-200, -104, -100, -88, -20, -0.88, -0.881, -1e-7, 1e-7, 0.5, 13.9, 15.9, 16, 16.1, 20, 100],
  plainJs: (x) => Math.log(1 + Math.exp(x)),
};
