import { type Dtype, elementBytes, type Storage } from '../dtype.ts';
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
import type { ElementwiseStorage } from './shaders.ts';
import { isSoftwareAdapter } from './software-adapter.ts';
import { UniformCache } from './uniform-cache.ts';
import { elementwiseParams, halfParams, rowParams, tailParams, UNIFORM_BYTES } from './uniforms.ts';
import { uploadSource } from './upload-source.ts';

/**
 * `length` values of a GPU buffer from `byteOffset` (a multiple of the device's storage offset
 * alignment): float32, or float16 halves packed two to a word with `dtype: 'float16'`.
 */
export interface BufferView {
  readonly buffer: GPUBuffer;
  readonly byteOffset: number;
  readonly length: number;
  /** How the values are stored; float32 when absent. */
  readonly dtype?: Dtype | undefined;
}

/** The dtype of a view. */
export function viewDtype(view: BufferView): Dtype {
  return view.dtype ?? 'float32';
}

/** The bytes a view's values take (a float16 range of odd length ends in the middle of a word). */
export function viewBytes(view: BufferView): number {
  return view.length * elementBytes(viewDtype(view));
}

/** The bytes a kernel binds for `count` values of a dtype: whole 4-byte words. */
export function bindingBytes(dtype: Dtype, count: number): number {
  return dtype === 'float16' ? Math.ceil(count / 2) * 4 : count * 4;
}

