/**
 * The `auto` dispatcher's choice between the GPU and the CPU for one call, from what it has seen.
 *
 * It starts from a cost model per op family (elementwise, rows), measured at start
 * (src/gpu/calibrate.ts): a GPU round trip of fixed + per-element cost, a CPU per-element cost. That
 * measurement can be wrong for the page's whole life (taken while other GPU work was in flight, it
 * once read a GPU cost of 0 ns per element; see bench/NOTES.md, "auto: what the chooser corrects"), so every
 * real call's time corrects it: per op (`gelu.forward`, `softmax`, ...), per size class (half an
 * octave of element counts), the chooser keeps for each backend the least of its last WINDOW ratios
 * of measured to modelled time, and picks the backend whose corrected estimate is lower. The other backend is tried now and
 * then where it could win, so that a choice that was wrong from the start, or became wrong, shows:
 * - where it has not run at this size or near it (within 4x in size), when its estimate (the
 *   calibration's) is within {@link PROBE_UNSEEN_WITHIN}x;
 * - where it has run SETTLED times at this size, only when its estimate is within
 *   {@link PROBE_SEEN_WITHIN}x: a backend measured far slower is never tried again at that size (with
 *   fewer readings, here or near, as where it has not run);
 * - a backend estimated the faster but never measured here or near, against one that has been, is
 *   gone to at once only if it would win at {@link UNSEEN_DOUBT} times its estimate; else it is tried
 *   as the others are, its try budgeted at that many times its estimate;
 * - either way at most once every 4, 8, ... {@link MAX_PROBE_INTERVAL} calls of that class (each probe
 *   doubles the wait), and only within a budget: what the probes are expected to cost beyond the
 *   chosen backend stays under {@link PROBE_BUDGET} of the time spent at that op and size class
 *   (both from the corrected estimates), so that trying the other backend never costs a caller more
 *   than a few percent anywhere. A chosen backend that is slower than its estimate shows at its own
 *   next call: only a loser estimated too slow waits for the budget.
 *
 * A backend's first reading at a size class far beyond its model ({@link FIRST_READING_DOUBTED_ABOVE}
 * times), with none near, or {@link FIRST_READING_DOUBTED_OVER} times what it measured at the nearest
 * size it has run at, waits for a second: it is more likely a pause than the cost.
 *
 * Timing is the caller's (the engine times each call); this file holds no clock, so a test can feed
 * it any costs.
 */

/** The op families, each with its own measured cost model. */
export type OpFamily = 'elementwise' | 'rows';

/** Where a call runs. */
export type Side = 'gpu' | 'cpu';

/** A family's measured costs: a GPU round trip of `gpuFixedMs` + `gpuPerElementNs` per element, the CPU `cpuPerElementNs` per element. */
export interface FamilyCosts {
  readonly gpuFixedMs: number;
  readonly gpuPerElementNs: number;
  readonly cpuPerElementNs: number;
}

/**
 * Measurements kept per backend and size class; the ratio is their least, so that one outlier (a
 * collection, another tab's work) neither flips a choice nor sticks (see bench/NOTES.md, "auto: what
 * the chooser corrects").
 */
const WINDOW = 5;
/** From this many measurements on, a backend's ratio at a size is settled (its far-ahead calls are timed only now and then). */
const SETTLED = 3;
/** A backend never tried in a size class is tried once where its estimate is within this factor of the other's. */
export const PROBE_UNSEEN_WITHIN = 8;
/** A backend already measured in a size class (or near it) is re-tried only where its estimate is within this factor. */
export const PROBE_SEEN_WITHIN = 1.5;
/**
 * The probes' expected extra cost (the other backend's estimate less the chosen one's) may reach this
 * fraction of the time spent at an op and size class. Without it, tries of a backend measured far
 * slower but fewer than three times cost a benchmark cell of a few calls dearly (bench/NOTES.md,
 * "auto, the 2.25x at 2^24 elements").
 */
