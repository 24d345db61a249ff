import type { ActivationLoops, BinaryLoop, ElementwiseActivation, UnaryLoop } from '../ops/activation.ts';

export type { ActivationLoops, BinaryLoop, UnaryLoop };

type Scalar = (v: number, alpha: number) => number;

// Each built-in activation brings its own loops (ActivationLoops says why); custom activations share
// the generic ones below, made once per activation.
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
  if (activation.loops) return activation.loops;
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
