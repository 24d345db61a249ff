import { ArgumentRangeError, WebGPUError } from '../errors.ts';
import type { ElementwiseActivation } from '../ops/elementwise.ts';
import { type ElementwiseKernel, isTwoInputRowKernel, type RowKernel } from '../ops/kernels.ts';
import type { Shape } from '../validate.ts';
import type { GpuBackend } from './backend.ts';
import { padded, splitParts, UNIFORM_BYTES } from './layout.ts';
import { elementwiseBindingShape, WORKGROUP_SIZE } from './pipelines.ts';
import { uploadSource } from './upload-source.ts';

// Read when used, not at module load: GPUBufferUsage does not exist where WebGPU does not (Node).
const tensorUsage = () => GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST;

/** A GPU buffer holding `length` float32 values, with the validation error (if any) of the op that wrote it. */
export interface ResidentData {
  readonly buffer: GPUBuffer;
  readonly length: number;
  /** Settles with the WebGPU error of the op that produced this data, or null. */
  readonly error: Promise<{ readonly message: string } | null>;
}

/**
 * Records GPU-resident ops into one command encoder, submitted once at the end of the current task
 * (a microtask) or when a result is read: ops a caller queues together cost one submit. Uniform
 * buffers and buffers released meanwhile stay untouched until that submit.
 */
export class ResidentQueue {
  private encoder: GPUCommandEncoder | undefined;
  private afterSubmit: (() => void)[] = [];

  constructor(private readonly gpu: GpuBackend) {}

  /** Uploads x into a new buffer (one writeBuffer). */
  upload(x: Float32Array): ResidentData {
    // The array API splits any length; a tensor is one buffer, so it cannot exceed the device's.
    const maxElements = Math.floor(this.gpu.device.limits.maxBufferSize / 4);
    if (x.length > maxElements) {
      throw new ArgumentRangeError(
        'x',
        `a tensor of ${x.length} elements (${x.length * 4} bytes) exceeds the device's maxBufferSize of ${this.gpu.device.limits.maxBufferSize} bytes (${maxElements} elements); use the array API, which splits`,
      );
    }
    const buffer = this.gpu.pool.acquire(padded(Math.max(1, x.length)), tensorUsage(), 'tensor');
    const source = uploadSource(x);
    if (x.length > 0) this.gpu.device.queue.writeBuffer(buffer, 0, source.buffer, source.byteOffset, x.length * 4);
    return { buffer, length: x.length, error: Promise.resolve(null) };
  }

  /** Gives a tensor's buffer back to the pool, after the pending submit if one may still use it. */
  release(buffer: GPUBuffer): void {
    if (this.encoder) this.afterSubmit.push(() => this.gpu.pool.release(buffer));
    else this.gpu.pool.release(buffer);
  }

  /** Submits what was recorded. */
  flush(): void {
    const encoder = this.encoder;
    if (!encoder) return;
    this.encoder = undefined;
    this.gpu.device.queue.submit([encoder.finish()]);
    const pending = this.afterSubmit;
    this.afterSubmit = [];
    for (const action of pending) action();
  }

  /** Submits what was recorded, then reads `data` back. */
  async read(data: ResidentData): Promise<Float32Array> {
    this.flush();
    const error = await data.error;
    if (error) throw new WebGPUError(error.message);
    return this.gpu.readBuffer(data.buffer, data.length);
  }

  elementwise(
    activation: ElementwiseActivation,
    kernel: ElementwiseKernel | 'forward_and_derivative',
    inputs: readonly ResidentData[],
    alpha: number,
    outputs: number,
  ): ResidentData[] {
    const length = inputs[0]?.length ?? 0;
    // Slices start at multiples of 64 elements: binding offsets must be 256-byte aligned.
    const slice = Math.max(64, Math.floor(this.gpu.chunkElements / 64) * 64);
    return this.record(`${activation.name}.${kernel}`, inputs, Array(outputs).fill(length), (encoder, outputBuffers) => {
      const pipeline = this.gpu.pipelines.elementwise(activation, kernel);
      for (let start = 0; start < length; start += slice) {
        const count = Math.min(slice, length - start);
        const bytes = padded(count);
        const uniform = this.uniform(this.gpu.elementwiseParams(count, alpha));
        this.gpu.encodeDispatch(
          encoder,
          `${activation.name}.${kernel}`,
          pipeline,
          elementwiseBindingShape(kernel),
          [
            ...inputs.map((input, i) => ({ binding: i, buffer: input.buffer, offset: start * 4, size: bytes })),
            ...outputBuffers.map((buffer, i) => ({ binding: 2 + i, buffer, offset: start * 4, size: bytes })),
            { binding: 4, buffer: uniform, offset: 0, size: UNIFORM_BYTES },
          ],
          Math.ceil(Math.ceil(count / 4) / WORKGROUP_SIZE),
        );
      }
    });
  }

