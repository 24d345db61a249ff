// hardSwish's test cases: PyTorch's form, its kinks (derivative -1/2 at -3 and 3/2 at 3) and the
// derivative's zero at -1.5.
import type { ActivationCases } from '../support/activation-cases.ts';

/** x min(max(x + 3, 0), 6) / 6, with the limit -0 at -Infinity (where IEEE gives -Infinity * 0 = NaN). */
function hardSwish64(x: number): number {
  if (x === Number.NEGATIVE_INFINITY) return -0;
  return (x * Math.min(Math.max(x + 3, 0), 6)) / 6;
}

export const cases: ActivationCases = {
  activation: 'hardSwish',
  reference: {
    forward: hardSwish64,
    // PyTorch's hardswish_backward: 0 below -3, x / 3 + 1/2 on [-3, 3], 1 above
    derivative: (x) => (Number.isNaN(x) ? Number.NaN : x < -3 ? 0 : x <= 3 ? (2 * x + 3) / 6 : 1),
  },
  tolerance: { relative: 6e-7 },
  maxDerivative: 1.5,
  // the kinks and their float32 neighbours, the derivative's zero and its neighbours, 0
  edges: [
    -3, 3, -3.0000002384185791, -2.9999997615814209, 2.9999997615814209, 3.0000002384185791, -1.5, -1.4999998807907104, -1.5000001192092896,
    -1e-30,
  ],
  plainJs: (x) => (x * Math.min(Math.max(x + 3, 0), 6)) / 6,
};
