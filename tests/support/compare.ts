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
export function compare(
  actual: ArrayLike<number>,
  expected: ArrayLike<number>,
  tolerance: Tolerance,
  inputs: ArrayLike<number>[] = [],
  alternative?: ArrayLike<number>,
): Comparison {
  const failures: string[] = [];
  let maxRelativeError = 0;
  if (actual.length !== expected.length) {
    return { ok: false, maxRelativeError: Infinity, failures: [`length ${actual.length}, expected ${expected.length}`] };
  }
  for (let i = 0; i < expected.length; i++) {
    const a = actual[i] as number;
    let bad = elementBad(a, expected[i] as number, tolerance, i);
    // The alternative reference (inputs with subnormals flushed to zero, as a GPU may) is accepted too.
    if (bad && alternative) bad = elementBad(a, alternative[i] as number, tolerance, i);
    const e = expected[i] as number;
    if (!bad && Number.isFinite(a) && Number.isFinite(e) && Math.abs(e) >= FLOAT32_MIN_NORMAL) {
      maxRelativeError = Math.max(
        maxRelativeError,
        Math.min(Math.abs(a - e) / Math.abs(e), alternative ? Math.abs(a - (alternative[i] as number)) / Math.abs(e) : Infinity),
      );
    }
    if (bad && failures.length < 8) {
      const at = inputs.map((input) => input[i]).join(', ');
      failures.push(`[${i}] got ${a}, expected ${e}${at ? ` (input ${at})` : ''}`);
    }
    if (bad && failures.length >= 8) break;
  }
  return { ok: failures.length === 0, maxRelativeError, failures };
}

/** NaN must meet NaN; a value beyond float32's range must come back as the infinity it rounds to; others within the tolerance. */
function elementBad(a: number, e: number, tolerance: Tolerance, i: number): boolean {
  if (Number.isNaN(e) || Number.isNaN(a)) return !(Number.isNaN(e) && Number.isNaN(a));
  if (!Number.isFinite(Math.fround(e)) || !Number.isFinite(a)) return a !== Math.fround(e);
  const absolute = tolerance.absolute ?? FLOAT32_MIN_NORMAL;
  return Math.abs(a - e) > tolerance.relative * Math.abs(e) + absolute + ((tolerance.elementBound?.[i] as number | undefined) ?? 0);
}

/** The inputs with subnormal values replaced by zero of the same sign, as a GPU may read them. */
export function flushSubnormals(input: Float32Array): Float32Array {
  return input.map((v) => (v !== 0 && Math.abs(v) < FLOAT32_MIN_NORMAL ? (v < 0 ? -0 : 0) : v));
}

/** Throws with the seed, the worst elements and the context when the comparison fails. */
export function expectClose(
  actual: ArrayLike<number>,
  expected: ArrayLike<number>,
  tolerance: Tolerance,
  context: string,
  inputs: ArrayLike<number>[] = [],
): number {
  const result = compare(actual, expected, tolerance, inputs);
  if (!result.ok) {
    throw new Error(
      `${context}: mismatch against the float64 reference (seed ${SEED}, tolerance ${JSON.stringify({ ...tolerance, elementBound: tolerance.elementBound ? 'per element' : undefined })}):\n  ${result.failures.join('\n  ')}`,
    );
  }
  return result.maxRelativeError;
}
