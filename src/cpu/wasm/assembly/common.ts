// Shared pieces of the CPU path's WebAssembly SIMD kernels (AssemblyScript): vector helpers, exp in
// float32 and float64 lanes, and the generic loops every activation's kernels are instantiated from.
// Each activation's kernels live in activations/<name>.ts and export `<name>_<kernel>`; the row kernels
// in kernels.ts. scripts/build-wasm.mjs compiles them all as one module into src/cpu/wasm/binary.ts (a
// test checks the two agree). The host (src/cpu/wasm/elementwise.ts, rows.ts) copies arrays in blocks
// into buffers that start at buffer_base() (x, dy, out: 16384 float32 each for the elementwise ops,
// 65536 for the row ops; src/cpu/wasm/module.ts) in the module's fixed 960 KiB memory and calls the
// exports on byte addresses.
//
// Numerics: the shaders' (shaders/common.wgsl, src/ops/activations/), in float32 lanes (f32x4) where
// the result stays within 2.5e-7 of float64, in float64 lanes (f64x2) where float32 rounding of the
// combination would not: exp by Cody-Waite reduction and a polynomial (float32: degree 6, below;
// float64: Cephes expf's).
// Special values are the JavaScript loops' (src/ops/activations/), which tests/node/cpu-wasm.test.ts
// compares on every edge.

// ---------------------------------------------------------------------------------------------------
// Vector helpers.

// @ts-ignore: decorator
@inline export function splat(v: f32): v128 {
  return f32x4.splat(v);
}
// @ts-ignore: decorator
@inline export function splat64(v: f64): v128 {
  return f64x2.splat(v);
}
/** Lanes 0, 1 of an f32x4 as an f64x2. */
// @ts-ignore: decorator
@inline export function low64(v: v128): v128 {
  return f64x2.promote_low_f32x4(v);
}
/** Lanes 2, 3 of an f32x4 as an f64x2. */
// @ts-ignore: decorator
@inline export function high64(v: v128): v128 {
  return f64x2.promote_low_f32x4(i8x16.shuffle(v, v, 8, 9, 10, 11, 12, 13, 14, 15, 0, 1, 2, 3, 4, 5, 6, 7));
}
/** Two f64x2 rounded once each to float32, as one f32x4 (lanes of `low` first). */
// @ts-ignore: decorator
@inline export function join32(low: v128, high: v128): v128 {
  return i8x16.shuffle(f32x4.demote_f64x2_zero(low), f32x4.demote_f64x2_zero(high), 0, 1, 2, 3, 4, 5, 6, 7, 16, 17, 18, 19, 20, 21, 22, 23);
}
/** -|x|, from the bits. */
// @ts-ignore: decorator
@inline export function negativeAbs(x: v128): v128 {
  return v128.or(x, splat(-0.0));
}
// @ts-ignore: decorator
@inline export function negativeAbs64(x: v128): v128 {
  return v128.or(x, splat64(-0.0));
}
/** All-ones lanes where x is NaN. */
// @ts-ignore: decorator
@inline export function isNaN32(x: v128): v128 {
  return f32x4.ne(x, x);
}
// @ts-ignore: decorator
@inline export function isNaN64(x: v128): v128 {
  return f64x2.ne(x, x);
}

// ---------------------------------------------------------------------------------------------------
// exp, as shaders/common.wgsl's exp_nonpositive: Cody-Waite reduction (ln 2 split so that k * LN2_HI is
// exact) and a degree-6 polynomial on |r| <= ln(2)/2 (below); 2^k from its bits.

export const LOG2E: f32 = 1.44269504088896341;
export const LN2_HI: f32 = 0.693359375;
export const LN2_LO: f32 = -2.1219444e-4;
/** 1.5 * 2^23: adding it rounds a float32 of magnitude below 2^22 to an integer, held in the low bits. */
export const ROUNDER: f32 = 12582912.0;
export const ROUNDER_BITS: i32 = 0x4b400000;

