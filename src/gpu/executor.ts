import { WebGPUError } from '../errors.ts';
import type { ElementwiseActivation } from '../ops/elementwise.ts';
import { type ElementwiseEntryPoint, type ElementwiseKernel, isTwoInputRowKernel, type RowKernel } from '../ops/kernels.ts';
import type { Shape } from '../validate.ts';
import { BufferPool, type PoolStats } from './buffer-pool.ts';
import { BufferUsage, MapMode } from './flags.ts';
import { grid } from './grid.ts';
import { padded } from './layout.ts';
import { type BindingShape, type DevicePipelines, elementwiseBindingShape, pipelinesFor, WORKGROUP_SIZE } from './pipelines.ts';
import { OutputPoisoner } from './poison.ts';
import { planRows, type RowPlan, type RowStrategy, rowsPerSlice, splitParts } from './row-plan.ts';
import { isSoftwareAdapter } from './software-adapter.ts';
import { UniformCache } from './uniform-cache.ts';
import { elementwiseParams, rowParams, tailParams, UNIFORM_BYTES } from './uniforms.ts';
import { uploadSource } from './upload-source.ts';

/** `length` float32 values of a GPU buffer from `byteOffset` (a multiple of the device's storage offset alignment). */
export interface BufferView {
  readonly buffer: GPUBuffer;
  readonly byteOffset: number;
  readonly length: number;
}

/**
 * Where one op is recorded, and who provides the scratch buffers it needs. An engine-submitted op
 * gets pooled buffers back after its submit; an op in a caller's encoder gets buffers the engine keeps
 * until it is destroyed, since it cannot know when the caller submits.
 */
export interface Recording {
  readonly encoder: GPUCommandEncoder;
  /** A storage buffer of at least `bytes`, written and read only within this op's own dispatches. */
  temporary(bytes: number, purpose: string): GPUBuffer;
  /** The caller submits this encoder: uniforms recorded here must outlive it (see UniformCache). */
  readonly callerOwned: boolean;
}

/** Settings of a GPU executor. */
export interface ExecutorOptions {
  /** Largest slice of an array sent in one dispatch, in bytes; defaults to the device's binding and buffer limits. */
  readonly maxChunkBytes?: number | undefined;
  /** Bound on the bytes of idle buffers kept for reuse. */
  readonly maxPooledBytes: number;
  /** Cap on workgroups per grid dimension below the device's (65535). */
  readonly maxWorkgroupsPerDimension?: number | undefined;
  /** Which row kernel: `'auto'` (by shape and adapter, see planRows), or one forced. */
  readonly rowStrategy?: RowStrategy | undefined;
  /** Fill every output with POISON_VALUE (see OutputPoisoner) before its kernel runs, so that an element a kernel fails to write shows up (tests). */
  readonly poisonOutputs: boolean;
}

/** The identity, through the elementwise kernels: copies an op's result from scratch into an `out` that shares a buffer with an input. */
const COPY: ElementwiseActivation = {
  name: 'copy',
  wgsl: 'fn activation(x: f32) -> f32 { return x; }\nfn activation_derivative(x: f32) -> f32 { return 1.0; }',
  forward: (x) => x,
  derivative: () => 1,
};

interface BufferRange {
  readonly binding: number;
  readonly buffer: GPUBuffer;
  readonly offset: number;
  readonly size: number;
}

/**
 * The one place that records the library's GPU work. Every op (elementwise kernels, row kernels in any
 * of their forms, rows longer than one binding) is recorded here into a command encoder, over views of
 * buffers: the array API's uploads, tensors, a caller's wrapped buffers. Slicing arrays larger than a
 * binding, 2D grids, scalar tails, ops whose output shares a buffer with an input: all here, so that
 * every path (arrays, tensors, a caller's encoder, the benchmark) runs the same dispatches. What it
 * records is decided elsewhere: the row kernel by row-plan.ts, the uniforms' bytes by uniforms.ts; the
 * uniform buffers come from its UniformCache and test poisoning from its OutputPoisoner. It owns the
 * device's pipelines (cached per device) and a bounded buffer pool.
 */
