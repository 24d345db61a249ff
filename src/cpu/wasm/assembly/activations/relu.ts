// The WebAssembly SIMD kernels of relu (src/ops/activations/relu.ts says what it is), exported as
// <name>_<kernel> (the kernel names of src/ops/kernels.ts). Instantiated from the generic loops of ../common.
import {
  splat,
  isNaN32,
  forward32,
  derivative32,
  fromOutput32,
  backward32,
  backwardFromOutput32,
  forwardAndDerivative32,
} from '../common';

/** relu: exact in float32 (max(x, 0) with relu(-0) = +0, NaN kept; derivative 1 for x > 0, 0 else). */
class Relu {
  // @ts-ignore: decorator
  @inline forward32(x: v128, alpha: f64): v128 {
    return v128.and(x, v128.or(f32x4.gt(x, splat(0)), isNaN32(x)));
  }
  // @ts-ignore: decorator
  @inline derivative32(x: v128, alpha: f64): v128 {
    return v128.bitselect(x, v128.and(splat(1), f32x4.gt(x, splat(0))), isNaN32(x));
  }
  // @ts-ignore: decorator
  @inline fromOutput32(y: v128, alpha: f64): v128 {
    return v128.bitselect(y, v128.and(splat(1), f32x4.gt(y, splat(0))), isNaN32(y));
  }
}

export function relu_forward(x: usize, dy: usize, out: usize, n: i32, alpha: f64): void {
  forward32<Relu>(x, out, n, alpha);
}
export function relu_derivative(x: usize, dy: usize, out: usize, n: i32, alpha: f64): void {
  derivative32<Relu>(x, out, n, alpha);
}
export function relu_derivative_from_output(x: usize, dy: usize, out: usize, n: i32, alpha: f64): void {
  fromOutput32<Relu>(x, out, n, alpha);
}
export function relu_backward(x: usize, dy: usize, out: usize, n: i32, alpha: f64): void {
  backward32<Relu>(x, dy, out, n, alpha);
}
export function relu_backward_from_output(x: usize, dy: usize, out: usize, n: i32, alpha: f64): void {
  backwardFromOutput32<Relu>(x, dy, out, n, alpha);
}
export function relu_forward_and_derivative(x: usize, dy: usize, out: usize, n: i32, alpha: f64): void {
  forwardAndDerivative32<Relu>(x, dy, out, n, alpha);
}
