import { ArgumentTypeError } from '../errors.ts';
import { checkFiniteNumber, checkKnownKeys, describe } from '../validate.ts';

/**
 * Elementwise activations, each defined once: its forward formula and its derivative, in WGSL for the
 * GPU and in float64 JavaScript for the CPU. Both backends, and the engine's and `cpu`'s methods
 * (`relu`, `reluDerivative`, `reluBackward`, `reluWithDerivative`, ...), are instantiated from the
 * table {@link ACTIVATIONS}: adding an activation is one entry here and one row in the test table.
 *
 * The WGSL defines `activation(x)`, `activation_derivative(x)` and, where there is one,
 * `activation_derivative_from_output(y)`, for every input but NaN (the kernel passes NaN through before
 * calling them). It may use the helpers of `shaders/common.wgsl` and `params.alpha`.
 * The JavaScript functions take float64 and must give NaN for NaN; the CPU path rounds their result
 * to float32 once, on store.
 */
export interface ElementwiseActivation {
  /** Identifier used in pipeline labels and error messages. */
  readonly name: string;
  /** WGSL source of `activation`, `activation_derivative` and optionally `activation_derivative_from_output`. */
  readonly wgsl: string;
  /** f(x) in float64. `alpha` is the op's scalar parameter, where it has one. */
  readonly forward: (x: number, alpha: number) => number;
  /** f'(x) from the input x, in float64. */
  readonly derivative: (x: number, alpha: number) => number;
  /** f'(x) from the output y = f(x), in float64, for activations where that is a closed form. */
  readonly derivativeFromOutput?: (y: number, alpha: number) => number;
  /** The scalar parameter's default (leaky relu's slope); activations without one ignore `alpha`. */
  readonly defaultAlpha?: number;
  /** Cheaper approximations selectable with the `approximate` option (gelu's tanh form). */
  readonly approximations?: { readonly tanh?: ElementwiseActivation };
  /** What `xxxBackward(a, dy)` takes as `a` by default: the input x, or the output y (sigmoid, by convention). */
  readonly backwardFrom?: 'input' | 'output';
}

/** Options of the elementwise methods. */
export interface ElementwiseOptions {
  /** The activation's scalar parameter (leaky relu's slope, default 0.01). */
  alpha?: number;
  /** For derivatives and backward: whether the data argument is the input x or the output y = f(x). */
  from?: 'input' | 'output';
  /** `'tanh'` selects the activation's tanh approximation where it has one (gelu); default `'none'`. */
  approximate?: 'none' | 'tanh';
}

/**
 * Makes a custom elementwise activation from a WGSL expression pair and its float64 twin; pass the
 * result to `act.forward(activation, x)` and friends. WGSL snippets see `x` (or `y`) as f32, the
 * helpers of shaders/common.wgsl (`exp_nonpositive`, `is_nan`, ...) and `params.alpha`.
 *
 * @example
 * ```ts
 * const softplus = defineActivation({
 *   name: 'softplus',
 *   wgsl: { forward: 'max(x, 0.0) + log1p_nonnegative(exp_nonpositive(-abs(x)))', derivative: 'select(exp_nonpositive(x) / (1.0 + exp_nonpositive(x)), 1.0 / (1.0 + exp_nonpositive(-x)), x >= 0.0)' },
 *   forward: (x) => Math.max(x, 0) + Math.log1p(Math.exp(-Math.abs(x))),
 *   derivative: (x) => 1 / (1 + Math.exp(-x)),
 * });
 * const y = await act.forward(softplus, x);
 * ```
 */
