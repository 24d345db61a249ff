// The NaN gate of every elementwise kernel (elementwise.wgsl, elementwise_tail.wgsl, elementwise_half.wgsl): NaN is handled
// here, once, so that every op propagates it and the activation's own formulas never see it.

fn checked_forward(x: f32) -> f32 {
  if (is_nan(x)) { return x; }
  return activation(x);
}

fn checked_derivative(x: f32) -> f32 {
  if (is_nan(x)) { return x; }
  return activation_derivative(x);
}

fn checked_derivative_from_output(y: f32) -> f32 {
  if (is_nan(y)) { return y; }
  return activation_derivative_from_output(y);
}

fn checked_backward_from_output(y: f32, dy: f32) -> f32 {
  if (is_nan(y)) { return y; }
  return activation_backward_from_output(y, dy);
}

// The gated functions over four lanes: the vec4 kernels' (float32 and float16 storage alike).
fn map_forward(v: vec4<f32>) -> vec4<f32> {
  return vec4<f32>(checked_forward(v.x), checked_forward(v.y), checked_forward(v.z), checked_forward(v.w));
}

fn map_derivative(v: vec4<f32>) -> vec4<f32> {
  return vec4<f32>(checked_derivative(v.x), checked_derivative(v.y), checked_derivative(v.z), checked_derivative(v.w));
}

fn map_derivative_from_output(v: vec4<f32>) -> vec4<f32> {
  return vec4<f32>(
    checked_derivative_from_output(v.x), checked_derivative_from_output(v.y),
    checked_derivative_from_output(v.z), checked_derivative_from_output(v.w));
}

fn map_backward_from_output(y: vec4<f32>, dy: vec4<f32>) -> vec4<f32> {
  return vec4<f32>(
    checked_backward_from_output(y.x, dy.x), checked_backward_from_output(y.y, dy.y),
    checked_backward_from_output(y.z, dy.z), checked_backward_from_output(y.w, dy.w));
}
