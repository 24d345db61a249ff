import { WebGPUError } from '../errors.ts';
import type { ElementwiseActivation } from '../ops/elementwise.ts';
import { type ElementwiseKernel, isTwoInputRowKernel, type RowByThreadKernel, type RowKernel } from '../ops/kernels.ts';
import type { Shape } from '../validate.ts';
import { BufferPool, type PoolStats } from './buffer-pool.ts';
import { padded, splitParts, UNIFORM_BYTES } from './layout.ts';
import { type BindingShape, type DevicePipelines, elementwiseBindingShape, pipelinesFor, WORKGROUP_SIZE } from './pipelines.ts';
import { type ResidentData, ResidentQueue } from './resident.ts';
import { uploadSource } from './upload-source.ts';

/** Settings of a GPU backend. */
export interface GpuBackendOptions {
  /** Largest slice of an array sent in one dispatch, in bytes; defaults to the device's binding and buffer limits. Lower it to exercise splitting. */
  readonly maxChunkBytes?: number | undefined;
  /** Bound on the bytes of idle buffers kept for reuse. */
  readonly maxPooledBytes: number;
  /** Cap on workgroups per grid dimension below the device's (65535); lower it to exercise 2D grids with small arrays. */
  readonly maxWorkgroupsPerDimension?: number | undefined;
  /** Which row kernel: `'auto'` (by shape and adapter, see planRows), or one forced: `'thread'` (a thread a row) or `'workgroup'` (a shared reduction). */
  readonly rowStrategy?: RowStrategy | undefined;
  /** Fill every output buffer with POISON_VALUE before each dispatch, so that an element a kernel fails to write shows up (tests). */
  readonly poisonOutputs: boolean;
}

/** What `poisonOutputs` writes: finite (a NaN would pass where NaN is expected) and outside every activation's usual range. */
export const POISON_VALUE = -1.2345e30;

/** A buffer range bound at one binding. */
export interface BufferRange {
  readonly binding: number;
  readonly buffer: GPUBuffer;
  readonly offset: number;
  readonly size: number;
}

/** One dispatch over one slice of the data. */
interface Dispatch {
  readonly label: string;
  /** Looked up inside the dispatch's error scope, so that a shader or pipeline error on first use rejects the call with its message. */
  readonly pipeline: () => GPUComputePipeline;
  readonly shape: BindingShape;
  /** Bound at bindings 0 and 1, all of one length. */
  readonly inputs: readonly Float32Array[];
  /** Filled from bindings 2 and 3. */
  readonly outputs: readonly Float32Array[];
  /** The uniform at binding 4, at most UNIFORM_BYTES. */
  readonly params: ArrayBuffer;
  readonly workgroups: number;
}

export const QUIET_NAN_BITS = 0x7fc00000;
export const NEGATIVE_INFINITY_BITS = 0xff800000;

/**
 * Runs kernels on one GPUDevice: uploads inputs, dispatches, reads results back. Arrays larger than one
 * binding (or than `maxChunkBytes`) are split into slices that each fit. Pipelines come from the
 * per-device cache; buffers from a bounded pool.
 */
export class GpuBackend {
  readonly pool: BufferPool;
  /** Largest number of float32 elements in one dispatch (a multiple of 4). */
  readonly chunkElements: number;
  private readonly maxWorkgroupsPerDimension: number;
  private splitQueue: ResidentQueue | undefined;
  readonly pipelines: DevicePipelines;
  private readonly uniform: GPUBuffer;
  private poison = new Float32Array(0);

  /** The adapter's description, when this backend's device was requested by the library. */
  adapterInfo: GPUAdapterInfo | undefined;
  /** A CPU-emulated adapter: the row kernels avoid barriers there (see planRows). */
  readonly softwareAdapter: boolean;
  private lost = false;

  constructor(
    readonly device: GPUDevice,
    private readonly options: GpuBackendOptions,
    adapterInfo?: GPUAdapterInfo,
  ) {
    this.adapterInfo = adapterInfo;
    this.softwareAdapter = isSoftwareAdapter(device, adapterInfo);
    device.lost.then(() => {
      this.lost = true;
    });
    this.pipelines = pipelinesFor(device);
    this.pool = new BufferPool(device, options.maxPooledBytes);
    const limitBytes = Math.min(device.limits.maxStorageBufferBindingSize, device.limits.maxBufferSize);
    const chunkBytes = Math.min(limitBytes, options.maxChunkBytes ?? limitBytes);
    this.chunkElements = Math.max(4, Math.floor(chunkBytes / 16) * 4);
    this.maxWorkgroupsPerDimension = Math.min(
      device.limits.maxComputeWorkgroupsPerDimension,
      options.maxWorkgroupsPerDimension ?? Number.POSITIVE_INFINITY,
    );
    // One uniform buffer serves every dispatch: each call writes it and submits in the same task,
    // and the queue orders writeBuffer and submit, so every dispatch sees its own parameters.
    this.uniform = device.createBuffer({
      label: 'webgpu-activations.params',
      size: UNIFORM_BYTES,
      usage: GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST,
    });
  }

