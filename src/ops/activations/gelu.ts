import type { ElementwiseActivation } from '../activation.ts';
import { HELPERS_WGSL, wgslFloat, wgslHorner } from '../numerics.ts';

const SQRT1_2 = Math.SQRT1_2;
const INV_SQRT_2PI = 0.3989422804014327;
const INV_SQRT_PI = 0.5641895835477563;

/**
 * W. J. Cody's rational Chebyshev approximations to erf and erfc ("Rational Chebyshev approximations
 * for the error function", Math. Comp. 23 (1969) 631-637; the SPECFUN coefficients, relative error
 * below 1e-17 in exact arithmetic). First interval: erf(w) = w P(w^2) / Q(w^2) for |w| <= 0.46875.
 */
const CODY_A = [3.1611237438705655, 113.86415415105016, 377.485237685302, 3209.3775891384694, 0.18577770618460315] as const;
const CODY_B = [23.601290952344122, 244.02463793444417, 1282.6165260773723, 2844.236833439171] as const;
/** Second interval: erfc(w) exp(w^2) = P(w) / Q(w) for 0.46875 <= w <= 4. */
const CODY_C = [
  0.5641884969886701, 8.883149794388377, 66.11919063714163, 298.6351381974001, 881.952221241769, 1712.0476126340707, 2051.0783778260716,
  1230.3393547979972, 2.1531153547440383e-8,
] as const;
const CODY_D = [
  15.744926110709835, 117.6939508913125, 537.1811018620099, 1621.3895745666903, 3290.7992357334597, 4362.619090143247, 3439.3676741437216,
  1230.3393548037495,
] as const;
/** Third interval: erfc(w) exp(w^2) = (1/sqrt(pi) - z P(z) / Q(z)) / w with z = 1 / w^2, for w > 4. */
const CODY_P = [
  0.30532663496123236, 0.36034489994980445, 0.12578172611122926, 0.016083785148742275, 0.0006587491615298378, 0.016315387137302097,
] as const;
const CODY_Q = [2.568520192289822, 1.8729528499234604, 0.5279051029514285, 0.06051834131244132, 0.0023352049762686918] as const;

/** erf(w) for |w| <= 0.46875 (Cody's first interval), float64. */
function erfSmall64(w: number): number {
  const z = w * w;
  const num = (((CODY_A[4] * z + CODY_A[0]) * z + CODY_A[1]) * z + CODY_A[2]) * z + CODY_A[3];
  const den = (((z + CODY_B[0]) * z + CODY_B[1]) * z + CODY_B[2]) * z + CODY_B[3];
  return (w * num) / den;
}

/** erfc(w) * exp(w^2) for w >= 0.46875 (Cody's second and third intervals), float64. */
function erfcScaled64(w: number): number {
  if (w <= 4) {
    let num = CODY_C[8] * w;
    let den = w;
    for (let i = 0; i < 7; i++) {
      num = (num + (CODY_C[i] as number)) * w;
      den = (den + (CODY_D[i] as number)) * w;
    }
    return (num + CODY_C[7]) / (den + CODY_D[7]);
  }
  const z = 1 / (w * w);
  let num = CODY_P[5] * z;
  let den = z;
  for (let i = 0; i < 4; i++) {
    num = (num + (CODY_P[i] as number)) * z;
    den = (den + (CODY_Q[i] as number)) * z;
  }
  return (INV_SQRT_PI - (z * (num + CODY_P[4])) / (den + CODY_Q[4])) / w;
}

/**
 * exp(-x^2 / 2) in float64 without the error of rounding x^2: x = h + l with h = trunc(16 x) / 16, so
 * h^2 is exact and x^2 = h^2 + l (x + h) (Cody's device).
 */
function gaussianExp64(x: number): number {
  const a = Math.abs(x);
  if (a > 40) return 0; // exp(-800) underflows float64 anyway; also catches infinity
  const h = Math.trunc(a * 16) / 16;
  return Math.exp(-0.5 * h * h) * Math.exp(-0.5 * (a - h) * (a + h));
}

