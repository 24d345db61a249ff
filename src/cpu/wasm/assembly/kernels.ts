// The row kernels of the CPU path's WebAssembly SIMD module (AssemblyScript): softmax, log-softmax,
// softmax backward, and buffer_base(), where the host's buffers start. The elementwise kernels are in
// activations/<name>.ts; the shared helpers in common.ts (see there for the layout and numerics).

import {
  LN2_HI_X4,
  LN2_LO_X4,
  LOG2E_X4,
  ROUNDER_X4,
  expInRange,
  expNonpositive,
  expPolynomial,
  high64,
  isNaN32,
  join32,
  lanes,
  low64,
  splat,
  splat64,
} from './common';

// ---------------------------------------------------------------------------------------------------
// Row kernels: softmax, log-softmax, softmax backward. Rows start anywhere (unaligned loads); a row's
// last n % 4 elements are one vector padded with a neutral value. The block functions work on part of
// a row (the host streams rows longer than its buffers through them); the *_rows functions run whole
// rows, stopping at the first row that special values decide (NaN, +Infinity, all -Infinity): the
// host writes that row with the JavaScript rules of src/cpu/softmax.ts and resumes after it.

// @ts-ignore: decorator
@inline function loadPartial(p: usize, count: i32, fill: f32): v128 {
  let v = f32x4.replace_lane(splat(fill), 0, load<f32>(p));
  if (count > 1) v = f32x4.replace_lane(v, 1, load<f32>(p, 4));
  if (count > 2) v = f32x4.replace_lane(v, 2, load<f32>(p, 8));
  return v;
}
// @ts-ignore: decorator
@inline function storePartial(p: usize, v: v128, count: i32): void {
  store<f32>(p, f32x4.extract_lane(v, 0));
  if (count > 1) store<f32>(p, f32x4.extract_lane(v, 1), 4);
  if (count > 2) store<f32>(p, f32x4.extract_lane(v, 2), 8);
}
// @ts-ignore: decorator
@inline function laneSum64(a: v128, b: v128): f64 {
  return f64x2.extract_lane(a, 0) + f64x2.extract_lane(a, 1) + (f64x2.extract_lane(b, 0) + f64x2.extract_lane(b, 1));
}

let lastMinimum: f32 = 0;

/**
 * The largest of n values, NaN if any is NaN, -Infinity for n = 0. The smallest (NaN ignored) is kept
 * for row_minimum: a row whose values all lie within 87 of its max takes the unchecked exp loop.
 */
export function row_max(x: usize, n: i32): f32 {
  return rowMax(x, n);
}
// @ts-ignore: decorator
@inline function rowMax(x: usize, n: i32): f32 {
  // pmax (a plain maxps) skips NaN; NaN is noted on the side. f32x4.max's NaN rules cost 4x as much.
  let m = splat(-Infinity);
  let low = splat(Infinity);
  let nan = i32x4.splat(0);
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const v = v128.load(x + (<usize>i << 2));
    m = f32x4.pmax(m, v);
    low = f32x4.pmin(low, v);
    nan = v128.or(nan, isNaN32(v));
  }
  if (i < n) {
    const v = loadPartial(x + (<usize>i << 2), n - i, -Infinity);
    m = f32x4.pmax(m, v);
    low = f32x4.pmin(low, loadPartial(x + (<usize>i << 2), n - i, Infinity));
    nan = v128.or(nan, isNaN32(v));
  }
  lastMinimum = min(min(f32x4.extract_lane(low, 0), f32x4.extract_lane(low, 1)), min(f32x4.extract_lane(low, 2), f32x4.extract_lane(low, 3)));
  if (v128.any_true(nan)) return NaN;
  return max(max(f32x4.extract_lane(m, 0), f32x4.extract_lane(m, 1)), max(f32x4.extract_lane(m, 2), f32x4.extract_lane(m, 3)));
}

/** The smallest value (NaN ignored) that the last row_max call saw. */
export function row_minimum(): f32 {
  return lastMinimum;
}

/** Whether every x - maximum of a row is in [-87, 0], so that exp(x - maximum) is normal: the fast loops apply. */
// @ts-ignore: decorator
@inline function withinExpRange(minimum: f32, maximum: f32): bool {
  return <f64>minimum - <f64>maximum >= -87;
}

