// The NaN gate of every elementwise kernel (elementwise.wgsl, elementwise_tail.wgsl): NaN is handled
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

