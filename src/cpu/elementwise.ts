import type { ElementwiseActivation } from '../ops/elementwise.ts';
import type { ElementwiseKernel } from '../ops/kernels.ts';

/**
 * Runs one elementwise kernel of `activation` on the CPU, in float64, rounding each result to float32
 * on store. `out` may be `x` (in place): every element is read before it is written.
 * Inputs are trusted (validated at the public boundary).
 */
export function runElementwiseCpu(
  activation: ElementwiseActivation,
  kernel: ElementwiseKernel,
  x: Float32Array,
  dy: Float32Array | undefined,
  alpha: number,
  out: Float32Array,
): Float32Array {
  const n = x.length;
  switch (kernel) {
    case 'forward': {
      const f = activation.forward;
      for (let i = 0; i < n; i++) out[i] = f(x[i] as number, alpha);
      return out;
    }
    case 'derivative': {
      const f = activation.derivative;
      for (let i = 0; i < n; i++) out[i] = f(x[i] as number, alpha);
      return out;
    }
    case 'derivative_from_output': {
      const f = requireFromOutput(activation);
      for (let i = 0; i < n; i++) out[i] = f(x[i] as number, alpha);
      return out;
    }
    case 'backward': {
      const f = activation.derivative;
      const gradient = dy as Float32Array;
      for (let i = 0; i < n; i++) out[i] = (gradient[i] as number) * f(x[i] as number, alpha);
      return out;
    }
    case 'backward_from_output': {
      const f = requireFromOutput(activation);
      const gradient = dy as Float32Array;
      for (let i = 0; i < n; i++) out[i] = (gradient[i] as number) * f(x[i] as number, alpha);
      return out;
    }
  }
}

/** f(x) and f'(x) in one pass; `forwardOut` and `derivativeOut` must be distinct from each other (either may be `x`). */
export function runForwardAndDerivativeCpu(
  activation: ElementwiseActivation,
  x: Float32Array,
  alpha: number,
  forwardOut: Float32Array,
  derivativeOut: Float32Array,
): void {
  const f = activation.forward;
  const d = activation.derivative;
  for (let i = 0; i < x.length; i++) {
    const v = x[i] as number;
    forwardOut[i] = f(v, alpha);
    derivativeOut[i] = d(v, alpha);
  }
}

function requireFromOutput(activation: ElementwiseActivation): (y: number, alpha: number) => number {
  const f = activation.derivativeFromOutput;
  if (!f) throw new Error(`${activation.name} has no derivative from its output`);
  return f;
}
