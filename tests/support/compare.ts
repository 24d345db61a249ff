import { SEED } from './random.ts';

/** The smallest normal float32: a GPU may flush subnormal results to zero, so absolute errors below it are allowed. */
export const FLOAT32_MIN_NORMAL = 1.1754943508222875e-38;

export interface Tolerance {
  /** Allowed |actual - expected| / |expected|. */
  readonly relative: number;
  /** Allowed |actual - expected| regardless of size (default: the smallest normal float32). */
  readonly absolute?: number;
  /** Per-element allowed |actual - expected|, added to the others: for results that can cancel, the bound scales with the terms, not the result. */
  readonly elementBound?: ArrayLike<number>;
}

export interface Comparison {
  readonly ok: boolean;
  /** Largest relative error over elements whose expected value is at least the smallest normal float32. */
  readonly maxRelativeError: number;
  readonly failures: string[];
}

/**
 * Compares float32 results with a float64 reference: NaN must meet NaN, infinities must match exactly,
 * other values within |a - e| <= relative * |e| + absolute.
 */
export function compare(actual: ArrayLike<number>, expected: ArrayLike<number>, tolerance: Tolerance, inputs: ArrayLike<number>[] = []): Comparison {
  const failures: string[] = [];
  let maxRelativeError = 0;
  const absolute = tolerance.absolute ?? FLOAT32_MIN_NORMAL;
  if (actual.length !== expected.length) {
    return { ok: false, maxRelativeError: Infinity, failures: [`length ${actual.length}, expected ${expected.length}`] };
  }
  for (let i = 0; i < expected.length; i++) {
    const a = actual[i] as number;
    const e = expected[i] as number;
    let bad: boolean;
    if (Number.isNaN(e) || Number.isNaN(a)) bad = !(Number.isNaN(e) && Number.isNaN(a));
    // A value beyond float32's range must come back as the infinity it rounds to.
    else if (!Number.isFinite(Math.fround(e)) || !Number.isFinite(a)) bad = a !== Math.fround(e);
    else {
      const error = Math.abs(a - e);
      if (Math.abs(e) >= FLOAT32_MIN_NORMAL) maxRelativeError = Math.max(maxRelativeError, error / Math.abs(e));
      bad = error > tolerance.relative * Math.abs(e) + absolute + ((tolerance.elementBound?.[i] as number | undefined) ?? 0);
    }
    if (bad && failures.length < 8) {
      const at = inputs.map((input) => input[i]).join(', ');
      failures.push(`[${i}] got ${a}, expected ${e}${at ? ` (input ${at})` : ''}`);
    }
    if (bad && failures.length >= 8) break;
  }
  return { ok: failures.length === 0, maxRelativeError, failures };
}

/** Throws with the seed, the worst elements and the context when the comparison fails. */
export function expectClose(actual: ArrayLike<number>, expected: ArrayLike<number>, tolerance: Tolerance, context: string, inputs: ArrayLike<number>[] = []): number {
  const result = compare(actual, expected, tolerance, inputs);
  if (!result.ok) {
    throw new Error(`${context}: mismatch against the float64 reference (seed ${SEED}, tolerance ${JSON.stringify({ ...tolerance, elementBound: tolerance.elementBound ? 'per element' : undefined })}):\n  ${result.failures.join('\n  ')}`);
  }
  return result.maxRelativeError;
}
