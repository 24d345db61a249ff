import commonWgsl from '../../shaders/common.wgsl?raw';
import elementwiseWgsl from '../../shaders/elementwise.wgsl?raw';
import elementwiseCheckedWgsl from '../../shaders/elementwise_checked.wgsl?raw';
import elementwiseTailWgsl from '../../shaders/elementwise_tail.wgsl?raw';
import softmaxWgsl from '../../shaders/softmax.wgsl?raw';
import type { ElementwiseActivation } from '../ops/elementwise.ts';

// An activation without a derivative-from-output form still needs the function for the module to
// compile (the entry points that call it are never dispatched for it).
const NO_DERIVATIVE_FROM_OUTPUT = `
fn activation_derivative_from_output(y: f32) -> f32 { return y; }`;

// dy * f'(x) from y as a plain product, for activations that do not order it to avoid overflow.
const PLAIN_BACKWARD_FROM_OUTPUT = `
fn activation_backward_from_output(y: f32, dy: f32) -> f32 { return dy * activation_derivative_from_output(y); }`;

/**
 * The WGSL module for one elementwise activation: common helpers, its formulas, the NaN gate, and the
 * kernel entry points: the vec4 kernels, or (`'tail'`) their scalar twins for the last elements of a
 * buffer that ends on its last element.
 */
export function elementwiseShaderSource(activation: ElementwiseActivation, variant: 'vec4' | 'tail' = 'vec4'): string {
  const fromOutput = activation.derivativeFromOutput ? '' : NO_DERIVATIVE_FROM_OUTPUT;
  const backward = /fn\s+activation_backward_from_output\b/.test(activation.wgsl) ? '' : PLAIN_BACKWARD_FROM_OUTPUT;
  const kernels = variant === 'tail' ? elementwiseTailWgsl : elementwiseWgsl;
  return `${commonWgsl}\n// ---- activation: ${activation.name}\n${activation.wgsl}${fromOutput}${backward}\n${elementwiseCheckedWgsl}\n${kernels}`;
}

/** The WGSL module of the row-wise family (softmax). */
export function softmaxShaderSource(): string {
  return `${commonWgsl}\n${softmaxWgsl}`;
}
