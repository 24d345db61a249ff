import { WebGPUError } from '../errors.ts';
import type { ElementwiseActivation } from '../ops/elementwise.ts';
import type { ElementwiseKernel, RowKernel } from '../ops/kernels.ts';
import type { Shape } from '../validate.ts';
import type { BufferPool, PoolStats } from './buffer-pool.ts';
import { type BufferView, type ExecutorOptions, GpuExecutor, type Recording } from './executor.ts';
import { BufferUsage, MapMode } from './flags.ts';
import { padded } from './layout.ts';

/** Settings of a GPU backend: those of its executor. */
export type GpuBackendOptions = ExecutorOptions;

/**
 * The array API on one GPUDevice: each call uploads its inputs, records the op through the device's
 * {@link GpuExecutor}, copies the outputs to staging, submits once and maps. Arrays larger than one
 * binding (or than `maxChunkBytes`) go in chunks, a submit each; rows longer than one binding go as
 * segments of one submit.
 */
export class GpuBackend {
  readonly executor: GpuExecutor;

  constructor(device: GPUDevice, options: GpuBackendOptions, adapterInfo?: GPUAdapterInfo) {
    this.executor = new GpuExecutor(device, options, adapterInfo);
  }

  get device(): GPUDevice {
    return this.executor.device;
  }

  get pool(): BufferPool {
    return this.executor.pool;
  }

  /** Largest number of float32 elements in one dispatch. */
  get chunkElements(): number {
    return this.executor.chunkElements;
  }

  /** The adapter's description, when this backend's device was requested by the library. */
  get adapterInfo(): GPUAdapterInfo | undefined {
    return this.executor.adapterInfo;
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
    const step = this.chunkElements;
    for (let start = 0; start < x.length; start += step) {
      const end = Math.min(x.length, start + step);
      const inputs = dy ? [x.subarray(start, end), dy.subarray(start, end)] : [x.subarray(start, end)];
      await this.call(`${activation.name}.${kernel}`, inputs, [result.subarray(start, end)], (recording, views, [output]) =>
        this.executor.elementwise(recording, activation, kernel, views, [output as BufferView], alpha),
      );
    }
    return result;
  }

  /** f(x) and f'(x) of `activation` in one pass. */
  async forwardAndDerivative(activation: ElementwiseActivation, x: Float32Array, alpha: number): Promise<[Float32Array, Float32Array]> {
    const values = new Float32Array(x.length);
    const derivatives = new Float32Array(x.length);
    const step = this.chunkElements;
    for (let start = 0; start < x.length; start += step) {
      const end = Math.min(x.length, start + step);
      await this.call(
        `${activation.name}.forward_and_derivative`,
        [x.subarray(start, end)],
        [values.subarray(start, end), derivatives.subarray(start, end)],
        (recording, inputs, outputs) => this.executor.elementwise(recording, activation, 'forward_and_derivative', inputs, outputs, alpha),
      );
    }
    return [values, derivatives];
  }

  /** A row-wise kernel over a rows x cols batch (inputs: x, or y and dy for softmax_backward), whole rows per chunk. */
  async rows(kernel: RowKernel, inputs: readonly Float32Array[], shape: Shape): Promise<Float32Array> {
    const length = inputs[0]?.length ?? 0;
    const result = new Float32Array(length);
    const { rows, cols } = shape;
    if (length === 0) return result;
    if (cols > this.chunkElements) {
      for (let row = 0; row < rows; row++) {
        const start = row * cols;
        await this.longRow(
          kernel,
          inputs.map((input) => input.subarray(start, start + cols)),
          result.subarray(start, start + cols),
        );
      }
      return result;
    }
    const rowsPerChunk = Math.floor(this.chunkElements / cols);
    for (let startRow = 0; startRow < rows; startRow += rowsPerChunk) {
      const chunkRows = Math.min(rowsPerChunk, rows - startRow);
      const start = startRow * cols;
      const end = start + chunkRows * cols;
      await this.call(
        kernel,
        inputs.map((input) => input.subarray(start, end)),
        [result.subarray(start, end)],
        (recording, views, [output]) => this.executor.rows(recording, kernel, views, output as BufferView, { rows: chunkRows, cols }),
      );
    }
    return result;
  }

  stats(): PoolStats {
    return this.executor.stats();
  }

  /** Whether the device is lost, waiting briefly for a `lost` promise that may not have settled yet. */
  isLost(): Promise<boolean> {
    return this.executor.isLost();
  }

  /** Releases every buffer; with `destroyDevice`, the device too (only for a device the library requested). */
  destroy(destroyDevice = false): void {
    this.executor.destroy();
    if (destroyDevice) this.device.destroy();
  }