// The hot loops read their float32 constants from memory (`lanes`), not from `v128.const`: V8
// (TurboFan, Node 20) builds every v128.const inside a loop anew each iteration from two immediates
// (movq, vmovq, vpunpcklqdq: 3 instructions), and a kernel's 15 constants cost more than its
// arithmetic; a load from a fixed address is one. (Hoisting the loads out of the loop, into locals,
// measured no better: the register allocator spills them. bench/NOTES.md, 2026-12-03.)
// @ts-ignore: decorator
@inline export function lanes(address: usize): v128 {
  return v128.load(address);
}
export const LOG2E_X4 = memory.data<f32>([LOG2E, LOG2E, LOG2E, LOG2E], 16);
export const ROUNDER_X4 = memory.data<f32>([ROUNDER, ROUNDER, ROUNDER, ROUNDER], 16);
export const LN2_HI_X4 = memory.data<f32>([LN2_HI, LN2_HI, LN2_HI, LN2_HI], 16);
export const LN2_LO_X4 = memory.data<f32>([LN2_LO, LN2_LO, LN2_LO, LN2_LO], 16);
// exp(r) = 1 + r + r^2 q(r), q of degree 4 fitted for the least greatest relative error on |r| <= ln(2)/2
// (Lawson's iteration in float64, coefficients rounded to float32: 3.8e-9 before the evaluation's
// roundings). Cephes expf's degree-7 polynomial had one Horner step more for accuracy float32 cannot hold.
export const EXP_Q4_X4 = memory.data<f32>([1.38146104e-3, 1.38146104e-3, 1.38146104e-3, 1.38146104e-3], 16);
export const EXP_Q3_X4 = memory.data<f32>([8.36871006e-3, 8.36871006e-3, 8.36871006e-3, 8.36871006e-3], 16);
export const EXP_Q2_X4 = memory.data<f32>([4.16683890e-2, 4.16683890e-2, 4.16683890e-2, 4.16683890e-2], 16);
export const EXP_Q1_X4 = memory.data<f32>([1.66665211e-1, 1.66665211e-1, 1.66665211e-1, 1.66665211e-1], 16);
export const EXP_Q0_X4 = memory.data<f32>([4.99999940e-1, 4.99999940e-1, 4.99999940e-1, 4.99999940e-1], 16);
export const ONE_X4 = memory.data<f32>([1, 1, 1, 1], 16);
export const ZERO_X4 = memory.data<f32>([0, 0, 0, 0], 16);
export const SIGN_X4 = memory.data<f32>([-0.0, -0.0, -0.0, -0.0], 16);
/** The least argument whose exp is normal in float32 (with the exponent-field scaling below). */
export const EXP_LOWEST_X4 = memory.data<f32>([-87, -87, -87, -87], 16);

/** exp(r) for |r| <= ln(2)/2: 1 + r + r^2 q(r). */
// @ts-ignore: decorator
@inline export function expPolynomial(r: v128): v128 {
  const r2 = f32x4.mul(r, r);
  let q = f32x4.add(f32x4.mul(lanes(EXP_Q4_X4), r), lanes(EXP_Q3_X4));
  q = f32x4.add(f32x4.mul(q, r), lanes(EXP_Q2_X4));
  q = f32x4.add(f32x4.mul(q, r), lanes(EXP_Q1_X4));
  q = f32x4.add(f32x4.mul(q, r), lanes(EXP_Q0_X4));
  return f32x4.add(f32x4.add(f32x4.mul(q, r2), r), lanes(ONE_X4));
}

