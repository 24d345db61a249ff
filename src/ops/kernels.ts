/**
 * The kernels every elementwise activation has, named as their WGSL entry points in
 * `shaders/elementwise.wgsl`. Unary kernels read x (or y); binary ones read it and dy.
 */
export type UnaryKernel = 'forward' | 'derivative' | 'derivative_from_output';
export type BinaryKernel = 'backward' | 'backward_from_output';
export type ElementwiseKernel = UnaryKernel | BinaryKernel;

/** Every elementwise entry point: the kernels above, f and f' in one pass, and the unary kernels in place (output = input). */
export type ElementwiseEntryPoint = ElementwiseKernel | 'forward_and_derivative' | `${UnaryKernel}_in_place`;

/**
 * The row-wise ops. `softmax_backward` reads y and dy. softmax and log-softmax are not entry points
 * of their own: both run `shaders/softmax.wgsl`'s shared entry points (`normalize_rows`, ...), told
 * apart by its LOG_SPACE constant; `rowEntryPoint` in `src/gpu/pipelines.ts` maps each name to its
 * entry point and constant. The other row kernels are entry points by these names.
 */
export type RowKernel = 'softmax' | 'log_softmax' | 'softmax_backward';

/** The thread-per-row variant of each row op (no workgroup memory, no barrier). */
export type RowByThreadKernel = `${RowKernel}_by_thread`;

/**
 * The kernels of the split form: partial reductions (per part of a row, or per segment of a row longer than one
 * binding), a merge of the partials, then outputs from the merged statistics.
 */
export type LongRowKernel =
  | 'split_statistics'
  | 'split_dot'
  | 'merge_partials'
  | 'softmax_split'
  | 'log_softmax_split'
  | 'softmax_backward_split';

const TWO_INPUT_ROW_KERNELS: ReadonlySet<string> = new Set([
  'softmax_backward',
  'softmax_backward_by_thread',
  'split_dot',
  'softmax_backward_split',
]);

/** Whether a row kernel reads two inputs (y and dy). */
export function isTwoInputRowKernel(kernel: RowKernel | RowByThreadKernel | LongRowKernel): boolean {
  return TWO_INPUT_ROW_KERNELS.has(kernel);
}