  rows(kernel: RowKernel, inputs: readonly ResidentData[], shape: Shape): ResidentData {
    const { rows, cols } = shape;
    const length = rows * cols;
    // A tensor larger than one binding runs in slices of whole rows, each starting at a 256-byte aligned
    // offset: a multiple of `alignedStep` rows, whose elements come in whole 64-float blocks.
    const alignedStep = 64 / greatestCommonDivisor(cols, 64);
    const rowsPerSlice =
      length <= this.gpu.chunkElements
        ? rows
        : Math.floor(Math.floor(this.gpu.chunkElements / Math.max(1, cols)) / alignedStep) * alignedStep;
    if (rowsPerSlice === 0) {
      throw new ArgumentRangeError(
        'x',
        `a resident ${kernel} row of ${cols} elements cannot be sliced into storage bindings of ${this.gpu.chunkElements} elements at aligned offsets; pass an array instead, which splits any row`,
      );
    }
    const [output] = this.record(kernel, inputs, [length], (encoder, [buffer]) => {
      if (length === 0 || !buffer) return;
      for (let startRow = 0; startRow < rows; startRow += rowsPerSlice) {
        this.encodeRows(encoder, kernel, inputs, buffer, startRow * cols, { rows: Math.min(rowsPerSlice, rows - startRow), cols });
      }
    });
    return output as ResidentData;
  }

  // Records a row kernel over `shape.rows` rows that start at element `start` of the inputs and output.
  private encodeRows(
    encoder: GPUCommandEncoder,
    kernel: RowKernel,
    inputs: readonly ResidentData[],
    buffer: GPUBuffer,
    start: number,
    shape: Shape,
  ): void {
    const { rows, cols } = shape;
    const length = rows * cols;
    const plan = this.gpu.planRows(kernel, rows, cols);
    const twoInputs = isTwoInputRowKernel(kernel);
    const offset = start * 4;
    const bytes = padded(length);
    const uniform = this.uniform(this.gpu.rowParams(rows, cols, length, plan.parts));
    const inputRanges = inputs.map((input, i) => ({ binding: i, buffer: input.buffer, offset, size: bytes }));
    const uniformRange = { binding: 4, buffer: uniform, offset: 0, size: UNIFORM_BYTES };
    if (plan.parts === 1) {
      this.gpu.encodeDispatch(
        encoder,
        kernel,
        this.gpu.pipelines.rows(plan.kernel, plan.threadsPerRow),
        twoInputs ? 'binary' : 'unary',
        [...inputRanges, { binding: 2, buffer, offset, size: bytes }, uniformRange],
        Math.ceil(rows / plan.rowsPerWorkgroup),
      );
      return;
    }
    // The split form: partial statistics (or dot products), a merge per row, then the outputs.
    const partialBytes = padded(rows * plan.parts * 4);
    const mergedBytes = padded(rows * 4);
    const partials = this.temporary(partialBytes);
    const merged = this.temporary(mergedBytes);
    const partialKernel = twoInputs ? 'split_dot' : 'split_statistics';
    this.gpu.encodeDispatch(
      encoder,
      partialKernel,
      this.gpu.pipelines.rows(partialKernel, 1),
      twoInputs ? 'binary' : 'unary',
      [...inputRanges, { binding: 2, buffer: partials, offset: 0, size: partialBytes }, uniformRange],
      Math.ceil((rows * plan.parts) / WORKGROUP_SIZE),
    );
    this.gpu.encodeDispatch(
      encoder,
      'merge_partials',
      this.gpu.pipelines.rows('merge_partials', 1),
      'unary',
      [
        { binding: 0, buffer: partials, offset: 0, size: partialBytes },
        { binding: 2, buffer: merged, offset: 0, size: mergedBytes },
        uniformRange,
      ],
      Math.ceil(rows / WORKGROUP_SIZE),
    );
    const outputKernel = `${kernel}_split` as const;
    this.gpu.encodeDispatch(
      encoder,
      outputKernel,
      this.gpu.pipelines.rows(outputKernel, 1),
      twoInputs ? 'binary_with_statistics' : 'unary_with_statistics',
      [
        ...inputRanges,
        { binding: 2, buffer, offset, size: bytes },
        { binding: 3, buffer: merged, offset: 0, size: mergedBytes },
        uniformRange,
      ],
      Math.ceil(length / WORKGROUP_SIZE),
    );
  }

