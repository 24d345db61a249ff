/**
 * The kernels every elementwise activation has, named as their WGSL entry points in
 * `shaders/elementwise.wgsl`. Unary kernels read x (or y); binary ones read it and dy.
 */
export type UnaryKernel = 'forward' | 'derivative' | 'derivative_from_output';
export type BinaryKernel = 'backward' | 'backward_from_output';
export type ElementwiseKernel = UnaryKernel | BinaryKernel;

/** The row-wise kernels, named as their WGSL entry points in `shaders/softmax.wgsl`. `softmax_backward` reads y and dy. */
export type RowKernel = 'softmax' | 'log_softmax' | 'softmax_backward';

export function isBinaryKernel(kernel: ElementwiseKernel): kernel is BinaryKernel {
  return kernel === 'backward' || kernel === 'backward_from_output';
}