  /** One elementwise kernel of `activation` over x (and dy for the backward kernels). */
  async elementwise(
    activation: ElementwiseActivation,
    kernel: ElementwiseKernel,
    x: Float32Array,
    dy: Float32Array | undefined,
    alpha: number,
  ): Promise<Float32Array> {
    const result = new Float32Array(x.length);
    const pipeline = () => this.pipelines.elementwise(activation, kernel);
    const shape = elementwiseBindingShape(kernel);
    for (let start = 0; start < x.length; start += this.chunkElements) {
      const end = Math.min(x.length, start + this.chunkElements);
      const inputs = dy ? [x.subarray(start, end), dy.subarray(start, end)] : [x.subarray(start, end)];
      await this.run({
        label: `${activation.name}.${kernel}`,
        pipeline,
        shape,
        inputs,
        outputs: [result.subarray(start, end)],
        params: elementwiseParams(end - start, alpha),
        workgroups: Math.ceil(Math.ceil((end - start) / 4) / WORKGROUP_SIZE),
      });
    }
    return result;
  }

  /** f(x) and f'(x) of `activation` in one pass. */
  async forwardAndDerivative(activation: ElementwiseActivation, x: Float32Array, alpha: number): Promise<[Float32Array, Float32Array]> {
    const values = new Float32Array(x.length);
    const derivatives = new Float32Array(x.length);
    const pipeline = () => this.pipelines.elementwise(activation, 'forward_and_derivative');
    // Both outputs come back through one staging buffer, which must fit maxBufferSize: half a chunk at a time.
    const step = Math.max(4, Math.floor(this.chunkElements / 8) * 4);
    for (let start = 0; start < x.length; start += step) {
      const end = Math.min(x.length, start + step);
      await this.run({
        label: `${activation.name}.forward_and_derivative`,
        pipeline,
        shape: 'dual_output',
        inputs: [x.subarray(start, end)],
        outputs: [values.subarray(start, end), derivatives.subarray(start, end)],
        params: elementwiseParams(end - start, alpha),
        workgroups: Math.ceil(Math.ceil((end - start) / 4) / WORKGROUP_SIZE),
      });
    }
    return [values, derivatives];
  }

  /** A row-wise kernel over a rows x cols batch (inputs: x, or y and dy for softmax_backward), whole rows per slice. */
  async rows(kernel: RowKernel, inputs: readonly Float32Array[], shape: Shape): Promise<Float32Array> {
    const length = inputs[0]?.length ?? 0;
    const result = new Float32Array(length);
    const { rows, cols } = shape;
    if (cols > this.chunkElements) {
      for (let row = 0; row < rows; row++) {
        const start = row * cols;
        const rowInputs = inputs.map((input) => input.subarray(start, start + cols));
        await this.longRow(kernel, rowInputs, result.subarray(start, start + cols));
      }
      return result;
    }
    const plan = this.planRows(kernel, rows, cols);
    const rowsPerChunk = Math.floor(this.chunkElements / cols);
    if (plan.parts > 1) {
      // The split form's three passes go through a resident queue: one submit, one read back.
      this.splitQueue ??= new ResidentQueue(this);
      const queue = this.splitQueue;
      for (let startRow = 0; startRow < rows; startRow += rowsPerChunk) {
        const chunkRows = Math.min(rowsPerChunk, rows - startRow);
        const start = startRow * cols;
        const end = start + chunkRows * cols;
        const data = inputs.map((input) => queue.upload(input.subarray(start, end)));
        const output = queue.rows(kernel, data, { rows: chunkRows, cols });
        try {
          result.set(await queue.read(output), start);
        } finally {
          for (const buffer of [...data, output].map((d) => d.buffer)) queue.release(buffer);
        }
      }
      return result;
    }
    const pipeline = () => this.pipelines.rows(plan.kernel, plan.threadsPerRow);
    for (let startRow = 0; startRow < rows; startRow += rowsPerChunk) {
      const chunkRows = Math.min(rowsPerChunk, rows - startRow);
      const start = startRow * cols;
      const end = start + chunkRows * cols;
      await this.run({
        label: kernel,
        pipeline,
        shape: isTwoInputRowKernel(kernel) ? 'binary' : 'unary',
        inputs: inputs.map((input) => input.subarray(start, end)),
        outputs: [result.subarray(start, end)],
        params: rowParams(chunkRows, cols, end - start),
        workgroups: Math.ceil(chunkRows / plan.rowsPerWorkgroup),
      });
    }
    return result;
  }