export const PROBE_BUDGET = 0.05;
const FIRST_PROBE_INTERVAL = 4;
/** How far off the calibration's estimate of a backend never measured at or near a size is taken to be, for its tries. */
export const UNSEEN_DOUBT = 2;
/** A side's first reading at a size class this many times its model, with none near, waits for a second (see record). */
export const FIRST_READING_DOUBTED_ABOVE = 50;
/** A side's first reading at a size class this many times its ratio at the nearest class it has run at waits for a second (see record). */
export const FIRST_READING_DOUBTED_OVER = 4;
/** The longest wait between two re-tries of the losing backend in one size class, in calls. */
export const MAX_PROBE_INTERVAL = 64;
// Below this, a model cost is taken as this (a measured 0 ms, below the timer's resolution, is fine).
const MIN_MODEL_MS = 1e-6;
// Calls are measured in batches of at least this many milliseconds (or MAX_BATCH_CALLS calls): a
// browser's timer reads in steps of 0.1 ms, so one call of a few microseconds reads 0 or 0.1 ms, and
// only their sum means anything.
const MIN_BATCH_MS = 1;
const MAX_BATCH_CALLS = 256;
// A settled choice far ahead of the other backend is timed once in this many calls.
const TIME_EVERY = 16;
// A call expected to take less than this (milliseconds) is timed once in TIME_EVERY when far ahead.
const TINY_CALL_MS = 0.01;
// Size classes 0 .. 2 log2(2^53).
const SIZE_CLASSES = 107;

/** What the chooser knows of one op: per side and size class, the ratio of measured to modelled time (NaN: not measured yet), the measurements it is the least of, and the batch being measured. */
class OpState {
  readonly ratio = { gpu: new Float64Array(SIZE_CLASSES).fill(Number.NaN), cpu: new Float64Array(SIZE_CLASSES).fill(Number.NaN) };
  /** The last WINDOW measured ratios per size class (a ring), and how many were measured in all. */
  readonly window = { gpu: new Float64Array(SIZE_CLASSES * WINDOW), cpu: new Float64Array(SIZE_CLASSES * WINDOW) };
  readonly measured = { gpu: new Int32Array(SIZE_CLASSES), cpu: new Int32Array(SIZE_CLASSES) };
  readonly batchMs = { gpu: new Float64Array(SIZE_CLASSES), cpu: new Float64Array(SIZE_CLASSES) };
  readonly batchModelMs = { gpu: new Float64Array(SIZE_CLASSES), cpu: new Float64Array(SIZE_CLASSES) };
  readonly batchCalls = { gpu: new Int32Array(SIZE_CLASSES), cpu: new Int32Array(SIZE_CLASSES) };
  /** Calls since the last probe, calls in all, and the wait before the next probe, per size class. */
  readonly probeCalls = new Int32Array(SIZE_CLASSES);
  readonly totalCalls = new Int32Array(SIZE_CLASSES);
  readonly probeInterval = new Int32Array(SIZE_CLASSES).fill(FIRST_PROBE_INTERVAL);
  /** Per size class: the estimated time of every call chosen, and the probes' share of it beyond the chosen backend's estimate. */
  readonly spentMs = new Float64Array(SIZE_CLASSES);
  readonly probeExtraMs = new Float64Array(SIZE_CLASSES);
  /** Per side and size class, a first reading held back as doubtful (NaN: none); see record. */
  readonly doubted = { gpu: new Float64Array(SIZE_CLASSES).fill(Number.NaN), cpu: new Float64Array(SIZE_CLASSES).fill(Number.NaN) };

