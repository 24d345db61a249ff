import { ACTIVATIONS, type ElementwiseActivation } from '../ops/elementwise.ts';

/**
 * Applies one scalar formula f over x, writing out[i] = f(x[i]), or dy[i] * f(x[i]) when dy is given
 * (the backward step: the product is taken in float64 and rounded once, on store).
 */
export type Loop = (x: Float32Array, dy: Float32Array | undefined, out: Float32Array, alpha: number) => void;

/** The CPU loops of one activation. */
export interface ActivationLoops {
  readonly forward: Loop;
  readonly derivative: Loop;
  readonly derivativeFromOutput?: Loop;
}

type Scalar = (v: number, alpha: number) => number;

// A loop shared by every activation calls a different formula each time, and V8 stops inlining that
// call once it has seen more than four (measured: sigmoid on 4M elements, 39 ms alone, 74 ms after the
// other activations had run through the same loop; a closure per activation does not help, V8 shares
// feedback between closures of one literal). So each built-in activation gets its own loops, written
// out below, each calling that activation's formula from the table. Custom activations share generic ones.
const { sigmoid, relu, leakyRelu, tanh, gelu, silu } = ACTIVATIONS;
const geluTanh = gelu.approximations?.tanh as ElementwiseActivation;
const sigmoidFromOutput = sigmoid.derivativeFromOutput as Scalar;
const reluFromOutput = relu.derivativeFromOutput as Scalar;
const tanhFromOutput = tanh.derivativeFromOutput as Scalar;

