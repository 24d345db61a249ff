/**
 * A worked example: the 2-3-1 sigmoid network of the shared seed cases, with a bias on each layer,
 * trained on XOR by full-batch gradient descent. The activations and their backward steps run on the
 * library (any engine); the four-row matrix products are plain JavaScript.
 *
 * @example
 * ```ts
 * const act = await createActivations();
 * const { losses, predictions } = await trainXor(act);
 * console.log(losses[0], losses.at(-1), predictions); // 0.298 -> 0.0028, [0.06, 0.95, 0.95, 0.05]
 * ```
 */
import type { Activations } from 'webgpu-activations';

export const XOR_INPUTS = [
  [0, 0],
  [0, 1],
  [1, 0],
  [1, 1],
];
export const XOR_TARGETS = [0, 1, 1, 0];

/** The seed cases' initial weights (numpy's seed 42); biases start at 0. */
export const INITIAL_WEIGHTS = {
  inputHidden: [
    [0.3745401188473625, 0.9507143064099162, 0.7319939418114051],
    [0.5986584841970366, 0.15601864044243652, 0.15599452033620265],
  ],
  hiddenOutput: [0.05808361216819946, 0.8661761457749352, 0.6011150117432088],
};

export interface XorResult {
  /** Mean squared error before each step. */
  readonly losses: number[];
  /** The trained network's outputs for the four inputs. */
  readonly predictions: number[];
}

/** Trains the network for `steps` steps at `learningRate` on `act`, and returns the loss curve. */
export async function trainXor(act: Activations, steps = 500, learningRate = 2): Promise<XorResult> {
  const w1 = INITIAL_WEIGHTS.inputHidden.map((row) => [...row]);
  const w2 = [...INITIAL_WEIGHTS.hiddenOutput];
  const b1 = [0, 0, 0];
  let b2 = 0;
  const losses: number[] = [];

  const forward = async () => {
    // hidden = sigmoid(X @ W1 + b1), output = sigmoid(hidden @ W2 + b2)
    const hiddenIn = XOR_INPUTS.flatMap(([a, b]) =>
      [0, 1, 2].map((j) => (a as number) * (w1[0]?.[j] as number) + (b as number) * (w1[1]?.[j] as number) + (b1[j] as number)),
    );
    const hidden = await act.sigmoid(hiddenIn);
    const outputIn = XOR_INPUTS.map((_, i) => [0, 1, 2].reduce((sum, j) => sum + (hidden[i * 3 + j] as number) * (w2[j] as number), b2));
    const output = await act.sigmoid(outputIn);
    return { hidden, output };
  };

  for (let step = 0; step < steps; step++) {
    const { hidden, output } = await forward();
    const error = XOR_TARGETS.map((target, i) => target - (output[i] as number));
    losses.push(error.reduce((sum, e) => sum + e * e, 0) / error.length);
    // output_gradient = error * output * (1 - output): the backward step from the sigmoid's output
    const outputGradient = await act.sigmoidBackward(output, error);
    // hidden_gradient = (output_gradient @ W2.T) * hidden * (1 - hidden)
    const back = XOR_INPUTS.flatMap((_, i) => [0, 1, 2].map((j) => (outputGradient[i] as number) * (w2[j] as number)));
    const hiddenGradient = await act.sigmoidBackward(hidden, back);
    for (let j = 0; j < 3; j++) {
      w2[j] =
        (w2[j] as number) +
        learningRate * XOR_INPUTS.reduce((sum, _, i) => sum + (hidden[i * 3 + j] as number) * (outputGradient[i] as number), 0);
      b1[j] = (b1[j] as number) + learningRate * XOR_INPUTS.reduce((sum, _, i) => sum + (hiddenGradient[i * 3 + j] as number), 0);
      for (let k = 0; k < 2; k++) {
        const row = w1[k] as number[];
        row[j] =
          (row[j] as number) +
          learningRate * XOR_INPUTS.reduce((sum, x, i) => sum + (x[k] as number) * (hiddenGradient[i * 3 + j] as number), 0);
      }
    }
    b2 += learningRate * outputGradient.reduce((sum, g) => sum + g, 0);
  }
  const { output } = await forward();
  return { losses, predictions: Array.from(output) };
}
