// Numerics shared by several activations' WGSL (src/ops/activations/*.ts).

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
export const HELPERS_WGSL = /* wgsl */ `
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

/** `float` literal of a float64 constant for WGSL (shortest round-trip form, always with a decimal point or exponent). */
export function wgslFloat(value: number): string {
  const text = String(value);
  return /[.e]/.test(text) ? text : `${text}.0`;
}

/** Evaluates a polynomial given highest degree first, in WGSL (Horner), as an expression in `v`. */
export function wgslHorner(coefficients: readonly number[], v: string): string {
  let expression = wgslFloat(coefficients[0] as number);
  for (const c of coefficients.slice(1)) expression = `(${expression} * ${v} + ${wgslFloat(c)})`;
  return expression;
}

/** 1/(n+1)! for n = 10 down to 0: expm1(x) / x = sum x^n / (n+1)!, highest degree first. */
const EXPM1_OVER_X = Array.from({ length: 11 }, (_, i) => {
  let factorial = 1;
  for (let k = 2; k <= 11 - i; k++) factorial *= k;
  return 1 / factorial;
});

/**
 * WGSL helper `act_expm1(x)`: e^x - 1 for any x, to about two ulp, exact near 0: x Q(x) (Q the Taylor
 * series of expm1(x) / x to degree 10, 6e-10 at |x| = ln 2) for |x| < ln 2, where e^x - 1 would cancel,
 * with x's sign (expm1(-0) = -0); else exp(x) - 1, which is at least 1/2 in size there. -1 below -104 and
 * at -Infinity, +Infinity above 88.72 (made from x's bits: an infinite constant is a shader-creation error).
 */
export const EXPM1_WGSL = /* wgsl */ `
fn act_expm1(x: f32) -> f32 {
  if (abs(x) < 0.693147) {
    return with_sign_of(x * ${wgslHorner(EXPM1_OVER_X, 'x')}, x);
  }
  if (x < 0.0) {
    return exp_nonpositive(x) - 1.0;
  }
  if (x > 88.72283935546875 || is_positive_infinity(x)) {
    return bitcast<f32>(0x7f800000u | (bitcast<u32>(x) & 0u));
  }
  return exp_reduced(x) - 1.0;
}
`;