export class GpuExecutor {
  readonly pool: BufferPool;
  readonly pipelines: DevicePipelines;
  /** Largest number of float32 elements in one dispatch (a multiple of 64: slices start 256-byte aligned). */
  readonly chunkElements: number;
  /** A CPU-emulated adapter: the row kernels are planned for it (mostly a thread a row, no barriers; see planRows). */
  readonly softwareAdapter: boolean;
  private readonly maxWorkgroupsPerDimension: number;
  /** The uniform buffers of every recording (immutable, shared; see UniformCache). */
  readonly uniforms: UniformCache;
  // Scratch for ops in a caller's encoder, one buffer a purpose, grown when needed; with the buffers
  // outgrown, kept until destroy(): a caller's unsubmitted encoder may still use them.
  private readonly callerScratch = new Map<string, GPUBuffer>();
  private readonly outgrown: GPUBuffer[] = [];
  private readonly poisoner: OutputPoisoner;
  private lostFlag = false;
  private destroyed = false;

  constructor(
    readonly device: GPUDevice,
    readonly options: ExecutorOptions,
    readonly adapterInfo?: GPUAdapterInfo,
  ) {
    this.softwareAdapter = isSoftwareAdapter(device, adapterInfo);
    device.lost.then(() => {
      this.lostFlag = true;
    });
    this.pipelines = pipelinesFor(device);
    this.pool = new BufferPool(device, options.maxPooledBytes);
    this.uniforms = new UniformCache(device);
    this.poisoner = new OutputPoisoner(device);
    const limitBytes = Math.min(device.limits.maxStorageBufferBindingSize, device.limits.maxBufferSize);
    const chunkBytes = Math.min(limitBytes, options.maxChunkBytes ?? limitBytes);
    this.chunkElements = Math.max(64, Math.floor(chunkBytes / 256) * 64);
    this.maxWorkgroupsPerDimension = Math.min(
      device.limits.maxComputeWorkgroupsPerDimension,
      options.maxWorkgroupsPerDimension ?? Number.POSITIVE_INFINITY,
    );
  }

  /** Whether the device was lost (as far as its `lost` promise has said). */
  get lost(): boolean {
    return this.lostFlag;
  }

  /** Whether the device is lost, waiting briefly for a `lost` promise that may not have settled yet. */
  async isLost(): Promise<boolean> {
    if (this.lostFlag) return true;
    await Promise.race([this.device.lost, new Promise((resolve) => setTimeout(resolve, 100))]);
    return this.lostFlag;
  }

  /** The row kernel for a shape on this device, under the executor's row strategy. */
  planRows(kernel: RowKernel, rows: number, cols: number): RowPlan {
    return planRows(kernel, rows, cols, this.softwareAdapter, this.options.rowStrategy);
  }

  stats(): PoolStats {
    return this.pool.stats();
  }

  /**
   * Records an elementwise kernel of `activation` over views of one length: x (and dy for the backward
   * kernels) into one output (two for forward_and_derivative). An output may be an input itself (in
   * place) or share its buffer: WebGPU binds no buffer both read-only and writable in one dispatch,
   * so the first runs an in-place kernel where there is one, the others compute into scratch and copy.
   */
  elementwise(
    recording: Recording,
    activation: ElementwiseActivation,
    kernel: ElementwiseKernel | 'forward_and_derivative',
    inputs: readonly BufferView[],
    outputs: readonly BufferView[],
    alpha: number,
  ): void {
    const length = inputs[0]?.length ?? 0;
    if (length === 0) return;
    const label = `${activation.name}.${kernel}`;
    const [input, output] = [inputs[0] as BufferView, outputs[0] as BufferView];
    if (!sharesBuffer(inputs, outputs)) {
      for (const view of outputs) this.poison(recording, view);
      this.sliced(length, (start, count) =>
        this.elementwiseSlice(
          recording,
          label,
          activation,
          kernel,
          slices(inputs, start, count),
          slices(outputs, start, count),
          count,
          alpha,
        ),
      );
      return;
    }
    const unary = kernel === 'forward' || kernel === 'derivative' || kernel === 'derivative_from_output';
    if (unary && sameRange(input, output)) {
      this.sliced(length, (start, count) =>
        this.elementwiseSlice(recording, label, activation, `${kernel}_in_place`, [], slices([output], start, count), count, alpha),
      );
      return;
    }
    const scratch = outputs.map((_, i) => this.scratchView(recording, Math.min(length, this.chunkElements), `aliased-output${i}`));
    this.sliced(length, (start, count) => {
      const targets = scratch.map((view) => ({ ...view, length: count }));
      this.elementwiseSlice(recording, label, activation, kernel, slices(inputs, start, count), targets, count, alpha);
      targets.forEach((target, i) => {
        const [destination] = slices([outputs[i] as BufferView], start, count);
        this.elementwiseSlice(recording, `${label}.copy`, COPY, 'forward', [target], [destination as BufferView], count, 0);
      });
    });
  }