/** The standard normal cdf Phi(x) = erfc(-x / sqrt 2) / 2 in float64, with relative accuracy in the lower tail. */
function normalCdf64(x: number): number {
  const w = Math.abs(x) * SQRT1_2;
  if (w <= 0.46875) return 0.5 + 0.5 * erfSmall64(x * SQRT1_2);
  // Phi(-|x|) = erfc(w) / 2 = exp(-x^2/2) * [erfc(w) exp(w^2)] / 2, the exponential taken from x itself.
  const tail = w > 28 ? 0 : 0.5 * gaussianExp64(x) * erfcScaled64(w);
  return x < 0 ? tail : 1 - tail;
}

const CODY_WGSL = /* wgsl */ `
// Cody's erf / erfc approximations (see CODY_A.. above), evaluated in f32; every
// coefficient is positive, so Horner's rule adds no cancellation.
fn act_erf_small(w: f32) -> f32 {
  let z = w * w;
  let num = (((${wgslFloat(CODY_A[4])} * z + ${wgslFloat(CODY_A[0])}) * z + ${wgslFloat(CODY_A[1])}) * z + ${wgslFloat(CODY_A[2])}) * z + ${wgslFloat(CODY_A[3])};
  let den = (((z + ${wgslFloat(CODY_B[0])}) * z + ${wgslFloat(CODY_B[1])}) * z + ${wgslFloat(CODY_B[2])}) * z + ${wgslFloat(CODY_B[3])};
  return w * num / den;
}
fn act_erfc_scaled(w: f32) -> f32 {
  if (w <= 4.0) {
    var num = ${wgslFloat(CODY_C[8])} * w;
    var den = w;
${[0, 1, 2, 3, 4, 5, 6].map((i) => `    num = (num + ${wgslFloat(CODY_C[i] as number)}) * w;\n    den = (den + ${wgslFloat(CODY_D[i] as number)}) * w;`).join('\n')}
    return (num + ${wgslFloat(CODY_C[7])}) / (den + ${wgslFloat(CODY_D[7])});
  }
  let z = 1.0 / (w * w);
  var num = ${wgslFloat(CODY_P[5])} * z;
  var den = z;
${[0, 1, 2, 3].map((i) => `  num = (num + ${wgslFloat(CODY_P[i] as number)}) * z;\n  den = (den + ${wgslFloat(CODY_Q[i] as number)}) * z;`).join('\n')}
  return (${wgslFloat(INV_SQRT_PI)} - z * (num + ${wgslFloat(CODY_P[4])}) / (den + ${wgslFloat(CODY_Q[4])})) / w;
}
// Phi(x) * 2^64 and phi(x) * 2^64 for -14.5 <= x <= 0. exp(-x^2/2) comes from the exact split
// x = h + l (h = act_split(x)): exp(-h^2/2) has an exact argument, and exp(-l (x + h) / 2) a small one,
// so no rounding of x^2 is magnified by the exponential (that would cost |x|^2 ulp: 1e-5 at x = -13).
fn act_gauss_lower(x: f32) -> vec2<f32> {
  let h = act_split(x);
  let l = x - h;
  let g = act_exp_scaled(-0.5 * (h * h), 64) * exp_nonpositive(-0.5 * (l * (x + h)));
  let pdf = ${wgslFloat(INV_SQRT_2PI)} * g;
  let w = x * -${wgslFloat(SQRT1_2)};
  var cdf: f32;
  if (w <= 0.46875) {
    cdf = (0.5 - 0.5 * act_erf_small(w)) * power_of_two(64);
  } else {
    cdf = 0.5 * g * act_erfc_scaled(w);
  }
  return vec2<f32>(cdf, pdf);
}
// Phi(x) for 0 <= x (no tail accuracy needed: the result is at least 1/2).
fn act_gauss_cdf_upper(x: f32) -> f32 {
  let w = x * ${wgslFloat(SQRT1_2)};
  if (w <= 0.46875) {
    return 0.5 + 0.5 * act_erf_small(w);
  }
  return 1.0 - 0.5 * exp_nonpositive(-0.5 * (x * x)) * act_erfc_scaled(w);
}
`;