  // The ratio for this side and size class; else the nearest size class measured within four (a
  // factor of 4 in size), the larger of the two if both; NaN if none. Not a ratio measured farther:
  // at large sizes it speaks of the per-element cost, at small ones of the fixed cost, and carried
  // across it misled (see bench/NOTES.md, "auto: what the chooser corrects"). While a class has fewer
  // than SETTLED measurements of its own, the lesser of its ratio and the nearest class's: its first
  // call at a new size may have met a collection, which alone made a slower backend look the faster
  // one (bench/NOTES.md, "auto, the 2.25x at 2^24 elements").
  correction(side: Side, size: number): number {
    const ratios = this.ratio[side];
    const exact = ratios[size] as number;
    if (!Number.isNaN(exact) && (this.measured[side][size] as number) >= SETTLED) return exact;
    const nearby = this.nearbyRatio(ratios, size);
    if (Number.isNaN(exact)) return nearby;
    return Number.isNaN(nearby) ? exact : Math.min(exact, nearby);
  }

  /** The ratio at the nearest size class measured, however far (the larger of two as near); NaN if none. */
  nearestRatio(ratios: Float64Array, size: number): number {
    for (let distance = 0; distance < SIZE_CLASSES; distance++) {
      const below = size - distance >= 0 ? (ratios[size - distance] as number) : Number.NaN;
      const above = size + distance < SIZE_CLASSES ? (ratios[size + distance] as number) : Number.NaN;
      if (!Number.isNaN(below) || !Number.isNaN(above)) return Math.max(Number.isNaN(below) ? 0 : below, Number.isNaN(above) ? 0 : above);
    }
    return Number.NaN;
  }

  nearbyRatio(ratios: Float64Array, size: number): number {
    for (let distance = 1; distance <= 4; distance++) {
      const below = size - distance >= 0 ? (ratios[size - distance] as number) : Number.NaN;
      const above = size + distance < SIZE_CLASSES ? (ratios[size + distance] as number) : Number.NaN;
      if (!Number.isNaN(below) || !Number.isNaN(above)) return Math.max(Number.isNaN(below) ? 0 : below, Number.isNaN(above) ? 0 : above);
    }
    return Number.NaN;
  }
}

/** Chooses GPU or CPU per call, from a cost model corrected by the times of real calls. */
export class BackendChooser {
  private readonly ops = new Map<string, OpState>();

  constructor(private readonly costs: Readonly<Record<OpFamily, FamilyCosts>>) {}

  /** The modelled time of a call of `elements` elements, in milliseconds, before any correction. */
  model(family: OpFamily, side: Side, elements: number): number {
    const costs = this.costs[family];
    const ms = side === 'gpu' ? costs.gpuFixedMs + costs.gpuPerElementNs * 1e-6 * elements : costs.cpuPerElementNs * 1e-6 * elements;
    return Math.max(MIN_MODEL_MS, ms);
  }

  /** The expected time of `op` on `side` at `elements` elements, in milliseconds: the model times what calls of that op measured. */
  estimate(op: string, family: OpFamily, side: Side, elements: number): number {
    const correction = this.state(op).correction(side, sizeClass(elements));
    return this.model(family, side, elements) * (Number.isNaN(correction) ? 1 : correction);
  }

  /** Whether the call just chosen should be timed and recorded (most are; see TIME_EVERY). */
  timed = true;

