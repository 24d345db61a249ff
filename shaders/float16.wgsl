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
  let sign = (bits >> vec4<u32>(16u)) & vec4<u32>(0x8000u);
  let magnitude = bits & vec4<u32>(0x7fffffffu);
  // Normal halves: rebias (127 -> 15) and round the 13 dropped bits to nearest even; a carry bumps the
  // exponent, and from 65520 on the result is capped at Infinity's bits.
  let normal = min((magnitude - vec4<u32>(0x37fff001u) + ((magnitude >> vec4<u32>(13u)) & vec4<u32>(1u))) >> vec4<u32>(13u),
                   vec4<u32>(0x7c00u));
  // Subnormal halves and zero: the significand with its implicit bit, shifted right by 14 to 25 places
  // (126 - exponent, capped where all is shifted out), rounded to nearest even.
  let shift = min(vec4<u32>(126u) - (magnitude >> vec4<u32>(23u)), vec4<u32>(25u));
  let significand = (magnitude & vec4<u32>(0x7fffffu)) | vec4<u32>(0x800000u);
  let subnormal = (significand + (vec4<u32>(1u) << (shift - vec4<u32>(1u))) - vec4<u32>(1u) + ((significand >> shift) & vec4<u32>(1u))) >> shift;
  let nan = vec4<u32>(0x7e00u) | ((magnitude >> vec4<u32>(13u)) & vec4<u32>(0x3ffu));
  let finite = select(normal, subnormal, magnitude < vec4<u32>(0x38800000u));
  return select(finite, nan, magnitude > vec4<u32>(0x7f800000u)) | sign;
}

// The float32 values of four halves (each in the low 16 bits of a lane), exactly.
fn f32x4_from_f16_bits(half: vec4<u32>) -> vec4<f32> {
  let sign = (half & vec4<u32>(0x8000u)) << vec4<u32>(16u);
  let exponent = (half >> vec4<u32>(10u)) & vec4<u32>(0x1fu);
  let significand = half & vec4<u32>(0x3ffu);
  let normal = ((exponent + vec4<u32>(112u)) << vec4<u32>(23u)) | (significand << vec4<u32>(13u));
  let special = vec4<u32>(0x7f800000u) | (significand << vec4<u32>(13u));
  // A subnormal half, significand * 2^-24, is a normal float32: normalise by its leading bit.
  let leading = firstLeadingBit(significand);
  let subnormal = select(((leading + vec4<u32>(103u)) << vec4<u32>(23u)) | ((significand << (vec4<u32>(23u) - leading)) & vec4<u32>(0x7fffffu)),
                         vec4<u32>(0u), significand == vec4<u32>(0u));
  let magnitude = select(select(normal, special, exponent == vec4<u32>(31u)), subnormal, exponent == vec4<u32>(0u));
  return bitcast<vec4<f32>>(magnitude | sign);
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
