import { ACTIVATIONS, type ElementwiseActivation } from '../ops/elementwise.ts';

/** Applies one scalar formula f over x: out[i] = f(x[i]). */
export type UnaryLoop = (x: Float32Array, out: Float32Array, alpha: number) => void;

/** The backward step: out[i] = dy[i] * f(x[i]), the product taken in float64 and rounded once, on store. */
export type BinaryLoop = (x: Float32Array, dy: Float32Array, out: Float32Array, alpha: number) => void;

/** The CPU loops of one activation: f, f' and dy * f' from x, and f' and dy * f' from y = f(x) where it has that form. */
export interface ActivationLoops {
  readonly forward: UnaryLoop;
  readonly derivative: UnaryLoop;
  readonly backward: BinaryLoop;
  readonly fromOutput?: { readonly derivative: UnaryLoop; readonly backward: BinaryLoop };
}

type Scalar = (v: number, alpha: number) => number;

// A loop shared by every activation calls a different formula each time, and V8 stops inlining that
// call once it has seen more than four (measured: sigmoid on 4M elements, 39 ms alone, 74 ms after the
// other activations had run through the same loop; a closure per activation does not help, V8 shares
// feedback between closures of one literal). So each built-in activation gets its own loops, written
// out below, each calling that activation's formula from the table. Custom activations share generic ones.
// With and without dy are separate literals too: one loop with an `if (dy)` that first ran long without
// dy was optimized with no feedback for the dy arm, and in Chromium sigmoidBackward then stayed 1.6-2.5x
// slower than a plain loop for the rest of the page's life (benchmark, 256 to 1M elements).
const { sigmoid, relu, leakyRelu, tanh, gelu, silu } = ACTIVATIONS;
const geluTanh = gelu.approximations?.tanh as ElementwiseActivation;
const sigmoidFromOutput = sigmoid.derivativeFromOutput as Scalar;
const reluFromOutput = relu.derivativeFromOutput as Scalar;
const tanhFromOutput = tanh.derivativeFromOutput as Scalar;

const BUILT_IN = new Map<ElementwiseActivation, ActivationLoops>([
  [
    sigmoid,
    {
      forward: (x, out, a) => {
        for (let i = 0; i < x.length; i++) out[i] = sigmoid.forward(x[i] as number, a);
      },
      derivative: (x, out, a) => {
        for (let i = 0; i < x.length; i++) out[i] = sigmoid.derivative(x[i] as number, a);
      },
      backward: (x, dy, out, a) => {
        for (let i = 0; i < x.length; i++) out[i] = (dy[i] as number) * sigmoid.derivative(x[i] as number, a);
      },
      fromOutput: {
        derivative: (x, out, a) => {
          for (let i = 0; i < x.length; i++) out[i] = sigmoidFromOutput(x[i] as number, a);
        },
        backward: (x, dy, out, a) => {
          for (let i = 0; i < x.length; i++) out[i] = (dy[i] as number) * sigmoidFromOutput(x[i] as number, a);
        },
      },
    },
  ],
  [
    relu,
    {
      forward: (x, out, a) => {
        for (let i = 0; i < x.length; i++) out[i] = relu.forward(x[i] as number, a);
      },
      derivative: (x, out, a) => {
        for (let i = 0; i < x.length; i++) out[i] = relu.derivative(x[i] as number, a);
      },
      backward: (x, dy, out, a) => {
        for (let i = 0; i < x.length; i++) out[i] = (dy[i] as number) * relu.derivative(x[i] as number, a);
      },
      fromOutput: {
        derivative: (x, out, a) => {
          for (let i = 0; i < x.length; i++) out[i] = reluFromOutput(x[i] as number, a);
        },
        backward: (x, dy, out, a) => {
          for (let i = 0; i < x.length; i++) out[i] = (dy[i] as number) * reluFromOutput(x[i] as number, a);
        },
      },
    },
  ],
  [
    leakyRelu,
    {
      forward: (x, out, a) => {
        for (let i = 0; i < x.length; i++) out[i] = leakyRelu.forward(x[i] as number, a);
      },
      derivative: (x, out, a) => {
        for (let i = 0; i < x.length; i++) out[i] = leakyRelu.derivative(x[i] as number, a);
      },
      backward: (x, dy, out, a) => {
        for (let i = 0; i < x.length; i++) out[i] = (dy[i] as number) * leakyRelu.derivative(x[i] as number, a);
      },
    },
  ],
  [
    tanh,
    {
      forward: (x, out, a) => {
        for (let i = 0; i < x.length; i++) out[i] = tanh.forward(x[i] as number, a);
      },
      derivative: (x, out, a) => {
        for (let i = 0; i < x.length; i++) out[i] = tanh.derivative(x[i] as number, a);
      },
      backward: (x, dy, out, a) => {
        for (let i = 0; i < x.length; i++) out[i] = (dy[i] as number) * tanh.derivative(x[i] as number, a);
      },
      fromOutput: {
        derivative: (x, out, a) => {
          for (let i = 0; i < x.length; i++) out[i] = tanhFromOutput(x[i] as number, a);
        },
        backward: (x, dy, out, a) => {
          for (let i = 0; i < x.length; i++) out[i] = (dy[i] as number) * tanhFromOutput(x[i] as number, a);
        },
      },
    },
  ],
  [
    gelu,
    {
      forward: (x, out, a) => {
        for (let i = 0; i < x.length; i++) out[i] = gelu.forward(x[i] as number, a);
      },
      derivative: (x, out, a) => {
        for (let i = 0; i < x.length; i++) out[i] = gelu.derivative(x[i] as number, a);
      },
      backward: (x, dy, out, a) => {
        for (let i = 0; i < x.length; i++) out[i] = (dy[i] as number) * gelu.derivative(x[i] as number, a);
      },
    },
  ],
  [
    geluTanh,
    {
      forward: (x, out, a) => {
        for (let i = 0; i < x.length; i++) out[i] = geluTanh.forward(x[i] as number, a);
      },
      derivative: (x, out, a) => {
        for (let i = 0; i < x.length; i++) out[i] = geluTanh.derivative(x[i] as number, a);
      },
      backward: (x, dy, out, a) => {
        for (let i = 0; i < x.length; i++) out[i] = (dy[i] as number) * geluTanh.derivative(x[i] as number, a);
      },
    },
  ],
  [
    silu,
    {
      forward: (x, out, a) => {
        for (let i = 0; i < x.length; i++) out[i] = silu.forward(x[i] as number, a);
      },
      derivative: (x, out, a) => {
        for (let i = 0; i < x.length; i++) out[i] = silu.derivative(x[i] as number, a);
      },
      backward: (x, dy, out, a) => {
        for (let i = 0; i < x.length; i++) out[i] = (dy[i] as number) * silu.derivative(x[i] as number, a);
      },
    },
  ],
]);

function genericUnary(f: Scalar): UnaryLoop {
  return (x, out, a) => {
    for (let i = 0; i < x.length; i++) out[i] = f(x[i] as number, a);
  };
}

function genericBinary(f: Scalar): BinaryLoop {
  return (x, dy, out, a) => {
    for (let i = 0; i < x.length; i++) out[i] = (dy[i] as number) * f(x[i] as number, a);
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
      forward: genericUnary(activation.forward),
      derivative: genericUnary(activation.derivative),
      backward: genericBinary(activation.derivative),
      ...(fromOutput ? { fromOutput: { derivative: genericUnary(fromOutput), backward: genericBinary(fromOutput) } } : {}),
    };
    custom.set(activation, loops);
  }
  return loops;
}
