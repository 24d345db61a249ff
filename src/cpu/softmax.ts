/**
 * Row-wise softmax on the CPU, in float64, with the same special-value rules as `shaders/softmax.wgsl`:
 * a NaN makes its row NaN; +Infinity entries share the row equally; -Infinity entries get 0; a row of
 * only -Infinity is NaN. `out` may be `x` (in place). Inputs are trusted.
 */
export function softmaxCpu(x: Float32Array, rows: number, cols: number, out: Float32Array): Float32Array {
  for (let row = 0; row < rows; row++) {
    const start = row * cols;
    const end = start + cols;
    let max = -Infinity;
    let positiveInfinities = 0;
    let sawNaN = false;
    for (let i = start; i < end; i++) {
      const v = x[i] as number;
      if (v > max) {
        if (v === Infinity) positiveInfinities++;
        else max = v;
      } else if (v !== v) {
        sawNaN = true;
      }
    }
    if (sawNaN || (positiveInfinities === 0 && max === -Infinity)) {
      out.fill(Number.NaN, start, end);
    } else if (positiveInfinities > 0) {
      const share = 1 / positiveInfinities;
      for (let i = start; i < end; i++) out[i] = x[i] === Infinity ? share : 0;
    } else {
      // exp(x - max) is stored rounded to float32 but summed in float64; the division rounds once more,
      // so each output is within one float32 ulp of the float64 softmax.
      let sum = 0;
      for (let i = start; i < end; i++) {
        const e = Math.exp((x[i] as number) - max);
        out[i] = e;
        sum += e;
      }
      for (let i = start; i < end; i++) out[i] = (out[i] as number) / sum;
    }
  }
  return out;
}
