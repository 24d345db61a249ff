// Float16 storage without `shader-f16`: exact conversions in u32 arithmetic, four lanes at a time,
// branchless (selects). WGSL's pack2x16float / unpack2x16float are not used: their rounding and their
// results out of range are the implementation's. Twin of src/float16.ts (the CPU's), which the tests
// compare with this on all 65536 halves and on the float32 edges.
//
// float32 -> float16 rounds to nearest, ties to even, once: subnormal halves kept, 65520 and more to
// ±Infinity, a NaN kept with its sign and the top ten bits of its payload and made quiet (so a payload
// that would truncate to an Infinity's bits gives 0x7E00), signed zeros kept. float16 -> float32 is exact.

// The float16 bits (in the low 16 bits of each lane) nearest to each lane of v.
fn f16_bits_from_f32x4(v: vec4<f32>) -> vec4<u32> {
  let bits = bitcast<vec4<u32>>(v);
  let magnitude = bits & vec4<u32>(0x7fffffffu);
  // Normal halves: rebias (127 -> 15) and round the 13 dropped bits to nearest even (0xc8000fff is
  // 0xfff - (112 << 23), wrapping); a carry bumps the exponent, and from 65520 on the result is capped
  // at Infinity's bits.
  let normal = min((magnitude + vec4<u32>(0xc8000fffu) + ((magnitude >> vec4<u32>(13u)) & vec4<u32>(1u))) >> vec4<u32>(13u),
                   vec4<u32>(0x7c00u));
  // Subnormal halves and zero, below 2^-14: |v| * 2^24 in units of the least subnormal, exact (a power
  // of two scales it), rounded to the nearest integer, ties to even, by round(), which is exact in
  // WGSL. A float32 subnormal that a device flushes to 0 rounds to 0 either way.
  let subnormal = vec4<u32>(round(bitcast<vec4<f32>>(magnitude) * 16777216.0));
  let nan = vec4<u32>(0x7e00u) | ((magnitude >> vec4<u32>(13u)) & vec4<u32>(0x3ffu));
  let finite = select(normal, subnormal, magnitude < vec4<u32>(0x38800000u));
  return select(finite, nan, magnitude > vec4<u32>(0x7f800000u)) | ((bits >> vec4<u32>(16u)) & vec4<u32>(0x8000u));
}

// The float32 values of four halves (each in the low 16 bits of a lane), exactly.
fn f32x4_from_f16_bits(half: vec4<u32>) -> vec4<f32> {
  // Exponent and significand moved into place and rebiased (15 -> 127); Infinity and NaN rebiased
  // once more, to float32's all-ones exponent.
  let shifted = (half & vec4<u32>(0x7fffu)) << vec4<u32>(13u);
  let exponent = shifted & vec4<u32>(0x0f800000u);
  let normal = shifted + vec4<u32>(0x38000000u);
  let wide = select(normal, normal + vec4<u32>(0x38000000u), exponent == vec4<u32>(0x0f800000u));
  // A subnormal half (or zero): 2^-14 * (1 + m / 1024) - 2^-14 = m * 2^-24, a subtraction of two
  // normal floats within a factor of two of each other, which is exact (Sterbenz).
  let subnormal = bitcast<vec4<u32>>(bitcast<vec4<f32>>(normal + vec4<u32>(0x00800000u)) - vec4<f32>(6.103515625e-05));
  let magnitude = select(wide, subnormal, exponent == vec4<u32>(0u));
  return bitcast<vec4<f32>>(magnitude | ((half & vec4<u32>(0x8000u)) << vec4<u32>(16u)));
}

// Two float32 values rounded to float16 and packed into one word (v.x in the low half).
fn pack_f16x2(v: vec2<f32>) -> u32 {
  let half = f16_bits_from_f32x4(vec4<f32>(v, 0.0, 0.0));
  return half.x | (half.y << 16u);
}

// The two float16 values of a word (the low half first), as float32, exactly.
fn unpack_f16x2(bits: u32) -> vec2<f32> {
  return f32x4_from_f16_bits(vec4<u32>(bits & 0xffffu, bits >> 16u, 0u, 0u)).xy;
}

// Four float32 values rounded to float16, packed into two words.
fn pack_f16x4(v: vec4<f32>) -> vec2<u32> {
  let half = f16_bits_from_f32x4(v);
  return vec2<u32>(half.x | (half.y << 16u), half.z | (half.w << 16u));
}

// The four float16 values of two words, as float32, exactly.
fn unpack_f16x4(bits: vec2<u32>) -> vec4<f32> {
  return f32x4_from_f16_bits(vec4<u32>(bits.x & 0xffffu, bits.x >> 16u, bits.y & 0xffffu, bits.y >> 16u));
}
