// WebAssembly SIMD kernels of the CPU path, in AssemblyScript (compiled by `npm run build:wasm` into
// src/cpu/wasm/binary.ts; a test checks the two agree). The host (src/cpu/wasm/elementwise.ts, rows.ts)
// copies arrays in blocks into three buffers that start at buffer_base() (x, dy, out: 16384 float32
// each) in the module's fixed 256 KiB memory and calls the exports below on byte addresses.
//
// Numerics: the shaders' (shaders/common.wgsl, src/ops/elementwise.ts), in float32 lanes (f32x4) where
// the result stays within 2.5e-7 of float64, in float64 lanes (f64x2) where float32 rounding of the
// combination would not: exp by Cody-Waite reduction and Cephes expf's polynomial in either width;
// Cody's erf/erfc for gelu; the shaders' expansions about the derivatives' zeros. Special values are
// the JavaScript loops' (src/cpu/loops.ts), which tests/node/cpu-wasm.test.ts compares on every edge.

// ---------------------------------------------------------------------------------------------------
// Vector helpers.

// @ts-ignore: decorator
@inline function splat(v: f32): v128 {
  return f32x4.splat(v);
}
// @ts-ignore: decorator
@inline function splat64(v: f64): v128 {
  return f64x2.splat(v);
}
/** Lanes 0, 1 of an f32x4 as an f64x2. */
// @ts-ignore: decorator
@inline function low64(v: v128): v128 {
  return f64x2.promote_low_f32x4(v);
}
/** Lanes 2, 3 of an f32x4 as an f64x2. */
// @ts-ignore: decorator
@inline function high64(v: v128): v128 {
  return f64x2.promote_low_f32x4(i8x16.shuffle(v, v, 8, 9, 10, 11, 12, 13, 14, 15, 0, 1, 2, 3, 4, 5, 6, 7));
}
/** Two f64x2 rounded once each to float32, as one f32x4 (lanes of `low` first). */
// @ts-ignore: decorator
@inline function join32(low: v128, high: v128): v128 {
  return i8x16.shuffle(f32x4.demote_f64x2_zero(low), f32x4.demote_f64x2_zero(high), 0, 1, 2, 3, 4, 5, 6, 7, 16, 17, 18, 19, 20, 21, 22, 23);
}
/** -|x|, from the bits. */
// @ts-ignore: decorator
@inline function negativeAbs(x: v128): v128 {
  return v128.or(x, splat(-0.0));
}
// @ts-ignore: decorator
@inline function negativeAbs64(x: v128): v128 {
  return v128.or(x, splat64(-0.0));
}
/** All-ones lanes where x is NaN. */
// @ts-ignore: decorator
@inline function isNaN32(x: v128): v128 {
  return f32x4.ne(x, x);
}
// @ts-ignore: decorator
@inline function isNaN64(x: v128): v128 {
  return f64x2.ne(x, x);
}

// ---------------------------------------------------------------------------------------------------
// exp, as shaders/common.wgsl's exp_nonpositive: Cody-Waite reduction (ln 2 split so that k * LN2_HI is
// exact) and Cephes expf's degree-6 minimax polynomial on |r| <= ln(2)/2; 2^k from its bits.

const LOG2E: f32 = 1.44269504088896341;
const LN2_HI: f32 = 0.693359375;
const LN2_LO: f32 = -2.1219444e-4;
/** 1.5 * 2^23: adding it rounds a float32 of magnitude below 2^22 to an integer, held in the low bits. */
const ROUNDER: f32 = 12582912.0;
const ROUNDER_BITS: i32 = 0x4b400000;

// The hot loops read their float32 constants from memory (`lanes`), not from `v128.const`: V8
// (TurboFan, Node 20) builds every v128.const inside a loop anew each iteration from two immediates
// (movq, vmovq, vpunpcklqdq: 3 instructions), and a kernel's 15 constants cost more than its
// arithmetic; a load from a fixed address is one. (Hoisting the loads out of the loop, into locals,
// measured no better: the register allocator spills them. bench/NOTES.md, 2026-12-03.)
// @ts-ignore: decorator
@inline function lanes(address: usize): v128 {
  return v128.load(address);
}
const LOG2E_X4 = memory.data<f32>([LOG2E, LOG2E, LOG2E, LOG2E], 16);
const ROUNDER_X4 = memory.data<f32>([ROUNDER, ROUNDER, ROUNDER, ROUNDER], 16);
const LN2_HI_X4 = memory.data<f32>([LN2_HI, LN2_HI, LN2_HI, LN2_HI], 16);
const LN2_LO_X4 = memory.data<f32>([LN2_LO, LN2_LO, LN2_LO, LN2_LO], 16);
const EXP_P0_X4 = memory.data<f32>([1.98756915e-4, 1.98756915e-4, 1.98756915e-4, 1.98756915e-4], 16);
const EXP_P1_X4 = memory.data<f32>([1.39819995e-3, 1.39819995e-3, 1.39819995e-3, 1.39819995e-3], 16);
const EXP_P2_X4 = memory.data<f32>([8.33345191e-3, 8.33345191e-3, 8.33345191e-3, 8.33345191e-3], 16);
const EXP_P3_X4 = memory.data<f32>([4.16657959e-2, 4.16657959e-2, 4.16657959e-2, 4.16657959e-2], 16);
const EXP_P4_X4 = memory.data<f32>([1.66666655e-1, 1.66666655e-1, 1.66666655e-1, 1.66666655e-1], 16);
const EXP_P5_X4 = memory.data<f32>([5.00000012e-1, 5.00000012e-1, 5.00000012e-1, 5.00000012e-1], 16);
const ONE_X4 = memory.data<f32>([1, 1, 1, 1], 16);
const ZERO_X4 = memory.data<f32>([0, 0, 0, 0], 16);
const SIGN_X4 = memory.data<f32>([-0.0, -0.0, -0.0, -0.0], 16);
/** The least argument whose exp is normal in float32 (with the exponent-field scaling below). */
const EXP_LOWEST_X4 = memory.data<f32>([-87, -87, -87, -87], 16);

/** Cephes expf's polynomial: exp(r) for |r| <= ln(2)/2. */
// @ts-ignore: decorator
@inline function expPolynomial(r: v128): v128 {
  const r2 = f32x4.mul(r, r);
  let p = f32x4.add(f32x4.mul(lanes(EXP_P0_X4), r), lanes(EXP_P1_X4));
  p = f32x4.add(f32x4.mul(p, r), lanes(EXP_P2_X4));
  p = f32x4.add(f32x4.mul(p, r), lanes(EXP_P3_X4));
  p = f32x4.add(f32x4.mul(p, r), lanes(EXP_P4_X4));
  p = f32x4.add(f32x4.mul(p, r), lanes(EXP_P5_X4));
  return f32x4.add(f32x4.add(f32x4.mul(p, r2), r), lanes(ONE_X4));
}

