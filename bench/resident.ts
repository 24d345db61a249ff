// GPU-only ("resident") timings: inputs already in GPU buffers, outputs left there. Our kernels and a
// plain buffer copy are timed the same way, so that a kernel's GB/s can be read against the copy's.
//
// With `timestamp-query`, the GPU's own clock: the work is bracketed by two (otherwise empty) compute
// passes, the first writing a timestamp at its beginning, the second at its end, so kernels and copies
// get identical brackets. Chrome quantises timestamps (100 µs by default), so every bracket holds
// `repeats` copies of the work lasting several milliseconds. Without the feature: `repeats` copies per
// submit, timed from submit to `queue.onSubmittedWorkDone()` on the wall clock.
import type { Activations } from 'webgpu-activations';
import { BufferUsage, MapMode } from '../src/gpu/flags.ts';
import { maxRelativeError } from './accuracy.ts';
import { median, throwIfCancelled, yieldToBrowser } from './measure.ts';
import type { BenchOp, BenchShape } from './ops.ts';

export type GpuTimingMethod = 'timestamp-query' | 'submit-to-done wall clock';

export interface GpuTiming {
  /** Time of one repetition of the work. */
  readonly ms: number;
  readonly method: GpuTimingMethod;
  readonly samples: number;
  readonly repeatsPerSample: number;
}

export interface CopyBandwidth extends GpuTiming {
  /** Bytes read plus bytes written by one copy. */
  readonly bytes: number;
  readonly gigabytesPerSecond: number;
}

export interface ResidentTiming extends GpuTiming {
  readonly gigabytesPerSecond: number;
  /** Of the kernel's output after timing, against the float64 reference: proves the dispatch computed the op. */
  readonly maxRelativeError: number;
  /** gigabytesPerSecond over the copy bandwidth (copyBufferToBuffer). */
  readonly fractionOfCopy: number;
  /**
   * gigabytesPerSecond over the vec4 copy kernel's bandwidth, where it was measured: the ceiling a
   * compute kernel can reach (SwiftShader runs copyBufferToBuffer as a memcpy, 10x a copy kernel).
   */
  readonly fractionOfKernelCopy?: number;
}

/** How long a bracket of repeated work should last: far above the 100 µs timestamp quantum and timer noise. */
const TARGET_SAMPLE_MS = 8;
const MAX_REPEATS = 4096;
const MIN_SAMPLES = 3;
const COPY_BYTES = 64 * 1024 * 1024;

/** Records the work `repeats` times into an encoder (outside any pass). */
export type EncodeWork = (encoder: GPUCommandEncoder, repeats: number) => void;

/**
 * Times one repetition of some GPU work, given a way to time `repeats` repetitions of it: calibrates how
 * many repetitions fill a sample (with the measuring method itself: the wall clock of one submit is
 * mostly submit overhead, and one timestamp bracket of a small kernel may read 0, quantised), then
 * takes samples until `maxSamples` or the budget. A sample that reads zero or negative is skipped.
 * `maxRepeats` caps the calibration (default MAX_REPEATS).
 */
export async function sampleRepeats(
  sampleMs: (repeats: number) => Promise<number>,
  method: GpuTimingMethod,
  options: { maxSamples: number; budgetMs: number; signal: AbortSignal; maxRepeats?: number },
): Promise<GpuTiming> {
  const { maxSamples, budgetMs, signal } = options;
  const maxRepeats = Math.max(1, Math.min(MAX_REPEATS, options.maxRepeats ?? MAX_REPEATS));
  let repeatsPerSample = 1;
  for (let ms = await sampleMs(1); ms < TARGET_SAMPLE_MS && repeatsPerSample < maxRepeats; ms = await sampleMs(repeatsPerSample)) {
    throwIfCancelled(signal);
    const factor = Math.min(64, Math.max(2, Math.ceil(TARGET_SAMPLE_MS / Math.max(ms, 1e-2))));
    repeatsPerSample = Math.min(maxRepeats, repeatsPerSample * factor);
  }
  const samples: number[] = [];
  const start = performance.now();
  let attempts = 0;
  while (samples.length < maxSamples && attempts < maxSamples * 2) {
    const elapsedMs = performance.now() - start;
    if (samples.length >= MIN_SAMPLES && elapsedMs >= budgetMs) break;
    if (attempts >= 1 && elapsedMs >= 3 * budgetMs) break;
    throwIfCancelled(signal);
    attempts++;
    const ms = await sampleMs(repeatsPerSample);
    if (ms > 0) samples.push(ms / repeatsPerSample);
    await yieldToBrowser();
  }
  if (samples.length === 0) throw new Error(`every ${method} sample was zero or negative`);
  return { ms: median(samples), method, samples: samples.length, repeatsPerSample };
}