  /** Where to run a call of `op` (of `family`) on `elements` elements. */
  choose(op: string, family: OpFamily, elements: number): Side {
    const state = this.state(op);
    const size = sizeClass(elements);
    const gpuCorrection = state.correction('gpu', size);
    const cpuCorrection = state.correction('cpu', size);
    const gpu = this.model(family, 'gpu', elements) * (Number.isNaN(gpuCorrection) ? 1 : gpuCorrection);
    const cpu = this.model(family, 'cpu', elements) * (Number.isNaN(cpuCorrection) ? 1 : cpuCorrection);
    let best: Side = gpu < cpu ? 'gpu' : 'cpu';
    // A backend estimated the faster but never measured here or near, against one that has been: only
    // the calibration says so, and it can be 2x off where it did not measure (SwiftShader's GPU: 13 ns
    // an element calibrated, 32 at 2^22). Unless it would win even at UNSEEN_DOUBT times its estimate,
    // going there is a try like the others, within their budget: the first call at 2^22 went to that
    // GPU, at 2.2x the CPU's time (bench/NOTES.md, 2026-12-03).
    const [bestCorrection, otherCorrectionFirst] = best === 'gpu' ? [gpuCorrection, cpuCorrection] : [cpuCorrection, gpuCorrection];
    const doubted =
      Number.isNaN(bestCorrection) && !Number.isNaN(otherCorrectionFirst) && UNSEEN_DOUBT * Math.min(gpu, cpu) > Math.max(gpu, cpu);
    if (doubted) best = best === 'gpu' ? 'cpu' : 'gpu';
    const other: Side = best === 'gpu' ? 'cpu' : 'gpu';
    const [bestMs, otherMs, otherCorrection] = best === 'gpu' ? [gpu, cpu, cpuCorrection] : [cpu, gpu, gpuCorrection];
    state.probeCalls[size] = (state.probeCalls[size] as number) + 1;
    const total = (state.totalCalls[size] as number) + 1;
    state.totalCalls[size] = total;
    // Never measured at this size or near it: the estimate is the calibration's, tried where within
    // PROBE_UNSEEN_WITHIN. Measured here or near: tried only where within PROBE_SEEN_WITHIN. Either
    // way ever more rarely, and only while the probes' expected extra cost fits the budget.
    const near = !Number.isNaN(otherCorrection);
    const due = (state.probeCalls[size] as number) >= (state.probeInterval[size] as number);
    // Measured far slower means measured SETTLED times at this size: one or two readings, taken while
    // the machine was busy elsewhere (a shader compiling in the GPU process), once put the CPU at 7x its
    // cost and kept sigmoid with derivative at 16384 on a 5x slower GPU for good (bench/NOTES.md).
    const settledOther = (state.measured[other][size] as number) >= SETTLED;
    const within = near && settledOther ? PROBE_SEEN_WITHIN : PROBE_UNSEEN_WITHIN;
    // A try of a backend never measured here or near is budgeted at UNSEEN_DOUBT times its estimate:
    // at its estimate, the GPU's tries took a benchmark cell of 14 calls at 2^18 to 1.14x and one of
    // five at 2^22 to 1.24x, where the calibration was 2x off.
    const extraMs = Math.max(0, (near ? 1 : UNSEEN_DOUBT) * otherMs - bestMs);
    const spentMs = (state.spentMs[size] as number) + bestMs;
    const affordable = (state.probeExtraMs[size] as number) + extraMs <= PROBE_BUDGET * spentMs;
    if (due && otherMs <= within * bestMs && affordable) {
      state.probeCalls[size] = 0;
      state.probeInterval[size] = Math.min(MAX_PROBE_INTERVAL, (state.probeInterval[size] as number) * 2);
      state.probeExtraMs[size] = (state.probeExtraMs[size] as number) + extraMs;
      state.spentMs[size] = spentMs + extraMs;
      this.timed = true;
      return other;
    }
    state.spentMs[size] = spentMs;
    // A settled choice with the other backend far behind is timed one call in TIME_EVERY: the
    // timing itself (two performance.now()) is a sizeable part of a small call. So is a call far ahead
    // and shorter than TINY_CALL_MS, settled or not: its learning is in batches of many calls anyway,
    // and timing each one made small calls measurably slower (see bench/NOTES.md, "auto: arrays of
    // 1024 elements or fewer stay on the CPU").
    const farAhead = otherMs > PROBE_UNSEEN_WITHIN * bestMs;
    const settled = farAhead && ((state.measured[best][size] as number) >= SETTLED || bestMs < TINY_CALL_MS);
    this.timed = !settled || total % TIME_EVERY === 0;
    return best;
  }

