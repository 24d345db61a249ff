// Wall-clock timing of end-to-end calls: each sample batches enough calls to last past the timer's
// resolution, the result is the median sample, and a cell stops at its time box. Calls timed together
// keep each round's samples side by side, so that two of them can be compared round by round.

/** A time per call, from the median of `samples` samples of `callsPerSample` calls each. */
export interface Timing {
  readonly msPerCall: number;
  readonly samples: number;
  readonly callsPerSample: number;
  /**
   * Each round's sample in ms per call, in the order taken; null in a round where this call has none
   * (it had all its samples, or its batch read 0 ms and is taken again with more calls). Round i of
   * calls timed together by {@link timeInterleaved} ran at about the same time, so their ratio
   * round by round is free of the machine's drift (see pairedRatio in bench/results.ts).
   */
  readonly msPerCallByRound: readonly (number | null)[];
}

/** A call timed with others by {@link timeInterleaved}. */
export interface InterleavedCall {
  readonly call: () => unknown;
  /**
   * Counts every call made of it, the batches that only fix the calls per sample and `alreadyMade`
   * included, in its first sample: what `auto` does at a size (its first calls there may be tries of
   * the other backend) is timed, not warmed up. Others are timed warm, from their last calibration batch.
   */
  readonly countEveryCall?: boolean;
  /** Calls of it already made before timing (the accuracy check's), and their time, for `countEveryCall`. */
  readonly alreadyMade?: { readonly calls: number; readonly ms: number };
}

export interface SamplingOptions {
  /** Most samples to take. */
  readonly maxSamples: number;
  /** Stop sampling once this much time has gone (after at least MIN_SAMPLES samples). */
  readonly budgetMs: number;
  readonly signal: AbortSignal;
  /** The shortest sample, in ms: MIN_SAMPLE_MS unless given. */
  readonly sampleMs?: number;
  /**
   * A call judged round by round against the faster of its rivals (auto against our backends): once
   * the budget is spent, rounds go on with only that call and the rival whose median is lowest so far,
   * until they have `rounds` rounds in common or EXTENDED_CAP_BUDGETS budgets have gone. At 2^22
   * elements the slow calls (webgpu on a software adapter, the plain loop) left room for three rounds,
   * and auto's median of three read 1.25x while it ran the cpu column's very code (bench/NOTES.md).
   */
  readonly paired?: { readonly call: number; readonly rivals: readonly number[]; readonly rounds: number };
}

/** A sample shorter than this is dominated by performance.now()'s resolution (0.1 ms or coarser in browsers). */
export const MIN_SAMPLE_MS = 5;
const MIN_SAMPLES = 3;
/** A cell whose single call is slow still stops after this many budgets, with at least one sample. */
const HARD_CAP_BUDGETS = 3;
/**
 * Rounds of a `paired` call and its rival alone stop after this many budgets: at 2^22 elements sigmoid
 * with derivative (two 16 MB arrays a call) took 600 ms a round and got to 7 rounds in six budgets.
 */
const EXTENDED_CAP_BUDGETS = 10;
const MAX_CALLS_PER_SAMPLE = 100_000;

export class CancelledError extends Error {
  override name = 'CancelledError';
  constructor() {
    super('the run was cancelled');
  }
}

export function throwIfCancelled(signal: AbortSignal): void {
  if (signal.aborted) throw new CancelledError();
}

/** The median of a non-empty list. */
export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  const upper = sorted[middle] as number;
  return sorted.length % 2 === 1 ? upper : ((sorted[middle - 1] as number) + upper) / 2;
}

/**
 * Lets the page paint and handle Cancel between samples. A MessageChannel round trip, not setTimeout:
 * nested timeouts are clamped to 4 ms, which would add up over thousands of samples.
 */
export function yieldToBrowser(): Promise<void> {
  return new Promise((resolve) => {
    const channel = new MessageChannel();
    channel.port1.onmessage = () => {
      channel.port1.close();
      resolve();
    };
    channel.port2.postMessage(undefined);
  });
}

/**
 * How many calls make a sample of at least MIN_SAMPLE_MS: batches grow until one is long enough to
 * measure, then scale to the target. (One call is no guide: a single slow first call once made a
 * sample of 17 calls of 1 µs, which the browser's 0.1 ms timer read as 0.) The batch that was long
 * enough is a sample in its own right, and is handed back as one: a call of 7 s (TF.js webgpu's
 * log-softmax of 65536 rows) is then not made again only to be timed.
 */