  // A row longer than one binding: its segments are uploaded, the split form runs across them in one
  // submit (src/gpu/resident.ts, longRow), and the segments' outputs are read back.
  private async longRow(kernel: RowKernel, inputs: readonly Float32Array[], output: Float32Array): Promise<void> {
    this.splitQueue ??= new ResidentQueue(this);
    const queue = this.splitQueue;
    const segments: ResidentData[][] = [];
    for (let start = 0; start < output.length; start += this.chunkElements) {
      const end = Math.min(output.length, start + this.chunkElements);
      segments.push(inputs.map((input) => queue.upload(input.subarray(start, end))));
    }
    const outputs = queue.longRow(kernel, segments);
    try {
      let start = 0;
      for (const segment of outputs) {
        output.set(await queue.read(segment), start);
        start += segment.length;
      }
    } finally {
      for (const data of [...segments.flat(), ...outputs]) queue.release(data.buffer);
    }
  }

  stats(): PoolStats {
    return this.pool.stats();
  }

  /** The row kernel for a shape on this device, under the backend's row strategy. */
  planRows(kernel: RowKernel, rows: number, cols: number): RowPlan {
    return planRows(kernel, rows, cols, this.softwareAdapter, this.options.rowStrategy);
  }

  /** Whether the device is lost, waiting briefly for a `lost` promise that may not have settled yet. */
  async isLost(): Promise<boolean> {
    if (this.lost) return true;
    await Promise.race([this.device.lost, new Promise((resolve) => setTimeout(resolve, 100))]);
    return this.lost;
  }

  /** Releases every buffer; with `destroyDevice`, the device too (only for a device the library requested). */
  destroy(destroyDevice = false): void {
    this.pool.destroy();
    this.uniform.destroy();
    if (destroyDevice) this.device.destroy();
  }

  private async run(dispatch: Dispatch): Promise<void> {
    const { device } = this;
    const count = dispatch.inputs[0]?.length ?? 0;
    if (count === 0) return;
    const inputBytes = padded(count);
    const outputBytes = dispatch.outputs.map((output) => padded(output.length));
    const stagingOffsets = outputBytes.map((_, i) => outputBytes.slice(0, i).reduce((sum, bytes) => sum + bytes, 0));
    const stagingBytes = outputBytes.reduce((sum, bytes) => sum + bytes, 0);
    const acquired: GPUBuffer[] = [];
    const acquire = (bytes: number, usage: GPUBufferUsageFlags, label: string) => {
      const buffer = this.pool.acquire(bytes, usage, label);
      acquired.push(buffer);
      return buffer;
    };
    let staging: GPUBuffer | undefined;
    let stagingReusable = false;
    try {
      // Everything this call asks of the device, buffer creation included, runs inside its error scopes,
      // so that an allocation or validation failure rejects this call with the WebGPU message (nothing
      // here awaits, so no other call's work can land in these scopes).
      device.pushErrorScope('out-of-memory');
      device.pushErrorScope('validation');
      let scopes: Promise<(GPUError | null)[]>;
      try {
        const inputBuffers = dispatch.inputs.map((input) => {
          const buffer = acquire(inputBytes, GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_DST, 'input');
          const source = uploadSource(input);
          device.queue.writeBuffer(buffer, 0, source.buffer, source.byteOffset, count * 4);
          return buffer;
        });
        const outputBuffers = outputBytes.map((bytes) =>
          acquire(bytes, GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST, 'output'),
        );
        staging = acquire(stagingBytes, GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST, 'staging');
        outputBuffers.forEach((buffer, i) => {
          this.poisonIfTesting(buffer, outputBytes[i] as number);
        });
        device.queue.writeBuffer(this.uniform, 0, dispatch.params);
        const encoder = device.createCommandEncoder({ label: `webgpu-activations.${dispatch.label}.encoder` });
        this.encodeDispatch(
          encoder,
          dispatch.label,
          dispatch.pipeline(),
          dispatch.shape,
          [
            ...inputBuffers.map((buffer, i) => ({ binding: i, buffer, offset: 0, size: inputBytes })),
            ...outputBuffers.map((buffer, i) => ({ binding: 2 + i, buffer, offset: 0, size: outputBytes[i] as number })),
            { binding: 4, buffer: this.uniform, offset: 0, size: UNIFORM_BYTES },
          ],
          dispatch.workgroups,
        );
        for (const [i, buffer] of outputBuffers.entries()) {
          encoder.copyBufferToBuffer(buffer, 0, staging, stagingOffsets[i] as number, outputBytes[i] as number);
        }
        device.queue.submit([encoder.finish()]);
      } finally {
        const validation = device.popErrorScope();
        const outOfMemory = device.popErrorScope();
        scopes = Promise.all([validation, outOfMemory]);
      }

      const mapped = staging.mapAsync(GPUMapMode.READ, 0, stagingBytes);
      // Observed now, awaited below: a map that fails while the scopes are awaited is no unhandled rejection.
      mapped.catch(() => {});
      const [validationError, outOfMemoryError] = await scopes;
      const gpuError = validationError ?? outOfMemoryError;
      if (gpuError) throw new WebGPUError(`${dispatch.label}: ${gpuError.message}`);
      await mapped;
      const range = staging.getMappedRange(0, stagingBytes);
      dispatch.outputs.forEach((output, i) => {
        output.set(new Float32Array(range, stagingOffsets[i] as number, output.length));
      });
      staging.unmap();
      stagingReusable = true;
    } finally {
      // A staging buffer whose map failed or is still pending cannot serve another call: drop it.
      for (const buffer of acquired) {
        if (buffer === staging && !stagingReusable) this.pool.discard(buffer);
        else this.pool.release(buffer);
      }
    }
  }