export function defineActivation(spec: {
  name: string;
  wgsl: { forward: string; derivative: string; derivativeFromOutput?: string };
  forward: (x: number, alpha: number) => number;
  derivative: (x: number, alpha: number) => number;
  derivativeFromOutput?: (y: number, alpha: number) => number;
  defaultAlpha?: number;
}): ElementwiseActivation {
  if (spec === null || typeof spec !== 'object') throw new ArgumentTypeError('spec', `expected an object, got ${describe(spec)}`);
  checkKnownKeys(spec, ['name', 'wgsl', 'forward', 'derivative', 'derivativeFromOutput', 'defaultAlpha'], 'spec');
  if (typeof spec.name !== 'string' || !/^[A-Za-z_][A-Za-z0-9_]*$/.test(spec.name)) {
    throw new ArgumentTypeError('spec.name', `expected an identifier, got ${describe(spec.name)}`);
  }
  if (spec.wgsl === null || typeof spec.wgsl !== 'object') {
    throw new ArgumentTypeError('spec.wgsl', `expected { forward, derivative } WGSL expressions, got ${describe(spec.wgsl)}`);
  }
  checkKnownKeys(spec.wgsl, ['forward', 'derivative', 'derivativeFromOutput'], 'spec.wgsl');
  for (const key of ['forward', 'derivative'] as const) {
    if (typeof spec.wgsl[key] !== 'string')
      throw new ArgumentTypeError(`spec.wgsl.${key}`, `expected a WGSL expression string, got ${describe(spec.wgsl[key])}`);
    if (typeof spec[key] !== 'function')
      throw new ArgumentTypeError(`spec.${key}`, `expected a function (x: number) => number, got ${describe(spec[key])}`);
  }
  const fromOutput = spec.wgsl.derivativeFromOutput;
  if ((fromOutput === undefined) !== (spec.derivativeFromOutput === undefined)) {
    throw new ArgumentTypeError('spec.derivativeFromOutput', 'give both the WGSL expression and the JavaScript function, or neither');
  }
  if (spec.defaultAlpha !== undefined) checkFiniteNumber(spec.defaultAlpha, 'spec.defaultAlpha', 0);
  const wgsl = `
fn activation(x: f32) -> f32 { return ${spec.wgsl.forward}; }
fn activation_derivative(x: f32) -> f32 { return ${spec.wgsl.derivative}; }
${fromOutput ? `fn activation_derivative_from_output(y: f32) -> f32 { return ${fromOutput}; }` : ''}`;
  return {
    name: spec.name,
    wgsl,
    forward: spec.forward,
    derivative: spec.derivative,
    ...(spec.derivativeFromOutput ? { derivativeFromOutput: spec.derivativeFromOutput } : {}),
    ...(spec.defaultAlpha !== undefined ? { defaultAlpha: spec.defaultAlpha } : {}),
  };
}

/**
 * sigmoid(x) = 1 / (1 + exp(-x)), always from exp(-|x|) so that nothing overflows and the result stays
 * in [0, 1]. The derivative s(x) * (1 - s(x)) is computed as s(x) * s(-x) = e / (1 + e)^2 with
 * e = exp(-|x|): the literal `s * (1 - s)` loses every digit of `1 - s` once s is near 1
 * (TF.js's form, 1e-3 relative error at x = 10 in float32). Backward takes the output y by convention.
 */
const sigmoid: ElementwiseActivation = {
  name: 'sigmoid',
  backwardFrom: 'output',
  wgsl: /* wgsl */ `
fn activation(x: f32) -> f32 {
  let e = exp_nonpositive(-abs(x));
  let t = 1.0 / (1.0 + e);
  return select(e * t, t, x >= 0.0);
}
fn activation_derivative(x: f32) -> f32 {
  let e = exp_nonpositive(-abs(x));
  let t = 1.0 / (1.0 + e);
  return e * t * t;
}
fn activation_derivative_from_output(y: f32) -> f32 {
  return y * (1.0 - y);
}
// dy * y * (1 - y) with no intermediate overflow unless the result overflows: for |y| < 2 the factor
// y * (1 - y) is at most 6, else |1 - y| >= 1 and dy * y first is safe. (y outside [0, 1] is no
// sigmoid output, but the op must still agree with float64 on it.)
fn activation_backward_from_output(y: f32, dy: f32) -> f32 {
  if (abs(y) < 2.0) {
    return dy * (y * (1.0 - y));
  }
  return (dy * y) * (1.0 - y);
}`,
  // In float64 the textbook form is exact far below float32's precision for every float32 x (exp
  // overflows only below x = -709, where 1 / Infinity = 0 is the float32 answer), and it has no branch:
  // the stable two-armed form mispredicted on mixed signs and took twice a plain loop's time.
  forward: (x) => 1 / (1 + Math.exp(-x)),
  derivative: (x) => {
    const e = Math.exp(-Math.abs(x));
    const t = 1 / (1 + e);
    return e * t * t;
  },
  derivativeFromOutput: (y) => y * (1 - y),
};

// ---------------------------------------------------------------------------------------------------
// Shared numerics for the activations below.

/**
 * WGSL helpers prepended to the activations that need them (names start with `act_` so that they
 * cannot meet the kernel's or common.wgsl's).
 *
 * - `act_exp_scaled(x, s)`: exp(x) * 2^s for -120 <= x <= 0 and 0 <= s <= 64, to about one ulp, with
 *   the same exact argument reduction as `exp_nonpositive`. Scaling by 2^64 keeps exp(x) normal where it
 *   would be subnormal (x < -87.3), so a product such as x * exp(x) keeps its 24 bits until it is
 *   scaled back once, at the end, by 2^-64 (a device that flushes subnormals loses nothing it
 *   would have to keep).
 * - `act_split(x)`: x with its 12 low significand bits cleared; h = act_split(x) has 12 significant
 *   bits, so h * h is exact and x - h is exact. Done on the bits, so no compiler rewriting can undo it.
 * - `act_two_prod(a, b)`: (a * b rounded, its exact rounding error), Dekker's product from bit splits
 *   (every partial product is exact, so a fused multiply-add changes nothing).
 */