async function callsPerSampleFor(
  call: () => unknown,
  sampleMs: number,
): Promise<{ count: number; firstSampleMs: number | undefined; allCalls: number; allMs: number }> {
  let count = 1;
  let allCalls = 0;
  let allMs = 0;
  for (;;) {
    const start = performance.now();
    for (let i = 0; i < count; i++) await call();
    const elapsedMs = performance.now() - start;
    allCalls += count;
    allMs += elapsedMs;
    if (elapsedMs >= sampleMs || count >= MAX_CALLS_PER_SAMPLE) {
      return { count, firstSampleMs: elapsedMs > 0 ? elapsedMs / count : undefined, allCalls, allMs };
    }
    const next = elapsedMs >= 1 ? Math.ceil((count * sampleMs * 1.2) / elapsedMs) : count * 10;
    count = Math.min(MAX_CALLS_PER_SAMPLE, Math.max(count + 1, next));
  }
}

/**
 * Times `call` (already warmed up by the caller): calibration fixes how many calls make a sample of
 * at least MIN_SAMPLE_MS, then samples until `maxSamples`, or the budget once MIN_SAMPLES
 * are in, or the hard cap.
 */
export async function timeCalls(call: () => unknown, options: SamplingOptions): Promise<Timing> {
  const [timing] = await timeInterleaved([{ call }], options);
  return timing as Timing;
}

/**
 * Times calls that are compared with each other (our backends and the plain loop) a sample of each in
 * turn, so that a drift in the machine's speed (a collection, another process) falls on all of them
 * alike rather than on whichever ran at that moment: on a software adapter `auto` runs the very code
 * of `cpu`, and timed one after the other they differed by up to 1.8x at small sizes. Each call gets
 * its own calls per sample; the budget is `budgetMs` for each call, shared. A round is one sample of
 * each call in turn (the first: their calibrations' last batches, or with `countEveryCall` all of its
 * calibration); `msPerCallByRound` keeps them.
 */
export async function timeInterleaved(timed: readonly (InterleavedCall | (() => unknown))[], options: SamplingOptions): Promise<Timing[]> {
  const entries = timed.map((entry) => (typeof entry === 'function' ? { call: entry } : entry));
  const calls = entries.map((entry) => entry.call);
  const shortestMs = options.sampleMs ?? MIN_SAMPLE_MS;
  const callsPerSample: number[] = [];
  const samples: number[][] = [];
  const byRound: (number | null)[][] = [];
  for (const entry of entries) {
    const calibration = await callsPerSampleFor(entry.call, shortestMs);
    let firstSampleMs = calibration.firstSampleMs;
    if (entry.countEveryCall) {
      const madeCalls = calibration.allCalls + (entry.alreadyMade?.calls ?? 0);
      const madeMs = calibration.allMs + (entry.alreadyMade?.ms ?? 0);
      firstSampleMs = madeMs > 0 ? madeMs / madeCalls : undefined;
    }
    callsPerSample.push(calibration.count);
    samples.push(firstSampleMs === undefined ? [] : [firstSampleMs]);
    byRound.push([firstSampleMs ?? null]);
  }
  const budgetMs = options.budgetMs * calls.length;
  const start = performance.now();
  let rounds = 0;
  // (The first samples above are outside the budget, as the calibration always was.)
  for (;;) {
    const next = nextRound(samples, byRound, performance.now() - start, budgetMs, options);
    if (next === null) break;
    throwIfCancelled(options.signal);
    // Every other round runs in the reverse order, so that what one call leaves behind (garbage to
    // collect, a GPU still busy) falls on its neighbours on both sides alike, as in compare-tfjs.mjs.
    // With `paired`, that call and its fastest rival swap places instead, the others keeping theirs:
    // reversed, the call timed last in one round was first in the next, right after its own batch,
    // and auto (last of webgpu, js, cpu, auto) always followed a batch of the same op, cpu half the time
    // js's: at 65536 elements sigmoid with derivative read 3.4 ms a call either way for auto, 2.3
    // after js and 3.4 after auto for cpu (bench/NOTES.md).
    rounds++;
    const order = [...next.calls];
    if (rounds % 2 === 1) {
      const rival = options.paired ? fastestRival(samples, options.paired.rivals) : null;
      const [at, rivalAt] = [order.indexOf(options.paired?.call ?? -1), rival === null ? -1 : order.indexOf(rival)];
      if (at >= 0 && rivalAt >= 0 && !next.paired) [order[at], order[rivalAt]] = [order[rivalAt] as number, order[at] as number];
      else order.reverse();
    }
    for (let i = 0; i < calls.length; i++) if (!order.includes(i)) (byRound[i] as (number | null)[]).push(null);
    for (const i of order) {
      const call = calls[i] as () => unknown;
      const taken = samples[i] as number[];
      const round = byRound[i] as (number | null)[];
      if (taken.length >= options.maxSamples && !next.paired) {
        round.push(null);
        continue;
      }
      const count = callsPerSample[i] as number;
      const sampleStart = performance.now();
      for (let c = 0; c < count; c++) await call();
      const sampleMs = performance.now() - sampleStart;
      const msPerCall = sampleMs / count;
      // A batch that read 0 ms (faster than when its size was fixed, below the timer's resolution) is
      // no measurement: it is timed again with ten times the calls, up to the cap (a 0 ms cell once
      // made auto's ratio Infinity and broke the report).
      if (!(msPerCall > 0) && count < MAX_CALLS_PER_SAMPLE) {
        callsPerSample[i] = Math.min(MAX_CALLS_PER_SAMPLE, count * 10);
        round.push(null);
        continue;
      }
      taken.push(msPerCall);
      round.push(msPerCall);
      // A batch sized by a slow first call (a cold start, a collection, another process) would stay one
      // call of a fraction of a millisecond, whose samples scatter far more than the ratios we judge
      // (bench/NOTES.md, "2026-12-03: auto judged round by round"): the next batches are sized to
      // MIN_SAMPLE_MS again from this one.
      if (sampleMs < shortestMs / 2 && count < MAX_CALLS_PER_SAMPLE) {
        callsPerSample[i] = Math.min(MAX_CALLS_PER_SAMPLE, Math.max(count + 1, Math.ceil((count * shortestMs * 1.2) / sampleMs)));
      }
    }
    await yieldToBrowser();
  }
  return calls.map((_, i) => ({
    msPerCall: median(samples[i] as number[]),
    samples: (samples[i] as number[]).length,
    callsPerSample: callsPerSample[i] as number,
    msPerCallByRound: byRound[i] as (number | null)[],
  }));
}