  // A row longer than one binding: its segments are uploaded and the split form runs across them, in one submit.
  private async longRow(kernel: RowKernel, inputs: readonly Float32Array[], output: Float32Array): Promise<void> {
    const step = this.chunkElements;
    const segments: Float32Array[][] = [];
    const outputs: Float32Array[] = [];
    for (let start = 0; start < output.length; start += step) {
      const end = Math.min(output.length, start + step);
      segments.push(inputs.map((input) => input.subarray(start, end)));
      outputs.push(output.subarray(start, end));
    }
    const perSegment = inputs.length;
    await this.call(kernel, segments.flat(), outputs, (recording, views, outputViews) => {
      const grouped = outputViews.map((_, s) => views.slice(s * perSegment, (s + 1) * perSegment));
      this.executor.longRow(recording, kernel, grouped, outputViews);
    });
  }

  // One call of the array API: uploads `inputs` (a buffer each), records `encode` over their views and
  // the outputs' into one encoder, copies each output to a staging buffer, submits once, maps, and fills
  // `outputs`. Everything it asks of the device, buffer creation included, runs inside its error scopes,
  // so that an allocation or validation failure rejects this call with the WebGPU message (nothing here
  // awaits before the scopes are popped, so no other call's work lands in them).
  private async call(
    label: string,
    inputs: readonly Float32Array[],
    outputs: readonly Float32Array[],
    encode: (recording: Recording, inputs: BufferView[], outputs: BufferView[]) => void,
  ): Promise<void> {
    if (outputs.every((output) => output.length === 0)) return;
    const { device, executor, pool } = this;
    const acquired: GPUBuffer[] = [];
    const acquire = (bytes: number, usage: GPUBufferUsageFlags, purpose: string) => {
      const buffer = pool.acquire(bytes, usage, purpose);
      acquired.push(buffer);
      return buffer;
    };
    const storage = BufferUsage.STORAGE | BufferUsage.COPY_SRC | BufferUsage.COPY_DST;
    const stagings: GPUBuffer[] = [];
    let mapped = false;
    try {
      device.pushErrorScope('out-of-memory');
      device.pushErrorScope('validation');
      let scopes: Promise<(GPUError | null)[]>;
      try {
        const inputViews = inputs.map((input) => {
          const buffer = acquire(padded(Math.max(1, input.length)), BufferUsage.STORAGE | BufferUsage.COPY_DST, 'input');
          executor.write(buffer, 0, input);
          return { buffer, byteOffset: 0, length: input.length };
        });
        const outputViews = outputs.map((output) => ({
          buffer: acquire(padded(Math.max(1, output.length)), storage, 'output'),
          byteOffset: 0,
          length: output.length,
        }));
        const encoder = device.createCommandEncoder({ label: `webgpu-activations.${label}.encoder` });
        encode({ encoder, temporary: (bytes, purpose) => acquire(bytes, storage, purpose), callerOwned: false }, inputViews, outputViews);
        for (const view of outputViews) {
          const staging = acquire(padded(Math.max(1, view.length)), BufferUsage.MAP_READ | BufferUsage.COPY_DST, 'staging');
          stagings.push(staging);
          if (view.length > 0) encoder.copyBufferToBuffer(view.buffer, 0, staging, 0, padded(view.length));
        }
        device.queue.submit([encoder.finish()]);
      } finally {
        const validation = device.popErrorScope();
        const outOfMemory = device.popErrorScope();
        scopes = Promise.all([validation, outOfMemory]);
        executor.uniforms.collectRetired();
      }
      // Only the bytes written: a pooled buffer may be a size class larger, and a map copies what it covers.
      const mappedBytes = outputs.map((output) => padded(Math.max(1, output.length)));
      const maps = stagings.map((staging, i) => staging.mapAsync(MapMode.READ, 0, mappedBytes[i]));
      // Observed now, awaited below: a map that fails while the scopes are awaited is no unhandled rejection.
      for (const map of maps) map.catch(() => {});
      const [validationError, outOfMemoryError] = await scopes;
      const gpuError = validationError ?? outOfMemoryError;
      if (gpuError) throw new WebGPUError(`${label}: ${gpuError.message}`);
      await Promise.all(maps);
      outputs.forEach((output, i) => {
        const staging = stagings[i] as GPUBuffer;
        output.set(new Float32Array(staging.getMappedRange(0, mappedBytes[i]), 0, output.length));
        staging.unmap();
      });
      mapped = true;
    } finally {
      // A staging buffer whose map failed or is still pending cannot serve another call: drop it.
      for (const buffer of acquired) {
        if (!mapped && stagings.includes(buffer)) pool.discard(buffer);
        else pool.release(buffer);
      }
    }
  }
}
