/**
 * The kernels every elementwise activation has, named as their WGSL entry points in
 * `shaders/elementwise.wgsl`. Unary kernels read x (or y); binary ones read it and dy.
 */
export type UnaryKernel = 'forward' | 'derivative' | 'derivative_from_output';
export type BinaryKernel = 'backward' | 'backward_from_output';
export type ElementwiseKernel = UnaryKernel | BinaryKernel;

/** The row-wise ops, named as their WGSL entry points in `shaders/softmax.wgsl`. `softmax_backward` reads y and dy. */
export type RowKernel = 'softmax' | 'log_softmax' | 'softmax_backward';

/** The thread-per-row variant of each row op (no workgroup memory, no barrier). */
export type RowByThreadKernel = `${RowKernel}_by_thread`;

/** The kernels of rows longer than one binding: partial reductions per segment, then outputs from merged statistics. */
export type LongRowKernel = 'partial_statistics' | 'partial_dot' | 'softmax_given' | 'log_softmax_given' | 'softmax_backward_given';

/** Whether a row kernel reads two inputs (y and dy). */
export function isTwoInputRowKernel(kernel: RowKernel | RowByThreadKernel | LongRowKernel): boolean {
  return (
    kernel === 'softmax_backward' ||
    kernel === 'softmax_backward_by_thread' ||
    kernel === 'partial_dot' ||
    kernel === 'softmax_backward_given'
  );
}

export function isBinaryKernel(kernel: ElementwiseKernel): kernel is BinaryKernel {
  return kernel === 'backward' || kernel === 'backward_from_output';
}