/** Of `rivals`, the one whose samples so far have the lowest median; null if none has a sample. */
function fastestRival(samples: readonly (readonly number[])[], rivals: readonly number[]): number | null {
  let rival: number | null = null;
  for (const candidate of rivals) {
    const taken = samples[candidate] as readonly number[];
    if (taken.length === 0) continue;
    if (rival === null || median(taken) < median(samples[rival] as readonly number[])) rival = candidate;
  }
  return rival;
}

/**
 * Which calls the next round samples, in their order, or null when sampling is over: all of them
 * (those with all their samples sit the round out) until the budget is spent with MIN_SAMPLES each, or
 * the hard cap with one each; then, for `options.paired`, that call and its fastest rival alone
 * (`paired`: past their samples) until they have the rounds in common it asks for, or
 * EXTENDED_CAP_BUDGETS budgets have gone.
 */
function nextRound(
  samples: readonly (readonly number[])[],
  byRound: readonly (readonly (number | null)[])[],
  elapsedMs: number,
  budgetMs: number,
  options: SamplingOptions,
): { readonly calls: readonly number[]; readonly paired: boolean } | null {
  const fewest = Math.min(...samples.map((taken) => taken.length));
  const allTaken = samples.every((taken) => taken.length >= options.maxSamples);
  const withinBudget = fewest < MIN_SAMPLES ? fewest < 1 || elapsedMs < HARD_CAP_BUDGETS * budgetMs : elapsedMs < budgetMs;
  if (!allTaken && withinBudget) return { calls: samples.map((_, i) => i), paired: false };
  const paired = options.paired;
  if (!paired || elapsedMs >= EXTENDED_CAP_BUDGETS * budgetMs || paired.rivals.length === 0) return null;
  const rival = fastestRival(samples, paired.rivals);
  if (rival === null || (samples[paired.call] as readonly number[]).length === 0) return null;
  const mine = byRound[paired.call] as readonly (number | null)[];
  const theirs = byRound[rival] as readonly (number | null)[];
  const inCommon = mine.filter((sample, round) => sample !== null && theirs[round] != null).length;
  return inCommon < paired.rounds ? { calls: [Math.min(paired.call, rival), Math.max(paired.call, rival)], paired: true } : null;
}

/**
 * The order in which our backends and the plain loop are timed together: webgpu, js, cpu, auto (then
 * any other). Every other round auto swaps places with the faster of webgpu and cpu (SamplingOptions'
 * `paired`): W J C A, W J A C, ... where cpu is the faster, so that neither cpu nor auto ever runs right
 * after a WebGPU batch and each follows the other in every other round. Timed in the backends' own
 * order (webgpu, cpu, auto, js), every other round reversed, cpu followed webgpu in every other round
 * and ran 1.6x faster there (gelu at 16384: 0.19 ms against 0.30), while auto never did: auto, running
 * the cpu column's very code, read 1.57x (bench/NOTES.md, 2026-12-03).
 */
export const TIMING_ORDER: readonly string[] = ['webgpu', 'js', 'cpu', 'auto'];

/** `items` in TIMING_ORDER (items not in it after, in their own order). */
export function inTimingOrder<T extends { readonly id: string }>(items: readonly T[]): T[] {
  const rank = (id: string) => {
    const at = TIMING_ORDER.indexOf(id);
    return at < 0 ? TIMING_ORDER.length : at;
  };
  return items
    .map((item, index) => ({ item, index }))
    .sort((a, b) => rank(a.item.id) - rank(b.item.id) || a.index - b.index)
    .map(({ item }) => item);
}