/** Times encoded GPU work with one method for everything this device runs. */
export class GpuTimer {
  readonly method: GpuTimingMethod;
  private readonly querySet: GPUQuerySet | undefined;
  private readonly resolveBuffer: GPUBuffer | undefined;
  private readonly readBuffer: GPUBuffer | undefined;

  constructor(private readonly device: GPUDevice) {
    this.method = device.features.has('timestamp-query') ? 'timestamp-query' : 'submit-to-done wall clock';
    if (this.method === 'timestamp-query') {
      this.querySet = device.createQuerySet({ label: 'bench.timestamps', type: 'timestamp', count: 2 });
      this.resolveBuffer = device.createBuffer({
        label: 'bench.timestamps.resolve',
        size: 16,
        usage: BufferUsage.QUERY_RESOLVE | BufferUsage.COPY_SRC,
      });
      this.readBuffer = device.createBuffer({
        label: 'bench.timestamps.read',
        size: 16,
        usage: BufferUsage.MAP_READ | BufferUsage.COPY_DST,
      });
    }
  }

  /**
   * Times one repetition of `encode`'s work: calibrates how many repetitions fill a sample, then takes
   * samples until `maxSamples` or the budget. A sample whose timestamps run backwards is skipped.
   */
  async time(encode: EncodeWork, maxSamples: number, budgetMs: number, signal: AbortSignal): Promise<GpuTiming> {
    await this.wallClockMs(encode, 1); // first use: pipeline creation, buffer initialisation
    return sampleRepeats((repeats) => this.sampleMs(encode, repeats), this.method, { maxSamples, budgetMs, signal });
  }

  destroy(): void {
    this.querySet?.destroy();
    this.resolveBuffer?.destroy();
    this.readBuffer?.destroy();
  }

  private sampleMs(encode: EncodeWork, repeats: number): Promise<number> {
    return this.querySet ? this.timestampMs(encode, repeats) : this.wallClockMs(encode, repeats);
  }

  private async wallClockMs(encode: EncodeWork, repeats: number): Promise<number> {
    const encoder = this.device.createCommandEncoder({ label: 'bench.resident.encoder' });
    encode(encoder, repeats);
    const start = performance.now();
    this.device.queue.submit([encoder.finish()]);
    await this.device.queue.onSubmittedWorkDone();
    return performance.now() - start;
  }

  private async timestampMs(encode: EncodeWork, repeats: number): Promise<number> {
    const { device, querySet, resolveBuffer, readBuffer } = this;
    if (!querySet || !resolveBuffer || !readBuffer) throw new Error('timestamp-query is not enabled on this device');
    const encoder = device.createCommandEncoder({ label: 'bench.resident.timed-encoder' });
    encoder.beginComputePass({ label: 'bench.timestamp.begin', timestampWrites: { querySet, beginningOfPassWriteIndex: 0 } }).end();
    encode(encoder, repeats);
    encoder.beginComputePass({ label: 'bench.timestamp.end', timestampWrites: { querySet, endOfPassWriteIndex: 1 } }).end();
    encoder.resolveQuerySet(querySet, 0, 2, resolveBuffer, 0);
    encoder.copyBufferToBuffer(resolveBuffer, 0, readBuffer, 0, 16);
    device.queue.submit([encoder.finish()]);
    await readBuffer.mapAsync(MapMode.READ);
    const [begin, end] = new BigInt64Array(readBuffer.getMappedRange().slice(0));
    readBuffer.unmap();
    return Number((end ?? 0n) - (begin ?? 0n)) / 1e6;
  }
}

