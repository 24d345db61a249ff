import { runElementwiseCpu } from '../cpu/elementwise.ts';
import { runRowsCpu } from '../cpu/softmax.ts';
import { ACTIVATIONS } from '../ops/elementwise.ts';
import type { GpuBackend } from './backend.ts';
import { describeAdapter } from './device.ts';

/** What the auto dispatcher measured on this adapter for one op family, and the array size from which the GPU wins there. */
export interface FamilyCalibration {
  /** Arrays with at least this many elements go to the GPU at first; Infinity when the GPU never wins a round trip here. */
  readonly minGpuElements: number;
  /** Fixed cost of a GPU round trip (upload, dispatch, map, copy back), in milliseconds. */
  readonly gpuFixedMs: number;
  /** GPU round-trip cost per element, in nanoseconds. */
  readonly gpuPerElementNs: number;
  /** CPU cost per element, in nanoseconds. */
  readonly cpuPerElementNs: number;
}

/**
 * What the auto dispatcher measured at start on this adapter: the elementwise family (sigmoid) in the
 * top-level fields, the row family (softmax) in `rows`. Real calls then correct these (see `auto` in
 * the README): the figures are where the choice starts, not where it stays.
 */
export interface Calibration extends FamilyCalibration {
  /** The row ops (softmax, log-softmax, softmax backward), measured with softmax on rows of 1024. */
  readonly rows: FamilyCalibration;
}

const SMALL = 1 << 12;
const LARGE = 1 << 17;
const ROW_LARGE = 1 << 16;
const ROW_COLS = 1024;
const REPEATS = 3;

// One calibration per adapter for the page's lifetime: every engine on the same adapter shares it.
const byAdapter = new Map<string, Promise<Calibration>>();

/**
 * Measures, in a few tens of milliseconds, the end-to-end time of a round trip on the GPU at two sizes
 * and on the CPU at one, for each op family (sigmoid for the elementwise ops, softmax for the row ops:
 * the row kernels cost the GPU several times more per element, 9x on SwiftShader), and returns for
 * each the size where the GPU starts to win: fixed / (cpu - gpu per element).
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

const median = (samples: number[]) => samples.sort((a, b) => a - b)[Math.floor(samples.length / 2)] as number;

async function timeGpu(run: () => Promise<unknown>): Promise<number> {
  const samples: number[] = [];
  for (let i = 0; i < REPEATS; i++) {
    const start = performance.now();
    await run();
    samples.push(performance.now() - start);
  }
  return median(samples);
}

function timeCpu(run: () => unknown): number {
  const samples: number[] = [];
  for (let i = 0; i < REPEATS; i++) {
    const start = performance.now();
    run();
    samples.push(performance.now() - start);
  }
  return median(samples);
}

// A family's costs from its three timings (GPU at small and large, CPU at large).
function fitCosts(gpuSmallMs: number, gpuLargeMs: number, cpuLargeMs: number, small: number, large: number): FamilyCalibration {
  const gpuPerElementMs = Math.max(0, (gpuLargeMs - gpuSmallMs) / (large - small));
  const gpuFixedMs = Math.max(0, gpuSmallMs - gpuPerElementMs * small);
  const cpuPerElementMs = cpuLargeMs / large;
  const minGpuElements =
    cpuPerElementMs > gpuPerElementMs ? Math.ceil(gpuFixedMs / (cpuPerElementMs - gpuPerElementMs)) : Number.POSITIVE_INFINITY;
  return { minGpuElements, gpuFixedMs, gpuPerElementNs: gpuPerElementMs * 1e6, cpuPerElementNs: cpuPerElementMs * 1e6 };
}

async function measure(gpu: GpuBackend): Promise<Calibration> {
  const sigmoid = ACTIVATIONS.sigmoid;
  const large = new Float32Array(LARGE);
  for (let i = 0; i < LARGE; i++) large[i] = ((i * 7919) % 2001) / 100 - 10;
  const small = large.subarray(0, SMALL);
  const out = new Float32Array(LARGE);
  const runGpu = (x: Float32Array) => () => gpu.elementwise(sigmoid, 'forward', x, undefined, 0);
  const runCpu = () => runElementwiseCpu(sigmoid, 'forward', large, undefined, 0, out);
  // Warm up: pipeline creation, pooled buffers, the JIT.
  await runGpu(small)();
  runCpu();
  const elementwise = fitCosts(await timeGpu(runGpu(small)), await timeGpu(runGpu(large)), timeCpu(runCpu), SMALL, LARGE);

  const rowsLarge = large.subarray(0, ROW_LARGE);
  const shape = (x: Float32Array) => ({ rows: x.length / ROW_COLS, cols: ROW_COLS });
  const runRowsGpu = (x: Float32Array) => () => gpu.rows('softmax', [x], shape(x));
  const runRowsCpuOnce = () => runRowsCpu('softmax', rowsLarge, undefined, ROW_LARGE / ROW_COLS, ROW_COLS, out);
  await runRowsGpu(small)();
  runRowsCpuOnce();
  const rows = fitCosts(await timeGpu(runRowsGpu(small)), await timeGpu(runRowsGpu(rowsLarge)), timeCpu(runRowsCpuOnce), SMALL, ROW_LARGE);
  return { ...elementwise, rows };
}

/** A sentence for `act.reason`. */
export function describeCalibration(calibration: Calibration): string {
  const family = (name: string, costs: FamilyCalibration) => {
    const measured = `GPU round trip ${costs.gpuFixedMs.toFixed(2)} ms + ${costs.gpuPerElementNs.toFixed(1)} ns/element, CPU ${costs.cpuPerElementNs.toFixed(1)} ns/element`;
    return Number.isFinite(costs.minGpuElements)
      ? `${name} under ${costs.minGpuElements} elements on the CPU (${measured})`
      : `${name} on the CPU at every size, where a GPU round trip never paid off (${measured})`;
  };
  return `auto starts with ${family('elementwise ops', calibration)} and ${family('row ops', calibration.rows)}, then follows the times of real calls; act.resident and backend 'webgpu' always use the GPU`;
}
