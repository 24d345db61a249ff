// The WebAssembly SIMD kernels of tanh (src/ops/activations/tanh.ts says what it is), exported as
// <name>_<kernel> (the kernel names of src/ops/kernels.ts). Instantiated from the generic loops of ../common.
import {
  splat64,
  exp64,
  forward64,
  derivative64,
  fromOutput64,
  backward64,
  backwardFromOutput64,
  forwardAndDerivative64,
} from '../common';

const TANH_P0: f64 = -0.006096714165908197;
const TANH_P1: f64 = 0.020997178999074752;
const TANH_P2: f64 = -0.05385090957851358;
const TANH_P3: f64 = 0.13332769736976327;
const TANH_P4: f64 = -0.33333328944134255;

/**
 * tanh in float64: x (1 + x^2 P(x^2)) for |x| < 0.625 (shaders' minimax polynomial, 1.7e-8 in float64),
 * else sign(x) (1 - e) / (1 + e), e = exp(-2|x|). Derivative 4e / (1 + e)^2, 0 beyond |x| = 60 as in
 * the JavaScript loops; from the output, 1 - y^2.
 */
class Tanh {
  // @ts-ignore: decorator
  @inline forward64(v: v128, alpha: f64): v128 {
    const a = f64x2.abs(v);
    const z = f64x2.mul(v, v);
    let p = f64x2.add(f64x2.mul(splat64(TANH_P0), z), splat64(TANH_P1));
    p = f64x2.add(f64x2.mul(p, z), splat64(TANH_P2));
    p = f64x2.add(f64x2.mul(p, z), splat64(TANH_P3));
    p = f64x2.add(f64x2.mul(p, z), splat64(TANH_P4));
    // x (1 + x^2 P), not x + x^3 P: at x = -0 the latter is -0 + (+0) = +0 (P < 0); tanh(-0) is -0.
    const small = f64x2.mul(v, f64x2.add(splat64(1), f64x2.mul(z, p)));
    const e = exp64(f64x2.mul(splat64(-2), a));
    const t = f64x2.div(f64x2.sub(splat64(1), e), f64x2.add(splat64(1), e));
    const signed = v128.or(t, v128.and(v, splat64(-0.0)));
    return v128.bitselect(small, signed, f64x2.lt(a, splat64(0.625)));
  }
  // @ts-ignore: decorator
  @inline derivative64(v: v128, alpha: f64): v128 {
    const a = f64x2.abs(v);
    const e = exp64(f64x2.mul(splat64(-2), a));
    const t = f64x2.div(splat64(1), f64x2.add(splat64(1), e));
    const d = f64x2.mul(f64x2.mul(f64x2.mul(splat64(4), e), t), t);
    return v128.andnot(d, f64x2.gt(a, splat64(60)));
  }
  // @ts-ignore: decorator
  @inline fromOutput64(y: v128, alpha: f64): v128 {
    return f64x2.sub(splat64(1), f64x2.mul(y, y));
  }
}

export function tanh_forward(x: usize, dy: usize, out: usize, n: i32, alpha: f64): void {
  forward64<Tanh>(x, out, n, alpha);
}
export function tanh_derivative(x: usize, dy: usize, out: usize, n: i32, alpha: f64): void {
  derivative64<Tanh>(x, out, n, alpha);
}
export function tanh_backward(x: usize, dy: usize, out: usize, n: i32, alpha: f64): void {
  backward64<Tanh>(x, dy, out, n, alpha);
}
export function tanh_forward_and_derivative(x: usize, dy: usize, out: usize, n: i32, alpha: f64): void {
  forwardAndDerivative64<Tanh>(x, dy, out, n, alpha);
}
export function tanh_derivative_from_output(x: usize, dy: usize, out: usize, n: i32, alpha: f64): void {
  fromOutput64<Tanh>(x, out, n, alpha);
}
export function tanh_backward_from_output(x: usize, dy: usize, out: usize, n: i32, alpha: f64): void {
  backwardFromOutput64<Tanh>(x, dy, out, n, alpha);
}
