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

// exp(x) for x <= 0, to about one ulp on any WebGPU device.
// The builtin exp() is only required to be within 3 + 2|x| ulp, which at x = -80 is a relative error
// near 2e-5. Here the argument is reduced exactly (Cody-Waite: ln 2 split so that k * LN2_HI is exact),
// exp(r) on |r| <= ln(2)/2 comes from a degree-6 minimax polynomial (Cephes expf), and 2^k is applied
// with ldexp, split in two so that no single step leaves the normal exponent range.
fn exp_nonpositive(x: f32) -> f32 {
  if (x < -104.0) {
    return 0.0; // below half the smallest subnormal; also catches -infinity
  }
  let xc = min(x, 0.0);
  let k = round(xc * 1.44269504088896341);
  let r = (xc - k * 0.693359375) - k * -2.12194440e-4;
  let r2 = r * r;
  let p = ((((((1.9875691500e-4 * r + 1.3981999507e-3) * r + 8.3334519073e-3) * r
            + 4.1665795894e-2) * r + 1.6666665459e-1) * r + 5.0000001201e-1) * r2 + r) + 1.0;
  let ki = i32(k);
  let k_first = max(ki, -100);
  return ldexp(ldexp(p, k_first), ki - k_first);
}
