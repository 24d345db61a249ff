// The shape of one run's results (what the page shows, what "Download JSON" saves, what the headless
// runner reads from window.__benchResults), and the summaries derived from the measured cells.

import type { OpAccuracy } from './accuracy-view.ts';
import type { BenchConfig } from './config.ts';
import type { Float16Results } from './float16.ts';
import { median } from './measure.ts';
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
  /** Where our `auto` engine ran this size: its last call's backend. */
  readonly autoChoice: 'webgpu' | 'cpu';
  /** How many of auto's calls at this cell (its accuracy check, calibration and samples) ran on each backend. */
  readonly autoCalls: AutoCalls;
  /** auto against the faster of our two backends here, round by round; null without the timings (see autoRatioFor). */
  readonly autoRatio: AutoRatio | null;
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
   * over that backend's (each cell's autoRatio.ratio: 1 = as fast; the target is at most 1.10); null
   * where no cell has a figure.
   */
  readonly autoWorst: { readonly shapeLabel: string; readonly ratio: number } | null;
}

/** How many of auto's calls at a cell ran on each of our backends. */
export interface AutoCalls {
  readonly webgpu: number;
  readonly cpu: number;
}

/** auto's time against the faster of our two backends at one cell (see autoRatioFor). */
export interface AutoRatio {
  /**
   * The median over rounds of auto's sample over the faster backend's sample of the same round (the
   * calls are timed a sample of each in turn); the ratio of their medians where no round has both.
   */
  readonly ratio: number;
  /** The backend with the lower median ms per call: chosen over all rounds, never round by round. */
  readonly faster: 'webgpu' | 'cpu';
  /** Rounds in which both had a sample; 0: `ratio` and `meanRatio` are of the medians. */
  readonly pairedRounds: number;
  /**
   * auto's summed samples over the faster's in those rounds: a try of the other backend counts at its
   * full cost here, where the median may pass over the round it fell in (shown, not judged: one
   * round's collection or another process moves it by up to 1.7x on a 2-core machine, bench/NOTES.md).
   */
  readonly meanRatio: number;
  /**
   * What auto's tries of the slower backend at this cell added, at that backend's median cost:
   * calls there x (its median - the faster's) / (all auto's calls x the faster's median); 0 without tries.
   */
  readonly tries: number;
  /** The figure a cell is judged on: `ratio` + `tries` (the tries counted in full, whichever rounds they fell in). */
  readonly judged: number;
}

/** Issue 19's target for auto: within this factor of the faster backend ... */
export const AUTO_RATIO_LIMIT = 1.1;
/** ... at every cell of this many elements or more (smaller calls are a few microseconds). */
export const AUTO_JUDGED_FROM_ELEMENTS = 4096;

/** A cell's auto figure with where it was measured, for the run's summary. */
export interface AutoCell extends AutoRatio {
  readonly op: string;
  readonly shapeLabel: string;
  readonly elements: number;
  readonly autoCalls: AutoCalls;
}

