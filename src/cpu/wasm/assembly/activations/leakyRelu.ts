// The WebAssembly SIMD kernels of leakyRelu (src/ops/activations/leakyRelu.ts says what it is), exported as
// <name>_<kernel> (the kernel names of src/ops/kernels.ts). Instantiated from the generic loops of ../common.
import {
  splat64,
  isNaN64,
  forward64,
  derivative64,
  backward64,
  forwardAndDerivative64,
} from '../common';

/** leaky relu with a float64 alpha, as the JavaScript loops: alpha * x rounded once. */
class LeakyRelu {
  // @ts-ignore: decorator
  @inline forward64(v: v128, alpha: f64): v128 {
    let scaled = f64x2.mul(splat64(alpha), v);
    // -Infinity * 0 is the limit 0, not NaN
    if (alpha == 0) scaled = v128.andnot(scaled, f64x2.eq(v, splat64(-Infinity)));
    return v128.bitselect(v, scaled, v128.or(f64x2.ge(v, splat64(0)), isNaN64(v)));
  }
  // @ts-ignore: decorator
  @inline derivative64(v: v128, alpha: f64): v128 {
    return v128.bitselect(v, v128.bitselect(splat64(1), splat64(alpha), f64x2.gt(v, splat64(0))), isNaN64(v));
  }
}

export function leakyRelu_forward(x: usize, dy: usize, out: usize, n: i32, alpha: f64): void {
  forward64<LeakyRelu>(x, out, n, alpha);
}
export function leakyRelu_derivative(x: usize, dy: usize, out: usize, n: i32, alpha: f64): void {
  derivative64<LeakyRelu>(x, out, n, alpha);
}
export function leakyRelu_backward(x: usize, dy: usize, out: usize, n: i32, alpha: f64): void {
  backward64<LeakyRelu>(x, dy, out, n, alpha);
}
export function leakyRelu_forward_and_derivative(x: usize, dy: usize, out: usize, n: i32, alpha: f64): void {
  forwardAndDerivative64<LeakyRelu>(x, dy, out, n, alpha);
}