/** exp(x) for x <= 0, the general case: 0 below -104 (and at -Infinity), subnormal results, NaN for NaN. */
// @ts-ignore: decorator
@inline export function expNonpositiveSlow(x: v128): v128 {
  const xc = f32x4.pmax(f32x4.pmin(x, splat(0)), splat(-104)); // pmin/pmax keep a NaN x
  const shifted = f32x4.add(f32x4.mul(xc, splat(LOG2E)), splat(ROUNDER));
  const k = f32x4.sub(shifted, splat(ROUNDER));
  const r = f32x4.sub(f32x4.sub(xc, f32x4.mul(k, splat(LN2_HI))), f32x4.mul(k, splat(LN2_LO)));
  const p = expPolynomial(r);
  // 2^k in two factors, so that neither leaves the normal range (k >= -150 here).
  const ki = i32x4.sub(shifted, i32x4.splat(ROUNDER_BITS));
  const kFirst = i32x4.max_s(ki, i32x4.splat(-100));
  const first = i32x4.shl(i32x4.add(kFirst, i32x4.splat(127)), 23);
  const second = i32x4.shl(i32x4.add(i32x4.sub(ki, kFirst), i32x4.splat(127)), 23);
  const e = f32x4.mul(f32x4.mul(p, first), second);
  return v128.andnot(e, f32x4.lt(x, splat(-104))); // -104 and below (-Infinity too): 0
}

/** All-ones lanes where exp(x) for x <= 0 is normal, so that expInRange applies: x >= -87 (not NaN). */
// @ts-ignore: decorator
@inline export function withinExpRangeLanes(x: v128): v128 {
  return f32x4.ge(x, lanes(EXP_LOWEST_X4));
}

/**
 * exp(x) for -87 <= x <= 88 in float32, to about one ulp (8e-8 measured): Cody-Waite reduction, the
 * polynomial, and 2^k added to its exponent field. No range check: other lanes give garbage (never a
 * trap), which the loops below overwrite from expNonpositiveSlow where outsideExpRange says so.
 */
// @ts-ignore: decorator
@inline export function expInRange(x: v128): v128 {
  const shifted = f32x4.add(f32x4.mul(x, lanes(LOG2E_X4)), lanes(ROUNDER_X4));
  const k = f32x4.sub(shifted, lanes(ROUNDER_X4));
  const r = f32x4.sub(f32x4.sub(x, f32x4.mul(k, lanes(LN2_HI_X4))), f32x4.mul(k, lanes(LN2_LO_X4)));
  // The rounder's bits are 0x4b400000 + k: shifted left by 23, only k << 23 is left.
  return i32x4.add(expPolynomial(r), i32x4.shl(shifted, 23));
}

export const HALF_X4 = memory.data<f32>([0.5, 0.5, 0.5, 0.5], 16);

/**
 * expm1(x / 2) in float32 for |x| <= ln 2: h + h^2 q(h) with h = x / 2 and exp's q (1 + r + r^2 q(r) is
 * exp(r) for |r| <= ln(2)/2): the rounding of h^2 q reaches it times |h q| <= 0.09, the last add's is
 * half an ulp. Other lanes: garbage. (h = x / 2 rounds where x is subnormal: the caller takes x itself
 * for tiny x; -0 gives +0.)
 */
// @ts-ignore: decorator
@inline export function expm1OfHalf(x: v128): v128 {
  const h = f32x4.mul(x, lanes(HALF_X4));
  let q = f32x4.add(f32x4.mul(lanes(EXP_Q4_X4), h), lanes(EXP_Q3_X4));
  q = f32x4.add(f32x4.mul(q, h), lanes(EXP_Q2_X4));
  q = f32x4.add(f32x4.mul(q, h), lanes(EXP_Q1_X4));
  q = f32x4.add(f32x4.mul(q, h), lanes(EXP_Q0_X4));
  return f32x4.add(f32x4.mul(f32x4.mul(h, h), q), h);
}

/** exp(x) for x <= 0 in float32, any x: expInRange where every lane allows, else the general case. */
// @ts-ignore: decorator
@inline export function expNonpositive(x: v128): v128 {
  if (!v128.all_true<i32>(withinExpRangeLanes(x))) return expNonpositiveSlow(x);
  return expInRange(x);
}

export const ONE_X2 = memory.data<f64>([1, 1], 16);
export const TWO_X2 = memory.data<f64>([2, 2], 16);
export const FOUR_X2 = memory.data<f64>([4, 4], 16);
export const SIGN_X2 = memory.data<f64>([-0.0, -0.0], 16);

