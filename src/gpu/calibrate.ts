import { runElementwiseCpu } from '../cpu/elementwise.ts';
import { ACTIVATIONS } from '../ops/elementwise.ts';
import type { GpuBackend } from './backend.ts';
import { describeAdapter } from './device.ts';

/** What the auto dispatcher measured on this adapter, and the array size from which it sends work to the GPU. */
export interface Calibration {
  /** Arrays with at least this many elements go to the GPU; Infinity when the GPU never wins a round trip here. */
  readonly minGpuElements: number;
  /** Fixed cost of a GPU round trip (upload, dispatch, map, copy back), in milliseconds. */
  readonly gpuFixedMs: number;
  /** GPU round-trip cost per element, in nanoseconds. */
  readonly gpuPerElementNs: number;
  /** CPU cost per element, in nanoseconds. */
  readonly cpuPerElementNs: number;
}

const SMALL = 1 << 12;
const LARGE = 1 << 17;
const REPEATS = 3;

// One calibration per adapter for the page's lifetime: every engine on the same adapter shares it.
const byAdapter = new Map<string, Promise<Calibration>>();

/**
 * Measures, in a few milliseconds, the end-to-end time of a sigmoid round trip on the GPU at two sizes
 * and on the CPU at one, and returns the size where the GPU starts to win: fixed / (cpu - gpu per
 * element). Elementwise sigmoid stands for every op: the row ops cost the CPU more per element, so the
 * threshold errs towards the CPU for them.
 */
export function calibrate(gpu: GpuBackend): Promise<Calibration> {
  const info = gpu.adapterInfo ?? (gpu.device as GPUDevice & { adapterInfo?: GPUAdapterInfo }).adapterInfo;
  // Without adapter details (an older browser, a caller's device) there is nothing to share by: measure.
  if (!info) return measure(gpu);
  const key = describeAdapter(info);
  let found = byAdapter.get(key);
  if (!found) {
    found = measure(gpu);
    byAdapter.set(key, found);
    found.catch(() => byAdapter.delete(key));
  }
  return found;
}

async function measure(gpu: GpuBackend): Promise<Calibration> {
  const sigmoid = ACTIVATIONS.sigmoid;
  const large = new Float32Array(LARGE);
  for (let i = 0; i < LARGE; i++) large[i] = ((i * 7919) % 2001) / 100 - 10;
  const small = large.subarray(0, SMALL);
  const out = new Float32Array(LARGE);
  const median = (samples: number[]) => samples.sort((a, b) => a - b)[Math.floor(samples.length / 2)] as number;
  const timeGpu = async (x: Float32Array) => {
    const samples: number[] = [];
    for (let i = 0; i < REPEATS; i++) {
      const start = performance.now();
      await gpu.elementwise(sigmoid, 'forward', x, undefined, 0);
      samples.push(performance.now() - start);
    }
    return median(samples);
  };
  const timeCpu = () => {
    const samples: number[] = [];
    for (let i = 0; i < REPEATS; i++) {
      const start = performance.now();
      runElementwiseCpu(sigmoid, 'forward', large, undefined, 0, out);
      samples.push(performance.now() - start);
    }
    return median(samples);
  };
  // Warm up: pipeline creation, pooled buffers, the JIT.
  await gpu.elementwise(sigmoid, 'forward', small, undefined, 0);
  timeCpu();
  const gpuSmallMs = await timeGpu(small);
  const gpuLargeMs = await timeGpu(large);
  const cpuLargeMs = timeCpu();
  const gpuPerElementMs = Math.max(0, (gpuLargeMs - gpuSmallMs) / (LARGE - SMALL));
  const gpuFixedMs = Math.max(0, gpuSmallMs - gpuPerElementMs * SMALL);
  const cpuPerElementMs = cpuLargeMs / LARGE;
  const minGpuElements =
    cpuPerElementMs > gpuPerElementMs ? Math.ceil(gpuFixedMs / (cpuPerElementMs - gpuPerElementMs)) : Number.POSITIVE_INFINITY;
  return { minGpuElements, gpuFixedMs, gpuPerElementNs: gpuPerElementMs * 1e6, cpuPerElementNs: cpuPerElementMs * 1e6 };
}

/** A sentence for `act.reason`. */
export function describeCalibration(calibration: Calibration): string {
  const measured = `measured: GPU round trip ${calibration.gpuFixedMs.toFixed(2)} ms + ${calibration.gpuPerElementNs.toFixed(1)} ns/element, CPU ${calibration.cpuPerElementNs.toFixed(1)} ns/element`;
  return Number.isFinite(calibration.minGpuElements)
    ? `arrays under ${calibration.minGpuElements} elements run on the CPU (${measured})`
    : `every array runs on the CPU, where a GPU round trip never pays off on this adapter (${measured}); act.resident and backend 'webgpu' still use the GPU`;
}
