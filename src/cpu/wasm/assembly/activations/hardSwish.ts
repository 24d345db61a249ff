// The WebAssembly SIMD kernels of hardSwish (src/ops/activations/hardSwish.ts says what it is), exported
// as hardSwish_<kernel>. In float64 lanes: x (x + 3) is exact there, so each result is rounded once.
import { SIXTH_X2, THREE_X2, backward64, clampToSix, derivative64, forward64, forwardAndDerivative64, lanes, splat64 } from '../common';

const MINUS_THREE_X2 = memory.data<f64>([-3, -3], 16);
const NEGATIVE_ZERO_X2 = memory.data<f64>([-0.0, -0.0], 16);

class HardSwish {
  // @ts-ignore: decorator
  @inline forward64(v: v128, alpha: f64): v128 {
    const clamped = clampToSix(f64x2.add(v, lanes(THREE_X2))); // keeps NaN
    const product = f64x2.mul(f64x2.mul(v, clamped), lanes(SIXTH_X2)); // as hardSigmoid's: times 1 / 6
    // -0 at and below -3, -Infinity included (where the product is -Infinity * 0 = NaN)
    return v128.bitselect(lanes(NEGATIVE_ZERO_X2), product, f64x2.le(v, lanes(MINUS_THREE_X2)));
  }
  // @ts-ignore: decorator
  @inline derivative64(v: v128, alpha: f64): v128 {
    const middle = f64x2.mul(f64x2.add(f64x2.mul(splat64(2), v), splat64(3)), splat64(1.0 / 6.0)); // NaN for NaN
    const below = v128.andnot(middle, f64x2.lt(v, splat64(-3)));
    return v128.bitselect(splat64(1), below, f64x2.gt(v, splat64(3)));
  }
}

export function hardSwish_forward(x: usize, dy: usize, out: usize, n: i32, alpha: f64): void {
  forward64<HardSwish>(x, out, n, alpha);
}
export function hardSwish_derivative(x: usize, dy: usize, out: usize, n: i32, alpha: f64): void {
  derivative64<HardSwish>(x, out, n, alpha);
}
export function hardSwish_backward(x: usize, dy: usize, out: usize, n: i32, alpha: f64): void {
  backward64<HardSwish>(x, dy, out, n, alpha);
}
export function hardSwish_forward_and_derivative(x: usize, dy: usize, out: usize, n: i32, alpha: f64): void {
  forwardAndDerivative64<HardSwish>(x, dy, out, n, alpha);
}
