// Float64 references, written from the textbook formulas (not from the library's code) so that a bug
// in the library's formula cannot also hide in its reference.

export function sigmoid64(x: number): number {
  if (Number.isNaN(x)) return Number.NaN;
  // 1 / (1 + e^-x) is exact enough in float64 for every float32 x; Math.exp overflow gives 0 or 1 correctly.
  return 1 / (1 + Math.exp(-x));
}

export function sigmoidDerivative64(x: number): number {
  if (Number.isNaN(x)) return Number.NaN;
  // s(x) * s(-x): the float64 form without cancellation.
  return sigmoid64(x) * sigmoid64(-x);
}

export function sigmoidDerivativeFromOutput64(y: number): number {
  return y * (1 - y);
}

/**
 * Row-wise softmax in float64 with the library's documented special values: NaN anywhere -> NaN row;
 * +Infinity entries share the row; -Infinity -> 0; all -Infinity -> NaN.
 */
export function softmax64(x: ArrayLike<number>, rows: number, cols: number): Float64Array {
  const out = new Float64Array(rows * cols);
  for (let r = 0; r < rows; r++) {
    const start = r * cols;
    let max = -Infinity;
    let infinities = 0;
    let nan = false;
    for (let i = start; i < start + cols; i++) {
      const v = x[i] as number;
      if (Number.isNaN(v)) nan = true;
      else if (v === Infinity) infinities++;
      else if (v > max) max = v;
    }
    if (nan || (infinities === 0 && max === -Infinity)) {
      out.fill(Number.NaN, start, start + cols);
      continue;
    }
    let sum = 0;
    for (let i = start; i < start + cols; i++) {
      const v = x[i] as number;
      const e = infinities > 0 ? (v === Infinity ? 1 : 0) : Math.exp(v - max);
      out[i] = e;
      sum += e;
    }
    for (let i = start; i < start + cols; i++) out[i] = (out[i] as number) / sum;
  }
  return out;
}

/**
 * log(softmax(x)) along each row in float64: x - max - log(sum(exp(x - max))), the log of the sum
 * taken as log1p of the terms other than one max entry (its own term is 1), so that a result near 0
 * keeps its digits. Rows with a NaN or +Infinity, or with nothing above -Infinity, are the log of the
 * softmax reference (log 1/k, log 0 = -Infinity, NaN).
 */
export function logSoftmax64(x: ArrayLike<number>, rows: number, cols: number): Float64Array {
  const out = new Float64Array(rows * cols);
  for (let r = 0; r < rows; r++) {
    const start = r * cols;
    const end = start + cols;
    let max = Number.NEGATIVE_INFINITY;
    let maxIndex = -1;
    let special = false;
    for (let i = start; i < end; i++) {
      const v = x[i] as number;
      if (Number.isNaN(v) || v === Number.POSITIVE_INFINITY) special = true;
      else if (v > max) {
        max = v;
        maxIndex = i;
      }
    }
    if (special || maxIndex < 0) {
      const row = softmax64(Array.prototype.slice.call(x, start, end) as number[], 1, cols);
      for (let i = 0; i < cols; i++) out[start + i] = Math.log(row[i] as number);
      continue;
    }
    let rest = 0;
    for (let i = start; i < end; i++) if (i !== maxIndex) rest += Math.exp((x[i] as number) - max);
    const logSum = Math.log1p(rest);
    for (let i = start; i < end; i++) out[i] = (x[i] as number) - max - logSum;
  }
  return out;
}

/** dx = y * (dy - sum_j(dy_j * y_j)) along each row, in float64 (y is the softmax output). */
export function softmaxBackward64(y: ArrayLike<number>, dy: ArrayLike<number>, rows: number, cols: number): Float64Array {
  const out = new Float64Array(rows * cols);
  for (let r = 0; r < rows; r++) {
    const start = r * cols;
    const end = start + cols;
    let dot = 0;
    for (let i = start; i < end; i++) dot += (y[i] as number) * (dy[i] as number);
    for (let i = start; i < end; i++) out[i] = (y[i] as number) * ((dy[i] as number) - dot);
  }
  return out;
}