/**
 * exp(x - m) for m - 87 <= x <= m, in float32, with x - m taken exactly: the two-sum's rounding error
 * err goes into the reduced argument, r = (s - k ln2_hi) + (err - k ln2_lo) (Cody-Waite), so that
 * exp(r) carries it with no extra rounding. No range check: the caller knows the row's range.
 */
// @ts-ignore: decorator
@inline function expOfDifferenceInRange(x: v128, m: v128, negativeM: v128): v128 {
  const s = f32x4.sub(x, m);
  const bb = f32x4.sub(s, x);
  const err = f32x4.add(f32x4.sub(x, f32x4.sub(s, bb)), f32x4.sub(negativeM, bb));
  const shifted = f32x4.add(f32x4.mul(s, lanes(LOG2E_X4)), lanes(ROUNDER_X4));
  const k = f32x4.sub(shifted, lanes(ROUNDER_X4));
  const r = f32x4.add(f32x4.sub(s, f32x4.mul(k, lanes(LN2_HI_X4))), f32x4.sub(err, f32x4.mul(k, lanes(LN2_LO_X4))));
  return i32x4.add(expPolynomial(r), i32x4.shl(shifted, 23));
}

/**
 * exp(x - m) for x <= m in float32, with x - m taken exactly: the two-sum's rounding error err is put
 * back as exp(s) (1 + err) (shaders/softmax.wgsl's exp_of_difference). 0 where x - m < -104.
 */
// @ts-ignore: decorator
@inline function expOfDifference(x: v128, m: v128): v128 {
  const s = f32x4.sub(x, m);
  const bb = f32x4.sub(s, x);
  const err = f32x4.add(f32x4.sub(x, f32x4.sub(s, bb)), f32x4.sub(f32x4.neg(m), bb));
  const e = f32x4.mul(expNonpositive(s), f32x4.add(splat(1), err));
  if (v128.all_true<i32>(f32x4.ge(s, splat(-87)))) return e;
  return v128.andnot(e, f32x4.lt(s, splat(-104))); // also where x is -Infinity (err is NaN there)
}

/**
 * Whether softmax_exp_sum takes exp(x) itself (unshifted) for values from minimum to maximum. Only up
 * to 64: the scaling's float32 1 / sum must stay normal (sum < 2^31 e^64 < 2^126); at 88, rows of
 * 4096 values in [87, 88] gave a subnormal factor and 2.4e-4 off.
 */
// @ts-ignore: decorator
@inline function unshiftedRow(maximum: f32, minimum: f32): bool {
  return minimum >= -87 && maximum <= 64;
}

/** The shift of softmax_exp_sum's terms for values from minimum to maximum: exp(x - reference). */
export function softmax_exp_reference(maximum: f32, minimum: f32): f32 {
  return unshiftedRow(maximum, minimum) ? 0 : maximum;
}

/** softmax's terms exp(x) (the row lies in [-87, 64]): see softmax_exp_sum. */
@final class UnshiftedTerms {
  // @ts-ignore: decorator
  @inline of(v: v128, m: v128, negativeM: v128): v128 {
    return expInRange(v);
  }
}
/** softmax's terms exp(x - m), x - m taken exactly, every one normal: see softmax_exp_sum. */
@final class ShiftedTerms {
  // @ts-ignore: decorator
  @inline of(v: v128, m: v128, negativeM: v128): v128 {
    return expOfDifferenceInRange(v, m, negativeM);
  }
}

// sumTerms' float64 sums, lanes 0 and 1 and lanes 2 and 3 (a function returns one value).
let termsLow: v128 = f64x2.splat(0);
let termsHigh: v128 = f64x2.splat(0);

/**
 * The terms of T (softmax_exp_sum's two unchecked forms) of n's whole vectors written to out and summed:
 * in float32 over blocks of 64 up to `blocks`, each block's partials then in float64, and the vectors
 * after it one by one in float64. The sums go to termsLow and termsHigh; returns the elements done.
 */