  /** Records one dispatch into `encoder`: a bind group over the given buffer ranges, then a 1D or 2D grid. */
  encodeDispatch(
    encoder: GPUCommandEncoder,
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
    const pass = encoder.beginComputePass({ label: `webgpu-activations.${label}.pass` });
    pass.setPipeline(pipeline);
    pass.setBindGroup(0, bindGroup);
    const [x, y] = grid(workgroups, this.maxWorkgroupsPerDimension);
    pass.dispatchWorkgroups(x, y);
    pass.end();
  }

  /** Copies `length` floats of a GPU buffer back: one copy, one submit, one map. */
  async readBuffer(buffer: GPUBuffer, length: number): Promise<Float32Array> {
    const result = new Float32Array(length);
    if (length === 0) return result;
    const bytes = padded(length);
    // The copy runs inside a validation scope: a copy from a destroyed buffer must reject, not map zeros.
    this.device.pushErrorScope('validation');
    const staging = this.pool.acquire(bytes, GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST, 'staging');
    let reusable = false;
    try {
      let validation: Promise<GPUError | null>;
      try {
        const encoder = this.device.createCommandEncoder({ label: 'webgpu-activations.read.encoder' });
        encoder.copyBufferToBuffer(buffer, 0, staging, 0, bytes);
        this.device.queue.submit([encoder.finish()]);
      } finally {
        validation = this.device.popErrorScope();
      }
      const mapped = staging.mapAsync(GPUMapMode.READ, 0, bytes);
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

  /** The uniform layout of the elementwise kernels. */
  elementwiseParams(count: number, alpha: number): ArrayBuffer {
    return elementwiseParams(count, alpha);
  }

  /** The uniform layout of the row kernels; `parts` threads share a row in the split kernels. */
  rowParams(rows: number, cols: number, length: number, parts = 1): ArrayBuffer {
    return rowParams(rows, cols, length, parts);
  }

  /** With `poisonOutputs` (tests), fills a fresh output buffer with POISON_VALUE so that elements a kernel leaves unwritten show. */
  poisonIfTesting(buffer: GPUBuffer, bytes: number): void {
    if (this.options.poisonOutputs) this.device.queue.writeBuffer(buffer, 0, this.poisonOf(bytes));
  }

  private poisonOf(bytes: number): Float32Array {
    if (this.poison.byteLength < bytes) this.poison = new Float32Array(bytes / 4).fill(POISON_VALUE);
    return this.poison.subarray(0, bytes / 4);
  }
}

export function rowParams(rows: number, cols: number, length: number, parts = 1): ArrayBuffer {
  const params = new ArrayBuffer(UNIFORM_BYTES);
  new Uint32Array(params, 0, 6).set([rows, cols, QUIET_NAN_BITS, NEGATIVE_INFINITY_BITS, length, parts]);
  return params;
}

export function elementwiseParams(count: number, alpha: number): ArrayBuffer {
  const params = new ArrayBuffer(UNIFORM_BYTES);
  new Uint32Array(params, 0, 1)[0] = Math.ceil(count / 4);
  new Float32Array(params, 4, 1)[0] = alpha;
  return params;
}

/** Splits a workgroup count over x and y when it exceeds the per-dimension limit (65535 by default). */
export function grid(workgroups: number, maxPerDimension: number): [number, number] {
  if (workgroups <= maxPerDimension) return [workgroups, 1];
  const y = Math.ceil(workgroups / maxPerDimension);
  return [Math.ceil(workgroups / y), y];
}

/** How row ops choose their kernel; see {@link planRows}. */
export type RowStrategy = 'auto' | 'thread' | 'workgroup' | 'split';

/**
 * How a row op runs for a shape: which entry point, how many threads share a row, rows per workgroup;
 * `parts` > 1 for the split form (three passes: partials of `parts` threads a row, a merge, the outputs).
 */
export interface RowPlan {
  readonly kernel: RowKernel | RowByThreadKernel;
  readonly threadsPerRow: number;
  readonly rowsPerWorkgroup: number;
  readonly parts: number;
}

/** Rows up to this long get a thread each on every device: their statistics need no merging. */
export const SHORT_ROW_COLS = 32;

/**
 * Picks the row kernel for a shape. Short rows get one thread each (no workgroup memory, no barrier).
 * Longer rows share a workgroup-wide reduction on a hardware adapter; on a software adapter they get
 * one thread each once there are 16 rows or more (64 for rows of 32768 or more), because there a workgroup that
 * holds a barrier costs about 0.8 ms whatever its work (SwiftShader: 1024 x 1024 took 1007 ms with 256
 * threads a row, 82 ms with one).
 */
export function planRows(kernel: RowKernel, rows: number, cols: number, softwareAdapter: boolean, strategy: RowStrategy = 'auto'): RowPlan {
  const chosen = strategy === 'auto' ? automaticRowStrategy(rows, cols, softwareAdapter) : strategy;
  if (chosen === 'thread') return { kernel: `${kernel}_by_thread`, threadsPerRow: 1, rowsPerWorkgroup: WORKGROUP_SIZE, parts: 1 };
  if (chosen === 'split') return { kernel, threadsPerRow: 1, rowsPerWorkgroup: WORKGROUP_SIZE, parts: splitParts(cols) };
  const threadsPerRow = threadsPerRowFor(cols);
  return { kernel, threadsPerRow, rowsPerWorkgroup: WORKGROUP_SIZE / threadsPerRow, parts: 1 };
}

// Short rows: a thread each, everywhere. Few long rows: split across many threads (one workgroup a
// row would leave most of the device idle, and on a software adapter a thread a row runs serially).
// Otherwise a workgroup a row on hardware, a thread a row on a software adapter (no barriers).
function automaticRowStrategy(rows: number, cols: number, softwareAdapter: boolean): Exclude<RowStrategy, 'auto'> {
  if (cols <= SHORT_ROW_COLS) return 'thread';
  // On a software adapter the split form measured no faster than a workgroup a row (16 x 65536: 81
  // against 78 ms; two cores leave nothing to parallelise, the exact exp is the cost), so it is kept
  // for hardware. A thread a row runs at one rate whatever the shape there (0.11 GB/s resident from
  // 16 x 4096 to 256 x 1024); a workgroup a row beats it only on very long rows (16 x 65536: 0.17
  // GB/s; 64 x 16384: 0.12; 32 x 8192: 0.09) and loses to barriers on many rows (256 x 1024: 0.02).
  if (softwareAdapter) return rows < 16 || (rows < 64 && cols >= 32768) ? 'workgroup' : 'thread';
  return rows < 64 && cols >= 8192 ? 'split' : 'workgroup';
}

/** Whether a device runs on a software adapter (SwiftShader, WARP, ...), from what the device or adapter reports. */
export function isSoftwareAdapter(device: GPUDevice, adapterInfo: GPUAdapterInfo | undefined): boolean {
  const info = adapterInfo ?? (device as GPUDevice & { adapterInfo?: GPUAdapterInfo }).adapterInfo;
  if (!info) return false;
  const fallback = (info as GPUAdapterInfo & { isFallbackAdapter?: boolean }).isFallbackAdapter === true;
  return (
    fallback ||
    /swiftshader|llvmpipe|lavapipe|software|warp/i.test(`${info.vendor} ${info.architecture} ${info.description} ${info.device}`)
  );
}

/**
 * Threads that share one row in the workgroup-reduction kernels: a power of two near cols / 4, up
 * to a whole workgroup.
 */
export function threadsPerRowFor(cols: number): number {
  let threads = 1;
  while (threads < WORKGROUP_SIZE && threads * 4 < cols) threads *= 2;
  return threads;
}
