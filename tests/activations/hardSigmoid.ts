// hardSigmoid's test cases: PyTorch's form and its kinks (derivative 0 at exactly -3 and 3).
import type { ActivationCases } from '../support/activation-cases.ts';

export const cases: ActivationCases = {
  activation: 'hardSigmoid',
  reference: {
    forward: (x) => Math.min(Math.max(x + 3, 0), 6) / 6,
    derivative: (x) => (Number.isNaN(x) ? Number.NaN : x > -3 && x < 3 ? 1 / 6 : 0),
  },
  tolerance: { relative: 6e-7 },
  // the kinks and the float32 values next to them, 0
  edges: [-3, 3, -3.0000002384185791, -2.9999997615814209, 2.9999997615814209, 3.0000002384185791, -6, 6, -1e-30],
  plainJs: (x) => Math.min(Math.max(x + 3, 0), 6) / 6,
};
