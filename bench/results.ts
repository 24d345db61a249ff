// The shape of one run's results (what the page shows, what "Download JSON" saves, what the headless
// runner reads from window.__benchResults), and the summaries derived from the measured cells.

import type { OpAccuracy } from './accuracy-view.ts';
import type { BenchConfig } from './config.ts';
import type { Float16Results } from './float16.ts';
import type { BenchShape } from './ops.ts';
import type { OrtProvider, OrtStatus } from './ort.ts';
import type { CopyBandwidth, ResidentTiming } from './resident.ts';
import type { TensorFlowBackendStatus, TensorFlowResidentTiming } from './tfjs.ts';
import type { UploadTiming } from './upload.ts';

/** Every way the benchmark computes an op end to end, in table order. `ours` are held to OUR_TOLERANCE. */
export const BACKENDS = [
  { id: 'webgpu', label: 'ours WebGPU', ours: true },
  { id: 'cpu', label: 'ours CPU', ours: true },
  { id: 'auto', label: 'ours auto', ours: true },
  { id: 'js', label: 'plain JS loop', ours: false },
  { id: 'tfjs-webgpu', label: 'TF.js webgpu', ours: false },
  { id: 'tfjs-cpu', label: 'TF.js cpu', ours: false },
  { id: 'tfjs-wasm', label: 'TF.js wasm', ours: false },
  { id: 'ort-webgpu', label: 'ORT webgpu', ours: false },
  { id: 'ort-wasm', label: 'ORT wasm', ours: false },
  { id: 'ort-webgpu-f16', label: 'ORT webgpu f16', ours: false },
  { id: 'ort-wasm-f16', label: 'ORT wasm f16', ours: false },
] as const;

export type BackendId = (typeof BACKENDS)[number]['id'];

export interface Unavailable {
  readonly unavailable: string;
}

export interface EndToEnd {
  readonly msPerCall: number;
  readonly samples: number;
  readonly callsPerSample: number;
  /** Each round's sample (bench/measure.ts, Timing); absent in results from before it was kept. */
  readonly msPerCallByRound?: readonly (number | null)[];
  /** Against the float64 reference, on the warm-up call's output. */
  readonly maxRelativeError: number;
}

export interface CellResult {
  readonly op: string;
  readonly label: string;
  readonly shape: BenchShape;
  /** `65536` for elementwise sizes, `1024x1024` for row shapes. */
  readonly shapeLabel: string;
  readonly elements: number;
  readonly bytesPerElement: number;
  /** Where our `auto` engine ran this size. */
  readonly autoChoice: 'webgpu' | 'cpu';
  readonly endToEnd: Partial<Record<BackendId, EndToEnd | Unavailable>>;
  readonly resident: ResidentTiming | Unavailable;
  /** TF.js webgpu on the same inputs kept on the GPU, timed as `resident` is; `oursOverTensorFlow` is the ratio. */
  readonly tfjsResident: TensorFlowResidentTiming | Unavailable;
  /** One of our backends was off the reference by more than OUR_TOLERANCE, or failed. */
  readonly ourMismatch: boolean;
}

export interface EdgeResult {
  readonly op: string;
  readonly label: string;
  readonly shape: BenchShape;
  readonly x: number[];
  readonly dy?: number[];
  readonly reference: number[];
  readonly outputs: Partial<Record<BackendId, number[] | Unavailable>>;
  readonly maxRelativeError: Partial<Record<BackendId, number>>;
  readonly ourMismatch: boolean;
}

export interface Crossover {
  readonly op: string;
  readonly label: string;
  /** The smallest measured size from which our WebGPU end-to-end beats our CPU at it and every larger size; null if none. */
  readonly webgpuFasterFromElements: number | null;
  readonly webgpuFasterFromShape: string | null;
  readonly autoChoices: { readonly shapeLabel: string; readonly choice: 'webgpu' | 'cpu' }[];
  /**
   * The size where auto did worst against the faster of our two backends end to end, and its time
   * over that backend's (1 = as fast; the target is at most 1.10); null without all three timings.
   */
  readonly autoWorst: { readonly shapeLabel: string; readonly ratio: number } | null;
}

export interface AdapterReport {
  readonly available: boolean;
  readonly description: string;
  readonly vendor: string;
  readonly architecture: string;
  readonly device: string;
  readonly adapterDescription: string;
  readonly isFallbackAdapter: boolean | null;
  /** A fallback adapter, or one whose name says it runs on the CPU (SwiftShader, llvmpipe, WARP). */
  readonly software: boolean;
  /** Optional features the library uses, as enabled on our engine's device. */
  readonly features: { readonly 'timestamp-query': boolean; readonly subgroups: boolean };
  readonly limits: {
    readonly maxStorageBufferBindingSize: number;
    readonly maxBufferSize: number;
    readonly maxComputeWorkgroupsPerDimension: number;
  } | null;
  /** Why our engines run where they do. */
  readonly engineReasons: { readonly webgpu: string; readonly auto: string };
  readonly autoMinGpuElements: number;
}

