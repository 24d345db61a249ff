import type { ElementwiseActivation } from '../ops/activation.ts';
import type { ElementwiseKernel } from '../ops/kernels.ts';
import { type ActivationLoops, loopsFor } from './loops.ts';
import { runElementwiseWasm, runForwardAndDerivativeWasm } from './wasm/elementwise.ts';
import { wasmKernels } from './wasm/module.ts';

/**
 * Runs one elementwise kernel of `activation` on the CPU: the WebAssembly SIMD kernels where they load
 * (built-in activations), else the JavaScript loops (float64, each result rounded to float32 on store).
 * `out` may be `x` or `dy` (in place): every element is read before it is written.
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
  const kernels = wasmKernels();
  if (kernels && runElementwiseWasm(kernels, activation, kernel, x, dy, alpha, out)) return out;
  const loops = loopsFor(activation);
  switch (kernel) {
    case 'forward':
      loops.forward(x, out, alpha);
      return out;
    case 'derivative':
      loops.derivative(x, out, alpha);
      return out;
    case 'derivative_from_output':
      fromOutput(activation, loops).derivative(x, out, alpha);
      return out;
    case 'backward':
      loops.backward(x, requireGradient(dy), out, alpha);
      return out;
    case 'backward_from_output':
      fromOutput(activation, loops).backward(x, requireGradient(dy), out, alpha);
      return out;
  }
}

/** f(x) and f'(x) in one call; `forwardOut` and `derivativeOut` must be distinct from each other and from x. */
export function runForwardAndDerivativeCpu(
  activation: ElementwiseActivation,
  x: Float32Array,
  alpha: number,
  forwardOut: Float32Array,
  derivativeOut: Float32Array,
): void {
  const kernels = wasmKernels();
  if (kernels && runForwardAndDerivativeWasm(kernels, activation, x, alpha, forwardOut, derivativeOut)) return;
  const loops = loopsFor(activation);
  loops.forward(x, forwardOut, alpha);
  loops.derivative(x, derivativeOut, alpha);
}

function fromOutput(activation: ElementwiseActivation, loops: ActivationLoops): NonNullable<ActivationLoops['fromOutput']> {
  if (!loops.fromOutput) throw new Error(`${activation.name} has no derivative from its output`);
  return loops.fromOutput;
}

function requireGradient(dy: Float32Array | undefined): Float32Array {
  if (!dy) throw new Error('the backward kernels need dy');
  return dy;
}