const HELPERS_WGSL = /* wgsl */ `
fn act_exp_scaled(x: f32, s: i32) -> f32 {
  let xc = clamp(x, -120.0, 0.0);
  let k = round(xc * 1.44269504088896341);
  let r = (xc - k * 0.693359375) - k * -2.12194440e-4;
  let r2 = r * r;
  let p = ((((((1.9875691500e-4 * r + 1.3981999507e-3) * r + 8.3334519073e-3) * r
            + 4.1665795894e-2) * r + 1.6666665459e-1) * r + 5.0000001201e-1) * r2 + r) + 1.0;
  let ki = i32(k) + s;
  let k_first = max(ki, -100);
  return (p * power_of_two(k_first)) * power_of_two(ki - k_first);
}
fn act_split(x: f32) -> f32 {
  return bitcast<f32>(bitcast<u32>(x) & 0xfffff000u);
}
fn act_two_prod(a: f32, b: f32) -> vec2<f32> {
  let p = a * b;
  let ah = act_split(a);
  let al = a - ah;
  let bh = act_split(b);
  let bl = b - bh;
  let err = (((ah * bh - p) + ah * bl) + al * bh) + al * bl;
  return vec2<f32>(p, err);
}
`;

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

/** `float` literal of a float64 constant for WGSL (shortest round-trip form, always with a decimal point or exponent). */
function wgslFloat(value: number): string {
  const text = String(value);
  return /[.e]/.test(text) ? text : `${text}.0`;
}

const CODY_WGSL = /* wgsl */ `
// Cody's erf / erfc approximations (see CODY_A.. in elementwise.ts), evaluated in f32; every
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

/** Evaluates a polynomial given highest degree first, in WGSL (Horner), as an expression in `v`. */
function wgslHorner(coefficients: readonly number[], v: string): string {
  let expression = wgslFloat(coefficients[0] as number);
  for (const c of coefficients.slice(1)) expression = `(${expression} * ${v} + ${wgslFloat(c)})`;
  return expression;
}

// ---------------------------------------------------------------------------------------------------

/**
 * relu(x) = max(x, 0). Derivative 1 for x > 0 and 0 for x <= 0 (f'(0) = 0, as PyTorch defines it);
 * from the output y: 1 for y > 0, else 0. relu(-0) is +0; relu(+Infinity) = +Infinity,
 * relu(-Infinity) = 0, and the derivative is 1 at +Infinity and 0 at -Infinity.
 */
const relu: ElementwiseActivation = {
  name: 'relu',
  wgsl: /* wgsl */ `
// x > 0 is read from the bits (a positive signed integer): a device that flushes subnormal inputs to
// zero in comparisons (SwiftShader does) would otherwise call a positive subnormal x <= 0.
fn activation(x: f32) -> f32 {
  return select(0.0, x, bitcast<i32>(x) > 0);
}
fn activation_derivative(x: f32) -> f32 {
  return select(0.0, 1.0, bitcast<i32>(x) > 0);
}
fn activation_derivative_from_output(y: f32) -> f32 {
  return select(0.0, 1.0, bitcast<i32>(y) > 0);
}`,
  forward: (x) => Math.max(x, 0), // NaN for NaN; relu(-0) = +0
  derivative: (x) => (Number.isNaN(x) ? x : x > 0 ? 1 : 0),
  derivativeFromOutput: (y) => (Number.isNaN(y) ? y : y > 0 ? 1 : 0),
};

/**
 * leakyRelu(x) = x for x >= 0, alpha * x otherwise (alpha = `options.alpha`, default 0.01).
 * Derivative 1 for x > 0 and alpha for x <= 0 (f'(0) = alpha). There is no derivative from the output:
 * with a negative alpha the output does not tell which side x was on.
 * Infinities: leakyRelu(+Infinity) = +Infinity; leakyRelu(-Infinity) = -Infinity * alpha, that is
 * -Infinity for alpha > 0, +Infinity for alpha < 0, and 0 for alpha = 0 (the limit, where IEEE would
 * give 0 * Infinity = NaN). The derivative at -Infinity is alpha.
 * On the GPU alpha is a float32 (`params.alpha`); on the CPU the float64 value is used.
 */
const leakyRelu: ElementwiseActivation = {
  name: 'leakyRelu',
  defaultAlpha: 0.01,
  wgsl: /* wgsl */ `
