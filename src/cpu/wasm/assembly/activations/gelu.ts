// The WebAssembly SIMD kernels of gelu (src/ops/activations/gelu.ts says what it is), exported as
// <name>_<kernel> (the kernel names of src/ops/kernels.ts). Instantiated from the generic loops of ../common.
import {
  splat,
  splat64,
  negativeAbs64,
  isNaN64,
  exp64,
  forward64,
  derivative64,
  backward64,
  forwardAndDerivative64,
} from '../common';

const SQRT1_2: f64 = 0.7071067811865476;
const INV_SQRT_PI: f64 = 0.5641895835477563;
const INV_SQRT_2PI: f64 = 0.3989422804014327;

// W. J. Cody's rational approximations to erf and erfc (the SPECFUN coefficients of src/ops/activations/gelu.ts,
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
 * gelu(x) = x Phi(x) in float64 (Cody's erf/erfc; exp(-x^2/2) from an exact x^2, since x is a float32).
 * Limits as the JavaScript loops: x > 10 and +Infinity give x, x < -14.5 and -Infinity give -0.
 * Derivative Phi(x) + x phi(x): within 0.5 of its zero at -0.7518 a polynomial in x - zero (the one the
 * shaders use, relative error 2e-9), where the two terms cancel; 1 at +Infinity, -0 below -14.5.
 */
class Gelu {
  // @ts-ignore: decorator
  @inline forward64(v: v128, alpha: f64): v128 {
    const g = exp64(f64x2.mul(splat64(-0.5), f64x2.mul(v, v)));
    const num = normalCdfNumerator64(v, g);
    let result = f64x2.div(f64x2.mul(v, num), cdfDenominator);
    result = v128.bitselect(v, result, v128.or(isNaN64(v), f64x2.gt(v, splat64(10))));
    return v128.bitselect(splat64(-0.0), result, f64x2.lt(v, splat64(-14.5)));
  }
  // Phi + v phi = (num + v phi den) / den
  // @ts-ignore: decorator
  @inline derivative64(v: v128, alpha: f64): v128 {
    const g = exp64(f64x2.mul(splat64(-0.5), f64x2.mul(v, v)));
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
}

const GELU_TANH_K: f64 = 1.5957691216057308; // 2 sqrt(2 / pi)
const GELU_TANH_KC: f64 = 0.07135481627260025; // 2 sqrt(2 / pi) 0.044715
const GELU_TANH_ZERO: f64 = -0.7524614334106445;
const GELU_TANH_AT_ZERO: f64 = -4.880576990954944e-9;

/**
 * gelu's tanh form x sigmoid(2u), 2u = x (K + KC x^2), in float64: x / (1 + e) for x >= 0 and
 * x e / (1 + e) below, e = exp(-|2u|). Derivative s(2u) + x s(2u) s(-2u) 2u', with the shaders'
 * polynomial within 0.5 of its zero (-0.7525). Limits as the JavaScript loops: +Infinity gives x (and
 * derivative 1), x < -11 and -Infinity give -0.
 */
class GeluTanh {
  // @ts-ignore: decorator
  @inline forward64(v: v128, alpha: f64): v128 {
    const t = f64x2.mul(v, f64x2.add(splat64(GELU_TANH_K), f64x2.mul(splat64(GELU_TANH_KC), f64x2.mul(v, v))));
    const e = exp64(negativeAbs64(t));
    const numerator = v128.bitselect(v, f64x2.mul(v, e), f64x2.ge(v, splat64(0)));
    let result = f64x2.div(numerator, f64x2.add(splat64(1), e));
    result = v128.bitselect(v, result, f64x2.eq(v, splat64(Infinity)));
    return v128.bitselect(splat64(-0.0), result, f64x2.lt(v, splat64(-11)));
  }
  // @ts-ignore: decorator
  @inline derivative64(v: v128, alpha: f64): v128 {
    const square = f64x2.mul(v, v);
    const t = f64x2.mul(v, f64x2.add(splat64(GELU_TANH_K), f64x2.mul(splat64(GELU_TANH_KC), square)));
    const m = f64x2.add(splat64(GELU_TANH_K), f64x2.mul(splat64(3 * GELU_TANH_KC), square));
    const e = exp64(negativeAbs64(t));
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
}

export function gelu_forward(x: usize, dy: usize, out: usize, n: i32, alpha: f64): void {
  forward64<Gelu>(x, out, n, alpha);
}
export function gelu_derivative(x: usize, dy: usize, out: usize, n: i32, alpha: f64): void {
  derivative64<Gelu>(x, out, n, alpha);
}
export function gelu_backward(x: usize, dy: usize, out: usize, n: i32, alpha: f64): void {
  backward64<Gelu>(x, dy, out, n, alpha);
}
export function gelu_forward_and_derivative(x: usize, dy: usize, out: usize, n: i32, alpha: f64): void {
  forwardAndDerivative64<Gelu>(x, dy, out, n, alpha);
}
export function gelu_tanh_forward(x: usize, dy: usize, out: usize, n: i32, alpha: f64): void {
  forward64<GeluTanh>(x, out, n, alpha);
}
export function gelu_tanh_derivative(x: usize, dy: usize, out: usize, n: i32, alpha: f64): void {
  derivative64<GeluTanh>(x, out, n, alpha);
}
export function gelu_tanh_backward(x: usize, dy: usize, out: usize, n: i32, alpha: f64): void {
  backward64<GeluTanh>(x, dy, out, n, alpha);
}
export function gelu_tanh_forward_and_derivative(x: usize, dy: usize, out: usize, n: i32, alpha: f64): void {
  forwardAndDerivative64<GeluTanh>(x, dy, out, n, alpha);
}