const BUILT_IN = new Map<ElementwiseActivation, ActivationLoops>([
  [
    sigmoid,
    {
      forward: (x, dy, out, a) => {
        if (dy) for (let i = 0; i < x.length; i++) out[i] = (dy[i] as number) * sigmoid.forward(x[i] as number, a);
        else for (let i = 0; i < x.length; i++) out[i] = sigmoid.forward(x[i] as number, a);
      },
      derivative: (x, dy, out, a) => {
        if (dy) for (let i = 0; i < x.length; i++) out[i] = (dy[i] as number) * sigmoid.derivative(x[i] as number, a);
        else for (let i = 0; i < x.length; i++) out[i] = sigmoid.derivative(x[i] as number, a);
      },
      derivativeFromOutput: (x, dy, out, a) => {
        if (dy) for (let i = 0; i < x.length; i++) out[i] = (dy[i] as number) * sigmoidFromOutput(x[i] as number, a);
        else for (let i = 0; i < x.length; i++) out[i] = sigmoidFromOutput(x[i] as number, a);
      },
    },
  ],
  [
    relu,
    {
      forward: (x, dy, out, a) => {
        if (dy) for (let i = 0; i < x.length; i++) out[i] = (dy[i] as number) * relu.forward(x[i] as number, a);
        else for (let i = 0; i < x.length; i++) out[i] = relu.forward(x[i] as number, a);
      },
      derivative: (x, dy, out, a) => {
        if (dy) for (let i = 0; i < x.length; i++) out[i] = (dy[i] as number) * relu.derivative(x[i] as number, a);
        else for (let i = 0; i < x.length; i++) out[i] = relu.derivative(x[i] as number, a);
      },
      derivativeFromOutput: (x, dy, out, a) => {
        if (dy) for (let i = 0; i < x.length; i++) out[i] = (dy[i] as number) * reluFromOutput(x[i] as number, a);
        else for (let i = 0; i < x.length; i++) out[i] = reluFromOutput(x[i] as number, a);
      },
    },
  ],
  [
    leakyRelu,
    {
      forward: (x, dy, out, a) => {
        if (dy) for (let i = 0; i < x.length; i++) out[i] = (dy[i] as number) * leakyRelu.forward(x[i] as number, a);
        else for (let i = 0; i < x.length; i++) out[i] = leakyRelu.forward(x[i] as number, a);
      },
      derivative: (x, dy, out, a) => {
        if (dy) for (let i = 0; i < x.length; i++) out[i] = (dy[i] as number) * leakyRelu.derivative(x[i] as number, a);
        else for (let i = 0; i < x.length; i++) out[i] = leakyRelu.derivative(x[i] as number, a);
      },
    },
  ],
  [
    tanh,
    {
      forward: (x, dy, out, a) => {
        if (dy) for (let i = 0; i < x.length; i++) out[i] = (dy[i] as number) * tanh.forward(x[i] as number, a);
        else for (let i = 0; i < x.length; i++) out[i] = tanh.forward(x[i] as number, a);
      },
      derivative: (x, dy, out, a) => {
        if (dy) for (let i = 0; i < x.length; i++) out[i] = (dy[i] as number) * tanh.derivative(x[i] as number, a);
        else for (let i = 0; i < x.length; i++) out[i] = tanh.derivative(x[i] as number, a);
      },
      derivativeFromOutput: (x, dy, out, a) => {
        if (dy) for (let i = 0; i < x.length; i++) out[i] = (dy[i] as number) * tanhFromOutput(x[i] as number, a);
        else for (let i = 0; i < x.length; i++) out[i] = tanhFromOutput(x[i] as number, a);
      },
    },
  ],
  [
    gelu,
    {
      forward: (x, dy, out, a) => {
        if (dy) for (let i = 0; i < x.length; i++) out[i] = (dy[i] as number) * gelu.forward(x[i] as number, a);
        else for (let i = 0; i < x.length; i++) out[i] = gelu.forward(x[i] as number, a);
      },
      derivative: (x, dy, out, a) => {
        if (dy) for (let i = 0; i < x.length; i++) out[i] = (dy[i] as number) * gelu.derivative(x[i] as number, a);
        else for (let i = 0; i < x.length; i++) out[i] = gelu.derivative(x[i] as number, a);
      },
    },
  ],
  [
    geluTanh,
    {
      forward: (x, dy, out, a) => {
        if (dy) for (let i = 0; i < x.length; i++) out[i] = (dy[i] as number) * geluTanh.forward(x[i] as number, a);
        else for (let i = 0; i < x.length; i++) out[i] = geluTanh.forward(x[i] as number, a);
      },
      derivative: (x, dy, out, a) => {
        if (dy) for (let i = 0; i < x.length; i++) out[i] = (dy[i] as number) * geluTanh.derivative(x[i] as number, a);
        else for (let i = 0; i < x.length; i++) out[i] = geluTanh.derivative(x[i] as number, a);
      },
    },
  ],
  [
    silu,
    {
      forward: (x, dy, out, a) => {
        if (dy) for (let i = 0; i < x.length; i++) out[i] = (dy[i] as number) * silu.forward(x[i] as number, a);
        else for (let i = 0; i < x.length; i++) out[i] = silu.forward(x[i] as number, a);
      },
      derivative: (x, dy, out, a) => {
        if (dy) for (let i = 0; i < x.length; i++) out[i] = (dy[i] as number) * silu.derivative(x[i] as number, a);
        else for (let i = 0; i < x.length; i++) out[i] = silu.derivative(x[i] as number, a);
      },
    },
  ],
]);

function genericLoop(f: Scalar): Loop {
  return (x, dy, out, a) => {
    if (dy) for (let i = 0; i < x.length; i++) out[i] = (dy[i] as number) * f(x[i] as number, a);
    else for (let i = 0; i < x.length; i++) out[i] = f(x[i] as number, a);
  };
}

const custom = new WeakMap<ElementwiseActivation, ActivationLoops>();

/** The loops of an activation: its own for a built-in, generic ones (made once) for a custom one. */
export function loopsFor(activation: ElementwiseActivation): ActivationLoops {
  const builtIn = BUILT_IN.get(activation);
  if (builtIn) return builtIn;
  let loops = custom.get(activation);
  if (!loops) {
    const fromOutput = activation.derivativeFromOutput;
    loops = {
      forward: genericLoop(activation.forward),
      derivative: genericLoop(activation.derivative),
      ...(fromOutput ? { derivativeFromOutput: genericLoop(fromOutput) } : {}),
    };
    custom.set(activation, loops);
  }
  return loops;
}