fn activation(x: f32) -> f32 {
  if (x >= 0.0) {
    return x;
  }
  if (is_negative_infinity(x)) {
    // -Infinity * alpha, made from x's bits: an infinite constant is a shader-creation error, and
    // arithmetic may assume no infinities.
    if (params.alpha > 0.0) { return x; }
    if (params.alpha < 0.0) { return bitcast<f32>(bitcast<u32>(x) & 0x7fffffffu); }
    return 0.0;
  }
  return params.alpha * x;
}
fn activation_derivative(x: f32) -> f32 {
  return select(params.alpha, 1.0, bitcast<i32>(x) > 0); // x > 0 from the bits, subnormals included
}`,
  forward: (x, alpha) => {
    if (Number.isNaN(x)) return x;
    if (x >= 0) return x;
    if (x === -Infinity && alpha === 0) return 0;
    return alpha * x;
  },
  derivative: (x, alpha) => (Number.isNaN(x) ? x : x > 0 ? 1 : alpha),
};

/**
 * tanh(x), accurate to a few float32 ulp everywhere, without the builtin `tanh` (unspecified accuracy,
 * and some implementations overflow through sinh/cosh): x + x^3 P(x^2) for |x| < 0.625 (a minimax fit,
 * so tanh(1e-30) = 1e-30 and tanh(-0) = -0), else sign(x) (1 - e) / (1 + e) with e = exp(-2|x|), and
 * sign(x) beyond |x| = 10 (where tanh rounds to +-1): tanh(+-Infinity) = +-1.
 * Derivative 1 - tanh(x)^2 computed as 4e / (1 + e)^2 (no cancellation anywhere; 4e kept normal by
 * scaling), 0 at +-Infinity. From the output y: (1 - y)(1 + y), which is 1 - y^2 without the rounding
 * of y^2 that 1 - y*y would magnify near |y| = 1; -Infinity where y^2 overflows (|y| >= 2^64).
 */
const tanh: ElementwiseActivation = {
  name: 'tanh',
  wgsl: /* wgsl */ `${HELPERS_WGSL}
fn activation(x: f32) -> f32 {
  let a = abs(x);
  if (a < 0.625) {
    let z = x * x;
    // with x's sign bit: at x = -0, x + (-0 * 0) * P is +0 in IEEE arithmetic (tanh(-0) = -0)
    return with_sign_of(x + x * z * ${wgslHorner([-0.006096714165908197, 0.020997178999074752, -0.05385090957851358, 0.13332769736976327, -0.33333328944134255], 'z')}, x);
  }
  if (a > 10.0) {
    return select(-1.0, 1.0, x > 0.0);
  }
  let e = exp_nonpositive(-2.0 * a);
  let t = (1.0 - e) / (1.0 + e);
  return select(-t, t, x > 0.0);
}
fn activation_derivative(x: f32) -> f32 {
  let a = abs(x);
  if (a > 60.0) {
    return 0.0; // 4 exp(-120) is far below the smallest subnormal; also catches infinities
  }
  let e4 = act_exp_scaled(-2.0 * a, 2); // 4 exp(-2|x|), exact scaling so it stays normal
  let t = 1.0 / (1.0 + 0.25 * e4);
  // never above 1, its supremum: rounding could give 1 + 1 ulp near x = 0, and dy * f'(x) would then
  // overflow for dy near the float32 maximum where dy * (1 - x^2) does not
  return min(e4 * t * t, 1.0);
}
fn activation_derivative_from_output(y: f32) -> f32 {
  let a = abs(y);
  if (a >= 1.8446744073709552e19) {
    // 1 - y^2 overflows: -Infinity, from y's bits (a constant infinity is a shader-creation error)
    return bitcast<f32>((bitcast<u32>(y) & 0x80000000u) | 0xff800000u);
  }
  return (1.0 - a) * (1.0 + a);
}`,
  forward: (x) => Math.tanh(x),
  derivative: (x) => {
    if (Number.isNaN(x)) return x;
    const a = Math.abs(x);
    if (a > 60) return 0; // as on the GPU: 4 exp(-120) is far below float32's range
    const e = Math.exp(-2 * a);
    const t = 1 / (1 + e);
    return 4 * e * t * t;
  },
  derivativeFromOutput: (y) => 1 - y * y,
};

// The zero of silu'(x) = s(x) (1 + x s(-x)) is x = -1 - W(1/e) = -1.27846454276..., where
// 1 + x + exp(x) = 0. Near it, 1 + x + exp(x) is expanded about P, the float32 next to the zero:
// with d = x - P (exact), 1 + x + exp(x) = N0 + d (1 + exp(P) expm1(d) / d), N0 = 1 + P + exp(P).
// (Not d = (x - P) - lo with a two-part zero: a compiler may reassociate that into x - (P + lo) and
// round lo away; SwiftShader does.)
const SILU_ZERO_F32 = -1.2784645557403564;
const SILU_N0 = -1.659355263530338e-8;
const SILU_EXP_P = 0.2784645391468038;

/**
 * silu(x) = x * sigmoid(x) (also called swish), from e = exp(-|x|) so nothing overflows: x / (1 + e)
 * for x >= 0 and x e / (1 + e) for x < 0 (e kept normal by scaling where x e is still normal).
 * silu(+Infinity) = +Infinity; silu(-Infinity) = -0 (the limit, where IEEE would give -Infinity * 0).
 * Derivative s(x) (1 + x s(-x)): for x >= 0, (1 + x e t) t with t = 1 / (1 + e); for x < 0,
 * e t^2 (1 + x + e), where 1 + x + e passes through 0 at x = -1.2785; within 0.5 of that zero it is
 * evaluated from an expansion about the zero (an exact identity with expm1, no cancellation), so the
 * relative error stays at float32 level across the zero crossing. Derivative at +Infinity: 1; at -Infinity: -0.
 */
const silu: ElementwiseActivation = {
  name: 'silu',
  wgsl: /* wgsl */ `${HELPERS_WGSL}