// gelu'(x) = Phi(x) + x phi(x) is 0 at x = -0.75179152469356...; near it, with P the float32 next to the
// zero and d = x - P (exact), gelu'(x) = gelu'(P) + d R(d), R a degree-8 polynomial fitted to
// (gelu'(P + d) - gelu'(P)) / d on [-0.5, 0.5] (Chebyshev fit, relative error 2e-9), highest degree first.
const GELU_ZERO_F32 = -0.7517915368080139;
const GELU_AT_ZERO_F32 = -5.227312104575155e-9;
const GELU_ZERO_POLY = [
  -0.0006979592574135348, -0.0021370586078326773, 0.0045305341769198105, 0.019402601709207875, -0.014770922546687375, -0.11400691163688224,
  -0.018199682123937088, 0.3882849589158845, 0.4314939829063293,
];

/**
 * The tanh approximation of gelu, selected with `{ approximate: 'tanh' }` on the gelu methods (not an
 * entry of ACTIVATIONS): f(x) = x (1 + tanh(u)) / 2 = x sigmoid(2u) with u = sqrt(2/pi) (x + 0.044715 x^3),
 * and its exact derivative f'(x) = s(2u) + x s(2u) s(-2u) 2u'(x). Computed as x / (1 + exp(-2u)) for
 * x >= 0 and x e / (1 + e), e = exp(2u), for x < 0, so the lower tail has no 1 + tanh cancellation;
 * 2u is carried as a float32 pair so that exp(2u) keeps float32 accuracy down to exp(-100). Within 0.5
 * of the derivative's zero (x = -0.7525) the derivative is a fitted polynomial in x - root.
 * Limits (x^3 would overflow for |x| > 7e12): f = x for x > 10 (so f(+Infinity) = +Infinity),
 * f = -0 for x < -11 (so f(-Infinity) = -0); f' = 1 for x > 10 and +Infinity, -0 for x < -11 and -Infinity.
 */