// hardSigmoid's and hardSwish's constants, and their clamp.
export const THREE_X2 = memory.data<f64>([3, 3], 16);
export const SIX_X2 = memory.data<f64>([6, 6], 16);
export const ZERO_X2 = memory.data<f64>([0, 0], 16);
export const SIXTH_X2 = memory.data<f64>([1.0 / 6.0, 1.0 / 6.0], 16);

/**
 * min(max(t, 0), 6), NaN for NaN: pmax and pmin with t first keep a NaN t (each one instruction;
 * f64x2.max and f64x2.min, with WebAssembly's NaN and -0 rules, cost several: hardSwish took 2.9x as
 * long with them, bench/NOTES.md, 2026-12-03).
 */
// @ts-ignore: decorator
@inline export function clampToSix(t: v128): v128 {
  return f64x2.pmin(f64x2.pmax(t, lanes(ZERO_X2)), lanes(SIX_X2));
}

export const LOG2E_64: f64 = 1.4426950408889634;
export const LN2_HI_64: f64 = 6.93147180369123816490e-1; // 32 significant bits: k * LN2_HI_64 is exact
export const LN2_LO_64: f64 = 1.90821492927058770002e-10;
/** 1.5 * 2^52, the float64 rounder. */
export const ROUNDER_64: f64 = 6755399441055744.0;
export const ROUNDER_64_BITS: i64 = 0x4338000000000000;

// @ts-ignore: decorator
@inline export function expPolynomial64(r: v128): v128 {
  const r2 = f64x2.mul(r, r);
  let p = f64x2.add(f64x2.mul(splat64(1.98756915e-4), r), splat64(1.39819995e-3));
  p = f64x2.add(f64x2.mul(p, r), splat64(8.33345191e-3));
  p = f64x2.add(f64x2.mul(p, r), splat64(4.16657959e-2));
  p = f64x2.add(f64x2.mul(p, r), splat64(1.66666655e-1));
  p = f64x2.add(f64x2.mul(p, r), splat64(5.00000012e-1));
  return f64x2.add(f64x2.add(f64x2.mul(p, r2), r), splat64(1));
}

/** exp64's general case: 0 below -745.2, subnormal results in two scaling steps, NaN for NaN. */
// @ts-ignore: decorator
@inline export function exp64Slow(v: v128): v128 {
  const vc = f64x2.pmin(f64x2.pmax(v, splat64(-746)), splat64(709)); // keeps a NaN v
  const shifted = f64x2.add(f64x2.mul(vc, splat64(LOG2E_64)), splat64(ROUNDER_64));
  const k = f64x2.sub(shifted, splat64(ROUNDER_64));
  const r = f64x2.sub(f64x2.sub(vc, f64x2.mul(k, splat64(LN2_HI_64))), f64x2.mul(k, splat64(LN2_LO_64)));
  const p = expPolynomial64(r);
  const ki = i64x2.sub(shifted, i64x2.splat(ROUNDER_64_BITS));
  const kFirst = v128.bitselect(ki, i64x2.splat(-1000), i64x2.gt_s(ki, i64x2.splat(-1000)));
  const first = i64x2.shl(i64x2.add(kFirst, i64x2.splat(1023)), 52);
  const second = i64x2.shl(i64x2.add(i64x2.sub(ki, kFirst), i64x2.splat(1023)), 52);
  const e = f64x2.mul(f64x2.mul(p, first), second);
  return v128.andnot(e, f64x2.lt(v, splat64(-745.2)));
}

/**
 * exp(v) for float64 v <= 709, with the same reduction (in float64, ln 2 in two parts) and Cephes
 * expf's polynomial evaluated in float64: relative error 1.1e-9, far below float32's half ulp, so a
 * result rounded once to float32 is as good as the float64 Math.exp's. Where both lanes are in
 * [-708, 709] (no NaN, a normal result) 2^k goes straight into the exponent field.
 */