fn activation(x: f32) -> f32 {
  if (x >= 0.0) {
    if (x > 120.0) {
      return x; // 1 / (1 + exp(-x)) rounds to 1; also +Infinity
    }
    return x / (1.0 + exp_nonpositive(-x));
  }
  if (x < -120.0 || is_negative_infinity(x)) {
    return negative_zero(x); // |x| exp(x) < 1e-50; also -Infinity
  }
  let es = act_exp_scaled(x, 64);
  let e = exp_nonpositive(x);
  return (x * es / (1.0 + e)) * power_of_two(-64);
}
fn activation_derivative(x: f32) -> f32 {
  if (x >= 0.0) {
    if (x > 120.0) {
      return 1.0;
    }
    let e = exp_nonpositive(-x);
    let t = 1.0 / (1.0 + e);
    return (1.0 + x * e * t) * t;
  }
  if (x < -120.0 || is_negative_infinity(x)) {
    return negative_zero(x);
  }
  let es = act_exp_scaled(x, 64);
  let e = exp_nonpositive(x);
  let t = 1.0 / (1.0 + e);
  var n: f32;
  let d = x - ${wgslFloat(SILU_ZERO_F32)};
  if (abs(d) < 0.5) {
    let em1_over_d = ${wgslHorner([1 / 3628800, 1 / 362880, 1 / 40320, 1 / 5040, 1 / 720, 1 / 120, 1 / 24, 1 / 6, 1 / 2, 1], 'd')};
    n = d * (1.0 + ${wgslFloat(SILU_EXP_P)} * em1_over_d) + ${wgslFloat(SILU_N0)};
  } else {
    n = (1.0 + x) + e;
  }
  return (es * t * t * n) * power_of_two(-64);
}`,
  forward: (x) => {
    if (Number.isNaN(x)) return x;
    if (x >= 0) return x / (1 + Math.exp(-x));
    if (x < -120) return -0; // as on the GPU (|silu| < 1e-50 there), and silu(-Infinity)
    const e = Math.exp(x);
    return (x * e) / (1 + e);
  },
  derivative: (x) => {
    if (Number.isNaN(x)) return x;
    if (x === Infinity) return 1;
    if (x < -120) return -0; // as on the GPU, and at -Infinity
    if (x >= 0) {
      const e = Math.exp(-x);
      const t = 1 / (1 + e);
      return (1 + x * e * t) * t;
    }
    const e = Math.exp(x);
    const t = 1 / (1 + e);
    return e * t * t * (1 + x + e);
  },
};

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
const gelu: ElementwiseActivation = {
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
};

/**
 * The built-in elementwise activations. Each key `k` gives the methods `k`, `kDerivative`,
 * `kBackward` and `kWithDerivative` on every engine and on `cpu`.
 */
export const ACTIVATIONS = {
  sigmoid,
  relu,
  leakyRelu,
  tanh,
  gelu,
  silu,
} as const satisfies Record<string, ElementwiseActivation>;

/** Names of the built-in elementwise activations. */
export type ActivationName = keyof typeof ACTIVATIONS;