/** How auto did over a whole run, from AUTO_JUDGED_FROM_ELEMENTS elements up. */
export interface AutoSummary {
  readonly fromElements: number;
  readonly limit: number;
  /** Cells from `fromElements` up with a figure. */
  readonly cellsJudged: number;
  /** Of them, those whose ratio is above `limit`, worst first. */
  readonly cellsAbove: readonly AutoCell[];
  /** The cell with the highest ratio; null where none has a figure. */
  readonly worst: AutoCell | null;
  /** Cells from `fromElements` up without a figure (a backend failed, or its median read 0 ms), named so none is lost quietly. */
  readonly unjudged: readonly { readonly op: string; readonly shapeLabel: string }[];
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
  /** auto's worst cell and the cells above the target, from AUTO_JUDGED_FROM_ELEMENTS up; absent in results from before it. */
  autoSummary?: AutoSummary;
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
      const figure = cell.autoRatio;
      if (figure && (!autoWorst || figure.ratio > autoWorst.ratio)) autoWorst = { shapeLabel: cell.shapeLabel, ratio: figure.ratio };
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

/** A positive finite time: a batch below the timer's resolution reads 0, and an empty median NaN. */
function isMeasured(ms: number | null | undefined): ms is number {
  return typeof ms === 'number' && ms > 0 && Number.isFinite(ms);
}

/**
 * `numerator` over `denominator` round by round, for two calls timed a sample of each in turn
 * (Timing.msPerCallByRound): the median of the ratios of the rounds in which both have a measured
 * sample, and their sums' ratio. A round where either has none (all its samples taken, a batch that
 * read 0 ms) is left out, as are rounds past the shorter list. Null when no round pairs up.
 */
export function pairedRatio(
  numerator: readonly (number | null)[],
  denominator: readonly (number | null)[],
): { readonly ratio: number; readonly rounds: number; readonly meanRatio: number } | null {
  const ratios: number[] = [];
  let numeratorSum = 0;
  let denominatorSum = 0;
  for (let round = 0; round < Math.min(numerator.length, denominator.length); round++) {
    const [top, bottom] = [numerator[round], denominator[round]];
    if (!isMeasured(top) || !isMeasured(bottom)) continue;
    ratios.push(top / bottom);
    numeratorSum += top;
    denominatorSum += bottom;
  }
  if (ratios.length === 0) return null;
  return { ratio: median(ratios), rounds: ratios.length, meanRatio: numeratorSum / denominatorSum };
}

/**
 * auto against the faster of our two backends at one cell: the faster is the one with the lower
 * median (a backend that is unavailable, as webgpu without a device, is not a candidate), and auto's
 * ratio is paired round by round with it (pairedRatio), so that the machine's drift, which falls on
 * both alike within a round, cancels. Null where auto or both backends are unavailable, or where a
 * median is not a positive finite time (which one is faster cannot be told, and 0, Infinity or NaN
 * would stand as auto's figure).
 */
export function autoRatioFor(endToEnd: CellResult['endToEnd'], autoCalls: AutoCalls = { webgpu: 0, cpu: 0 }): AutoRatio | null {
  const auto = endToEnd.auto;
  if (auto === undefined || isUnavailable(auto) || !isMeasured(auto.msPerCall)) return null;
  let faster: { id: 'webgpu' | 'cpu'; timing: EndToEnd } | null = null;
  let slower: { id: 'webgpu' | 'cpu'; timing: EndToEnd } | null = null;
  for (const id of ['webgpu', 'cpu'] as const) {
    const timing = endToEnd[id];
    if (timing === undefined || isUnavailable(timing)) continue;
    if (!isMeasured(timing.msPerCall)) return null;
    if (!faster || timing.msPerCall < faster.timing.msPerCall) [slower, faster] = [faster, { id, timing }];
    else slower = { id, timing };
  }
  if (!faster) return null;
  const allCalls = autoCalls.webgpu + autoCalls.cpu;
  const tries =
    slower && allCalls > 0
      ? (autoCalls[slower.id] * (slower.timing.msPerCall - faster.timing.msPerCall)) / (allCalls * faster.timing.msPerCall)
      : 0;
  const paired = pairedRatio(auto.msPerCallByRound ?? [], faster.timing.msPerCallByRound ?? []);
  const ratio = paired ? paired.ratio : auto.msPerCall / faster.timing.msPerCall;
  return {
    ratio,
    faster: faster.id,
    pairedRounds: paired ? paired.rounds : 0,
    meanRatio: paired ? paired.meanRatio : ratio,
    tries,
    judged: ratio + tries,
  };
}

/** auto over a run: its worst cell and those above `limit`, from `fromElements` elements up. */
export function autoSummary(cells: readonly CellResult[], fromElements = AUTO_JUDGED_FROM_ELEMENTS, limit = AUTO_RATIO_LIMIT): AutoSummary {
  const judged: AutoCell[] = [];
  const unjudged: { op: string; shapeLabel: string }[] = [];
  for (const cell of cells) {
    if (cell.elements < fromElements) continue;
    if (!cell.autoRatio) unjudged.push({ op: cell.op, shapeLabel: cell.shapeLabel });
    else judged.push({ op: cell.op, shapeLabel: cell.shapeLabel, elements: cell.elements, ...cell.autoRatio, autoCalls: cell.autoCalls });
  }
  // Judged on the median of the paired rounds plus what auto's tries of the slower backend cost at that
  // backend's median (issue 19: a cell's time with everything auto does in it, its tries included).
  const judgedRatio = (cell: AutoRatio) => cell.judged;
  const worstFirst = judged.sort((a, b) => judgedRatio(b) - judgedRatio(a));
  return {
    fromElements,
    limit,
    cellsJudged: judged.length,
    cellsAbove: worstFirst.filter((cell) => judgedRatio(cell) > limit),
    worst: worstFirst[0] ?? null,
    unjudged,
  };
}

/** JSON with NaN and the infinities spelled as strings ("NaN", "Infinity"), which plain JSON cannot hold. */
export function resultsToJson(results: BenchResults): string {
  return JSON.stringify(
    results,
    (_key, value: unknown) => (typeof value === 'number' && !Number.isFinite(value) ? String(value) : value),
    2,
  );
}
