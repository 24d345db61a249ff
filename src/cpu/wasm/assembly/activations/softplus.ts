// The WebAssembly SIMD kernels of softplus (src/ops/activations/softplus.ts says what it is), exported as
// softplus_<kernel>. In float64 lanes, each result rounded once to float32: max(x, 0) + log1p(e^-|x|)
// (log1p per lane: WebAssembly has no vector log); derivative the sigmoid from e^-|x|; from the output
// -expm1(-y).
import {
  backward64,
  backwardFromOutput64,
  derivative64,
  exp64,
  expm164,
  forward64,
  forwardAndDerivative64,
  fromOutput64,
  negativeAbs64,
  splat64,
} from '../common';

class Softplus {
  // @ts-ignore: decorator
  @inline forward64(v: v128, alpha: f64): v128 {
    const e = exp64(negativeAbs64(v));
    const l = f64x2(Math.log1p(f64x2.extract_lane(e, 0)), Math.log1p(f64x2.extract_lane(e, 1)));
    // max(v, 0) keeping NaN (e is NaN there too, so the sum is NaN)
    const positive = v128.and(v, f64x2.gt(v, splat64(0)));
    return f64x2.add(positive, l);
  }
  // @ts-ignore: decorator
  @inline derivative64(v: v128, alpha: f64): v128 {
    const e = exp64(negativeAbs64(v));
    const numerator = v128.bitselect(splat64(1), e, f64x2.ge(v, splat64(0)));
    return f64x2.div(numerator, f64x2.add(splat64(1), e));
  }
  // @ts-ignore: decorator
  @inline fromOutput64(y: v128, alpha: f64): v128 {
    return f64x2.neg(expm164(f64x2.neg(y)));
  }
}

export function softplus_forward(x: usize, dy: usize, out: usize, n: i32, alpha: f64): void {
  forward64<Softplus>(x, out, n, alpha);
}
export function softplus_derivative(x: usize, dy: usize, out: usize, n: i32, alpha: f64): void {
  derivative64<Softplus>(x, out, n, alpha);
}
export function softplus_backward(x: usize, dy: usize, out: usize, n: i32, alpha: f64): void {
  backward64<Softplus>(x, dy, out, n, alpha);
}
export function softplus_forward_and_derivative(x: usize, dy: usize, out: usize, n: i32, alpha: f64): void {
  forwardAndDerivative64<Softplus>(x, dy, out, n, alpha);
}
export function softplus_derivative_from_output(x: usize, dy: usize, out: usize, n: i32, alpha: f64): void {
  fromOutput64<Softplus>(x, out, n, alpha);
}
export function softplus_backward_from_output(x: usize, dy: usize, out: usize, n: i32, alpha: f64): void {
  backwardFromOutput64<Softplus>(x, dy, out, n, alpha);
}