// @ts-ignore: decorator
@inline function sumTerms<T>(x: usize, out: usize, n: i32, m: v128, negativeM: v128, blocks: i32): i32 {
  const terms = changetype<T>(0);
  let low = splat64(0);
  let high = splat64(0);
  let i = 0;
  while (i < blocks) {
    const end = i + 64;
    let a0 = splat(0);
    let a1 = splat(0);
    for (; i < end; i += 8) {
      const at = <usize>i << 2;
      const e0 = terms.of(v128.load(x + at), m, negativeM);
      const e1 = terms.of(v128.load(x + at, 16), m, negativeM);
      v128.store(out + at, e0);
      v128.store(out + at, e1, 16);
      a0 = f32x4.add(a0, e0);
      a1 = f32x4.add(a1, e1);
    }
    low = f64x2.add(low, f64x2.add(low64(a0), low64(a1)));
    high = f64x2.add(high, f64x2.add(high64(a0), high64(a1)));
  }
  for (; i + 8 <= n; i += 8) {
    const at = <usize>i << 2;
    const e0 = terms.of(v128.load(x + at), m, negativeM);
    const e1 = terms.of(v128.load(x + at, 16), m, negativeM);
    v128.store(out + at, e0);
    v128.store(out + at, e1, 16);
    low = f64x2.add(low, f64x2.add(low64(e0), low64(e1)));
    high = f64x2.add(high, f64x2.add(high64(e0), high64(e1)));
  }
  for (; i + 4 <= n; i += 4) {
    const at = <usize>i << 2;
    const e = terms.of(v128.load(x + at), m, negativeM);
    v128.store(out + at, e);
    low = f64x2.add(low, low64(e));
    high = f64x2.add(high, high64(e));
  }
  termsLow = low;
  termsHigh = high;
  return i;
}

/**
 * Writes softmax's unnormalised terms (float32) to out and returns their sum, taken in float64. The
 * terms are exp(x - maximum), or, where the whole row (minimum to maximum) lies in [-87, 64], exp(x)
 * itself: softmax is the same for any shift, and x - 0 is exact where x - maximum needs the two-sum.
 * Between, the two-sum loop without range checks; else the checked loop.
 */
export function softmax_exp_sum(x: usize, out: usize, n: i32, maximum: f32, minimum: f32): f64 {
  return expSum(x, out, n, maximum, minimum);
}
// @ts-ignore: decorator
@inline function expSum(x: usize, out: usize, n: i32, maximum: f32, minimum: f32): f64 {
  const m = splat(maximum);
  const negativeM = splat(-maximum);
  let low = splat64(0);
  let high = splat64(0);
  let i = 0;
  const unshifted = unshiftedRow(maximum, minimum);
  // Rows of 128 and longer sum their terms in float32 over blocks of 64 (8 per lane and vector), each
  // block's partial sums then added in float64: a float64 add per 4 terms cost 10% of the loop. Shorter
  // rows add each vector in float64: on rows of 16 the float32 partials took softmax's largest error
  // from 1.9e-7 to 2.2e-7 (bench/NOTES.md, 2026-12-03).
  const blocks = n >= 128 ? n & ~63 : 0;
  if (unshifted || withinExpRange(minimum, maximum)) {
    i = unshifted ? sumTerms<UnshiftedTerms>(x, out, n, m, negativeM, blocks) : sumTerms<ShiftedTerms>(x, out, n, m, negativeM, blocks);
    low = termsLow;
    high = termsHigh;
  } else {
    for (; i + 4 <= n; i += 4) {
      const at = <usize>i << 2;
      const e = expOfDifference(v128.load(x + at), m);
      v128.store(out + at, e);
      low = f64x2.add(low, low64(e));
      high = f64x2.add(high, high64(e));
    }
  }
  if (i < n) {
    const at = <usize>i << 2;
    const v = loadPartial(x + at, n - i, unshifted ? maximum : -Infinity);
    const e = unshifted ? expInRange(v) : expOfDifference(v, m);
    storePartial(out + at, e, n - i);
    // the padding lanes hold maximum (unshifted) or -Infinity (0): only the row's own lanes are summed
    const mask = i32x4.lt_s(i32x4(0, 1, 2, 3), i32x4.splat(n - i));
    low = f64x2.add(low, low64(v128.and(e, mask)));
    high = f64x2.add(high, high64(v128.and(e, mask)));
  }
  return laneSum64(low, high);
}

/**
 * out = x * factor in float32 (softmax: exp(x - max) / sum as exp * (1 / sum), 1 / sum rounded to
 * float32): two roundings more than the exp's, 2.0e-7 at most over 5M random elements where the
 * float64 product rounded once gave 1.8e-7, for 9% of the kernel's time (bench/NOTES.md, 2026-12-03).
 */
