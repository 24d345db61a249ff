// The WebAssembly SIMD kernels of hardSigmoid (src/ops/activations/hardSigmoid.ts says what it is),
// exported as hardSigmoid_<kernel>. In float64 lanes (x + 3 exact, one rounding of the quotient to
// float32, times 1 / 6); clampToSix keeps NaN.
import { SIXTH_X2, THREE_X2, backward64, clampToSix, derivative64, forward64, forwardAndDerivative64, isNaN64, lanes, splat64 } from '../common';


class HardSigmoid {
  // @ts-ignore: decorator
  @inline forward64(v: v128, alpha: f64): v128 {
    // times 1 / 6 in float64, not divided by 6: within an ulp of float64, which the rounding to float32
    // cannot see but in a tie
    return f64x2.mul(clampToSix(f64x2.add(v, lanes(THREE_X2))), lanes(SIXTH_X2));
  }
  // @ts-ignore: decorator
  @inline derivative64(v: v128, alpha: f64): v128 {
    const inside = v128.and(f64x2.gt(v, splat64(-3)), f64x2.lt(v, splat64(3)));
    return v128.bitselect(v, v128.and(splat64(1.0 / 6.0), inside), isNaN64(v));
  }
}

export function hardSigmoid_forward(x: usize, dy: usize, out: usize, n: i32, alpha: f64): void {
  forward64<HardSigmoid>(x, out, n, alpha);
}
export function hardSigmoid_derivative(x: usize, dy: usize, out: usize, n: i32, alpha: f64): void {
  derivative64<HardSigmoid>(x, out, n, alpha);
}
export function hardSigmoid_backward(x: usize, dy: usize, out: usize, n: i32, alpha: f64): void {
  backward64<HardSigmoid>(x, dy, out, n, alpha);
}
export function hardSigmoid_forward_and_derivative(x: usize, dy: usize, out: usize, n: i32, alpha: f64): void {
  forwardAndDerivative64<HardSigmoid>(x, dy, out, n, alpha);
}