// @ts-ignore: decorator
@inline export function exp64(v: v128): v128 {
  if (!v128.all_true<i64>(v128.and(f64x2.ge(v, splat64(-708)), f64x2.le(v, splat64(709))))) return exp64Slow(v);
  const shifted = f64x2.add(f64x2.mul(v, splat64(LOG2E_64)), splat64(ROUNDER_64));
  const k = f64x2.sub(shifted, splat64(ROUNDER_64));
  const r = f64x2.sub(f64x2.sub(v, f64x2.mul(k, splat64(LN2_HI_64))), f64x2.mul(k, splat64(LN2_LO_64)));
  return i64x2.add(expPolynomial64(r), i64x2.shl(shifted, 52));
}

// expm1's Taylor coefficients 1/(k+1)! for k = 9 .. 1, read from memory (see `lanes`).
const EXPM1_Q9_X2 = memory.data<f64>([1.0 / 3628800.0, 1.0 / 3628800.0], 16);
const EXPM1_Q8_X2 = memory.data<f64>([1.0 / 362880.0, 1.0 / 362880.0], 16);
const EXPM1_Q7_X2 = memory.data<f64>([1.0 / 40320.0, 1.0 / 40320.0], 16);
const EXPM1_Q6_X2 = memory.data<f64>([1.0 / 5040.0, 1.0 / 5040.0], 16);
const EXPM1_Q5_X2 = memory.data<f64>([1.0 / 720.0, 1.0 / 720.0], 16);
const EXPM1_Q4_X2 = memory.data<f64>([1.0 / 120.0, 1.0 / 120.0], 16);
const EXPM1_Q3_X2 = memory.data<f64>([1.0 / 24.0, 1.0 / 24.0], 16);
const EXPM1_Q2_X2 = memory.data<f64>([1.0 / 6.0, 1.0 / 6.0], 16);
const EXPM1_Q1_X2 = memory.data<f64>([0.5, 0.5], 16);

/** expm1(v) for |v| < ln 2 in float64: v Q(v), expm164's branch there (see below). */
// @ts-ignore: decorator
@inline export function expm1Small64(v: v128): v128 {
  return f64x2.mul(v, expm1Quotient64(v));
}

/** Q(v) = expm1(v) / v for |v| < ln 2 in float64 (1 at 0): its Taylor series to degree 9. */
// @ts-ignore: decorator
@inline export function expm1Quotient64(v: v128): v128 {
  let q = f64x2.add(f64x2.mul(lanes(EXPM1_Q9_X2), v), lanes(EXPM1_Q8_X2));
  q = f64x2.add(f64x2.mul(q, v), lanes(EXPM1_Q7_X2));
  q = f64x2.add(f64x2.mul(q, v), lanes(EXPM1_Q6_X2));
  q = f64x2.add(f64x2.mul(q, v), lanes(EXPM1_Q5_X2));
  q = f64x2.add(f64x2.mul(q, v), lanes(EXPM1_Q4_X2));
  q = f64x2.add(f64x2.mul(q, v), lanes(EXPM1_Q3_X2));
  q = f64x2.add(f64x2.mul(q, v), lanes(EXPM1_Q2_X2));
  q = f64x2.add(f64x2.mul(q, v), lanes(EXPM1_Q1_X2));
  return f64x2.add(f64x2.mul(q, v), lanes(ONE_X2));
}

/**
 * expm1(v) = e^v - 1 in float64, exact near 0: v Q(v) (the Taylor series of expm1(v) / v to degree 9:
 * the next term is below 6.5e-10 of it at |v| = ln 2, far below float32's half ulp; the tenth degree
 * it had took its time for nothing) with v's sign (expm1(-0) = -0) for |v| < ln 2, else exp64(v) - 1
 * (at least 1/2 in size there, so exp64's 1.1e-9 stays relative). -1 at -Infinity, +Infinity above 709
 * (as Math.expm1: 0 * expm1(Infinity) must be NaN, not 0).
 */
// @ts-ignore: decorator
@inline export function expm164(v: v128): v128 {
  const small = expm1Small64(v);
  // exp64 stops at exp(709): above, +Infinity (an overflow in float64 too)
  const large = v128.bitselect(splat64(Infinity), f64x2.sub(exp64(v), splat64(1)), f64x2.gt(v, splat64(709)));
  return v128.bitselect(small, large, f64x2.lt(f64x2.abs(v), splat64(0.6931471805599453)));
}