  /**
   * One row longer than a binding, given as segments that each fit one (the inputs of each segment):
   * the split form across segments. Every segment's partials go into one buffer, one merge gives the
   * row's statistics, and each segment's outputs are written from them; all in this queue's submit.
   */
  longRow(kernel: RowKernel, segments: readonly (readonly ResidentData[])[]): ResidentData[] {
    const twoInputs = isTwoInputRowKernel(kernel);
    const lengths = segments.map((inputs) => inputs[0]?.length ?? 0);
    // A multiple of 16 partials a segment puts each segment's partials at a 256-byte aligned offset.
    const parts = Math.max(16, splitParts(Math.max(...lengths)));
    const segmentBytes = parts * 16;
    return this.record(kernel, segments.flat(), lengths, (encoder, outputBuffers) => {
      const partials = this.temporary(segmentBytes * segments.length);
      const merged = this.temporary(16);
      const partialKernel = twoInputs ? 'split_dot' : 'split_statistics';
      const outputKernel = `${kernel}_split` as const;
      const uniformRange = (params: ArrayBuffer) => ({ binding: 4, buffer: this.uniform(params), offset: 0, size: UNIFORM_BYTES });
      const inputRanges = (inputs: readonly ResidentData[]) =>
        inputs.map((input, i) => ({ binding: i, buffer: input.buffer, offset: 0, size: padded(input.length) }));
      segments.forEach((inputs, s) => {
        const length = lengths[s] as number;
        this.gpu.encodeDispatch(
          encoder,
          partialKernel,
          this.gpu.pipelines.rows(partialKernel, 1),
          twoInputs ? 'binary' : 'unary',
          [
            ...inputRanges(inputs),
            { binding: 2, buffer: partials, offset: s * segmentBytes, size: segmentBytes },
            uniformRange(this.gpu.rowParams(1, length, length, parts)),
          ],
          Math.ceil(parts / WORKGROUP_SIZE),
        );
      });
      this.gpu.encodeDispatch(
        encoder,
        'merge_partials',
        this.gpu.pipelines.rows('merge_partials', 1),
        'unary',
        [
          { binding: 0, buffer: partials, offset: 0, size: segmentBytes * segments.length },
          { binding: 2, buffer: merged, offset: 0, size: 16 },
          uniformRange(this.gpu.rowParams(1, 0, 0, parts * segments.length)),
        ],
        1,
      );
      segments.forEach((inputs, s) => {
        const length = lengths[s] as number;
        this.gpu.encodeDispatch(
          encoder,
          outputKernel,
          this.gpu.pipelines.rows(outputKernel, 1),
          twoInputs ? 'binary_with_statistics' : 'unary_with_statistics',
          [
            ...inputRanges(inputs),
            { binding: 2, buffer: outputBuffers[s] as GPUBuffer, offset: 0, size: padded(length) },
            { binding: 3, buffer: merged, offset: 0, size: 16 },
            uniformRange(this.gpu.rowParams(1, length, length, parts)),
          ],
          Math.ceil(length / WORKGROUP_SIZE),
        );
      });
    });
  }

  // Allocates outputs of the given lengths, records into the shared encoder inside a validation scope,
  // and schedules the submit for the end of this task.
  private record(
    label: string,
    inputs: readonly ResidentData[],
    outputLengths: readonly number[],
    encode: (encoder: GPUCommandEncoder, outputBuffers: GPUBuffer[]) => void,
  ): ResidentData[] {
    const outputBuffers = outputLengths.map((length) => {
      const bytes = padded(Math.max(1, length));
      const buffer = this.gpu.pool.acquire(bytes, tensorUsage(), 'tensor');
      this.gpu.poisonIfTesting(buffer, bytes);
      return buffer;
    });
    if (!this.encoder) {
      this.encoder = this.gpu.device.createCommandEncoder({ label: 'webgpu-activations.resident.encoder' });
      queueMicrotask(() => this.flush());
    }
    this.gpu.device.pushErrorScope('validation');
    encode(this.encoder, outputBuffers);
    const error = this.gpu.device.popErrorScope().then(
      // GPUError's message is read-only: report a labelled copy.
      (found): { message: string } | null => (found ? { message: `${label}: ${found.message}` } : null),
      () => null,
    );
    const errors = Promise.all([error, ...inputs.map((input) => input.error)]).then((found) => found.find((e) => e) ?? null);
    return outputBuffers.map((buffer, i) => ({ buffer, length: outputLengths[i] as number, error: errors }));
  }

  /** A scratch storage buffer that returns to the pool after the submit. */
  private temporary(bytes: number): GPUBuffer {
    const buffer = this.gpu.pool.acquire(bytes, tensorUsage(), 'scratch');
    this.afterSubmit.push(() => this.gpu.pool.release(buffer));
    return buffer;
  }

  private uniform(params: ArrayBuffer): GPUBuffer {
    const buffer = this.gpu.pool.acquire(UNIFORM_BYTES, GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST, 'params');
    this.gpu.device.queue.writeBuffer(buffer, 0, params);
    this.afterSubmit.push(() => this.gpu.pool.release(buffer));
    return buffer;
  }
}

function greatestCommonDivisor(a: number, b: number): number {
  return b === 0 ? a : greatestCommonDivisor(b, a % b);
}