  /**
   * Records a row op over a rows x cols batch (inputs: x, or y and dy for softmax_backward) into
   * `output`. A batch larger than one binding runs in slices of whole rows at aligned offsets; the
   * kernel for each slice is the plan's (a thread a row, a workgroup a row, or the split form).
   * @throws {RangeError} one row is too long for an aligned slice (longRow handles that, from arrays).
   */
  rows(recording: Recording, kernel: RowKernel, inputs: readonly BufferView[], output: BufferView, shape: Shape): void {
    const { rows, cols } = shape;
    const length = rows * cols;
    if (length === 0) return;
    const rowsPerSlice = this.rowsPerSlice(kernel, shape);
    const aliased = sharesBuffer(inputs, [output]);
    if (!aliased) this.poison(recording, output);
    const scratch = aliased ? this.scratchView(recording, Math.min(length, rowsPerSlice * cols), 'aliased-output0') : undefined;
    for (let startRow = 0; startRow < rows; startRow += rowsPerSlice) {
      const sliceRows = Math.min(rowsPerSlice, rows - startRow);
      const start = startRow * cols;
      const count = sliceRows * cols;
      const [destination] = slices([output], start, count) as [BufferView];
      const target = scratch ? { ...scratch, length: count } : destination;
      this.rowSlice(recording, kernel, slices(inputs, start, count), target, { rows: sliceRows, cols });
      if (scratch) this.elementwiseSlice(recording, `${kernel}.copy`, COPY, 'forward', [target], [destination], count, 0);
    }
  }

  /** Rows per slice of a row op on this device (see the function rowsPerSlice). */
  rowsPerSlice(kernel: RowKernel, shape: Shape): number {
    return rowsPerSlice(kernel, shape, this.chunkElements);
  }

