// The shared seed cases (tests/fixtures/seed-cases.json, copied from ../shared/reference) as one
// check that any engine must pass.

import { expect } from 'vitest';
import type { Activations } from 'webgpu-activations';
import seed from '../fixtures/seed-cases.json';
import { expectClose } from './compare.ts';

const SEED_TOLERANCE = { relative: 1e-6 } as const; // the fixture's own bound: "relative error <= 1e-6"

function matmul(a: number[][], b: number[][]): number[][] {
  return a.map((row) => (b[0] ?? []).map((_, j) => row.reduce((sum, v, k) => sum + v * (b[k]?.[j] ?? Number.NaN), 0)));
}

const transpose = (m: number[][]): number[][] => (m[0] ?? []).map((_, j) => m.map((row) => row[j] as number));
const toRows = (flat: Float32Array, cols: number): number[][] =>
  Array.from({ length: flat.length / cols }, (_, r) => Array.from(flat.subarray(r * cols, (r + 1) * cols)));

export async function checkSeedCases(act: Activations, label: string): Promise<void> {
  const c = (name: string) => `${label}: ${name}`;
  expectClose(await act.sigmoid(seed.sigmoid_scalar.input), seed.sigmoid_scalar.expected, SEED_TOLERANCE, c('sigmoid_scalar'));
  expectClose(await act.sigmoid(seed.sigmoid_vector.input), seed.sigmoid_vector.expected, SEED_TOLERANCE, c('sigmoid_vector'));

  const keras = await act.sigmoid(seed.sigmoid_keras_float32.input);
  const kerasExpected = seed.sigmoid_keras_float32.expected_float32_as_printed.map(Number);
  // Printed with 8 significant digits: agree to that precision.
  expectClose(keras, kerasExpected, { relative: 5e-8 + 1e-7 }, c('sigmoid_keras_float32'));
  for (const v of keras) expect(v >= 0 && v <= 1).toBe(true);

  const pairs = seed.sigmoid_equals_two_element_softmax.input.flatMap((x) => [x, 0]);
  const softmaxPairs = await act.softmax(pairs, { cols: 2 });
  const firstOfPairs = softmaxPairs.filter((_, i) => i % 2 === 0);
  expectClose(
    firstOfPairs,
    await act.sigmoid(seed.sigmoid_equals_two_element_softmax.input),
    { relative: 1e-6 },
    c('sigmoid == softmax([x, 0])[0]'),
  );

  const fromInput = seed.sigmoid_derivative_from_input;
  expectClose(await act.sigmoidDerivative(fromInput.input), fromInput.expected, SEED_TOLERANCE, c('sigmoid_derivative_from_input'));
  const fromOutput = seed.sigmoid_derivative_from_output;
  expectClose(
    await act.sigmoidDerivative(fromOutput.input_y, { from: 'output' }),
    fromOutput.expected,
    SEED_TOLERANCE,
    c('sigmoid_derivative_from_output'),
  );

  // The two-layer network: matrix products here in float64, activations through the engine.
  const net = seed.two_layer_backprop;
  const hidden = await act.sigmoid(matmul(net.X, net.weights_input_hidden).flat());
  expectClose(hidden, net.expected.hidden.flat(), SEED_TOLERANCE, c('two_layer hidden'));
  const hiddenRows = toRows(hidden, 3);
  const output = await act.sigmoid(matmul(hiddenRows, net.weights_hidden_output).flat());
  expectClose(output, net.expected.output.flat(), SEED_TOLERANCE, c('two_layer output'));
  const error = net.y.flat().map((target, i) => target - (output[i] as number));
  const outputGradient = await act.sigmoidBackward(output, error);
  expectClose(outputGradient, net.expected.output_gradient.flat(), SEED_TOLERANCE, c('two_layer output_gradient'));
  const back = matmul(toRows(outputGradient, 1), transpose(net.weights_hidden_output)).flat();
  const hiddenGradient = await act.sigmoidBackward(hidden, back);
  // Each step rounds to float32 and the next step multiplies those roundings: a few float32 ulp.
  expectClose(hiddenGradient, net.expected.hidden_gradient.flat(), { relative: 2e-6 }, c('two_layer hidden_gradient'));
}