/** exp(x) for x <= 0, the general case: 0 below -104 (and at -Infinity), subnormal results, NaN for NaN. */
// @ts-ignore: decorator
@inline function expNonpositiveSlow(x: v128): v128 {
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
@inline function withinExpRangeLanes(x: v128): v128 {
  return f32x4.ge(x, lanes(EXP_LOWEST_X4));
}

/**
 * exp(x) for -87 <= x <= 88 in float32, to about one ulp (8e-8 measured): Cody-Waite reduction, the
 * polynomial, and 2^k added to its exponent field. No range check: other lanes give garbage (never a
 * trap), which the loops below overwrite from expNonpositiveSlow where outsideExpRange says so.
 */
// @ts-ignore: decorator
@inline function expInRange(x: v128): v128 {
  const shifted = f32x4.add(f32x4.mul(x, lanes(LOG2E_X4)), lanes(ROUNDER_X4));
  const k = f32x4.sub(shifted, lanes(ROUNDER_X4));
  const r = f32x4.sub(f32x4.sub(x, f32x4.mul(k, lanes(LN2_HI_X4))), f32x4.mul(k, lanes(LN2_LO_X4)));
  // The rounder's bits are 0x4b400000 + k: shifted left by 23, only k << 23 is left.
  return i32x4.add(expPolynomial(r), i32x4.shl(shifted, 23));
}

/** exp(x) for x <= 0 in float32, any x: expInRange where every lane allows, else the general case. */
// @ts-ignore: decorator
@inline function expNonpositive(x: v128): v128 {
  if (!v128.all_true<i32>(withinExpRangeLanes(x))) return expNonpositiveSlow(x);
  return expInRange(x);
}

const LOG2E_64: f64 = 1.4426950408889634;
const LN2_HI_64: f64 = 6.93147180369123816490e-1; // 32 significant bits: k * LN2_HI_64 is exact
const LN2_LO_64: f64 = 1.90821492927058770002e-10;
/** 1.5 * 2^52, the float64 rounder. */
const ROUNDER_64: f64 = 6755399441055744.0;
const ROUNDER_64_BITS: i64 = 0x4338000000000000;

// @ts-ignore: decorator
@inline function expPolynomial64(r: v128): v128 {
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
@inline function exp64Slow(v: v128): v128 {
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
@inline function exp64(v: v128): v128 {
  if (!v128.all_true<i64>(v128.and(f64x2.ge(v, splat64(-708)), f64x2.le(v, splat64(709))))) return exp64Slow(v);
  const shifted = f64x2.add(f64x2.mul(v, splat64(LOG2E_64)), splat64(ROUNDER_64));
  const k = f64x2.sub(shifted, splat64(ROUNDER_64));
  const r = f64x2.sub(f64x2.sub(v, f64x2.mul(k, splat64(LN2_HI_64))), f64x2.mul(k, splat64(LN2_LO_64)));
  return i64x2.add(expPolynomial64(r), i64x2.shl(shifted, 52));
}

// ---------------------------------------------------------------------------------------------------
// Elementwise activations. Each is a class of inline methods on vectors (f32x4, or f64x2 halves for the
// ones evaluated in float64), instantiated by the generic loops below: `changetype<K>(0)` makes an
// instance that exists only at compile time, so every method call is inlined into its loop.

/**
 * sigmoid. Forward in float32 (one exp, one division: 1.7e-7). The derivative e / (1 + e)^2 (e = exp(-|x|))
 * from the float32 exp, combined in float64 (6e-8); for backward the same, dy * f'(x) in float64, except
 * beyond |x| = 87 (f'(x) below float32's normal range), where the float64 exp keeps its digits. From the
 * output, y (1 - y) and dy y (1 - y) in float32 while |y| < 2 (three roundings at most, 1.8e-7), else in
 * float64, where y (1 - y) alone could overflow.
 *
 * The *InRange methods are the hot loops' (the checked loops below): exact where `ordinary` is true in
 * every lane, garbage where it is false, which the loops then overwrite from the general methods.
 */
class Sigmoid {
  // @ts-ignore: decorator
  @inline ordinary(x: v128): v128 {
    return withinExpRangeLanes(v128.or(x, lanes(SIGN_X4))); // |x| <= 87, not NaN
  }
  // @ts-ignore: decorator
  @inline forwardInRange(x: v128, alpha: f64): v128 {
    const e = expInRange(v128.or(x, lanes(SIGN_X4)));
    const numerator = v128.bitselect(lanes(ONE_X4), e, f32x4.ge(x, lanes(ZERO_X4)));
    return f32x4.div(numerator, f32x4.add(lanes(ONE_X4), e));
  }
  // @ts-ignore: decorator
  @inline forward32(x: v128, alpha: f64): v128 {
    return sigmoidFromExp(x, expNonpositive(negativeAbs(x)));
  }
  // @ts-ignore: decorator
  @inline derivativeInRange(x: v128, alpha: f64): v128 {
    const e = expInRange(v128.or(x, lanes(SIGN_X4)));
    return join32(sigmoidDerivativeFromExp(low64(e)), sigmoidDerivativeFromExp(high64(e)));
  }
  // @ts-ignore: decorator
  @inline derivative32(x: v128, alpha: f64): v128 {
    const e = expNonpositive(negativeAbs(x));
    return join32(sigmoidDerivativeFromExp(low64(e)), sigmoidDerivativeFromExp(high64(e)));
  }
  // @ts-ignore: decorator
  @inline backwardInRange(x: v128, dy: v128, alpha: f64): v128 {
    const e = expInRange(v128.or(x, lanes(SIGN_X4)));
    return join32(f64x2.mul(low64(dy), sigmoidDerivativeFromExp(low64(e))), f64x2.mul(high64(dy), sigmoidDerivativeFromExp(high64(e))));
  }
  // @ts-ignore: decorator
  @inline backward32(x: v128, dy: v128, alpha: f64): v128 {
    return join32(f64x2.mul(low64(dy), this.derivative64(low64(x), alpha)), f64x2.mul(high64(dy), this.derivative64(high64(x), alpha)));
  }
  // @ts-ignore: decorator
  @inline derivative64(v: v128, alpha: f64): v128 {
    return sigmoidDerivativeFromExp(exp64(negativeAbs64(v)));
  }
  // @ts-ignore: decorator
  @inline fromOutput64(y: v128, alpha: f64): v128 {
    return f64x2.mul(y, f64x2.sub(splat64(1), y));
  }
  // @ts-ignore: decorator
  @inline fromOutput32(y: v128, alpha: f64): v128 {
    if (v128.all_true<i32>(f32x4.lt(f32x4.abs(y), splat(2)))) return f32x4.mul(y, f32x4.sub(splat(1), y));
    return join32(this.fromOutput64(low64(y), alpha), this.fromOutput64(high64(y), alpha));
  }
}

/** 1 / (1 + e) for x >= 0, e / (1 + e) below, from e = exp(-|x|); NaN for NaN (e is NaN). */
// @ts-ignore: decorator
@inline function sigmoidFromExp(x: v128, e: v128): v128 {
  const numerator = v128.bitselect(splat(1), e, f32x4.ge(x, splat(0)));
  return f32x4.div(numerator, f32x4.add(splat(1), e));
}

/** s(x) s(-x) = e / (1 + e)^2 in float64. */
// @ts-ignore: decorator
@inline function sigmoidDerivativeFromExp(e: v128): v128 {
  const d = f64x2.add(splat64(1), e);
  return f64x2.div(e, f64x2.mul(d, d));
}

/** relu: exact in float32 (max(x, 0) with relu(-0) = +0, NaN kept; derivative 1 for x > 0, 0 else). */
class Relu {
  // @ts-ignore: decorator
  @inline forward32(x: v128, alpha: f64): v128 {
    return v128.and(x, v128.or(f32x4.gt(x, splat(0)), isNaN32(x)));
  }
  // @ts-ignore: decorator
  @inline derivative32(x: v128, alpha: f64): v128 {
    return v128.bitselect(x, v128.and(splat(1), f32x4.gt(x, splat(0))), isNaN32(x));
  }
  // @ts-ignore: decorator
  @inline fromOutput32(y: v128, alpha: f64): v128 {
    return v128.bitselect(y, v128.and(splat(1), f32x4.gt(y, splat(0))), isNaN32(y));
  }
}

/** leaky relu with a float64 alpha, as the JavaScript loops: alpha * x rounded once. */
class LeakyRelu {
  // @ts-ignore: decorator
  @inline forward64(v: v128, alpha: f64): v128 {
    let scaled = f64x2.mul(splat64(alpha), v);
    // -Infinity * 0 is the limit 0, not NaN
    if (alpha == 0) scaled = v128.andnot(scaled, f64x2.eq(v, splat64(-Infinity)));
    return v128.bitselect(v, scaled, v128.or(f64x2.ge(v, splat64(0)), isNaN64(v)));
  }
  // @ts-ignore: decorator
  @inline derivative64(v: v128, alpha: f64): v128 {
    return v128.bitselect(v, v128.bitselect(splat64(1), splat64(alpha), f64x2.gt(v, splat64(0))), isNaN64(v));
  }
}


/**
 * tanh: x (1 + x^2 P(x^2)) for |x| < 0.625 (shaders' minimax polynomial, 1.7e-8 in float64), else
 * sign(x) (1 - e) / (1 + e), e = exp(-2|x|). Derivative 4e / (1 + e)^2, 0 beyond |x| = 60 as in the
 * JavaScript loops; from the output, 1 - y^2. e from the float32 exp where |x| <= 43.5 (a normal
 * result), combined in float64: its error reaches (1 - e) / (1 + e) scaled by 2e / (1 - e^2) <= 0.63
 * and the derivative unscaled; beyond, and for NaN, all in float64 (the checked loops' general case).
 */
class Tanh {
  // @ts-ignore: decorator
  @inline ordinary(x: v128): v128 {
    const negative = v128.or(x, lanes(SIGN_X4));
    return withinExpRangeLanes(f32x4.add(negative, negative));
  }
  /** exp(-2|x|) in float32, for the ordinary lanes. */
  // @ts-ignore: decorator
  @inline exp(x: v128): v128 {
    const negative = v128.or(x, lanes(SIGN_X4));
    return expInRange(f32x4.add(negative, negative));
  }
  // @ts-ignore: decorator
  @inline forwardInRange(x: v128, alpha: f64): v128 {
    const e = this.exp(x);
    return join32(tanhFromExp64(low64(x), low64(e)), tanhFromExp64(high64(x), high64(e)));
  }
  // @ts-ignore: decorator
  @inline forward32(x: v128, alpha: f64): v128 {
    return join32(this.forward64(low64(x), alpha), this.forward64(high64(x), alpha));
  }
  // @ts-ignore: decorator
  @inline derivativeInRange(x: v128, alpha: f64): v128 {
    const e = this.exp(x);
    return join32(tanhDerivativeFromExp64(low64(e)), tanhDerivativeFromExp64(high64(e)));
  }
  // @ts-ignore: decorator
  @inline derivative32(x: v128, alpha: f64): v128 {
    return join32(this.derivative64(low64(x), alpha), this.derivative64(high64(x), alpha));
  }
  // @ts-ignore: decorator
  @inline backwardInRange(x: v128, dy: v128, alpha: f64): v128 {
    const e = this.exp(x);
    return join32(f64x2.mul(low64(dy), tanhDerivativeFromExp64(low64(e))), f64x2.mul(high64(dy), tanhDerivativeFromExp64(high64(e))));
  }
  // @ts-ignore: decorator
  @inline backward32(x: v128, dy: v128, alpha: f64): v128 {
    return join32(f64x2.mul(low64(dy), this.derivative64(low64(x), alpha)), f64x2.mul(high64(dy), this.derivative64(high64(x), alpha)));
  }
  // @ts-ignore: decorator
  @inline forward64(v: v128, alpha: f64): v128 {
    return tanhFromExp64(v, exp64(f64x2.mul(splat64(-2), f64x2.abs(v))));
  }
  // @ts-ignore: decorator
  @inline derivative64(v: v128, alpha: f64): v128 {
    const d = tanhDerivativeFromExp64(exp64(f64x2.mul(splat64(-2), f64x2.abs(v))));
    return v128.andnot(d, f64x2.gt(f64x2.abs(v), splat64(60)));
  }
  // @ts-ignore: decorator
  @inline fromOutput64(y: v128, alpha: f64): v128 {
    return f64x2.sub(splat64(1), f64x2.mul(y, y));
  }
}

const TANH_P0_X2 = memory.data<f64>([-0.006096714165908197, -0.006096714165908197], 16);
const TANH_P1_X2 = memory.data<f64>([0.020997178999074752, 0.020997178999074752], 16);
const TANH_P2_X2 = memory.data<f64>([-0.05385090957851358, -0.05385090957851358], 16);
const TANH_P3_X2 = memory.data<f64>([0.13332769736976327, 0.13332769736976327], 16);
const TANH_P4_X2 = memory.data<f64>([-0.33333328944134255, -0.33333328944134255], 16);
const ONE_X2 = memory.data<f64>([1, 1], 16);
const FOUR_X2 = memory.data<f64>([4, 4], 16);
const SIGN_X2 = memory.data<f64>([-0.0, -0.0], 16);
const TANH_SMALL_X2 = memory.data<f64>([0.625, 0.625], 16);

/** tanh(v) in float64 from e = exp(-2|v|). */
// @ts-ignore: decorator
@inline function tanhFromExp64(v: v128, e: v128): v128 {
  const z = f64x2.mul(v, v);
  let p = f64x2.add(f64x2.mul(lanes(TANH_P0_X2), z), lanes(TANH_P1_X2));
  p = f64x2.add(f64x2.mul(p, z), lanes(TANH_P2_X2));
  p = f64x2.add(f64x2.mul(p, z), lanes(TANH_P3_X2));
  p = f64x2.add(f64x2.mul(p, z), lanes(TANH_P4_X2));
  // x (1 + x^2 P), not x + x^3 P: at x = -0 the latter is -0 + (+0) = +0 (P < 0); tanh(-0) is -0.
  const small = f64x2.mul(v, f64x2.add(lanes(ONE_X2), f64x2.mul(z, p)));
  const t = f64x2.div(f64x2.sub(lanes(ONE_X2), e), f64x2.add(lanes(ONE_X2), e));
  const signed = v128.or(t, v128.and(v, lanes(SIGN_X2)));
  return v128.bitselect(small, signed, f64x2.lt(f64x2.abs(v), lanes(TANH_SMALL_X2)));
}

/** tanh'(v) = 4e / (1 + e)^2 in float64 from e = exp(-2|v|). */
// @ts-ignore: decorator
@inline function tanhDerivativeFromExp64(e: v128): v128 {
  const d = f64x2.add(lanes(ONE_X2), e);
  return f64x2.div(f64x2.mul(lanes(FOUR_X2), e), f64x2.mul(d, d));
}

// The zero of silu'(x) and the expansion about it (see SILU_ZERO_F32 in src/ops/elementwise.ts).
const SILU_ZERO: f64 = -1.2784645557403564;
const SILU_N0: f64 = -1.659355263530338e-8;
const SILU_EXP_P: f64 = 0.2784645391468038;

/**
 * silu(x) = x sigmoid(x) in float64 from e = exp(-|x|): x / (1 + e) for x >= 0, x e / (1 + e) below;
 * -0 below -120 (and at -Infinity). Derivative (1 + x e t) t for x >= 0, e t^2 (1 + x + e) below
 * (t = 1 / (1 + e)), with 1 + x + e from an expansion about its zero within 0.5 of it, where the
 * cancellation would magnify e's error. e from the float32 exp where |x| <= 87 (its error reaches
 * silu unscaled at most, the derivative by 1.04 at the expansion's edges), combined in float64; beyond,
 * and NaN, from the float64 exp (the checked loops' general case).
 */
class Silu {
  // @ts-ignore: decorator
  @inline ordinary(x: v128): v128 {
    return withinExpRangeLanes(v128.or(x, lanes(SIGN_X4))); // |x| <= 87, not NaN
  }
  // @ts-ignore: decorator
  @inline forwardInRange(x: v128, alpha: f64): v128 {
    const e = expInRange(v128.or(x, lanes(SIGN_X4)));
    return join32(siluFromExp64(low64(x), low64(e)), siluFromExp64(high64(x), high64(e)));
  }
  // @ts-ignore: decorator
  @inline forward32(x: v128, alpha: f64): v128 {
    return join32(this.forward64(low64(x), alpha), this.forward64(high64(x), alpha));
  }
  // @ts-ignore: decorator
  @inline derivativeInRange(x: v128, alpha: f64): v128 {
    const e = expInRange(v128.or(x, lanes(SIGN_X4)));
    return join32(siluDerivativeFromExp64(low64(x), low64(e)), siluDerivativeFromExp64(high64(x), high64(e)));
  }
  // @ts-ignore: decorator
  @inline derivative32(x: v128, alpha: f64): v128 {
    return join32(this.derivative64(low64(x), alpha), this.derivative64(high64(x), alpha));
  }
  // @ts-ignore: decorator
  @inline backwardInRange(x: v128, dy: v128, alpha: f64): v128 {
    const e = expInRange(v128.or(x, lanes(SIGN_X4)));
    return join32(
      f64x2.mul(low64(dy), siluDerivativeFromExp64(low64(x), low64(e))),
      f64x2.mul(high64(dy), siluDerivativeFromExp64(high64(x), high64(e))),
    );
  }
  // @ts-ignore: decorator
  @inline backward32(x: v128, dy: v128, alpha: f64): v128 {
    return join32(f64x2.mul(low64(dy), this.derivative64(low64(x), alpha)), f64x2.mul(high64(dy), this.derivative64(high64(x), alpha)));
  }
  // @ts-ignore: decorator
  @inline forward64(v: v128, alpha: f64): v128 {
    const s = siluFromExp64(v, exp64(negativeAbs64(v)));
    return v128.bitselect(splat64(-0.0), s, f64x2.lt(v, splat64(-120)));
  }
  // @ts-ignore: decorator
  @inline derivative64(v: v128, alpha: f64): v128 {
    let result = siluDerivativeFromExp64(v, exp64(negativeAbs64(v)));
    result = v128.bitselect(splat64(1), result, f64x2.eq(v, splat64(Infinity)));
    return v128.bitselect(splat64(-0.0), result, f64x2.lt(v, splat64(-120)));
  }
}

const SILU_ZERO_X2 = memory.data<f64>([SILU_ZERO, SILU_ZERO], 16);
const SILU_NEAR_X2 = memory.data<f64>([0.5, 0.5], 16);

/** silu(v) = v / (1 + e) for v >= 0, v e / (1 + e) below, in float64 from e = exp(-|v|). */
// @ts-ignore: decorator
@inline function siluFromExp64(v: v128, e: v128): v128 {
  const numerator = v128.bitselect(v, f64x2.mul(v, e), f64x2.ge(v, lanes(ZERO_X4)));
  return f64x2.div(numerator, f64x2.add(lanes(ONE_X2), e));
}

/** silu'(v) in float64 from e = exp(-|v|), with the expansion about its zero where it cancels. */
// @ts-ignore: decorator
@inline function siluDerivativeFromExp64(v: v128, e: v128): v128 {
  const t = f64x2.div(lanes(ONE_X2), f64x2.add(lanes(ONE_X2), e));
  const upper = f64x2.mul(f64x2.add(lanes(ONE_X2), f64x2.mul(f64x2.mul(v, e), t)), t);
  const d = f64x2.sub(v, lanes(SILU_ZERO_X2));
  let n = f64x2.add(f64x2.add(lanes(ONE_X2), v), e);
  const near = f64x2.lt(f64x2.abs(d), lanes(SILU_NEAR_X2));
  if (v128.any_true(near)) {
    // (exp(d) - 1) / d, Taylor to d^9 (the next term is below 3e-11 for |d| < 0.5)
    let q = splat64(1.0 / 3628800.0);
    q = f64x2.add(f64x2.mul(q, d), splat64(1.0 / 362880.0));
    q = f64x2.add(f64x2.mul(q, d), splat64(1.0 / 40320.0));
    q = f64x2.add(f64x2.mul(q, d), splat64(1.0 / 5040.0));
    q = f64x2.add(f64x2.mul(q, d), splat64(1.0 / 720.0));
    q = f64x2.add(f64x2.mul(q, d), splat64(1.0 / 120.0));
    q = f64x2.add(f64x2.mul(q, d), splat64(1.0 / 24.0));
    q = f64x2.add(f64x2.mul(q, d), splat64(1.0 / 6.0));
    q = f64x2.add(f64x2.mul(q, d), splat64(1.0 / 2.0));
    q = f64x2.add(f64x2.mul(q, d), splat64(1.0));
    const expanded = f64x2.add(f64x2.mul(d, f64x2.add(splat64(1), f64x2.mul(splat64(SILU_EXP_P), q))), splat64(SILU_N0));
    n = v128.bitselect(expanded, n, near);
  }
  const lower = f64x2.mul(f64x2.mul(f64x2.mul(e, t), t), n);
  return v128.bitselect(upper, lower, f64x2.ge(v, lanes(ZERO_X4)));
}

const SQRT1_2: f64 = 0.7071067811865476;
const INV_SQRT_PI: f64 = 0.5641895835477563;
const INV_SQRT_2PI: f64 = 0.3989422804014327;

// W. J. Cody's rational approximations to erf and erfc (the SPECFUN coefficients of src/ops/elementwise.ts,
// CODY_A..CODY_Q), in float64: far below float32's half ulp. Each interval gives its value as a
// numerator and a denominator, so that Phi, gelu and gelu' take one division whatever the interval
// (f64x2.div is the costliest instruction here; the three intervals' own divisions were 4 of them).

/** 0.5 + 0.5 erf(s) = num / den for |s| <= 0.46875 (s = x / sqrt 2), in (num, den) lanes of the result pair. */
// @ts-ignore: decorator
@inline function halfErfSmallNumerator(s: v128, z: v128): v128 {
  let num = f64x2.add(f64x2.mul(splat64(0.18577770618460315), z), splat64(3.1611237438705655));
  num = f64x2.add(f64x2.mul(num, z), splat64(113.86415415105016));
  num = f64x2.add(f64x2.mul(num, z), splat64(377.485237685302));
  num = f64x2.add(f64x2.mul(num, z), splat64(3209.3775891384694));
  return num;
}
// @ts-ignore: decorator
@inline function halfErfSmallDenominator(z: v128): v128 {
  let den = f64x2.add(z, splat64(23.601290952344122));
  den = f64x2.add(f64x2.mul(den, z), splat64(244.02463793444417));
  den = f64x2.add(f64x2.mul(den, z), splat64(1282.6165260773723));
  den = f64x2.add(f64x2.mul(den, z), splat64(2844.236833439171));
  return den;
}

/** erfc(w) exp(w^2) = num / den for 0.46875 <= w <= 4. */
// @ts-ignore: decorator
@inline function erfcScaledMiddleNumerator(w: v128): v128 {
  let num = f64x2.mul(splat64(2.1531153547440383e-08), w);
  num = f64x2.mul(f64x2.add(num, splat64(0.5641884969886701)), w);
  num = f64x2.mul(f64x2.add(num, splat64(8.883149794388377)), w);
  num = f64x2.mul(f64x2.add(num, splat64(66.11919063714163)), w);
  num = f64x2.mul(f64x2.add(num, splat64(298.6351381974001)), w);
  num = f64x2.mul(f64x2.add(num, splat64(881.952221241769)), w);
  num = f64x2.mul(f64x2.add(num, splat64(1712.0476126340707)), w);
  num = f64x2.mul(f64x2.add(num, splat64(2051.0783778260716)), w);
  return f64x2.add(num, splat64(1230.3393547979972));
}
// @ts-ignore: decorator
@inline function erfcScaledMiddleDenominator(w: v128): v128 {
  let den = w;
  den = f64x2.mul(f64x2.add(den, splat64(15.744926110709835)), w);
  den = f64x2.mul(f64x2.add(den, splat64(117.6939508913125)), w);
  den = f64x2.mul(f64x2.add(den, splat64(537.1811018620099)), w);
  den = f64x2.mul(f64x2.add(den, splat64(1621.3895745666903)), w);
  den = f64x2.mul(f64x2.add(den, splat64(3290.7992357334597)), w);
  den = f64x2.mul(f64x2.add(den, splat64(4362.619090143247)), w);
  den = f64x2.mul(f64x2.add(den, splat64(3439.3676741437216)), w);
  return f64x2.add(den, splat64(1230.3393548037495));
}

/**
 * erfc(w) exp(w^2) for w > 4: Cody's (1/sqrt(pi) - z P(z) / Q(z)) / w with z = 1 / w^2, both polynomials
 * multiplied by u^5 (u = w^2, so no 1 / w^2 is formed): (1/sqrt(pi) u Q'(u) - P'(u)) / (u w Q'(u)),
 * P', Q' the reversed polynomials. Returns the numerator; the denominator is u w Q'(u).
 */
// @ts-ignore: decorator
@inline function erfcScaledFarReversedP(u: v128): v128 {
  let num = splat64(0.0006587491615298378);
  num = f64x2.add(f64x2.mul(num, u), splat64(0.016083785148742275));
  num = f64x2.add(f64x2.mul(num, u), splat64(0.12578172611122926));
  num = f64x2.add(f64x2.mul(num, u), splat64(0.36034489994980445));
  num = f64x2.add(f64x2.mul(num, u), splat64(0.30532663496123236));
  num = f64x2.add(f64x2.mul(num, u), splat64(0.016315387137302097));
  return num;
}
// @ts-ignore: decorator
@inline function erfcScaledFarReversedQ(u: v128): v128 {
  let den = splat64(0.0023352049762686918);
  den = f64x2.add(f64x2.mul(den, u), splat64(0.06051834131244132));
  den = f64x2.add(f64x2.mul(den, u), splat64(0.5279051029514285));
  den = f64x2.add(f64x2.mul(den, u), splat64(1.8729528499234604));
  den = f64x2.add(f64x2.mul(den, u), splat64(2.568520192289822));
  den = f64x2.add(f64x2.mul(den, u), splat64(1.0));
  return den;
}

let cdfDenominator: v128 = f64x2.splat(1);

/**
 * The standard normal cdf Phi(v) = num / den in float64, with relative accuracy in the lower tail
 * (erfc there, exp(-v^2/2) = g given). Returns num; den is left in cdfDenominator. Each of Cody's
 * intervals is evaluated only when a lane needs it.
 */
// @ts-ignore: decorator
@inline function normalCdfNumerator64(v: v128, g: v128): v128 {
  const w = f64x2.mul(f64x2.abs(v), splat64(SQRT1_2));
  const small = f64x2.le(w, splat64(0.46875));
  const middle = f64x2.le(w, splat64(4));
  let num = splat64(0);
  let den = splat64(1);
  if (!v128.all_true<i64>(small)) {
    // Phi(-|v|) = erfc(w) / 2 = g [erfc(w) exp(w^2)] / 2
    let tailNum = splat64(0);
    let tailDen = splat64(1);
    if (v128.any_true(v128.andnot(middle, small))) {
      tailNum = erfcScaledMiddleNumerator(w);
      tailDen = erfcScaledMiddleDenominator(w);
    }
    if (!v128.all_true<i64>(middle)) {
      const u = f64x2.mul(w, w);
      const q = erfcScaledFarReversedQ(u);
      const farNum = f64x2.sub(f64x2.mul(f64x2.mul(splat64(INV_SQRT_PI), u), q), erfcScaledFarReversedP(u));
      const farDen = f64x2.mul(f64x2.mul(u, w), q);
      tailNum = v128.bitselect(tailNum, farNum, middle);
      tailDen = v128.bitselect(tailDen, farDen, middle);
    }
    const half = f64x2.mul(f64x2.mul(splat64(0.5), g), tailNum);
    num = v128.bitselect(half, f64x2.sub(tailDen, half), f64x2.lt(v, splat64(0)));
    den = tailDen;
  }
  if (v128.any_true(small)) {
    const s = f64x2.mul(v, splat64(SQRT1_2));
    const z = f64x2.mul(s, s);
    const smallDen = halfErfSmallDenominator(z);
    const smallNum = f64x2.mul(splat64(0.5), f64x2.add(smallDen, f64x2.mul(s, halfErfSmallNumerator(s, z))));
    num = v128.bitselect(smallNum, num, small);
    den = v128.bitselect(smallDen, den, small);
  }
  cdfDenominator = den;
  return num;
}

const GELU_ZERO: f64 = -0.7517915368080139;
const GELU_AT_ZERO: f64 = -5.227312104575155e-9;

/**
 * gelu(x) = x Phi(x) in float64 (Cody's erf/erfc; exp(-x^2/2) from an exact x^2, since x is a float32:
 * where |x| <= 13 from the float32 exp with the rounding of -x^2/2 to float32 put back (gaussianHalves),
 * beyond, and NaN, from the float64 exp, the checked loops' general case).
 * Limits as the JavaScript loops: x > 10 and +Infinity give x, x < -14.5 and -Infinity give -0.
 * Derivative Phi(x) + x phi(x): within 0.5 of its zero at -0.7518 a polynomial in x - zero (the one the
 * shaders use, relative error 2e-9), where the two terms cancel; 1 at +Infinity, -0 below -14.5.
 */
class Gelu {
  // @ts-ignore: decorator
  @inline ordinary(x: v128): v128 {
    return f32x4.le(f32x4.abs(x), lanes(GELU_EXP_RANGE_X4)); // not NaN
  }
  // @ts-ignore: decorator
  @inline forwardInRange(x: v128, alpha: f64): v128 {
    const low = low64(x);
    const high = high64(x);
    const g = gaussianHalves(low, high);
    return join32(geluFromGaussian64(low, g), geluFromGaussian64(high, gaussianHigh));
  }
  // @ts-ignore: decorator
  @inline forward32(x: v128, alpha: f64): v128 {
    return join32(this.forward64(low64(x), alpha), this.forward64(high64(x), alpha));
  }
  // @ts-ignore: decorator
  @inline derivativeInRange(x: v128, alpha: f64): v128 {
    const low = low64(x);
    const high = high64(x);
    const g = gaussianHalves(low, high);
    return join32(geluDerivativeFromGaussian64(low, g), geluDerivativeFromGaussian64(high, gaussianHigh));
  }
  // @ts-ignore: decorator
  @inline derivative32(x: v128, alpha: f64): v128 {
    return join32(this.derivative64(low64(x), alpha), this.derivative64(high64(x), alpha));
  }
  // @ts-ignore: decorator
  @inline backwardInRange(x: v128, dy: v128, alpha: f64): v128 {
    const low = low64(x);
    const high = high64(x);
    const g = gaussianHalves(low, high);
    return join32(
      f64x2.mul(low64(dy), geluDerivativeFromGaussian64(low, g)),
      f64x2.mul(high64(dy), geluDerivativeFromGaussian64(high, gaussianHigh)),
    );
  }
  // @ts-ignore: decorator
  @inline backward32(x: v128, dy: v128, alpha: f64): v128 {
    return join32(f64x2.mul(low64(dy), this.derivative64(low64(x), alpha)), f64x2.mul(high64(dy), this.derivative64(high64(x), alpha)));
  }
  // @ts-ignore: decorator
  @inline forward64(v: v128, alpha: f64): v128 {
    return geluFromGaussian64(v, exp64(f64x2.mul(splat64(-0.5), f64x2.mul(v, v))));
  }
  // @ts-ignore: decorator
  @inline derivative64(v: v128, alpha: f64): v128 {
    return geluDerivativeFromGaussian64(v, exp64(f64x2.mul(splat64(-0.5), f64x2.mul(v, v))));
  }
}

/** Where exp(-x^2 / 2) is normal in float32 (x^2 / 2 <= 84.5): gelu's checked loops' fast lanes. */
const GELU_EXP_RANGE_X4 = memory.data<f32>([13, 13, 13, 13], 16);
const MINUS_HALF_X2 = memory.data<f64>([-0.5, -0.5], 16);

let gaussianHigh: v128 = f64x2.splat(0);

/**
 * exp(-v^2 / 2) for the two float64 halves of a float32 vector, |v| <= 13, from one float32 exp: h =
 * -v^2 / 2 is exact in float64 (v is a float32), rounded to float32 it is h32 = h - l; exp(h) =
 * exp(h32) (1 + l), l below 5e-6 (l^2 / 2 negligible). So the result carries only the float32 exp's
 * error (no x^2 rounding, which would add |h| 2^-24, up to 5e-6). Returns the low half (lanes 0, 1);
 * the high half is left in gaussianHigh.
 */
// @ts-ignore: decorator
@inline function gaussianHalves(low: v128, high: v128): v128 {
  const hLow = f64x2.mul(lanes(MINUS_HALF_X2), f64x2.mul(low, low));
  const hHigh = f64x2.mul(lanes(MINUS_HALF_X2), f64x2.mul(high, high));
  const h32 = join32(hLow, hHigh);
  const e = expInRange(h32);
  gaussianHigh = f64x2.mul(high64(e), f64x2.add(lanes(ONE_X2), f64x2.sub(hHigh, high64(h32))));
  return f64x2.mul(low64(e), f64x2.add(lanes(ONE_X2), f64x2.sub(hLow, low64(h32))));
}

/** gelu(v) = v Phi(v) in float64 from g = exp(-v^2 / 2), with the JavaScript loops' limits. */
// @ts-ignore: decorator
@inline function geluFromGaussian64(v: v128, g: v128): v128 {
  const num = normalCdfNumerator64(v, g);
  let result = f64x2.div(f64x2.mul(v, num), cdfDenominator);
  result = v128.bitselect(v, result, v128.or(isNaN64(v), f64x2.gt(v, splat64(10))));
  return v128.bitselect(splat64(-0.0), result, f64x2.lt(v, splat64(-14.5)));
}

/** gelu'(v) = Phi + v phi = (num + v phi den) / den in float64 from g = exp(-v^2 / 2). */
// @ts-ignore: decorator
@inline function geluDerivativeFromGaussian64(v: v128, g: v128): v128 {
  const num = normalCdfNumerator64(v, g);
  const den = cdfDenominator;
  let result = f64x2.div(f64x2.add(num, f64x2.mul(f64x2.mul(v, f64x2.mul(splat64(INV_SQRT_2PI), g)), den)), den);
  const d = f64x2.sub(v, splat64(GELU_ZERO));
  const near = f64x2.lt(f64x2.abs(d), splat64(0.5));
  if (v128.any_true(near)) {
    const expanded = f64x2.add(f64x2.mul(f64x2.add(f64x2.mul(f64x2.add(f64x2.mul(f64x2.add(f64x2.mul(f64x2.add(f64x2.mul(f64x2.add(f64x2.mul(f64x2.add(f64x2.mul(f64x2.add(f64x2.mul(f64x2.add(f64x2.mul(splat64(-0.0006979592574135348), d), splat64(-0.0021370586078326773)), d), splat64(0.0045305341769198105)), d), splat64(0.019402601709207875)), d), splat64(-0.014770922546687375)), d), splat64(-0.11400691163688224)), d), splat64(-0.018199682123937088)), d), splat64(0.3882849589158845)), d), splat64(0.4314939829063293)), d), splat64(GELU_AT_ZERO));
    result = v128.bitselect(expanded, result, near);
  }
  result = v128.bitselect(splat64(1), result, f64x2.gt(v, splat64(10)));
  return v128.bitselect(splat64(-0.0), result, f64x2.lt(v, splat64(-14.5)));
}

const GELU_TANH_K: f64 = 1.5957691216057308; // 2 sqrt(2 / pi)
const GELU_TANH_KC: f64 = 0.07135481627260025; // 2 sqrt(2 / pi) 0.044715
const GELU_TANH_ZERO: f64 = -0.7524614334106445;
const GELU_TANH_AT_ZERO: f64 = -4.880576990954944e-9;

/**
 * gelu's tanh form x sigmoid(2u), 2u = x (K + KC x^2), in float64: x / (1 + e) for x >= 0 and
 * x e / (1 + e) below, e = exp(-|2u|). Derivative s(2u) + x s(2u) s(-2u) 2u', with the shaders'
 * polynomial within 0.5 of its zero (-0.7525). Limits as the JavaScript loops: +Infinity gives x (and
 * derivative 1), x < -11 and -Infinity give -0. e from one float32 exp a vector where |x| <= 9.9, with
 * the rounding of -|2u| to float32 put back (geluTanhExpHalves); beyond, and NaN, the float64 exp.
 */
class GeluTanh {
  // @ts-ignore: decorator
  @inline ordinary(x: v128): v128 {
    return f32x4.le(f32x4.abs(x), lanes(GELU_TANH_EXP_RANGE_X4)); // not NaN
  }
  // @ts-ignore: decorator
  @inline forwardInRange(x: v128, alpha: f64): v128 {
    const low = low64(x);
    const high = high64(x);
    const e = geluTanhExpHalves(low, high);
    return join32(geluTanhFromExp64(low, e), geluTanhFromExp64(high, geluTanhExpHigh));
  }
  // @ts-ignore: decorator
  @inline forward32(x: v128, alpha: f64): v128 {
    return join32(this.forward64(low64(x), alpha), this.forward64(high64(x), alpha));
  }
  // @ts-ignore: decorator
  @inline derivativeInRange(x: v128, alpha: f64): v128 {
    const low = low64(x);
    const high = high64(x);
    const e = geluTanhExpHalves(low, high);
    return join32(geluTanhDerivativeFromExp64(low, e), geluTanhDerivativeFromExp64(high, geluTanhExpHigh));
  }
  // @ts-ignore: decorator
  @inline derivative32(x: v128, alpha: f64): v128 {
    return join32(this.derivative64(low64(x), alpha), this.derivative64(high64(x), alpha));
  }
  // @ts-ignore: decorator
  @inline backwardInRange(x: v128, dy: v128, alpha: f64): v128 {
    const low = low64(x);
    const high = high64(x);
    const e = geluTanhExpHalves(low, high);
    return join32(
      f64x2.mul(low64(dy), geluTanhDerivativeFromExp64(low, e)),
      f64x2.mul(high64(dy), geluTanhDerivativeFromExp64(high, geluTanhExpHigh)),
    );
  }
  // @ts-ignore: decorator
  @inline backward32(x: v128, dy: v128, alpha: f64): v128 {
    return join32(f64x2.mul(low64(dy), this.derivative64(low64(x), alpha)), f64x2.mul(high64(dy), this.derivative64(high64(x), alpha)));
  }
  // @ts-ignore: decorator
  @inline forward64(v: v128, alpha: f64): v128 {
    return geluTanhFromExp64(v, exp64(negativeAbs64(geluTanhArgument64(v))));
  }
  // @ts-ignore: decorator
  @inline derivative64(v: v128, alpha: f64): v128 {
    return geluTanhDerivativeFromExp64(v, exp64(negativeAbs64(geluTanhArgument64(v))));
  }
}

/** Where exp(-|2u|) is normal in float32 (|2u| <= 85 at |x| = 9.9): the checked loops' fast lanes. */
const GELU_TANH_EXP_RANGE_X4 = memory.data<f32>([9.9, 9.9, 9.9, 9.9], 16);

/** 2u = x (K + KC x^2) in float64. */
// @ts-ignore: decorator
@inline function geluTanhArgument64(v: v128): v128 {
  return f64x2.mul(v, f64x2.add(splat64(GELU_TANH_K), f64x2.mul(splat64(GELU_TANH_KC), f64x2.mul(v, v))));
}

let geluTanhExpHigh: v128 = f64x2.splat(0);

/**
 * exp(-|2u|) for the two float64 halves of a float32 vector, |x| <= 9.9, from one float32 exp: -|2u|
 * (float64) rounded to float32 is a - l, and exp(-|2u|) = exp(a) (1 + l), l below 3e-6. Returns the
 * low half; the high half is left in geluTanhExpHigh.
 */
// @ts-ignore: decorator
@inline function geluTanhExpHalves(low: v128, high: v128): v128 {
  const nLow = negativeAbs64(geluTanhArgument64(low));
  const nHigh = negativeAbs64(geluTanhArgument64(high));
  const n32 = join32(nLow, nHigh);
  const e = expInRange(n32);
  geluTanhExpHigh = f64x2.mul(high64(e), f64x2.add(lanes(ONE_X2), f64x2.sub(nHigh, high64(n32))));
  return f64x2.mul(low64(e), f64x2.add(lanes(ONE_X2), f64x2.sub(nLow, low64(n32))));
}

/** x sigmoid(2u) in float64 from e = exp(-|2u|), with the JavaScript loops' limits. */
// @ts-ignore: decorator
@inline function geluTanhFromExp64(v: v128, e: v128): v128 {
  const numerator = v128.bitselect(v, f64x2.mul(v, e), f64x2.ge(v, splat64(0)));
  let result = f64x2.div(numerator, f64x2.add(splat64(1), e));
  result = v128.bitselect(v, result, f64x2.eq(v, splat64(Infinity)));
  return v128.bitselect(splat64(-0.0), result, f64x2.lt(v, splat64(-11)));
}

/** The tanh form's derivative in float64 from e = exp(-|2u|), with the expansion about its zero. */
// @ts-ignore: decorator
@inline function geluTanhDerivativeFromExp64(v: v128, e: v128): v128 {
  const square = f64x2.mul(v, v);
  const m = f64x2.add(splat64(GELU_TANH_K), f64x2.mul(splat64(3 * GELU_TANH_KC), square));
  const r = f64x2.div(splat64(1), f64x2.add(splat64(1), e));
  const xm = f64x2.mul(v, m);
  const upper = f64x2.mul(r, f64x2.add(splat64(1), f64x2.mul(f64x2.mul(xm, e), r)));
  const lower = f64x2.mul(f64x2.mul(f64x2.mul(e, r), r), f64x2.add(f64x2.add(splat64(1), e), xm));
  let result = v128.bitselect(upper, lower, f64x2.ge(v, splat64(0)));
  const d = f64x2.sub(v, splat64(GELU_TANH_ZERO));
  const near = f64x2.lt(f64x2.abs(d), splat64(0.5));
  if (v128.any_true(near)) {
    const expanded = f64x2.add(f64x2.mul(f64x2.add(f64x2.mul(f64x2.add(f64x2.mul(f64x2.add(f64x2.mul(f64x2.add(f64x2.mul(f64x2.add(f64x2.mul(f64x2.add(f64x2.mul(f64x2.add(f64x2.mul(f64x2.add(f64x2.mul(splat64(-0.000860760497053845), d), splat64(-0.0022812698618190335)), d), splat64(0.005248742055515503)), d), splat64(0.019656187902893637)), d), splat64(-0.016618479773144398)), d), splat64(-0.11394268003921257)), d), splat64(-0.015782864251521055)), d), splat64(0.38751841296529005)), d), splat64(0.4304000822362282)), d), splat64(GELU_TANH_AT_ZERO));
    result = v128.bitselect(expanded, result, near);
  }
  result = v128.bitselect(splat64(1), result, f64x2.eq(v, splat64(Infinity)));
  return v128.bitselect(splat64(-0.0), result, f64x2.lt(v, splat64(-11)));
}

// ---------------------------------------------------------------------------------------------------
// The loops. Every elementwise export takes (x, dy, out, n, alpha): byte addresses of float32 arrays in
// this module's memory, n a multiple of 4, alpha the op's scalar (float64, as the JavaScript loops use
// it). out is a buffer of its own: the checked loops read x and dy twice. Backward is dy * f'(x) with the product in float64, rounded once.

// @ts-ignore: decorator
@inline function forward32<K>(x: usize, out: usize, n: i32, alpha: f64): void {
  const k = changetype<K>(0);
  for (let at: usize = 0, end = <usize>n << 2; at < end; at += 16) {
    v128.store(out + at, k.forward32(v128.load(x + at), alpha));
  }
}
// @ts-ignore: decorator
@inline function derivative32<K>(x: usize, out: usize, n: i32, alpha: f64): void {
  const k = changetype<K>(0);
  for (let at: usize = 0, end = <usize>n << 2; at < end; at += 16) {
    v128.store(out + at, k.derivative32(v128.load(x + at), alpha));
  }
}
// @ts-ignore: decorator
@inline function fromOutput32<K>(y: usize, out: usize, n: i32, alpha: f64): void {
  const k = changetype<K>(0);
  for (let at: usize = 0, end = <usize>n << 2; at < end; at += 16) {
    v128.store(out + at, k.fromOutput32(v128.load(y + at), alpha));
  }
}
// The product of two float32 values is exact in float64, so the float32 product is already the float64 one rounded once.
// @ts-ignore: decorator
@inline function backward32<K>(x: usize, dy: usize, out: usize, n: i32, alpha: f64): void {
  const k = changetype<K>(0);
  for (let at: usize = 0, end = <usize>n << 2; at < end; at += 16) {
    v128.store(out + at, f32x4.mul(v128.load(dy + at), k.derivative32(v128.load(x + at), alpha)));
  }
}
// @ts-ignore: decorator
@inline function backwardFromOutput32<K>(y: usize, dy: usize, out: usize, n: i32, alpha: f64): void {
  const k = changetype<K>(0);
  for (let at: usize = 0, end = <usize>n << 2; at < end; at += 16) {
    v128.store(out + at, f32x4.mul(v128.load(dy + at), k.fromOutput32(v128.load(y + at), alpha)));
  }
}
// @ts-ignore: decorator
@inline function forwardAndDerivative32<K>(x: usize, derivativeOut: usize, out: usize, n: i32, alpha: f64): void {
  const k = changetype<K>(0);
  for (let at: usize = 0, end = <usize>n << 2; at < end; at += 16) {
    const v = v128.load(x + at);
    v128.store(out + at, k.forward32(v, alpha));
    v128.store(derivativeOut + at, k.derivative32(v, alpha));
  }
}
// The checked loops, for kernels with a fast form that holds on most inputs (K.ordinary true in every
// lane) and a general one: the fast form on every vector with no branch, the lanes it does not hold
// for noted on the side, then, only where there was one, a second pass that rewrites those vectors
// with the general form. (A branch per vector measured 8% slower: bench/NOTES.md, 2026-12-03.) The second
// pass reads x (and dy) again, so here out must not be x or dy: the host never passes them so.
// @ts-ignore: decorator
@inline function forwardChecked<K>(x: usize, out: usize, n: i32, alpha: f64): void {
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
@inline function derivativeChecked<K>(x: usize, out: usize, n: i32, alpha: f64): void {
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
@inline function backwardChecked<K>(x: usize, dy: usize, out: usize, n: i32, alpha: f64): void {
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
@inline function forwardAndDerivativeChecked<K>(x: usize, derivativeOut: usize, out: usize, n: i32, alpha: f64): void {
  const k = changetype<K>(0);
  const end = <usize>n << 2;
  let ordinary = i32x4.splat(-1);
  for (let at: usize = 0; at < end; at += 16) {
    const v = v128.load(x + at);
    ordinary = v128.and(ordinary, k.ordinary(v));
    const f = k.forwardInRange(v, alpha); // both before either store: the engine shares their exp
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
// sigmoid's value and derivative from one float32 exp, checked as above
// @ts-ignore: decorator
@inline function sigmoidForwardAndDerivative(x: usize, derivativeOut: usize, out: usize, n: i32): void {
  const k = changetype<Sigmoid>(0);
  const end = <usize>n << 2;
  let ordinary = i32x4.splat(-1);
  for (let at: usize = 0; at < end; at += 16) {
    const v = v128.load(x + at);
    ordinary = v128.and(ordinary, k.ordinary(v));
    const e = expInRange(v128.or(v, lanes(SIGN_X4)));
    const numerator = v128.bitselect(lanes(ONE_X4), e, f32x4.ge(v, lanes(ZERO_X4)));
    v128.store(out + at, f32x4.div(numerator, f32x4.add(lanes(ONE_X4), e)));
    v128.store(derivativeOut + at, join32(sigmoidDerivativeFromExp(low64(e)), sigmoidDerivativeFromExp(high64(e))));
  }
  if (v128.all_true<i32>(ordinary)) return;
  for (let at: usize = 0; at < end; at += 16) {
    const v = v128.load(x + at);
    if (!v128.all_true<i32>(k.ordinary(v))) {
      v128.store(out + at, k.forward32(v, 0));
      v128.store(derivativeOut + at, k.derivative32(v, 0));
    }
  }
}
// The float64 loops take two elements at a time (one f64x2): a 64-bit load promoted, a 64-bit store
// demoted. The kernel's code then appears once per loop (as two f64x2 halves of an f32x4 it was inlined
// twice: gelu's loops were half the module), with no shuffles.
// @ts-ignore: decorator
@inline function load64(p: usize): v128 {
  return f64x2.promote_low_f32x4(v128.load64_zero(p));
}
// @ts-ignore: decorator
@inline function store64(p: usize, v: v128): void {
  v128.store64_lane(p, f32x4.demote_f64x2_zero(v), 0);
}
// @ts-ignore: decorator
@inline function forward64<K>(x: usize, out: usize, n: i32, alpha: f64): void {
  const k = changetype<K>(0);
  for (let at: usize = 0, end = <usize>n << 2; at < end; at += 8) store64(out + at, k.forward64(load64(x + at), alpha));
}
// @ts-ignore: decorator
@inline function derivative64<K>(x: usize, out: usize, n: i32, alpha: f64): void {
  const k = changetype<K>(0);
  for (let at: usize = 0, end = <usize>n << 2; at < end; at += 8) store64(out + at, k.derivative64(load64(x + at), alpha));
}
// @ts-ignore: decorator
@inline function fromOutput64<K>(y: usize, out: usize, n: i32, alpha: f64): void {
  const k = changetype<K>(0);
  for (let at: usize = 0, end = <usize>n << 2; at < end; at += 8) store64(out + at, k.fromOutput64(load64(y + at), alpha));
}
// @ts-ignore: decorator
@inline function backward64<K>(x: usize, dy: usize, out: usize, n: i32, alpha: f64): void {
  const k = changetype<K>(0);
  for (let at: usize = 0, end = <usize>n << 2; at < end; at += 8) {
    store64(out + at, f64x2.mul(load64(dy + at), k.derivative64(load64(x + at), alpha)));
  }
}
// @ts-ignore: decorator
@inline function backwardFromOutput64<K>(y: usize, dy: usize, out: usize, n: i32, alpha: f64): void {
  const k = changetype<K>(0);
  for (let at: usize = 0, end = <usize>n << 2; at < end; at += 8) {
    store64(out + at, f64x2.mul(load64(dy + at), k.fromOutput64(load64(y + at), alpha)));
  }
}
// @ts-ignore: decorator
@inline function forwardAndDerivative64<K>(x: usize, derivativeOut: usize, out: usize, n: i32, alpha: f64): void {
  const k = changetype<K>(0);
  for (let at: usize = 0, end = <usize>n << 2; at < end; at += 8) {
    const v = load64(x + at);
    store64(out + at, k.forward64(v, alpha));
    store64(derivativeOut + at, k.derivative64(v, alpha));
  }
}
// dy y (1 - y): in float32 where every |y| < 2, else in float64 (Sigmoid.fromOutput32)
// @ts-ignore: decorator
@inline function sigmoidBackwardFromOutput(y: usize, dy: usize, out: usize, n: i32): void {
  for (let at: usize = 0, end = <usize>n << 2; at < end; at += 16) {
    const v = v128.load(y + at);
    const g = v128.load(dy + at);
    if (v128.all_true<i32>(f32x4.lt(f32x4.abs(v), splat(2)))) {
      v128.store(out + at, f32x4.mul(g, f32x4.mul(v, f32x4.sub(splat(1), v))));
    } else {
      const low = f64x2.mul(low64(g), f64x2.mul(low64(v), f64x2.sub(splat64(1), low64(v))));
      const high = f64x2.mul(high64(g), f64x2.mul(high64(v), f64x2.sub(splat64(1), high64(v))));
      v128.store(out + at, join32(low, high));
    }
  }
}

// ---------------------------------------------------------------------------------------------------
// Elementwise exports, named <activation>_<kernel> after src/ops/kernels.ts's kernel names.
export function sigmoid_forward(x: usize, dy: usize, out: usize, n: i32, alpha: f64): void {
  forwardChecked<Sigmoid>(x, out, n, alpha);
}
export function sigmoid_derivative(x: usize, dy: usize, out: usize, n: i32, alpha: f64): void {
  derivativeChecked<Sigmoid>(x, out, n, alpha);
}
export function sigmoid_derivative_from_output(x: usize, dy: usize, out: usize, n: i32, alpha: f64): void {
  fromOutput32<Sigmoid>(x, out, n, alpha);
}
export function sigmoid_backward(x: usize, dy: usize, out: usize, n: i32, alpha: f64): void {
  backwardChecked<Sigmoid>(x, dy, out, n, alpha);
}
export function sigmoid_backward_from_output(x: usize, dy: usize, out: usize, n: i32, alpha: f64): void {
  sigmoidBackwardFromOutput(x, dy, out, n);
}
export function sigmoid_forward_and_derivative(x: usize, dy: usize, out: usize, n: i32, alpha: f64): void {
  sigmoidForwardAndDerivative(x, dy, out, n);
}
export function relu_forward(x: usize, dy: usize, out: usize, n: i32, alpha: f64): void {
  forward32<Relu>(x, out, n, alpha);
}
export function relu_derivative(x: usize, dy: usize, out: usize, n: i32, alpha: f64): void {
  derivative32<Relu>(x, out, n, alpha);
}
export function relu_derivative_from_output(x: usize, dy: usize, out: usize, n: i32, alpha: f64): void {
  fromOutput32<Relu>(x, out, n, alpha);
}
export function relu_backward(x: usize, dy: usize, out: usize, n: i32, alpha: f64): void {
  backward32<Relu>(x, dy, out, n, alpha);
}
export function relu_backward_from_output(x: usize, dy: usize, out: usize, n: i32, alpha: f64): void {
  backwardFromOutput32<Relu>(x, dy, out, n, alpha);
}
export function relu_forward_and_derivative(x: usize, dy: usize, out: usize, n: i32, alpha: f64): void {
  forwardAndDerivative32<Relu>(x, dy, out, n, alpha);
}
export function leakyRelu_forward(x: usize, dy: usize, out: usize, n: i32, alpha: f64): void {
  forward64<LeakyRelu>(x, out, n, alpha);
}
export function leakyRelu_derivative(x: usize, dy: usize, out: usize, n: i32, alpha: f64): void {
  derivative64<LeakyRelu>(x, out, n, alpha);
}
export function leakyRelu_backward(x: usize, dy: usize, out: usize, n: i32, alpha: f64): void {
  backward64<LeakyRelu>(x, dy, out, n, alpha);
}
export function leakyRelu_forward_and_derivative(x: usize, dy: usize, out: usize, n: i32, alpha: f64): void {
  forwardAndDerivative64<LeakyRelu>(x, dy, out, n, alpha);
}
export function tanh_forward(x: usize, dy: usize, out: usize, n: i32, alpha: f64): void {
  forwardChecked<Tanh>(x, out, n, alpha);
}
export function tanh_derivative(x: usize, dy: usize, out: usize, n: i32, alpha: f64): void {
  derivativeChecked<Tanh>(x, out, n, alpha);
}
export function tanh_backward(x: usize, dy: usize, out: usize, n: i32, alpha: f64): void {
  backwardChecked<Tanh>(x, dy, out, n, alpha);
}
export function tanh_forward_and_derivative(x: usize, dy: usize, out: usize, n: i32, alpha: f64): void {
  forwardAndDerivativeChecked<Tanh>(x, dy, out, n, alpha);
}
export function tanh_derivative_from_output(x: usize, dy: usize, out: usize, n: i32, alpha: f64): void {
  fromOutput64<Tanh>(x, out, n, alpha);
}
export function tanh_backward_from_output(x: usize, dy: usize, out: usize, n: i32, alpha: f64): void {
  backwardFromOutput64<Tanh>(x, dy, out, n, alpha);
}
export function gelu_forward(x: usize, dy: usize, out: usize, n: i32, alpha: f64): void {
  forwardChecked<Gelu>(x, out, n, alpha);
}
export function gelu_derivative(x: usize, dy: usize, out: usize, n: i32, alpha: f64): void {
  derivativeChecked<Gelu>(x, out, n, alpha);
}
export function gelu_backward(x: usize, dy: usize, out: usize, n: i32, alpha: f64): void {
  backwardChecked<Gelu>(x, dy, out, n, alpha);
}
export function gelu_forward_and_derivative(x: usize, dy: usize, out: usize, n: i32, alpha: f64): void {
  forwardAndDerivativeChecked<Gelu>(x, dy, out, n, alpha);
}
export function gelu_tanh_forward(x: usize, dy: usize, out: usize, n: i32, alpha: f64): void {
  forwardChecked<GeluTanh>(x, out, n, alpha);
}
export function gelu_tanh_derivative(x: usize, dy: usize, out: usize, n: i32, alpha: f64): void {
  derivativeChecked<GeluTanh>(x, out, n, alpha);
}
export function gelu_tanh_backward(x: usize, dy: usize, out: usize, n: i32, alpha: f64): void {
  backwardChecked<GeluTanh>(x, dy, out, n, alpha);
}
export function gelu_tanh_forward_and_derivative(x: usize, dy: usize, out: usize, n: i32, alpha: f64): void {
  forwardAndDerivativeChecked<GeluTanh>(x, dy, out, n, alpha);
}
export function silu_forward(x: usize, dy: usize, out: usize, n: i32, alpha: f64): void {
  forwardChecked<Silu>(x, out, n, alpha);
}
export function silu_derivative(x: usize, dy: usize, out: usize, n: i32, alpha: f64): void {
  derivativeChecked<Silu>(x, out, n, alpha);
}
export function silu_backward(x: usize, dy: usize, out: usize, n: i32, alpha: f64): void {
  backwardChecked<Silu>(x, dy, out, n, alpha);
}
export function silu_forward_and_derivative(x: usize, dy: usize, out: usize, n: i32, alpha: f64): void {
  forwardAndDerivativeChecked<Silu>(x, dy, out, n, alpha);
}

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
  // Unshifted only up to 64: the scaling's float32 1 / sum must stay normal (sum < 2^31 e^64 < 2^126);
  // at 88, rows of 4096 values in [87, 88] gave a subnormal factor and 2.4e-4 off.
  const unshifted = minimum >= -87 && maximum <= 64;
  if (unshifted) {
    for (; i + 8 <= n; i += 8) {
      const at = <usize>i << 2;
      const e0 = expInRange(v128.load(x + at));
      const e1 = expInRange(v128.load(x + at, 16));
      v128.store(out + at, e0);
      v128.store(out + at, e1, 16);
      low = f64x2.add(low, f64x2.add(low64(e0), low64(e1)));
      high = f64x2.add(high, f64x2.add(high64(e0), high64(e1)));
    }
    for (; i + 4 <= n; i += 4) {
      const at = <usize>i << 2;
      const e = expInRange(v128.load(x + at));
      v128.store(out + at, e);
      low = f64x2.add(low, low64(e));
      high = f64x2.add(high, high64(e));
    }
  } else if (withinExpRange(minimum, maximum)) {
    for (; i + 8 <= n; i += 8) {
      const at = <usize>i << 2;
      const e0 = expOfDifferenceInRange(v128.load(x + at), m, negativeM);
      const e1 = expOfDifferenceInRange(v128.load(x + at, 16), m, negativeM);
      v128.store(out + at, e0);
      v128.store(out + at, e1, 16);
      low = f64x2.add(low, f64x2.add(low64(e0), low64(e1)));
      high = f64x2.add(high, f64x2.add(high64(e0), high64(e1)));
    }
    for (; i + 4 <= n; i += 4) {
      const at = <usize>i << 2;
      const e = expOfDifferenceInRange(v128.load(x + at), m, negativeM);
      v128.store(out + at, e);
      low = f64x2.add(low, low64(e));
      high = f64x2.add(high, high64(e));
    }
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