export function map64(x: ArrayLike<number>, f: (v: number) => number): Float64Array {
  const out = new Float64Array(x.length);
  for (let i = 0; i < x.length; i++) out[i] = f(x[i] as number);
  return out;
}

export function map64Binary(a: ArrayLike<number>, b: ArrayLike<number>, f: (u: number, v: number) => number): Float64Array {
  const out = new Float64Array(a.length);
  for (let i = 0; i < a.length; i++) out[i] = f(a[i] as number, b[i] as number);
  return out;
}

// ---- relu, leaky relu, tanh, gelu, silu: textbook definitions in float64, with the library's
// documented values at the infinities (limits where IEEE arithmetic would give NaN).

export function relu64(x: number): number {
  return Math.max(x, 0); // NaN for NaN
}

export function reluDerivative64(x: number): number {
  if (Number.isNaN(x)) return Number.NaN;
  return x > 0 ? 1 : 0;
}

export function leakyRelu64(x: number, alpha: number): number {
  if (Number.isNaN(x)) return Number.NaN;
  if (x >= 0) return x;
  if (x === -Infinity) return alpha > 0 ? -Infinity : alpha < 0 ? Infinity : 0;
  return alpha * x;
}

export function leakyReluDerivative64(x: number, alpha: number): number {
  if (Number.isNaN(x)) return Number.NaN;
  return x > 0 ? 1 : alpha;
}

/** tanh(x) = (e^2x - 1) / (e^2x + 1), written with expm1 of -2|x| (no overflow, no cancellation near 0). */
export function tanh64(x: number): number {
  if (Number.isNaN(x)) return Number.NaN;
  if (x === 0) return x; // tanh(-0) = -0
  const m = Math.expm1(-2 * Math.abs(x));
  const t = -m / (2 + m);
  return x < 0 ? -t : t;
}

/** tanh'(x) = sech^2(x) = 1 / cosh^2(x). */
export function tanhDerivative64(x: number): number {
  if (Number.isNaN(x)) return Number.NaN;
  const c = Math.cosh(x);
  return 1 / (c * c);
}

export function tanhDerivativeFromOutput64(y: number): number {
  return 1 - y * y;
}

/**
 * erf by its Maclaurin series, 2/sqrt(pi) sum (-1)^n z^(2n+1) / (n! (2n+1)), summed in float64 until the
 * terms vanish; used for |z| < 2.5 only, where the largest term is small enough that the alternating sum
 * keeps about 15 digits.
 */
function erfSeries64(z: number): number {
  let term = z; // z^(2n+1) (-1)^n / n!
  let sum = z;
  const z2 = z * z;
  for (let n = 1; n < 200; n++) {
    term *= -z2 / n;
    const add = term / (2 * n + 1);
    sum += add;
    if (Math.abs(add) < 1e-18 * Math.abs(sum)) break;
  }
  return (2 / Math.sqrt(Math.PI)) * sum;
}

/**
 * erfc(z) for z >= 2.5 by Laplace's continued fraction,
 * erfc(z) = exp(-z^2)/sqrt(pi) * 1/(z + (1/2)/(z + 1/(z + (3/2)/(z + 2/(z + ...))))),
 * evaluated from the tail. `expMinusZ2` is exp(-z^2), passed in so that it can be taken from exact data.
 */
function erfcContinuedFraction64(z: number, expMinusZ2: number): number {
  let f = z;
  for (let k = 120; k >= 1; k--) f = z + k / 2 / f;
  return expMinusZ2 / Math.sqrt(Math.PI) / f;
}

/** Phi(x) = (1 + erf(x / sqrt 2)) / 2 = erfc(-x / sqrt 2) / 2, by series near 0 and continued fraction in the tails. */
export function normalCdf64(x: number): number {
  if (Number.isNaN(x)) return Number.NaN;
  const z = Math.abs(x) / Math.SQRT2;
  if (z < 2.5) return 0.5 * (1 + erfSeries64(x / Math.SQRT2));
  // exp(-z^2) = exp(-x^2/2): x is a float32, so x * x is exact in float64.
  const tail = x * x > 1600 ? 0 : 0.5 * erfcContinuedFraction64(z, Math.exp(-(x * x) / 2));
  return x < 0 ? tail : 1 - tail;
}