  /**
   * Records a row op on one row longer than a binding, given as segments that each fit one (the inputs
   * of each segment): every segment's partial statistics go into one buffer, one merge gives the row's,
   * and each segment's outputs are written from them.
   */
  longRow(recording: Recording, kernel: RowKernel, segments: readonly (readonly BufferView[])[], outputs: readonly BufferView[]): void {
    const twoInputs = isTwoInputRowKernel(kernel);
    const lengths = segments.map((inputs) => inputs[0]?.length ?? 0);
    // A multiple of 16 partials a segment puts each segment's partials at a 256-byte aligned offset.
    const parts = Math.max(16, splitParts(Math.max(...lengths)));
    const segmentBytes = parts * 16;
    const partials = recording.temporary(segmentBytes * segments.length, 'partials');
    const merged = recording.temporary(16, 'merged');
    const partialKernel = twoInputs ? 'split_dot' : 'split_statistics';
    const outputKernel = `${kernel}_split` as const;
    const uniform = (params: ArrayBuffer): BufferRange => ({
      binding: 4,
      buffer: this.uniforms.buffer(params, recording.callerOwned),
      offset: 0,
      size: UNIFORM_BYTES,
    });
    for (const output of outputs) this.poison(recording, output);
    segments.forEach((inputs, s) => {
      const length = lengths[s] as number;
      this.dispatch(
        recording,
        partialKernel,
        this.pipelines.rows(partialKernel, 1),
        twoInputs ? 'binary' : 'unary',
        [
          ...exactRanges(inputs, 0),
          { binding: 2, buffer: partials, offset: s * segmentBytes, size: segmentBytes },
          uniform(rowParams(1, length, length, parts)),
        ],
        Math.ceil(parts / WORKGROUP_SIZE),
      );
    });
    this.dispatch(
      recording,
      'merge_partials',
      this.pipelines.rows('merge_partials', 1),
      'unary',
      [
        { binding: 0, buffer: partials, offset: 0, size: segmentBytes * segments.length },
        { binding: 2, buffer: merged, offset: 0, size: 16 },
        uniform(rowParams(1, 0, 0, parts * segments.length)),
      ],
      1,
    );
    segments.forEach((inputs, s) => {
      const length = lengths[s] as number;
      this.dispatch(
        recording,
        outputKernel,
        this.pipelines.rows(outputKernel, 1),
        twoInputs ? 'binary_with_statistics' : 'unary_with_statistics',
        [
          ...exactRanges(inputs, 0),
          ...exactRanges([outputs[s] as BufferView], 2),
          { binding: 3, buffer: merged, offset: 0, size: 16 },
          uniform(rowParams(1, length, length, parts)),
        ],
        Math.ceil(length / WORKGROUP_SIZE),
      );
    });
  }

  /**
   * Copies a view back to the CPU: one copy into a pooled staging buffer, one submit, one map. The copy
   * runs inside a validation scope: a copy from a destroyed buffer rejects instead of mapping zeros.
   * @throws {WebGPUError} the copy or the map failed.
   */
  async read(view: BufferView): Promise<Float32Array> {
    const { length } = view;
    const result = new Float32Array(length);
    if (length === 0) return result;
    const bytes = padded(length);
    const { device } = this;
    device.pushErrorScope('validation');
    let staging: GPUBuffer;
    let validation: Promise<GPUError | null>;
    try {
      staging = this.pool.acquire(bytes, BufferUsage.MAP_READ | BufferUsage.COPY_DST, 'staging');
      const encoder = device.createCommandEncoder({ label: 'webgpu-activations.read.encoder' });
      encoder.copyBufferToBuffer(view.buffer, view.byteOffset, staging, 0, length * 4);
      device.queue.submit([encoder.finish()]);
    } finally {
      validation = device.popErrorScope();
    }
    let reusable = false;
    try {
      const mapped = staging.mapAsync(MapMode.READ, 0, bytes);
      mapped.catch(() => {});
      const error = await validation;
      if (error) throw new WebGPUError(`reading a tensor back: ${error.message}`);
      await mapped;
      result.set(new Float32Array(staging.getMappedRange(0, bytes), 0, length));
      staging.unmap();
      reusable = true;
      return result;
    } finally {
      if (reusable) this.pool.release(staging);
      else this.pool.discard(staging);
    }
  }

  /** Writes float32 values into a buffer at `byteOffset`, through the queue (an array over shared memory is copied first: see uploadSource). */
  write(buffer: GPUBuffer, byteOffset: number, values: Float32Array): void {
    if (values.length === 0) return;
    const source = uploadSource(values);
    this.device.queue.writeBuffer(buffer, byteOffset, source.buffer, source.byteOffset, source.length * 4);
  }

  /** A scratch buffer for an op recorded into a caller's encoder: one a purpose, grown as needed, kept until destroy(). */
  callerTemporary(bytes: number, purpose: string): GPUBuffer {
    const found = this.callerScratch.get(purpose);
    if (found && found.size >= bytes) return found;
    if (found) this.outgrown.push(found);
    const buffer = this.device.createBuffer({
      label: `webgpu-activations.caller-scratch.${purpose}`,
      size: Math.max(padded(1), Math.ceil(Math.max(bytes, (found?.size ?? 0) * 2) / 256) * 256),
      usage: BufferUsage.STORAGE | BufferUsage.COPY_SRC | BufferUsage.COPY_DST,
    });
    this.callerScratch.set(purpose, buffer);
    return buffer;
  }

