/**
 * The `auto` dispatcher's choice between the GPU and the CPU for one call, from what it has seen.
 *
 * It starts from a cost model per op family (elementwise, rows), measured at start
 * (src/gpu/calibrate.ts): a GPU round trip of fixed + per-element cost, a CPU per-element cost. That
 * measurement can be wrong for the page's whole life (taken while other GPU work was in flight it
 * read a GPU cost of 0 ns per element, and a 4M softmax then ran 9x slower on the GPU), so every
 * real call's time corrects it: per op (`gelu.forward`, `softmax`, ...), per size class (half an
 * octave of element counts), the chooser keeps a running ratio of measured to modelled time for each
 * backend, and picks the backend whose corrected estimate is lower. The other backend is tried now and
 * then where it could win, so that a choice that was wrong from the start, or became wrong, shows:
 * - where it has not run at this size or near it (within 4x in size), once, at the size class's
 *   second or third call, when its estimate (the calibration's) is within {@link PROBE_UNSEEN_WITHIN}x;
 * - where it has run, when its estimate is within {@link PROBE_SEEN_WITHIN}x, at most once every
 *   4, 8, ... {@link MAX_PROBE_INTERVAL} calls of that class (each probe doubles the wait).
 * So a wrong choice costs one call (two where the first GPU call of a kernel compiled its pipeline),
 * and after that the loser is re-tried only where it is close, rarely enough that it costs a few
 * percent at most.
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

/** Weight of a new measurement in a running ratio (about the last three calls count). */
const SMOOTHING = 0.35;
/** A backend never tried in a size class is tried once where its estimate is within this factor of the other's. */
export const PROBE_UNSEEN_WITHIN = 8;
/** A backend already measured in a size class is re-tried where its estimate is within this factor. */
export const PROBE_SEEN_WITHIN = 1.5;
const FIRST_PROBE_INTERVAL = 4;
/** The longest wait between two re-tries of the losing backend in one size class, in calls. */
export const MAX_PROBE_INTERVAL = 64;
// Below this, a model cost is taken as this (a measured 0 ms, below the timer's resolution, is fine).
const MIN_MODEL_MS = 1e-6;

interface Ratio {
  value: number;
  count: number;
}

interface Probe {
  /** Calls since the last probe. */
  calls: number;
  /** Calls in all. */
  total: number;
  interval: number;
}

/** Chooses GPU or CPU per call, from a cost model corrected by the times of real calls. */
export class BackendChooser {
  // Running ratios of measured / modelled time, by `${op}|${side}|${sizeClass}` and by `${op}|${side}`.
  private readonly ratios = new Map<string, Ratio>();
  private readonly probes = new Map<string, Probe>();

  constructor(private readonly costs: Readonly<Record<OpFamily, FamilyCosts>>) {}

  /** The modelled time of a call of `elements` elements, in milliseconds, before any correction. */
  model(family: OpFamily, side: Side, elements: number): number {
    const costs = this.costs[family];
    const ms = side === 'gpu' ? costs.gpuFixedMs + costs.gpuPerElementNs * 1e-6 * elements : costs.cpuPerElementNs * 1e-6 * elements;
    return Math.max(MIN_MODEL_MS, ms);
  }

  /** The expected time of `op` on `side` at `elements` elements, in milliseconds: the model times what calls of that op measured. */
  estimate(op: string, family: OpFamily, side: Side, elements: number): number {
    return this.model(family, side, elements) * this.correction(op, side, sizeClass(elements)).ratio;
  }

  /** Where to run a call of `op` (of `family`) on `elements` elements. */
  choose(op: string, family: OpFamily, elements: number): Side {
    const size = sizeClass(elements);
    const gpuCorrection = this.correction(op, 'gpu', size);
    const cpuCorrection = this.correction(op, 'cpu', size);
    const gpu = this.model(family, 'gpu', elements) * gpuCorrection.ratio;
    const cpu = this.model(family, 'cpu', elements) * cpuCorrection.ratio;
    const best: Side = gpu < cpu ? 'gpu' : 'cpu';
    const other: Side = best === 'gpu' ? 'cpu' : 'gpu';
    const [bestMs, otherMs] = best === 'gpu' ? [gpu, cpu] : [cpu, gpu];
    const probe = this.probeState(op, size);
    probe.calls++;
    probe.total++;
    // Measured at this size or near it: re-tried only where close, ever more rarely. Never measured
    // near this size: the estimate is the calibration's, tried once, at the class's second or third
    // call (a warm-up cost: later, a wrong calibration must not cost a call 100x too slow).
    const measured = (other === 'gpu' ? gpuCorrection : cpuCorrection).near;
    const due = measured ? probe.calls >= probe.interval : probe.total === 2 || probe.total === 3;
    const close = otherMs <= (measured ? PROBE_SEEN_WITHIN : PROBE_UNSEEN_WITHIN) * bestMs;
    if (close && due) {
      probe.calls = 0;
      if (measured) probe.interval = Math.min(MAX_PROBE_INTERVAL, probe.interval * 2);
      return other;
    }
    return best;
  }

  /** Records that a call of `op` on `side` over `elements` elements took `ms` milliseconds. */
  record(op: string, family: OpFamily, side: Side, elements: number, ms: number): void {
    if (!(ms >= 0) || !Number.isFinite(ms)) return;
    const ratio = ms / this.model(family, side, elements);
    update(this.ratios, key(op, side, sizeClass(elements)), ratio);
  }

  // The measured / modelled ratio for this op, side and size class; else the nearest size class
  // measured (within four, a factor of 4 in size); else 1, the calibration as it is (`near` false).
  // Not a ratio measured far away: at large sizes it speaks of the per-element cost, at small ones
  // of the fixed cost, and carried across it misled (a GPU call 175x slower than the CPU tried at 256
  // elements because large calls had run at 0.15x the model).
  private correction(op: string, side: Side, size: number): { ratio: number; near: boolean } {
    const exact = this.ratios.get(key(op, side, size));
    if (exact) return { ratio: exact.value, near: true };
    for (let distance = 1; distance <= 4; distance++) {
      const below = this.ratios.get(key(op, side, size - distance));
      const above = this.ratios.get(key(op, side, size + distance));
      if (below || above) return { ratio: Math.max(below?.value ?? 0, above?.value ?? 0), near: true };
    }
    return { ratio: 1, near: false };
  }

  private probeState(op: string, size: number): Probe {
    const probeKey = `${op}|${size}`;
    let probe = this.probes.get(probeKey);
    if (!probe) {
      probe = { calls: 0, total: 0, interval: FIRST_PROBE_INTERVAL };
      this.probes.set(probeKey, probe);
    }
    return probe;
  }
}

/** Half-octave size classes: 2^(k/2) elements. */
function sizeClass(elements: number): number {
  return Math.round(2 * Math.log2(Math.max(1, elements)));
}

function key(op: string, side: Side, size: number): string {
  return `${op}|${side}|${size}`;
}

function update(ratios: Map<string, Ratio>, at: string, ratio: number): void {
  const found = ratios.get(at);
  if (!found) ratios.set(at, { value: ratio, count: 1 });
  else {
    found.value += SMOOTHING * (ratio - found.value);
    found.count++;
  }
}