export function scale(x: usize, out: usize, n: i32, factor: f64): void {
  scaleBy(x, out, n, factor);
}
// @ts-ignore: decorator
@inline function scaleBy(x: usize, out: usize, n: i32, factor: f64): void {
  const f = splat(<f32>factor);
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const at = <usize>i << 2;
    v128.store(out + at, f32x4.mul(v128.load(x + at), f));
  }
  if (i < n) {
    const at = <usize>i << 2;
    storePartial(out + at, f32x4.mul(loadPartial(x + at, n - i, 0), f), n - i);
  }
}

/** Rows the row kernels take in one group: their per-row statistics fit the scratch below. */
const ROW_GROUP: i32 = 1024;
const rowMaxima = memory.data(ROW_GROUP << 2, 16);
const rowMinima = memory.data(ROW_GROUP << 2, 16);
const rowFactors = memory.data(ROW_GROUP << 3, 16);

/**
 * softmax of `rows` rows of `cols` from x to out; returns the first row left to the host, or rows.
 * A group of rows goes through each pass before the next pass starts (every max, then every sum,
 * then every scaling), so that the rows' chains of dependent steps (max, exps, sum, division, scaling:
 * about 90 cycles of latency) overlap: a row at a time, rows of 16 took 1.7 ns an element, 1.2 for 1024.
 */
export function softmax_rows(x: usize, out: usize, rows: i32, cols: i32): i32 {
  const rowBytes = <usize>cols << 2;
  for (let first = 0; first < rows; first += ROW_GROUP) {
    const count = min(ROW_GROUP, rows - first);
    const from = x + <usize>first * rowBytes;
    const to = out + <usize>first * rowBytes;
    let ready = 0;
    for (; ready < count; ready++) {
      const m = rowMax(from + <usize>ready * rowBytes, cols);
      if (!isFinite(m)) break;
      store<f32>(rowMaxima + (<usize>ready << 2), m);
      store<f32>(rowMinima + (<usize>ready << 2), lastMinimum);
    }
    for (let r = 0; r < ready; r++) {
      const offset = <usize>r * rowBytes;
      const sum = expSum(from + offset, to + offset, cols, load<f32>(rowMaxima + (<usize>r << 2)), load<f32>(rowMinima + (<usize>r << 2)));
      store<f64>(rowFactors + (<usize>r << 3), 1 / sum);
    }
    for (let r = 0; r < ready; r++) {
      const offset = <usize>r * rowBytes;
      scaleBy(to + offset, to + offset, cols, load<f64>(rowFactors + (<usize>r << 3)));
    }
    if (ready < count) return first + ready;
  }
  return rows;
}

let equalCount: i32 = 0;

/**
 * log-softmax's sum: exp(x - maximum) over the entries below the maximum (float32, x - maximum exact,
 * summed in float64), returned; the entries equal to it are counted (log_softmax_equal_count).
 * rest = (count - 1) + sum is then exact where it matters, near 0 (one maximum, all others far below):
 * log(sum) would lose every digit of a result near 0.
 */
export function log_softmax_rest(x: usize, n: i32, maximum: f32, inRange: bool): f64 {
  const m = splat(maximum);
  const negativeM = splat(-maximum);
  let low = splat64(0);
  let high = splat64(0);
  let equal = i32x4.splat(0);
  let i = 0;
  // Separate loops for the two exps: as one conditional expression they were compiled to a select,
  // which computes both.
  if (inRange) {
    for (; i + 8 <= n; i += 8) {
      const at = <usize>i << 2;
      const v0 = v128.load(x + at);
      const v1 = v128.load(x + at, 16);
      const isMax0 = f32x4.eq(v0, m);
      const isMax1 = f32x4.eq(v1, m);
      equal = i32x4.sub(i32x4.sub(equal, isMax0), isMax1);
      const e0 = v128.andnot(expOfDifferenceInRange(v0, m, negativeM), isMax0);
      const e1 = v128.andnot(expOfDifferenceInRange(v1, m, negativeM), isMax1);
      low = f64x2.add(low, f64x2.add(low64(e0), low64(e1)));
      high = f64x2.add(high, f64x2.add(high64(e0), high64(e1)));
    }
  }
  for (; i < n; i += 4) {
    const at = <usize>i << 2;
    const v = i + 4 <= n ? v128.load(x + at) : loadPartial(x + at, n - i, -Infinity);
    const isMax = f32x4.eq(v, m);
    equal = i32x4.sub(equal, isMax);
    const e = v128.andnot(expOfDifference(v, m), isMax);
    low = f64x2.add(low, low64(e));
    high = f64x2.add(high, high64(e));
  }
  equalCount = i32x4.extract_lane(equal, 0) + i32x4.extract_lane(equal, 1) + i32x4.extract_lane(equal, 2) + i32x4.extract_lane(equal, 3);
  return laneSum64(low, high);
}