  /** Releases every buffer the executor made: pooled, uniforms, scratch. Never a caller's. */
  destroy(): void {
    if (this.destroyed) return;
    this.destroyed = true;
    this.pool.destroy();
    this.uniforms.destroy();
    this.poisoner.destroy();
    for (const buffer of [...this.callerScratch.values(), ...this.outgrown]) buffer.destroy();
    this.callerScratch.clear();
    this.outgrown.length = 0;
  }

  // Calls `each(start, count)` for consecutive slices of at most chunkElements (a multiple of 64).
  private sliced(length: number, each: (start: number, count: number) => void): void {
    for (let start = 0; start < length; start += this.chunkElements) each(start, Math.min(this.chunkElements, length - start));
  }

  // One slice of an elementwise kernel: the vec4 kernel over the whole vec4s, and, where a view's buffer
  // ends before the slice's padding (a caller's buffer), the scalar tail kernel over the last elements.
  private elementwiseSlice(
    recording: Recording,
    label: string,
    activation: ElementwiseActivation,
    kernel: ElementwiseEntryPoint,
    inputs: readonly BufferView[],
    outputs: readonly BufferView[],
    count: number,
    alpha: number,
  ): void {
    const views = [...inputs, ...outputs];
    const needsTail = count % 4 !== 0 && views.some((view) => view.byteOffset + padded(count) > view.buffer.size);
    const body = needsTail ? count - (count % 4) : count;
    const shape = elementwiseBindingShape(kernel);
    const ranges = (bytes: number, params: ArrayBuffer): BufferRange[] => [
      ...inputs.map((view, i) => ({ binding: i, buffer: view.buffer, offset: view.byteOffset, size: bytes })),
      ...outputs.map((view, i) => ({ binding: 2 + i, buffer: view.buffer, offset: view.byteOffset, size: bytes })),
      { binding: 4, buffer: this.uniforms.buffer(params, recording.callerOwned), offset: 0, size: UNIFORM_BYTES },
    ];
    if (body > 0) {
      this.dispatch(
        recording,
        label,
        this.pipelines.elementwise(activation, kernel, 'vec4'),
        shape,
        ranges(padded(body), elementwiseParams(body, alpha)),
        Math.ceil(Math.ceil(body / 4) / WORKGROUP_SIZE),
      );
    }
    if (needsTail) {
      this.dispatch(
        recording,
        `${label}.tail`,
        this.pipelines.elementwise(activation, kernel, 'tail'),
        shape,
        ranges(count * 4, tailParams(body, count, alpha)),
        1,
      );
    }
  }