// ---------------------------------------------------------------------------------------------------
// The generic loops. Every elementwise export takes (x, dy, out, n, alpha): byte addresses of float32 arrays in
// this module's memory, n a multiple of 4, alpha the op's scalar (float64, as the JavaScript loops use
// it). out is a buffer of its own: the checked loops read x and dy twice. Backward is dy * f'(x) with the product in float64, rounded once.

// @ts-ignore: decorator
@inline export function forward32<K>(x: usize, out: usize, n: i32, alpha: f64): void {
  const k = changetype<K>(0);
  for (let at: usize = 0, end = <usize>n << 2; at < end; at += 16) {
    v128.store(out + at, k.forward32(v128.load(x + at), alpha));
  }
}
// @ts-ignore: decorator
@inline export function derivative32<K>(x: usize, out: usize, n: i32, alpha: f64): void {
  const k = changetype<K>(0);
  for (let at: usize = 0, end = <usize>n << 2; at < end; at += 16) {
    v128.store(out + at, k.derivative32(v128.load(x + at), alpha));
  }
}
// @ts-ignore: decorator
@inline export function fromOutput32<K>(y: usize, out: usize, n: i32, alpha: f64): void {
  const k = changetype<K>(0);
  for (let at: usize = 0, end = <usize>n << 2; at < end; at += 16) {
    v128.store(out + at, k.fromOutput32(v128.load(y + at), alpha));
  }
}
// The product of two float32 values is exact in float64, so the float32 product is already the float64 one rounded once.
// @ts-ignore: decorator
@inline export function backward32<K>(x: usize, dy: usize, out: usize, n: i32, alpha: f64): void {
  const k = changetype<K>(0);
  for (let at: usize = 0, end = <usize>n << 2; at < end; at += 16) {
    v128.store(out + at, f32x4.mul(v128.load(dy + at), k.derivative32(v128.load(x + at), alpha)));
  }
}
// @ts-ignore: decorator
@inline export function backwardFromOutput32<K>(y: usize, dy: usize, out: usize, n: i32, alpha: f64): void {
  const k = changetype<K>(0);
  for (let at: usize = 0, end = <usize>n << 2; at < end; at += 16) {
    v128.store(out + at, f32x4.mul(v128.load(dy + at), k.fromOutput32(v128.load(y + at), alpha)));
  }
}
// @ts-ignore: decorator
@inline export function forwardAndDerivative32<K>(x: usize, derivativeOut: usize, out: usize, n: i32, alpha: f64): void {
  const k = changetype<K>(0);
  for (let at: usize = 0, end = <usize>n << 2; at < end; at += 16) {
    const v = v128.load(x + at);
    v128.store(out + at, k.forward32(v, alpha));
    v128.store(derivativeOut + at, k.derivative32(v, alpha));
  }
}
// The float64 loops take two elements at a time (one f64x2): a 64-bit load promoted, a 64-bit store
// demoted. The kernel's code then appears once per loop (as two f64x2 halves of an f32x4 it was inlined
// twice: gelu's loops were half the module), with no shuffles.
// @ts-ignore: decorator
@inline export function load64(p: usize): v128 {
  return f64x2.promote_low_f32x4(v128.load64_zero(p));
}
// @ts-ignore: decorator
@inline export function store64(p: usize, v: v128): void {
  v128.store64_lane(p, f32x4.demote_f64x2_zero(v), 0);
}
// @ts-ignore: decorator
@inline export function forward64<K>(x: usize, out: usize, n: i32, alpha: f64): void {
  const k = changetype<K>(0);
  for (let at: usize = 0, end = <usize>n << 2; at < end; at += 8) store64(out + at, k.forward64(load64(x + at), alpha));
}
// @ts-ignore: decorator
@inline export function derivative64<K>(x: usize, out: usize, n: i32, alpha: f64): void {
  const k = changetype<K>(0);
  for (let at: usize = 0, end = <usize>n << 2; at < end; at += 8) store64(out + at, k.derivative64(load64(x + at), alpha));
}
// @ts-ignore: decorator
@inline export function fromOutput64<K>(y: usize, out: usize, n: i32, alpha: f64): void {
  const k = changetype<K>(0);
  for (let at: usize = 0, end = <usize>n << 2; at < end; at += 8) store64(out + at, k.fromOutput64(load64(y + at), alpha));
}
// @ts-ignore: decorator
@inline export function backward64<K>(x: usize, dy: usize, out: usize, n: i32, alpha: f64): void {
  const k = changetype<K>(0);
  for (let at: usize = 0, end = <usize>n << 2; at < end; at += 8) {
    store64(out + at, f64x2.mul(load64(dy + at), k.derivative64(load64(x + at), alpha)));
  }
}
// @ts-ignore: decorator
@inline export function backwardFromOutput64<K>(y: usize, dy: usize, out: usize, n: i32, alpha: f64): void {
  const k = changetype<K>(0);
  for (let at: usize = 0, end = <usize>n << 2; at < end; at += 8) {
    store64(out + at, f64x2.mul(load64(dy + at), k.fromOutput64(load64(y + at), alpha)));
  }
}
// @ts-ignore: decorator
@inline export function forwardAndDerivative64<K>(x: usize, derivativeOut: usize, out: usize, n: i32, alpha: f64): void {
  const k = changetype<K>(0);
  for (let at: usize = 0, end = <usize>n << 2; at < end; at += 8) {
    const v = load64(x + at);
    store64(out + at, k.forward64(v, alpha));
    store64(derivativeOut + at, k.derivative64(v, alpha));
  }
}