export interface BenchResults {
  readonly schema: 'webgpu-activations.bench/1';
  state: 'done' | 'cancelled';
  readonly startedAt: string;
  finishedAt: string;
  readonly userAgent: string;
  readonly config: BenchConfig;
  readonly adapter: AdapterReport;
  copyBandwidth: CopyBandwidth | Unavailable;
  /** The same ceiling from a vec4 copy compute kernel (storage to storage, as our kernels read and write). */
  kernelCopyBandwidth: CopyBandwidth | Unavailable;
  /** The three ways to upload an array, timed at a few sizes (the library uses writeBuffer). */
  uploads: UploadTiming[] | Unavailable;
  tfjs: { readonly version: string; readonly webgpu: TensorFlowBackendStatus; readonly cpu: TensorFlowBackendStatus } | null;
  /** ONNX Runtime Web's version and which of its EPs run here (or why not). */
  ort: ({ readonly version: string } & Record<OrtProvider, OrtStatus>) | null;
  readonly cells: CellResult[];
  readonly edges: EdgeResult[];
  /** The accuracy view: per op, each implementation's largest error in float32 ulps over a dense sweep, and its special cases. */
  readonly accuracy: OpAccuracy[];
  crossovers: Crossover[];
  /** Float16 against float32 per op, in this run (bench/float16.ts); absent in results from before it. */
  float16?: Float16Results;
  /** Any of our results off the reference (or failed): the headless runner exits non-zero. */
  mismatch: boolean;
  readonly errors: string[];
}

export function isUnavailable(value: object | undefined): value is Unavailable {
  return value !== undefined && 'unavailable' in value;
}

/** Per op: where our WebGPU engine starts to beat our CPU engine for good, and what auto chose at each size. */
export function crossovers(cells: readonly CellResult[]): Crossover[] {
  const byOp = new Map<string, CellResult[]>();
  for (const cell of cells) byOp.set(cell.op, [...(byOp.get(cell.op) ?? []), cell]);
  return [...byOp.values()].map((opCells) => {
    const sorted = [...opCells].sort((a, b) => a.elements - b.elements);
    let from: CellResult | null = null;
    for (let i = sorted.length - 1; i >= 0; i--) {
      const cell = sorted[i] as CellResult;
      const gpu = cell.endToEnd.webgpu;
      const cpu = cell.endToEnd.cpu;
      const gpuFaster =
        gpu !== undefined && cpu !== undefined && !isUnavailable(gpu) && !isUnavailable(cpu) && gpu.msPerCall < cpu.msPerCall;
      if (!gpuFaster) break;
      from = cell;
    }
    let autoWorst: Crossover['autoWorst'] = null;
    for (const cell of sorted) {
      const [gpu, cpu, auto] = (['webgpu', 'cpu', 'auto'] as const).map((id) => cell.endToEnd[id]);
      if (gpu === undefined || cpu === undefined || auto === undefined || isUnavailable(gpu) || isUnavailable(cpu) || isUnavailable(auto))
        continue;
      // A time that is not a positive finite figure (a batch below the timer's resolution read 0) gives
      // no ratio: the cell is left out rather than let 0, Infinity or NaN stand as auto's worst.
      const times = [gpu.msPerCall, cpu.msPerCall, auto.msPerCall];
      if (!times.every((ms) => ms > 0 && Number.isFinite(ms))) continue;
      const ratio = auto.msPerCall / Math.min(gpu.msPerCall, cpu.msPerCall);
      if (!autoWorst || ratio > autoWorst.ratio) autoWorst = { shapeLabel: cell.shapeLabel, ratio };
    }
    const first = sorted[0] as CellResult;
    return {
      op: first.op,
      label: first.label,
      webgpuFasterFromElements: from?.elements ?? null,
      webgpuFasterFromShape: from?.shapeLabel ?? null,
      autoChoices: sorted.map((cell) => ({ shapeLabel: cell.shapeLabel, choice: cell.autoChoice })),
      autoWorst,
    };
  });
}

/** JSON with NaN and the infinities spelled as strings ("NaN", "Infinity"), which plain JSON cannot hold. */
export function resultsToJson(results: BenchResults): string {
  return JSON.stringify(
    results,
    (_key, value: unknown) => (typeof value === 'number' && !Number.isFinite(value) ? String(value) : value),
    2,
  );
}
