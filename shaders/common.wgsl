// Numeric helpers shared by every kernel family. The host prepends this file to each shader.
//
// WGSL lets a compiler assume that ordinary float arithmetic never sees NaN or infinity, so
// `x != x` may be folded to false. Special values are therefore recognised from their bits.

fn is_nan(x: f32) -> bool {
  return (bitcast<u32>(x) & 0x7fffffffu) > 0x7f800000u;
}

fn is_infinite(x: f32) -> bool {
  return (bitcast<u32>(x) & 0x7fffffffu) == 0x7f800000u;
}

fn is_positive_infinity(x: f32) -> bool {
  return bitcast<u32>(x) == 0x7f800000u;
}

fn is_negative_infinity(x: f32) -> bool {
  return bitcast<u32>(x) == 0xff800000u;
}

// -0 for a negative x, from x's sign bit: a literal -0.0 (or 0.0 * x) may come out as +0 where the
// compiler assumes signed zeros do not matter (SwiftShader gave gelu(-Infinity) = +0 from \`return -0.0\`).
fn negative_zero(x: f32) -> f32 {
  return bitcast<f32>(bitcast<u32>(x) & 0x80000000u);
}

// |magnitude| with the sign bit of s.
fn with_sign_of(magnitude: f32, s: f32) -> f32 {
  return bitcast<f32>((bitcast<u32>(magnitude) & 0x7fffffffu) | (bitcast<u32>(s) & 0x80000000u));
}

// 2^k for -126 <= k <= 127, from its bits: the exponent field alone.
fn power_of_two(k: i32) -> f32 {
  return bitcast<f32>(u32(k + 127) << 23u);
}

// exp(x) for x <= 0, to about one ulp on any WebGPU device.
// The builtin exp() is only required to be within 3 + 2|x| ulp, which at x = -80 is a relative error
// near 2e-5. Here the argument is reduced exactly (Cody-Waite: ln 2 split so that k * LN2_HI is exact),
// exp(r) on |r| <= ln(2)/2 comes from a degree-6 minimax polynomial (Cephes expf), and 2^k is applied
// as two multiplications by powers of two built from their bits (exact, and far cheaper than ldexp on
// some devices), split so that neither factor leaves the normal exponent range.
fn exp_nonpositive(x: f32) -> f32 {
  if (x < -104.0) {
    return 0.0; // below half the smallest subnormal; also catches -infinity
  }
  return exp_reduced(min(x, 0.0));
}

// exp(x) for -104 <= x <= 88.72 (the reduction and polynomial of exp_nonpositive): 2^k with
// -150 <= k <= 128 is applied as two factors that each stay in the normal exponent range.
fn exp_reduced(x: f32) -> f32 {
  let k = round(x * 1.44269504088896341);
  let r = (x - k * 0.693359375) - k * -2.12194440e-4;
  let r2 = r * r;
  let p = ((((((1.9875691500e-4 * r + 1.3981999507e-3) * r + 8.3334519073e-3) * r
            + 4.1665795894e-2) * r + 1.6666665459e-1) * r + 5.0000001201e-1) * r2 + r) + 1.0;
  let ki = i32(k);
  let k_first = clamp(ki, -100, 100);
  return (p * power_of_two(k_first)) * power_of_two(ki - k_first);
}

// exp(a - b) for a <= b, with the rounding error of a - b put back in (two-sum), so that the result is
// as accurate as if the difference were exact.
fn exp_of_difference(a: f32, b: f32) -> f32 {
  let difference = a - b;
  if (difference < -104.0) {
    return 0.0;
  }
  let b_virtual = difference - a;
  let a_virtual = difference - b_virtual;
  let rounding_error = (a - a_virtual) + (-b - b_virtual);
  return exp_nonpositive(difference) * (1.0 + rounding_error);
}

// log(1 + m) for m in [sqrt(1/2) - 1, sqrt(2) - 1], to about one ulp: a minimax polynomial (Cephes logf)
// that never forms 1 + m, so no rounding of it is lost.
fn log1p_reduced(m: f32) -> f32 {
  let z = m * m;
  let y = ((((((((7.0376836292e-2 * m - 1.1514610310e-1) * m + 1.1676998740e-1) * m - 1.2420140846e-1) * m
          + 1.4249322787e-1) * m - 1.6668057665e-1) * m + 2.0000714765e-1) * m - 2.4999993993e-1) * m
          + 3.3333331174e-1) * m * z;
  return m + (y - 0.5 * z);
}

// log(x) for finite x >= 1, to about one ulp. The builtin log() is only required to be within 2^-21
// absolute on [0.5, 2], which is a large relative error for results near 0. Here x = (1 + m) * 2^e with
// m in [sqrt(1/2) - 1, sqrt(2) - 1), and e * ln 2 is added in two parts so that it is exact.
fn log_at_least_one(x: f32) -> f32 {
  let parts = frexp(x);  // x = fract * 2^exp, fract in [0.5, 1)
  var e = f32(parts.exp);
  var m = parts.fract;
  if (m < 0.707106781186547524) {
    e = e - 1.0;
    m = m + m - 1.0;
  } else {
    m = m - 1.0;
  }
  return (log1p_reduced(m) + -2.12194440e-4 * e) + 0.693359375 * e;
}

// log(1 + x) for x >= 0. Small x go straight to the polynomial: the textbook trick
// log(u) * x / (u - 1) with u = 1 + x is unsafe here, since a compiler may fold (1 + x) - 1 to x
// (SwiftShader does), which brings back the rounding error of u.
fn log1p_nonnegative(x: f32) -> f32 {
  if (x < 0.414213562373095) {
    return log1p_reduced(x);
  }
  return log_at_least_one(1.0 + x);
}