function isHalf(view: BufferView): boolean {
  return view.dtype === 'float16';
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
    // Where a side is float16, elementwise_half.wgsl: the same gated float32 functions between an exact
    // load and a store that rounds once, in slices of multiples of 128 elements (256-byte aligned in
    // float16 as in float32). The plan below (direct, in place, or scratch and copy) is the same.
    const half = [...inputs, ...outputs].some(isHalf);
    const storage = { input: viewDtype(input), output: viewDtype(output) };
    const step = half ? this.halfChunkElements : this.chunkElements;
    const run = (entry: ElementwiseEntryPoint, from: readonly BufferView[], to: readonly BufferView[], count: number) => {
      if (half) this.halfSlice(recording, label, activation, entry, from, to, count, alpha, storage);
      else this.elementwiseSlice(recording, label, activation, entry, from, to, count, alpha);
    };
    if (!sharesBuffer(inputs, outputs)) {
      for (const view of outputs) this.poison(recording, view);
      this.sliced(length, step, (start, count) => run(kernel, slices(inputs, start, count), slices(outputs, start, count), count));
      return;
    }
    const unary = kernel === 'forward' || kernel === 'derivative' || kernel === 'derivative_from_output';
    if (unary && sameRange(input, output) && storage.input === storage.output) {
      this.sliced(length, step, (start, count) => run(`${kernel}_in_place`, [], slices([output], start, count), count));
      return;
    }
    const scratch = outputs.map((view, i) => ({
      ...this.scratchView(recording, Math.min(length, step), `aliased-output${i}`),
      dtype: viewDtype(view),
    }));
    this.sliced(length, step, (start, count) => {
      const targets = scratch.map((view) => ({ ...view, length: count }));
      run(kernel, slices(inputs, start, count), targets, count);
      targets.forEach((target, i) => {
        const [destination] = slices([outputs[i] as BufferView], start, count) as [BufferView];
        this.convertSlice(recording, `${label}.copy`, target, destination);
      });
    });
  }

  /** Largest number of elements of a float16-storage slice: a multiple of 128 (256 bytes of halves). */
  private get halfChunkElements(): number {
    return Math.max(128, Math.floor(this.chunkElements / 128) * 128);
  }

  // elementwise_half.wgsl over `count` elements of each view: the body kernel over the whole groups of
  // four, bound at exactly their bytes, and the tail kernel over the last one to three elements (one
  // thread, word by word: the other half of a half-used last word stays as it was).
  private halfSlice(
    recording: Recording,
    label: string,
    activation: ElementwiseActivation,
    kernel: ElementwiseEntryPoint,
    inputs: readonly BufferView[],
    outputs: readonly BufferView[],
    count: number,
    alpha: number,
    storage: ElementwiseStorage,
  ): void {
    const ranges = (elements: number, params: ArrayBuffer): BufferRange[] => [
      ...inputs.map((view, i) => ({
        binding: i,
        buffer: view.buffer,
        offset: view.byteOffset,
        size: bindingBytes(viewDtype(view), elements),
      })),
      ...outputs.map((view, i) => ({
        binding: 2 + i,
        buffer: view.buffer,
        offset: view.byteOffset,
        size: bindingBytes(viewDtype(view), elements),
      })),
      { binding: 4, buffer: this.uniforms.buffer(params, recording.callerOwned), offset: 0, size: UNIFORM_BYTES },
    ];
    const shape = elementwiseBindingShape(kernel);
    const body = count - (count % 4);
    if (body > 0) {
      this.dispatch(
        recording,
        `${label}.half`,
        this.pipelines.elementwise(activation, kernel, 'half', storage),
        shape,
        ranges(body, halfParams(body, alpha, 0)),
        Math.ceil(body / 4 / WORKGROUP_SIZE),
      );
    }
    if (body < count) {
      this.dispatch(
        recording,
        `${label}.half.tail`,
        this.pipelines.elementwise(activation, kernel, 'half_tail', storage),
        shape,
        ranges(count, halfParams(count, alpha, body / 4)),
        1,
      );
    }
  }

  /**
   * Records a copy of `source` into `destination` (one length), converting between float32 and float16
   * where their dtypes differ (rounding once to float16; widening exactly).
   */
  convertSlice(recording: Recording, label: string, source: BufferView, destination: BufferView): void {
    if (!isHalf(source) && !isHalf(destination)) {
      this.elementwiseSlice(recording, label, COPY, 'forward', [source], [destination], source.length, 0);
      return;
    }
    const storage = { input: viewDtype(source), output: viewDtype(destination) };
    this.halfSlice(recording, label, COPY, 'forward', [source], [destination], source.length, 0, storage);
  }

  // A row op where an input or the output is float16: each slice's float16 inputs are widened into
  // float32 scratch, the float32 row kernels run (maxima and sums in float32, as ever), and a float16
  // output is rounded once from a float32 scratch result.
  private rowsConverting(recording: Recording, kernel: RowKernel, inputs: readonly BufferView[], output: BufferView, shape: Shape): void {
    const { rows, cols } = shape;
    const length = rows * cols;
    const rowsPerSlice = this.rowsPerSlice(kernel, shape, 128);
    const sliceElements = Math.min(length, rowsPerSlice * cols);
    const widened = inputs.map((input, i) => (isHalf(input) ? this.scratchView(recording, sliceElements, `rows-input${i}`) : undefined));
    const result = isHalf(output) ? this.scratchView(recording, sliceElements, 'rows-output') : undefined;
    if (!sharesBuffer(inputs, [output])) this.poison(recording, output);
    for (let startRow = 0; startRow < rows; startRow += rowsPerSlice) {
      const sliceRows = Math.min(rowsPerSlice, rows - startRow);
      const start = startRow * cols;
      const count = sliceRows * cols;
      const sliceInputs = slices(inputs, start, count).map((view, i) => {
        const scratch = widened[i];
        if (!scratch) return view;
        const target = { ...scratch, length: count };
        this.convertSlice(recording, `${kernel}.widen`, view, target);
        return target;
      });
      const [destination] = slices([output], start, count) as [BufferView];
      const target = result ? { ...result, length: count } : destination;
      this.rowSlice(recording, kernel, sliceInputs, target, { rows: sliceRows, cols });
      if (result) this.convertSlice(recording, `${kernel}.round`, target, destination);
    }
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
    if ([...inputs, output].some(isHalf)) {
      this.rowsConverting(recording, kernel, inputs, output, shape);
      return;
    }
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

  /**
   * Rows per slice of a row op on this device (see the function rowsPerSlice); `alignmentElements`:
   * 64 for float32 slices, 128 for float16 ones (256 bytes either way).
   */
  rowsPerSlice(kernel: RowKernel, shape: Shape, alignmentElements = 64): number {
    return rowsPerSlice(kernel, shape, this.chunkElements, alignmentElements);
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
  async read(view: BufferView): Promise<Storage> {
    const { length } = view;
    const half = isHalf(view);
    const result = half ? new Uint16Array(length) : new Float32Array(length);
    if (length === 0) return result;
    // Whole words: the last word of an odd float16 range is copied whole, its other half dropped here.
    const copyBytes = bindingBytes(viewDtype(view), length);
    const bytes = Math.ceil(copyBytes / 16) * 16;
    const { device } = this;
    device.pushErrorScope('validation');
    let staging: GPUBuffer;
    let validation: Promise<GPUError | null>;
    try {
      staging = this.pool.acquire(bytes, BufferUsage.MAP_READ | BufferUsage.COPY_DST, 'staging');
      const encoder = device.createCommandEncoder({ label: 'webgpu-activations.read.encoder' });
      encoder.copyBufferToBuffer(view.buffer, view.byteOffset, staging, 0, copyBytes);
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
      const mappedRange = staging.getMappedRange(0, bytes);
      result.set(half ? new Uint16Array(mappedRange, 0, length) : new Float32Array(mappedRange, 0, length));
      staging.unmap();
      reusable = true;
      return result;
    } finally {
      if (reusable) this.pool.release(staging);
      else this.pool.discard(staging);
    }
  }

  /**
   * Writes float32 values, or float16 bits, into a buffer at `byteOffset`, through the queue (an array
   * over shared memory is copied first: see uploadSource). An odd number of halves is written with
   * one half of zero bits after it (writeBuffer writes whole words): into the engine's own padded buffers.
   */
  write(buffer: GPUBuffer, byteOffset: number, values: Storage): void {
    if (values.length === 0) return;
    let source: Storage = uploadSource(values);
    if (source.byteLength % 4 !== 0) {
      const whole = new Uint16Array(source.length + 1);
      whole.set(source);
      source = whole;
    }
    this.device.queue.writeBuffer(buffer, byteOffset, source.buffer as ArrayBuffer, source.byteOffset, source.byteLength);
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

  // Calls `each(start, count)` for consecutive slices of at most `step` elements (chunkElements, a multiple of 64, or halfChunkElements).
  private sliced(length: number, step: number, each: (start: number, count: number) => void): void {
    for (let start = 0; start < length; start += step) each(start, Math.min(step, length - start));
  }

  // Whether the bytes after a view's range are the engine's to overwrite: the padding of a pooled or
  // scratch buffer. A caller's wrapped buffer may hold their data right after the range.
  private ownsPaddingOf(view: BufferView): boolean {
    return this.pool.owns(view.buffer) || [...this.callerScratch.values()].includes(view.buffer);
  }

  // One slice of an elementwise kernel: the vec4 kernel over the whole vec4s, and the scalar tail kernel
  // over the last one to three elements where the vec4 kernel would overrun: an input's buffer that ends
  // before the slice's padding, or an output whose bytes after the range are not ours (a caller's buffer:
  // a vec4 store there overwrote up to three of their values).
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
    const needsTail =
      count % 4 !== 0 &&
      (inputs.some((view) => view.byteOffset + padded(count) > view.buffer.size) || outputs.some((view) => !this.ownsPaddingOf(view)));
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
    // A copy writes whole words: an odd float16 range's last word, shared with what follows, is left as it is.
    if (this.options.poisonOutputs) this.poisoner.record(recording.encoder, view.buffer, view.byteOffset, Math.floor(viewBytes(view) / 4));
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
  return views.map((view) => ({
    buffer: view.buffer,
    byteOffset: view.byteOffset + start * elementBytes(viewDtype(view)),
    length: count,
    dtype: view.dtype,
  }));
}

// Bindings from `first` on, each of a view's exact size (the row kernels read scalars, bounded by params.length).
function exactRanges(views: readonly BufferView[], first: number): BufferRange[] {
  return views.map((view, i) => ({ binding: first + i, buffer: view.buffer, offset: view.byteOffset, size: Math.max(4, view.length * 4) }));
}
