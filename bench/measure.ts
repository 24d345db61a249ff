// Wall-clock timing of end-to-end calls: each sample batches enough calls to last past the timer's
// resolution, the result is the median sample, and a cell stops at its time box.

/** A time per call, from the median of `samples` samples of `callsPerSample` calls each. */
export interface Timing {
  readonly msPerCall: number;
  readonly samples: number;
  readonly callsPerSample: number;
}

export interface SamplingOptions {
  /** Most samples to take. */
  readonly maxSamples: number;
  /** Stop sampling once this much time has gone (after at least MIN_SAMPLES samples). */
  readonly budgetMs: number;
  readonly signal: AbortSignal;
}

/** A sample shorter than this is dominated by performance.now()'s resolution (0.1 ms or coarser in browsers). */
export const MIN_SAMPLE_MS = 5;
const MIN_SAMPLES = 3;
/** A cell whose single call is slow still stops after this many budgets, with at least one sample. */
const HARD_CAP_BUDGETS = 3;
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
 * Times `call` (already warmed up by the caller): one calibration call fixes how many calls make a
 * sample of at least MIN_SAMPLE_MS, then samples until `maxSamples`, or the budget once MIN_SAMPLES
 * are in, or the hard cap.
 */
export async function timeCalls(call: () => unknown, options: SamplingOptions): Promise<Timing> {
  const calibrationStart = performance.now();
  await call();
  const singleCallMs = Math.max(performance.now() - calibrationStart, 1e-3);
  const callsPerSample = Math.min(MAX_CALLS_PER_SAMPLE, Math.max(1, Math.ceil(MIN_SAMPLE_MS / singleCallMs)));
  const samples: number[] = [];
  const start = performance.now();
  while (samples.length < options.maxSamples) {
    const elapsedMs = performance.now() - start;
    if (samples.length >= MIN_SAMPLES && elapsedMs >= options.budgetMs) break;
    if (samples.length >= 1 && elapsedMs >= HARD_CAP_BUDGETS * options.budgetMs) break;
    throwIfCancelled(options.signal);
    const sampleStart = performance.now();
    for (let i = 0; i < callsPerSample; i++) await call();
    samples.push((performance.now() - sampleStart) / callsPerSample);
    await yieldToBrowser();
  }
  return { msPerCall: median(samples), samples: samples.length, callsPerSample };
}