const geluTanh: ElementwiseActivation = (() => {
  const K = 1.5957691216057308; // 2 sqrt(2 / pi)
  const KC = 0.07135481627260025; // 2 sqrt(2 / pi) 0.044715
  // The derivative's zero is -0.75246142207...: as for gelu, f'(x) = f'(P) + d R(d) with P the float32
  // next to it, d = x - P, and R fitted on [-0.5, 0.5] (relative error 2e-9).
  const ZERO_F32 = -0.7524614334106445;
  const AT_ZERO_F32 = -4.880576990954944e-9;
  const ZERO_POLY = [
    -0.000860760497053845, -0.0022812698618190335, 0.005248742055515503, 0.019656187902893637, -0.016618479773144398, -0.11394268003921257,
    -0.015782864251521055, 0.38751841296529005, 0.4304000822362282,
  ];
  return {
    name: 'gelu_tanh',
    wgsl: /* wgsl */ `${HELPERS_WGSL}
// 2u = 2 sqrt(2/pi) (x + 0.044715 x^3) = x (K + KC x^2) as an unevaluated f32 pair (hi, lo), from exact
// products: exp(2u) reaches exp(-100) here, and one ulp of error in a rounded 2u would be magnified by
// |2u| (1e-5 relative); with the pair the error of exp(2u) stays near one ulp.
fn act_two_u(x: f32) -> vec2<f32> {
  let sq = act_two_prod(x, x);
  let p1 = act_two_prod(${wgslFloat(Math.fround(KC))}, sq.x);
  let e1 = p1.y + (${wgslFloat(Math.fround(KC))} * sq.y + ${wgslFloat(KC - Math.fround(KC))} * sq.x);
  // two-sum K_hi + p1.x (|K_hi| > |p1.x| is not guaranteed, so the branch-free Knuth form)
  let s = ${wgslFloat(Math.fround(K))} + p1.x;
  let bb = s - ${wgslFloat(Math.fround(K))};
  let e2 = (${wgslFloat(Math.fround(K))} - (s - bb)) + (p1.x - bb);
  let ql = (e2 + e1) + ${wgslFloat(K - Math.fround(K))};
  let t = act_two_prod(x, s);
  return vec2<f32>(t.x, t.y + x * ql);
}
fn activation(x: f32) -> f32 {
  if (x >= 0.0) {
    if (x > 10.0) {
      return x; // sigmoid(2u) rounds to 1; also +Infinity (and x^3 cannot overflow)
    }
    let t = act_two_u(x);
    return x / (1.0 + exp_nonpositive(-t.x) * (1.0 - t.y));
  }
  if (x < -11.0 || is_negative_infinity(x)) {
    return negative_zero(x); // |x| exp(2u) < 1e-47; also -Infinity
  }
  let t = act_two_u(x);
  let es = act_exp_scaled(t.x, 64) * (1.0 + t.y);
  let e = exp_nonpositive(t.x);
  return (x * es / (1.0 + e)) * power_of_two(-64);
}
fn activation_derivative(x: f32) -> f32 {
  // f' = s(2u) + x s(2u) s(-2u) 2u', 2u' = K + 3 KC x^2
  if (x >= 0.0) {
    if (x > 10.0) {
      return 1.0;
    }
    let t = act_two_u(x);
    let e = exp_nonpositive(-t.x) * (1.0 - t.y);
    let r = 1.0 / (1.0 + e);
    let m = ${wgslFloat(K)} + ${wgslFloat(3 * KC)} * (x * x);
    return r * (1.0 + x * m * e * r);
  }
  if (x < -11.0 || is_negative_infinity(x)) {
    return negative_zero(x);
  }
  let d = x - ${wgslFloat(ZERO_F32)};
  if (abs(d) < 0.5) {
    return ${wgslHorner(ZERO_POLY, 'd')} * d + ${wgslFloat(AT_ZERO_F32)};
  }
  let t = act_two_u(x);
  let es = act_exp_scaled(t.x, 64) * (1.0 + t.y);
  let e = exp_nonpositive(t.x);
  let r = 1.0 / (1.0 + e);
  let m = ${wgslFloat(K)} + ${wgslFloat(3 * KC)} * (x * x);
  return (es * r * r * ((1.0 + e) + x * m)) * power_of_two(-64);
}`,
    forward: (x) => {
      if (Number.isNaN(x)) return x;
      if (x === Infinity) return x;
      if (x < -11) return -0; // as on the GPU (|f| < 1e-47 there), and f(-Infinity)
      const t = x * (K + KC * x * x);
      if (x >= 0) return x / (1 + Math.exp(-t));
      const e = Math.exp(t);
      return (x * e) / (1 + e);
    },
    derivative: (x) => {
      if (Number.isNaN(x)) return x;
      if (x === Infinity) return 1;
      if (x < -11) return -0; // as on the GPU, and at -Infinity
      const t = x * (K + KC * x * x);
      const m = K + 3 * KC * x * x;
      if (x >= 0) {
        const e = Math.exp(-t);
        const r = 1 / (1 + e);
        return r * (1 + (e === 0 ? 0 : x * m * e * r));
      }
      const e = Math.exp(t);
      const r = 1 / (1 + e);
      return e === 0 ? -0 : e * r * r * (1 + e + x * m);
    },
    loops: {
      forward: (x, out, a) => {
        for (let i = 0; i < x.length; i++) out[i] = geluTanh.forward(x[i] as number, a);
      },
      derivative: (x, out, a) => {
        for (let i = 0; i < x.length; i++) out[i] = geluTanh.derivative(x[i] as number, a);
      },
      backward: (x, dy, out, a) => {
        for (let i = 0; i < x.length; i++) out[i] = (dy[i] as number) * geluTanh.derivative(x[i] as number, a);
      },
    },
  };
})();

