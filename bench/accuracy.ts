// How far a float32 result is from the float64 reference, in one number per backend and cell.

/** The smallest normal float32: results below it may be flushed to zero by a GPU, so errors are measured against at least this. */
export const FLOAT32_MIN_NORMAL = 1.1754943508222875e-38;

/** Our backends must stay within this relative error of the float64 reference. */
export const OUR_TOLERANCE = 1e-5;

/**
 * Largest |actual - expected| / max(|expected|, scale, FLOAT32_MIN_NORMAL) over all elements; 0 where a
 * subnormal float64 result reads 0 (flushed). A NaN where the
 * reference has none (or the other way round), or an infinity that does not match, counts as Infinity.
 * `scale`, where given, is the magnitude of the terms each element is computed from, for ops whose
 * result cancels (softmax backward): there no float32 computation is relative to the result itself.
 */
export function maxRelativeError(actual: ArrayLike<number>, expected: ArrayLike<number>, scale?: ArrayLike<number>): number {
  if (actual.length !== expected.length) return Number.POSITIVE_INFINITY;
  let worst = 0;
  for (let i = 0; i < expected.length; i++) {
    const a = actual[i] as number;
    const e = expected[i] as number;
    if (Number.isNaN(a) || Number.isNaN(e)) {
      if (Number.isNaN(a) !== Number.isNaN(e)) return Number.POSITIVE_INFINITY;
    } else if (!Number.isFinite(a) || !Number.isFinite(e)) {
      if (a !== e) return Number.POSITIVE_INFINITY;
    } else if (a === 0 && Math.abs(e) < FLOAT32_MIN_NORMAL) {
      // A subnormal result flushed to zero: what a GPU may do (WGSL allows it; README, "Accuracy"), not
      // a difference of formula. (softplus(-88) = 6.1e-39 read 0 on SwiftShader: 0.52 against the
      // smallest normal, which failed the run once issue 16's edge inputs reached there.)
    } else {
      const error = Math.abs(a - e) / Math.max(Math.abs(e), (scale?.[i] as number | undefined) ?? 0, FLOAT32_MIN_NORMAL);
      if (error > worst) worst = error;
    }
  }
  return worst;
}