// The checked loops, for kernels with a fast form that holds on most inputs (K.ordinary true in every
// lane) and a general one: the fast form on every vector with no branch, the lanes it does not hold
// for noted on the side, then, only where there was one, a second pass that rewrites those vectors
// with the general form. (A branch per vector measured 8% slower: bench/NOTES.md, 2026-12-03.) The second
// pass reads x (and dy) again, so here out must not be x or dy: the host never passes them so.
// @ts-ignore: decorator
@inline export function forwardChecked<K>(x: usize, out: usize, n: i32, alpha: f64): void {
  const k = changetype<K>(0);
  const end = <usize>n << 2;
  let ordinary = i32x4.splat(-1);
  let at: usize = 0;
  for (; at + 32 <= end; at += 32) {
    const v0 = v128.load(x + at);
    const v1 = v128.load(x + at, 16);
    ordinary = v128.and(ordinary, v128.and(k.ordinary(v0), k.ordinary(v1)));
    const f0 = k.forwardInRange(v0, alpha);
    const f1 = k.forwardInRange(v1, alpha);
    v128.store(out + at, f0);
    v128.store(out + at, f1, 16);
  }
  if (at < end) {
    const v = v128.load(x + at);
    ordinary = v128.and(ordinary, k.ordinary(v));
    v128.store(out + at, k.forwardInRange(v, alpha));
  }
  if (v128.all_true<i32>(ordinary)) return;
  for (let at: usize = 0; at < end; at += 16) {
    const v = v128.load(x + at);
    if (!v128.all_true<i32>(k.ordinary(v))) v128.store(out + at, k.forward32(v, alpha));
  }
}
// @ts-ignore: decorator
@inline export function derivativeChecked<K>(x: usize, out: usize, n: i32, alpha: f64): void {
  const k = changetype<K>(0);
  const end = <usize>n << 2;
  let ordinary = i32x4.splat(-1);
  let at: usize = 0;
  for (; at + 32 <= end; at += 32) {
    const v0 = v128.load(x + at);
    const v1 = v128.load(x + at, 16);
    ordinary = v128.and(ordinary, v128.and(k.ordinary(v0), k.ordinary(v1)));
    const d0 = k.derivativeInRange(v0, alpha);
    const d1 = k.derivativeInRange(v1, alpha);
    v128.store(out + at, d0);
    v128.store(out + at, d1, 16);
  }
  if (at < end) {
    const v = v128.load(x + at);
    ordinary = v128.and(ordinary, k.ordinary(v));
    v128.store(out + at, k.derivativeInRange(v, alpha));
  }
  if (v128.all_true<i32>(ordinary)) return;
  for (let at: usize = 0; at < end; at += 16) {
    const v = v128.load(x + at);
    if (!v128.all_true<i32>(k.ordinary(v))) v128.store(out + at, k.derivative32(v, alpha));
  }
}
// @ts-ignore: decorator
@inline export function backwardChecked<K>(x: usize, dy: usize, out: usize, n: i32, alpha: f64): void {
  const k = changetype<K>(0);
  const end = <usize>n << 2;
  let ordinary = i32x4.splat(-1);
  let at: usize = 0;
  for (; at + 32 <= end; at += 32) {
    const v0 = v128.load(x + at);
    const v1 = v128.load(x + at, 16);
    ordinary = v128.and(ordinary, v128.and(k.ordinary(v0), k.ordinary(v1)));
    const b0 = k.backwardInRange(v0, v128.load(dy + at), alpha);
    const b1 = k.backwardInRange(v1, v128.load(dy + at, 16), alpha);
    v128.store(out + at, b0);
    v128.store(out + at, b1, 16);
  }
  if (at < end) {
    const v = v128.load(x + at);
    ordinary = v128.and(ordinary, k.ordinary(v));
    v128.store(out + at, k.backwardInRange(v, v128.load(dy + at), alpha));
  }
  if (v128.all_true<i32>(ordinary)) return;
  for (let at: usize = 0; at < end; at += 16) {
    const v = v128.load(x + at);
    if (!v128.all_true<i32>(k.ordinary(v))) v128.store(out + at, k.backward32(v, v128.load(dy + at), alpha));
  }
}
// @ts-ignore: decorator
@inline export function forwardAndDerivativeChecked<K>(x: usize, derivativeOut: usize, out: usize, n: i32, alpha: f64): void {
  const k = changetype<K>(0);
  const end = <usize>n << 2;
  let ordinary = i32x4.splat(-1);
  let at: usize = 0;
  // two vectors a step, as the loops above; both results before any store: the engine shares their exp
  for (; at + 32 <= end; at += 32) {
    const v0 = v128.load(x + at);
    const v1 = v128.load(x + at, 16);
    ordinary = v128.and(ordinary, v128.and(k.ordinary(v0), k.ordinary(v1)));
    const f0 = k.forwardInRange(v0, alpha);
    const d0 = k.derivativeInRange(v0, alpha);
    const f1 = k.forwardInRange(v1, alpha);
    const d1 = k.derivativeInRange(v1, alpha);
    v128.store(out + at, f0);
    v128.store(out + at, f1, 16);
    v128.store(derivativeOut + at, d0);
    v128.store(derivativeOut + at, d1, 16);
  }
  if (at < end) {
    const v = v128.load(x + at);
    ordinary = v128.and(ordinary, k.ordinary(v));
    const f = k.forwardInRange(v, alpha);
    const d = k.derivativeInRange(v, alpha);
    v128.store(out + at, f);
    v128.store(derivativeOut + at, d);
  }
  if (v128.all_true<i32>(ordinary)) return;
  for (let at: usize = 0; at < end; at += 16) {
    const v = v128.load(x + at);
    if (!v128.all_true<i32>(k.ordinary(v))) {
      v128.store(out + at, k.forward32(v, alpha));
      v128.store(derivativeOut + at, k.derivative32(v, alpha));
    }
  }
}

/** 1 / (1 + e) for x >= 0, e / (1 + e) below, from e = exp(-|x|); NaN for NaN (e is NaN). */
// @ts-ignore: decorator
@inline export function sigmoidFromExp(x: v128, e: v128): v128 {
  const numerator = v128.bitselect(splat(1), e, f32x4.ge(x, splat(0)));
  return f32x4.div(numerator, f32x4.add(splat(1), e));
}
