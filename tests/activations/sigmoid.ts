// sigmoid's test cases: float64 reference, tolerance, the outputs its from-output kernels see, edge inputs.
import type { ActivationCases } from '../support/activation-cases.ts';
import { uniformFloat32Array } from '../support/random.ts';
import { sigmoid64, sigmoidDerivative64, sigmoidDerivativeFromOutput64 } from '../support/reference.ts';

export const cases: ActivationCases = {
  activation: 'sigmoid',
  reference: { forward: sigmoid64, derivative: sigmoidDerivative64, derivativeFromOutput: sigmoidDerivativeFromOutput64 },
  tolerance: { relative: 1e-6 },
  // Sigmoid outputs: uniform on [0, 1] with the ends and NaN mixed in.
  outputs: (random, length) => {
    const y = uniformFloat32Array(random, length, 0, 1);
    for (let i = 0; i < length; i++) {
      if (random() < 0.02) y[i] = [0, 1, Number.NaN, 0.5, 1e-30][Math.floor(random() * 5)] as number;
    }
    return y;
  },
  edges: [Number.NaN, -100, -20, -10, -1, 0, 1, 10, 20, 100, Number.NEGATIVE_INFINITY, Number.POSITIVE_INFINITY],
  plainJs: (x) => 1 / (1 + Math.exp(-x)),
};