/** How many entries the last log_softmax_rest call found equal to the maximum. */
export function log_softmax_equal_count(): i32 {
  return equalCount;
}

/** out = (x - maximum) - logSum in float64, rounded once. */
export function log_softmax_write(x: usize, out: usize, n: i32, maximum: f32, logSum: f64): void {
  const m = splat64(<f64>maximum);
  const l = splat64(logSum);
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const at = <usize>i << 2;
    const v = v128.load(x + at);
    v128.store(out + at, join32(f64x2.sub(f64x2.sub(low64(v), m), l), f64x2.sub(f64x2.sub(high64(v), m), l)));
  }
  if (i < n) {
    const at = <usize>i << 2;
    const v = loadPartial(x + at, n - i, 0);
    storePartial(out + at, join32(f64x2.sub(f64x2.sub(low64(v), m), l), f64x2.sub(f64x2.sub(high64(v), m), l)), n - i);
  }
}

/** log-softmax of whole rows; returns the first row left to the host, or rows. */
export function log_softmax_rows(x: usize, out: usize, rows: i32, cols: i32): i32 {
  const rowBytes = <usize>cols << 2;
  for (let r = 0; r < rows; r++) {
    const from = x + <usize>r * rowBytes;
    const m = row_max(from, cols);
    if (!isFinite(m)) return r;
    const sum = log_softmax_rest(from, cols, m, withinExpRange(lastMinimum, m));
    log_softmax_write(from, out + <usize>r * rowBytes, cols, m, Math.log1p(<f64>(equalCount - 1) + sum));
  }
  return rows;
}

/** sum(y * dy) in float64 (each product exact). */
export function dot(y: usize, dy: usize, n: i32): f64 {
  let low = splat64(0);
  let high = splat64(0);
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const at = <usize>i << 2;
    const a = v128.load(y + at);
    const b = v128.load(dy + at);
    low = f64x2.add(low, f64x2.mul(low64(a), low64(b)));
    high = f64x2.add(high, f64x2.mul(high64(a), high64(b)));
  }
  if (i < n) {
    const at = <usize>i << 2;
    const a = loadPartial(y + at, n - i, 0);
    const b = loadPartial(dy + at, n - i, 0);
    low = f64x2.add(low, f64x2.mul(low64(a), low64(b)));
    high = f64x2.add(high, f64x2.mul(high64(a), high64(b)));
  }
  return laneSum64(low, high);
}

// @ts-ignore: decorator
@inline function backwardValue(y: v128, dy: v128, d: v128): v128 {
  return join32(f64x2.mul(low64(y), f64x2.sub(low64(dy), d)), f64x2.mul(high64(y), f64x2.sub(high64(dy), d)));
}

/** out = y * (dy - dotProduct) in float64, rounded once. */
export function softmax_backward_write(y: usize, dy: usize, out: usize, n: i32, dotProduct: f64): void {
  const d = splat64(dotProduct);
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const at = <usize>i << 2;
    v128.store(out + at, backwardValue(v128.load(y + at), v128.load(dy + at), d));
  }
  if (i < n) {
    const at = <usize>i << 2;
    storePartial(out + at, backwardValue(loadPartial(y + at, n - i, 0), loadPartial(dy + at, n - i, 0), d), n - i);
  }
}

/** softmax backward of whole rows (no special rows: NaN and infinities follow the arithmetic). */
export function softmax_backward_rows(y: usize, dy: usize, out: usize, rows: i32, cols: i32): void {
  const rowBytes = <usize>cols << 2;
  for (let r = 0; r < rows; r++) {
    const offset = <usize>r * rowBytes;
    softmax_backward_write(y + offset, dy + offset, out + offset, cols, dot(y + offset, dy + offset, cols));
  }
}

/** Where the host's buffers may start: the first 16-byte boundary after this module's static data. */
export function buffer_base(): usize {
  return (__heap_base + 15) & ~(<usize>15);
}

// ---------------------------------------------------------------------------------------------------
// Float16 storage: conversions around the float32 kernels above (the host widens a block of halves,
// runs a kernel, rounds its result).
export { float16_to_float32, float32_to_float16 } from './float16';