/**
 * Times one copy of `copyBytes` from one new buffer to another, recorded by `prepare`'s encoder (it gets
 * the two buffers; it may build a pipeline), and returns the bandwidth, bytes read plus written. Both
 * ceilings of the benchmark are measured this way: copyBufferToBuffer, and a copy kernel (copy-kernel.ts).
 */
export async function measureCopy(
  timer: GpuTimer,
  device: GPUDevice,
  label: string,
  copyBytes: number,
  usage: GPUBufferUsageFlags,
  prepare: (source: GPUBuffer, destination: GPUBuffer) => EncodeWork | Promise<EncodeWork>,
  options: { maxSamples: number; budgetMs: number; signal: AbortSignal },
): Promise<CopyBandwidth> {
  const source = device.createBuffer({ label: `${label}.source`, size: copyBytes, usage });
  const destination = device.createBuffer({ label: `${label}.destination`, size: copyBytes, usage });
  try {
    const timing = await timer.time(await prepare(source, destination), options.maxSamples, options.budgetMs, options.signal);
    const bytes = 2 * copyBytes;
    return { ...timing, bytes, gigabytesPerSecond: bytes / (timing.ms * 1e6) };
  } finally {
    source.destroy();
    destination.destroy();
  }
}

/** The device's buffer-copy bandwidth: a 64 MiB copyBufferToBuffer (or the largest buffer allowed), bytes read plus written. */
export function measureCopyBandwidth(
  timer: GpuTimer,
  device: GPUDevice,
  maxSamples: number,
  budgetMs: number,
  signal: AbortSignal,
): Promise<CopyBandwidth> {
  const copyBytes = Math.min(COPY_BYTES, Math.floor(device.limits.maxBufferSize / 16) * 16);
  const usage = BufferUsage.COPY_SRC | BufferUsage.COPY_DST | BufferUsage.STORAGE;
  return measureCopy(
    timer,
    device,
    'bench.copy',
    copyBytes,
    usage,
    (source, destination) => (encoder, repeats) => {
      for (let i = 0; i < repeats; i++) encoder.copyBufferToBuffer(source, 0, destination, 0, copyBytes);
    },
    { maxSamples, budgetMs, signal },
  );
}

/**
 * One of our ops on data already on the GPU, recorded by the library itself (`act.resident.with`) into
 * the timed encoder: random inputs uploaded once, `repeats` calls per bracket, nothing read back until
 * the timing is done. What is timed is what a caller recording into their own encoder gets, the
 * library's slicing and split form included.
 */
export async function measureResidentKernel(
  timer: GpuTimer,
  act: Activations,
  op: BenchOp,
  inputs: readonly Float32Array[],
  shape: BenchShape,
  reference: Float64Array,
  copy: CopyBandwidth,
  options: {
    maxSamples: number;
    budgetMs: number;
    signal: AbortSignal;
    errorScale?: Float64Array | undefined;
  },
): Promise<ResidentTiming> {
  const elements = shape.rows * shape.cols;
  const kernel = op.resident;
  const tensors = inputs.map((input) => act.upload(input));
  const outputs = Array.from({ length: kernel.outputs ?? 1 }, () => act.upload(new Float32Array(elements)));
  try {
    const timing = await timer.time(
      (encoder, repeats) => {
        const ops = act.resident.with(encoder);
        for (let i = 0; i < repeats; i++) kernel.record(ops, tensors, outputs, shape);
      },
      options.maxSamples,
      options.budgetMs,
      options.signal,
    );
    const gigabytesPerSecond = (elements * op.bytesPerElement) / (timing.ms * 1e6);
    // Two outputs are read back side by side, as the op's reference lays them out.
    const result = new Float32Array(outputs.length * elements);
    for (const [i, output] of outputs.entries()) result.set(await output.read(), i * elements);
    return {
      ...timing,
      gigabytesPerSecond,
      fractionOfCopy: gigabytesPerSecond / copy.gigabytesPerSecond,
      maxRelativeError: maxRelativeError(result, reference, options.errorScale),
    };
  } finally {
    for (const tensor of [...tensors, ...outputs]) tensor.destroy();
  }
}
