// relu's test cases: exact on both backends.
import type { ActivationCases } from '../support/activation-cases.ts';
import { randomFloat32Array } from '../support/random.ts';
import { relu64, reluDerivative64 } from '../support/reference.ts';

export const cases: ActivationCases = {
  activation: 'relu',
  reference: { forward: relu64, derivative: reluDerivative64, derivativeFromOutput: reluDerivative64 },
  tolerance: { relative: 1e-6 },
  outputs: randomFloat32Array,
  edges: [-100, -20],
  plainJs: (x) => Math.max(x, 0),
};
