// TF.js as the comparison point: its webgpu, cpu and wasm backends, initialised once, switched per cell.
// A backend that fails to start (TF.js webgpu on some software adapters) is reported, not fatal.
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-webgpu';
import { getThreadsCount, setThreadsCount, setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import plainWasmUrl from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm?url';
import simdWasmUrl from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-simd.wasm?url';
import threadedSimdWasmUrl from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-threaded-simd.wasm?url';
import type { WebGPUBackend } from '@tensorflow/tfjs-backend-webgpu';
import { BufferUsage, MapMode } from '../src/gpu/flags.ts';
import { maxRelativeError } from './accuracy.ts';
import { type BenchOp, type OpInputs, type TensorFlowModule, tensorFlowInputs } from './ops.ts';
import { type GpuTiming, sampleRepeats } from './resident.ts';

export type TensorFlowBackendName = 'webgpu' | 'cpu' | 'wasm';

export type TensorFlowBackendStatus =
  | { readonly available: true; readonly detail: string }
  | { readonly available: false; readonly reason: string };

export const TENSORFLOW_VERSION: string = tf.version_core;

let statuses: Promise<Record<TensorFlowBackendName, TensorFlowBackendStatus>> | undefined;

// The directory Node runs the benchmark from (the repository's root, where npm run bench starts it).
function nodeRoot(): string {
  return (globalThis as { process?: { cwd(): string } }).process?.cwd() ?? '';
}

async function start(name: TensorFlowBackendName, wasmThreads: number): Promise<TensorFlowBackendStatus> {
  try {
    if (name === 'wasm') {
      // The .wasm files come from the npm package, served by our own server (Vite emits them as assets).
      // In Node (bench --node) TF.js reads them with fs: the same paths, from the repository's root.
      const local = (url: string) => (typeof document === 'undefined' && url.startsWith('/') ? `${nodeRoot()}${url}` : url);
      setWasmPaths({
        'tfjs-backend-wasm.wasm': local(plainWasmUrl),
        'tfjs-backend-wasm-simd.wasm': local(simdWasmUrl),
        'tfjs-backend-wasm-threaded-simd.wasm': local(threadedSimdWasmUrl),
      });
      setThreadsCount(wasmThreads);
      // One thread: the plain SIMD build, no worker pool. (The threaded build's workers are made from the
      // factory's source text, which a minified bundle breaks, 'e is not defined': the page is built
      // unminified, vite.config.ts.)
      if (wasmThreads === 1) tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', false);
    }
    if (!(await tf.setBackend(name))) {
      return { available: false, reason: `tf.setBackend('${name}') returned false (TF.js logs why on the console)` };
    }
    await tf.ready();
    // One tiny op proves the backend computes, not just that it registered.
    const probe = tf.sigmoid(tf.tensor1d([0]));
    const [value] = await probe.data();
    probe.dispose();
    if (value !== 0.5) return { available: false, reason: `sigmoid(0) gave ${value}` };
    if (name === 'wasm') {
      const simd = await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT');
      const isolated = globalThis.crossOriginIsolated === true;
      return {
        available: true,
        detail: `TF.js ${TENSORFLOW_VERSION} wasm backend: ${getThreadsCount()} thread(s) (${wasmThreads} asked), SIMD ${simd ? 'on' : 'off'}, page ${isolated ? '' : 'not '}cross-origin isolated`,
      };
    }
    return { available: true, detail: `TF.js ${TENSORFLOW_VERSION} ${tf.getBackend()} backend` };
  } catch (error) {
    return { available: false, reason: error instanceof Error ? error.message : String(error) };
  }
}

/**
 * Starts the TF.js backends (once per page) and says which can be used. The wasm backend runs
 * `wasmThreads` threads where the page is cross-origin isolated (one otherwise, whatever is asked).
 */
export function startTensorFlow(options: { wasmThreads: number }): Promise<Record<TensorFlowBackendName, TensorFlowBackendStatus>> {
  statuses ??= (async () => ({
    webgpu: await start('webgpu', options.wasmThreads),
    cpu: await start('cpu', options.wasmThreads),
    wasm: await start('wasm', options.wasmThreads),
  }))();
  return statuses;
}

/** Makes `name` the backend of the following TF.js calls and hands the module over. */
export async function useTensorFlow(name: TensorFlowBackendName): Promise<TensorFlowModule> {
  if (tf.getBackend() !== name && !(await tf.setBackend(name))) throw new Error(`TF.js backend ${name} is unavailable`);
  return tf;
}

/**
 * TF.js webgpu resident: input tensors made once and uploaded, then repeated applications of the op
 * whose results are disposed unread. Reported like our resident kernel (time of one application, GB/s
 * over the same bytes per element) so the two compare on one adapter in one run.
 */
export interface TensorFlowResidentTiming extends GpuTiming {
  readonly gigabytesPerSecond: number;
  /** Of TF.js's output (the warm-up application) against the float64 reference: informational. */
  readonly maxRelativeError: number;
  /** The TF.js kernels one application runs, in order (tf.profile). */
  readonly kernels: readonly string[];
  /**
   * Cross-check: tf.profile's kernel time of one application, the sum of TF.js's own per-kernel
   * timestamp brackets (each kernel in its own pass and submit; Chrome quantises each bracket to
   * 100 µs, so small kernels read 0 or 0.1 ms). Null without timestamp-query or when TF.js gave none.
   */
  readonly profileKernelMs: number | null;
  /** Our resident GB/s over TF.js's (the same bytes per element: TF.js's time over ours); null when ours is unavailable. */
  readonly oursOverTensorFlow: number | null;
}

/** TF.js's private command encoder: the timestamp brackets go into it, around the op's own passes. */
interface EncoderAccess {
  commandEncoder: GPUCommandEncoder | null;
}

/** Outputs disposed inside a bracket are freed only at submit: past this many bytes, submit mid-bracket. */
const MAX_PENDING_BYTES = 256 * 1024 * 1024;
/** Large enough that TF.js never submits on its own inside a bracket. */
const NO_DEFERRED_SUBMIT = 1 << 30;

/**
 * Times `op` on TF.js's webgpu backend with its inputs resident. With timestamp-query (on TF.js's own
 * device), the same bracket as our kernels: an empty pass writing a timestamp at its beginning, the
 * applications, an empty pass writing one at its end, all in TF.js's command encoder (its automatic
 * submit every 15 dispatches held off for the bracket; a submit mid-bracket only when the disposed
 * outputs pending release pass 256 MiB). Without it: wall clock from the first application to
 * `queue.onSubmittedWorkDone()` after TF.js's submit, which includes TF.js's CPU-side recording.
 */
export async function measureTensorFlowResident(
  op: BenchOp,
  inputs: OpInputs,
  reference: Float64Array,
  ours: { readonly gigabytesPerSecond: number } | null,
  options: { maxSamples: number; budgetMs: number; signal: AbortSignal; errorScale?: Float64Array | undefined },
): Promise<TensorFlowResidentTiming> {
  await useTensorFlow('webgpu');
  const backend = tf.backend() as unknown as WebGPUBackend;
  const encoderAccess = backend as unknown as EncoderAccess;
  if (!(backend.device && typeof backend.submitQueue === 'function' && 'commandEncoder' in backend)) {
    throw new Error('TF.js webgpu backend internals (device, submitQueue, commandEncoder) not found');
  }
  const { device } = backend;
  const tensors = tf.tidy(() => tensorFlowInputs(tf, op, inputs));
  const created = [tensors.x, ...(tensors.dy ? [tensors.dy] : [])];
  const querySet = device.features.has('timestamp-query')
    ? device.createQuerySet({ label: 'bench.tfjs.timestamps', type: 'timestamp', count: 2 })
    : undefined;
  const resolveBuffer = querySet
    ? device.createBuffer({ label: 'bench.tfjs.resolve', size: 16, usage: BufferUsage.QUERY_RESOLVE | BufferUsage.COPY_SRC })
    : undefined;
  const readBuffer = querySet
    ? device.createBuffer({ label: 'bench.tfjs.read', size: 16, usage: BufferUsage.MAP_READ | BufferUsage.COPY_DST })
    : undefined;
  const flags = tf.env();
  const batchSize = flags.get('WEBGPU_DEFERRED_SUBMIT_BATCH_SIZE');
  /** Submits whatever TF.js has recorded, so that the next commands start a fresh encoder. */
  const flush = () => {
    backend.ensureCommandEncoderReady();
    backend.endComputePassEncoder();
    backend.submitQueue();
  };
  const encoder = (): GPUCommandEncoder => {
    backend.ensureCommandEncoderReady();
    backend.endComputePassEncoder();
    const current = encoderAccess.commandEncoder;
    if (!current) throw new Error('TF.js has no command encoder');
    return current;
  };
  const tfjs = op.tfjs;
  if (!tfjs) throw new Error(`TF.js has no ${op.id}`);
  const apply = () => tf.tidy(() => tfjs(tf, tensors.x, tensors.dy));
  try {
    // The inputs go to GPU buffers now (TF.js would otherwise keep small ones on the CPU and run the op there).
    for (const tensor of created) backend.uploadToGPU(tensor.dataId);
    // Warm-up, pipeline creation, and proof that the op computes.
    const first = apply();
    const output = await first.data();
    first.dispose();
    const maxError = maxRelativeError(
      output instanceof Float32Array ? output : Float32Array.from(output as ArrayLike<number>),
      reference,
      options.errorScale,
    );
    // One profiled application: the kernels it runs, the bytes it allocates, TF.js's own kernel time.
    const profile = await tf.profile(() => {
      apply().dispose();
    });
    const kernels = profile.kernels.map((kernel) => kernel.name);
    const bytesPerApplication = Math.max(
      1,
      profile.kernels.reduce((sum, kernel) => sum + Math.max(0, kernel.bytesAdded), 0),
    );
    const kernelTimes = profile.kernels.map((kernel) => kernel.kernelTimeMs as unknown);
    const profileKernelMs =
      querySet && kernelTimes.length > 0 && kernelTimes.every((ms) => typeof ms === 'number' && Number.isFinite(ms))
        ? (kernelTimes as number[]).reduce((sum, ms) => sum + ms, 0)
        : null;
    const chunk = Math.max(1, Math.floor(MAX_PENDING_BYTES / bytesPerApplication));

    const applyRepeats = (repeats: number) => {
      for (let i = 0; i < repeats; i++) {
        if (i > 0 && i % chunk === 0 && querySet) flush();
        apply().dispose();
      }
    };
    const timestampMs = async (repeats: number): Promise<number> => {
      if (!querySet || !resolveBuffer || !readBuffer) throw new Error('timestamp-query is not enabled on the TF.js device');
      flush();
      encoder()
        .beginComputePass({ label: 'bench.tfjs.begin', timestampWrites: { querySet, beginningOfPassWriteIndex: 0 } })
        .end();
      flags.set('WEBGPU_DEFERRED_SUBMIT_BATCH_SIZE', NO_DEFERRED_SUBMIT);
      try {
        applyRepeats(repeats);
      } finally {
        flags.set('WEBGPU_DEFERRED_SUBMIT_BATCH_SIZE', batchSize);
      }
      const end = encoder();
      end.beginComputePass({ label: 'bench.tfjs.end', timestampWrites: { querySet, endOfPassWriteIndex: 1 } }).end();
      end.resolveQuerySet(querySet, 0, 2, resolveBuffer, 0);
      end.copyBufferToBuffer(resolveBuffer, 0, readBuffer, 0, 16);
      backend.submitQueue();
      await readBuffer.mapAsync(MapMode.READ);
      const [begin, finish] = new BigInt64Array(readBuffer.getMappedRange().slice(0));
      readBuffer.unmap();
      return Number((finish ?? 0n) - (begin ?? 0n)) / 1e6;
    };
    const wallClockMs = async (repeats: number): Promise<number> => {
      flush();
      await device.queue.onSubmittedWorkDone();
      const start = performance.now();
      applyRepeats(repeats);
      flush();
      await device.queue.onSubmittedWorkDone();
      return performance.now() - start;
    };
    const timing = await sampleRepeats(
      querySet ? timestampMs : wallClockMs,
      querySet ? 'timestamp-query' : 'submit-to-done wall clock',
      options,
    );
    const gigabytesPerSecond = (inputs.shape.rows * inputs.shape.cols * op.bytesPerElement) / (timing.ms * 1e6);
    return {
      ...timing,
      gigabytesPerSecond,
      maxRelativeError: maxError,
      kernels,
      profileKernelMs,
      oursOverTensorFlow: ours ? ours.gigabytesPerSecond / gigabytesPerSecond : null,
    };
  } finally {
    flags.set('WEBGPU_DEFERRED_SUBMIT_BATCH_SIZE', batchSize);
    for (const tensor of created) tensor.dispose();
    querySet?.destroy();
    resolveBuffer?.destroy();
    readBuffer?.destroy();
  }
}
