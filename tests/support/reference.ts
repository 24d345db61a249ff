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