  /** Records that a call of `op` on `side` over `elements` elements took `ms` milliseconds. */
  record(op: string, family: OpFamily, side: Side, elements: number, ms: number): void {
    if (!(ms >= 0) || !Number.isFinite(ms)) return;
    const state = this.state(op);
    const size = sizeClass(elements);
    const batchMs = state.batchMs[side];
    const batchModelMs = state.batchModelMs[side];
    const batchCalls = state.batchCalls[side];
    batchMs[size] = (batchMs[size] as number) + ms;
    batchModelMs[size] = (batchModelMs[size] as number) + this.model(family, side, elements);
    batchCalls[size] = (batchCalls[size] as number) + 1;
    const measured = state.measured[side];
    // The first calls of a size class count at once, however coarse their reading: they decide between
    // backends that may be 100x apart; later calls refine the ratio in batches.
    const settled = (measured[size] as number) >= SETTLED;
    if (settled && (batchMs[size] as number) < MIN_BATCH_MS && (batchCalls[size] as number) < MAX_BATCH_CALLS) return;
    let ratio = (batchMs[size] as number) / (batchModelMs[size] as number);
    batchMs[size] = 0;
    batchModelMs[size] = 0;
    batchCalls[size] = 0;
    // A first reading at a size far beyond the model, with no reading near it to agree, is more likely
    // a pause (a major collection) than the cost: it waits for a second reading and counts as the lesser
    // of the two. Taken at once, one such reading (a 0.2 ms CPU call read as tens of ms) made the CPU
    // look slower than the GPU and, measured far slower, it was never tried again: auto ran hardSigmoid
    // at 16384 on the GPU, 18x slower (bench/NOTES.md, 2026-12-03).
    // So is a first reading FIRST_READING_DOUBTED_OVER times what this side measured at the nearest
    // size it has run at, however far: softmax's first CPU call on 1 x 2^20 read 75 ms (15 after),
    // 31x the model, below the other bound, and sent the next call to a GPU that took 100 ms.
    if ((measured[size] as number) === 0) {
      const doubted = state.doubted[side];
      const earlier = doubted[size] as number;
      const nearest = state.nearestRatio(state.ratio[side], size);
      const doubtful =
        (ratio > FIRST_READING_DOUBTED_ABOVE && Number.isNaN(state.nearbyRatio(state.ratio[side], size))) ||
        ratio > FIRST_READING_DOUBTED_OVER * nearest;
      if (doubtful && Number.isNaN(earlier)) {
        doubted[size] = ratio;
        return;
      }
      if (!Number.isNaN(earlier)) ratio = Math.min(ratio, earlier);
    }
    const window = state.window[side];
    const count = (measured[size] as number) + 1;
    measured[size] = count;
    window[size * WINDOW + ((count - 1) % WINDOW)] = ratio;
    // The least of the window: timing noise only adds time (a collection, another tab, a page fault),
    // and on large arrays it is not rare: a median kept auto on the slower backend (see bench/NOTES.md,
    // "auto: what the chooser corrects").
    const kept = window.subarray(size * WINDOW, size * WINDOW + Math.min(count, WINDOW));
    state.ratio[side][size] = Math.min(...kept);
  }

  // The latest op's state is kept at hand: a call's choose and record ask for the same one.
  private lastOp = '';
  private lastState: OpState | undefined;

  private state(op: string): OpState {
    if (op === this.lastOp && this.lastState) return this.lastState;
    let state = this.ops.get(op);
    if (!state) {
      state = new OpState();
      this.ops.set(op, state);
    }
    this.lastOp = op;
    this.lastState = state;
    return state;
  }
}

/** Half-octave size classes: 2^(k/2) elements. */
function sizeClass(elements: number): number {
  return Math.min(SIZE_CLASSES - 1, Math.round(2 * Math.log2(Math.max(1, elements))));
}