/** The standard normal density exp(-x^2/2) / sqrt(2 pi). */
export function normalPdf64(x: number): number {
  return Math.exp(-(x * x) / 2) / Math.sqrt(2 * Math.PI);
}

/** gelu(x) = x Phi(x); gelu(-Infinity) = -0 (the limit, from below). */
export function gelu64(x: number): number {
  if (Number.isNaN(x)) return Number.NaN;
  if (x === Infinity) return Infinity;
  if (x === -Infinity) return -0;
  return x * normalCdf64(x);
}

/** gelu'(x) = Phi(x) + x phi(x); 1 at +Infinity, -0 at -Infinity (x phi(x) leads, from below). */
export function geluDerivative64(x: number): number {
  if (Number.isNaN(x)) return Number.NaN;
  if (x === Infinity) return 1;
  if (x === -Infinity) return -0;
  // Negative below the zero at -0.7518: where both terms underflow, the float32 result is -0, not +0.
  const d = normalCdf64(x) + x * normalPdf64(x);
  return d === 0 && x < 0 ? -0 : d;
}

const SQRT_2_OVER_PI = Math.sqrt(2 / Math.PI);

/**
 * gelu's tanh approximation 0.5 x (1 + tanh(u)), u = sqrt(2/pi) (x + 0.044715 x^3), written with the
 * identity (1 + tanh u) / 2 = sigmoid(2u) so that the lower tail does not cancel in float64.
 */
export function geluTanh64(x: number): number {
  if (Number.isNaN(x)) return Number.NaN;
  if (x === Infinity) return Infinity;
  if (x === -Infinity) return -0;
  const u = SQRT_2_OVER_PI * (x + 0.044715 * x * x * x);
  return x * sigmoid64(2 * u);
}

/** d/dx of 0.5 x (1 + tanh u): 0.5 (1 + tanh u) + 0.5 x sech^2(u) u', with sech^2(u) = 4 sigmoid(2u) sigmoid(-2u). */
export function geluTanhDerivative64(x: number): number {
  if (Number.isNaN(x)) return Number.NaN;
  if (x === Infinity) return 1;
  if (x === -Infinity) return -0;
  const u = SQRT_2_OVER_PI * (x + 0.044715 * x * x * x);
  const du = SQRT_2_OVER_PI * (1 + 3 * 0.044715 * x * x);
  const s = sigmoid64(2 * u);
  const sech2 = 4 * s * sigmoid64(-2 * u);
  const d = s + (sech2 === 0 ? 0 : 0.5 * x * sech2 * du);
  return d === 0 && x < 0 ? -0 : d; // negative below its zero at -0.7525, also where it underflows
}

/** silu(x) = x sigmoid(x); silu(-Infinity) = -0 (the limit, from below). */
export function silu64(x: number): number {
  if (Number.isNaN(x)) return Number.NaN;
  if (x === -Infinity) return -0;
  return x * sigmoid64(x);
}

/** silu'(x) = s(x) (1 + x (1 - s(x))), with 1 - s(x) = s(-x); 1 at +Infinity, -0 at -Infinity (from below). */
export function siluDerivative64(x: number): number {
  if (Number.isNaN(x)) return Number.NaN;
  if (x === Infinity) return 1;
  if (x === -Infinity) return -0;
  const oneMinusS = sigmoid64(-x);
  return sigmoid64(x) * (1 + (oneMinusS === 0 ? 0 : x * oneMinusS));
}

/**
 * A float64 result as the float32 stored by either backend would show it where that differs in kind:
 * beyond float32's range it is +-Infinity (a float64 product such as 3.4e38 * 1.02 is finite, the
 * float32 result is not). Finite in-range values are returned unrounded.
 */
export function overflowToInfinity(v: number): number {
  const rounded = Math.fround(v);
  return Number.isFinite(rounded) || Number.isNaN(v) ? v : rounded;
}
