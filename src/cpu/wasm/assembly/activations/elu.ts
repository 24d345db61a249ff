// The WebAssembly SIMD kernels of elu (src/ops/activations/elu.ts says what it is), exported as
// elu_<kernel> (the kernel names of src/ops/kernels.ts). In float64 lanes, each result rounded once to
// float32: alpha expm1(x) (expm164, exact near 0) for x <= 0, x above; derivative alpha exp(x) for
// x <= 0, 1 above; from the output y + alpha for y <= 0, 1 above. alpha is the float32 the host passes.
import {
  backward64,
  backwardFromOutput64,
  derivative64,
  exp64,
  expm164,
  forward64,
  forwardAndDerivative64,
  fromOutput64,
  splat64,
} from '../common';

class Elu {
  // @ts-ignore: decorator
  @inline forward64(v: v128, alpha: f64): v128 {
    // NaN: not > 0, and alpha * expm1(NaN) is NaN
    return v128.bitselect(v, f64x2.mul(splat64(alpha), expm164(v)), f64x2.gt(v, splat64(0)));
  }
  // @ts-ignore: decorator
  @inline derivative64(v: v128, alpha: f64): v128 {
    return v128.bitselect(splat64(1), f64x2.mul(splat64(alpha), exp64(v)), f64x2.gt(v, splat64(0)));
  }
  // @ts-ignore: decorator
  @inline fromOutput64(y: v128, alpha: f64): v128 {
    return v128.bitselect(splat64(1), f64x2.add(y, splat64(alpha)), f64x2.gt(y, splat64(0)));
  }
}

export function elu_forward(x: usize, dy: usize, out: usize, n: i32, alpha: f64): void {
  forward64<Elu>(x, out, n, alpha);
}
export function elu_derivative(x: usize, dy: usize, out: usize, n: i32, alpha: f64): void {
  derivative64<Elu>(x, out, n, alpha);
}
export function elu_backward(x: usize, dy: usize, out: usize, n: i32, alpha: f64): void {
  backward64<Elu>(x, dy, out, n, alpha);
}
export function elu_forward_and_derivative(x: usize, dy: usize, out: usize, n: i32, alpha: f64): void {
  forwardAndDerivative64<Elu>(x, dy, out, n, alpha);
}
export function elu_derivative_from_output(x: usize, dy: usize, out: usize, n: i32, alpha: f64): void {
  fromOutput64<Elu>(x, out, n, alpha);
}
export function elu_backward_from_output(x: usize, dy: usize, out: usize, n: i32, alpha: f64): void {
  backwardFromOutput64<Elu>(x, dy, out, n, alpha);
}