  // One slice of a row op, whose rows all fit one binding.
  private rowSlice(recording: Recording, kernel: RowKernel, inputs: readonly BufferView[], output: BufferView, shape: Shape): void {
    const { rows, cols } = shape;
    const length = rows * cols;
    const plan = this.planRows(kernel, rows, cols);
    const twoInputs = isTwoInputRowKernel(kernel);
    const uniform: BufferRange = {
      binding: 4,
      buffer: this.uniforms.buffer(rowParams(rows, cols, length, plan.parts), recording.callerOwned),
      offset: 0,
      size: UNIFORM_BYTES,
    };
    const inputRanges = exactRanges(inputs, 0);
    const outputRange = exactRanges([output], 2);
    if (plan.parts === 1) {
      this.dispatch(
        recording,
        kernel,
        this.pipelines.rows(plan.kernel, plan.threadsPerRow),
        twoInputs ? 'binary' : 'unary',
        [...inputRanges, ...outputRange, uniform],
        Math.ceil(rows / plan.rowsPerWorkgroup),
      );
      return;
    }
    // The split form: partial statistics (or dot products), a merge per row, then the outputs.
    const partialBytes = padded(rows * plan.parts * 4);
    const mergedBytes = padded(rows * 4);
    const partials = recording.temporary(partialBytes, 'partials');
    const merged = recording.temporary(mergedBytes, 'merged');
    const partialKernel = twoInputs ? 'split_dot' : 'split_statistics';
    this.dispatch(
      recording,
      partialKernel,
      this.pipelines.rows(partialKernel, 1),
      twoInputs ? 'binary' : 'unary',
      [...inputRanges, { binding: 2, buffer: partials, offset: 0, size: partialBytes }, uniform],
      Math.ceil((rows * plan.parts) / WORKGROUP_SIZE),
    );
    this.dispatch(
      recording,
      'merge_partials',
      this.pipelines.rows('merge_partials', 1),
      'unary',
      [
        { binding: 0, buffer: partials, offset: 0, size: partialBytes },
        { binding: 2, buffer: merged, offset: 0, size: mergedBytes },
        uniform,
      ],
      Math.ceil(rows / WORKGROUP_SIZE),
    );
    const outputKernel = `${kernel}_split` as const;
    this.dispatch(
      recording,
      outputKernel,
      this.pipelines.rows(outputKernel, 1),
      twoInputs ? 'binary_with_statistics' : 'unary_with_statistics',
      [...inputRanges, ...outputRange, { binding: 3, buffer: merged, offset: 0, size: mergedBytes }, uniform],
      Math.ceil(length / WORKGROUP_SIZE),
    );
  }

  // Records one dispatch: a bind group over the given buffer ranges, then a 1D or 2D grid, in a pass of its own.
  private dispatch(
    recording: Recording,
    label: string,
    pipeline: GPUComputePipeline,
    shape: BindingShape,
    ranges: readonly BufferRange[],
    workgroups: number,
  ): void {
    const bindGroup = this.device.createBindGroup({
      label: `webgpu-activations.${label}.bind-group`,
      layout: this.pipelines.layouts[shape],
      entries: ranges.map(({ binding, buffer, offset, size }) => ({ binding, resource: { buffer, offset, size } })),
    });
    const pass = recording.encoder.beginComputePass({ label: `webgpu-activations.${label}.pass` });
    pass.setPipeline(pipeline);
    pass.setBindGroup(0, bindGroup);
    const [x, y] = grid(workgroups, this.maxWorkgroupsPerDimension);
    pass.dispatchWorkgroups(x, y);
    pass.end();
  }

  // A view of `length` floats at the start of a scratch buffer of the recording.
  private scratchView(recording: Recording, length: number, purpose: string): BufferView {
    return { buffer: recording.temporary(padded(length), purpose), byteOffset: 0, length };
  }

  // With `poisonOutputs` (tests), fills an output with POISON_VALUE before the kernel that writes it.
  private poison(recording: Recording, view: BufferView): void {
    if (this.options.poisonOutputs) this.poisoner.record(recording.encoder, view.buffer, view.byteOffset, view.length);
  }
}

// Whether an output shares a GPU buffer with an input (the same range or not).
function sharesBuffer(inputs: readonly BufferView[], outputs: readonly BufferView[]): boolean {
  return outputs.some((output) => inputs.some((input) => input.buffer === output.buffer));
}

function sameRange(a: BufferView, b: BufferView): boolean {
  return a.buffer === b.buffer && a.byteOffset === b.byteOffset && a.length === b.length;
}

// The slice [start, start + count) of each view.
function slices(views: readonly BufferView[], start: number, count: number): BufferView[] {
  return views.map((view) => ({ buffer: view.buffer, byteOffset: view.byteOffset + start * 4, length: count }));
}

// Bindings from `first` on, each of a view's exact size (the row kernels read scalars, bounded by params.length).
function exactRanges(views: readonly BufferView[], first: number): BufferRange[] {
  return views.map((view, i) => ({ binding: first + i, buffer: view.buffer, offset: view.byteOffset, size: Math.max(4, view.length * 4) }));
}
