// The WebAssembly SIMD kernels of gelu (src/ops/activations/gelu.ts says what it is), exported as
// <name>_<kernel> (the kernel names of src/ops/kernels.ts). Instantiated from the generic loops of ../common.
import {
  ONE_X2,
  backwardChecked,
  derivativeChecked,
  exp64,
  expInRange,
  forwardAndDerivativeChecked,
  forwardChecked,
  high64,
  isNaN64,
  join32,
  lanes,
  low64,
  negativeAbs64,
  splat64,
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