/**
 * gelu(x) = x Phi(x) = x (1 + erf(x / sqrt 2)) / 2, the exact (erf) form. Phi comes from Cody's erf/erfc
 * approximations; for x < 0 it is erfc(-x / sqrt 2) / 2, so the lower tail keeps its relative accuracy
 * where 1 + erf cancels (gelu(-10) = -7.6e-23), with exp(-x^2/2) taken from an exact split of x.
 * Limits: gelu(+Infinity) = +Infinity (x for x > 10, where Phi rounds to 1), gelu(-Infinity) = -0
 * (the limit; x < -14.5 gives -0, as |gelu| < 1e-46 there).
 * Derivative Phi(x) + x phi(x) (phi the standard normal pdf): 1 at +Infinity (and for x > 10), -0 at
 * -Infinity (and below -14.5). Within 0.5 of its zero at x = -0.7518, where the two terms cancel, it is
 * a polynomial in x - root fitted to that function, so the relative error stays at float32 level.
 * `{ approximate: 'tanh' }` selects {@link geluTanh}.
 */
export const gelu: ElementwiseActivation = {
  name: 'gelu',
  approximations: { tanh: geluTanh },
  wgsl: /* wgsl */ `${HELPERS_WGSL}${CODY_WGSL}
fn activation(x: f32) -> f32 {
  if (x >= 0.0) {
    if (x > 10.0) {
      return x; // Phi(x) rounds to 1; also +Infinity
    }
    return x * act_gauss_cdf_upper(x);
  }
  if (x < -14.5 || is_negative_infinity(x)) {
    return negative_zero(x); // |gelu(x)| < 1e-46; also -Infinity
  }
  return (x * act_gauss_lower(x).x) * power_of_two(-64);
}
fn activation_derivative(x: f32) -> f32 {
  if (x >= 0.0) {
    if (x > 10.0) {
      return 1.0;
    }
    return act_gauss_cdf_upper(x) + x * (${wgslFloat(INV_SQRT_2PI)} * exp_nonpositive(-0.5 * (x * x)));
  }
  if (x < -14.5 || is_negative_infinity(x)) {
    return negative_zero(x);
  }
  let d = x - ${wgslFloat(GELU_ZERO_F32)};
  if (abs(d) < 0.5) {
    return ${wgslHorner(GELU_ZERO_POLY, 'd')} * d + ${wgslFloat(GELU_AT_ZERO_F32)};
  }
  let g = act_gauss_lower(x);
  return (g.x + x * g.y) * power_of_two(-64);
}`,
  forward: (x) => {
    if (Number.isNaN(x)) return x;
    if (x === Infinity) return x;
    if (x < -14.5) return -0; // as on the GPU (|gelu| < 1e-46 there), and gelu(-Infinity)
    return x * normalCdf64(x);
  },
  derivative: (x) => {
    if (Number.isNaN(x)) return x;
    if (x === Infinity) return 1;
    if (x < -14.5) return -0; // as on the GPU, and at -Infinity
    return normalCdf64(x) + x * INV_SQRT_2PI * gaussianExp64(x);
  },
  loops: {
    forward: (x, out, a) => {
      for (let i = 0; i < x.length; i++) out[i] = gelu.forward(x[i] as number, a);
    },
    derivative: (x, out, a) => {
      for (let i = 0; i < x.length; i++) out[i] = gelu.derivative(x[i] as number, a);
    },
    backward: (x, dy, out, a) => {
      for (let i = 0; i < x.length; i++) out[i] = (dy[i] as number) * gelu.derivative(x[i] as number, a);
    },
  },
};
