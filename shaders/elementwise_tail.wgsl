// The scalar tail of the elementwise kernels: the last one to three elements of a slice whose buffer
// ends on its last element (a caller's buffer, act.wrap), where elementwise.wgsl's vec4 accesses would
// reach past the end. The host binds the slice at its exact size and dispatches elements
// params.first .. params.count - 1 of it. Built as common.wgsl + the activation's WGSL +
// elementwise_checked.wgsl + this file; entry points have the names of elementwise.wgsl's.

struct TailParams {
  first: u32,
  count: u32,
  alpha: f32,     // read by the activation's WGSL as params.alpha
  _pad0: u32,
}

@group(0) @binding(0) var<storage, read> input_a: array<f32>;
@group(0) @binding(1) var<storage, read> input_b: array<f32>;
@group(0) @binding(2) var<storage, read_write> output_a: array<f32>;
@group(0) @binding(3) var<storage, read_write> output_b: array<f32>;
@group(0) @binding(4) var<uniform> params: TailParams;

override WORKGROUP_SIZE: u32 = 256u;

fn tail_index(local_index: u32) -> u32 {
  return params.first + local_index;
}

@compute @workgroup_size(WORKGROUP_SIZE)
fn forward(@builtin(local_invocation_index) local_index: u32) {
  let i = tail_index(local_index);
  if (i >= params.count) { return; }
  output_a[i] = checked_forward(input_a[i]);
}

@compute @workgroup_size(WORKGROUP_SIZE)
fn derivative(@builtin(local_invocation_index) local_index: u32) {
  let i = tail_index(local_index);
  if (i >= params.count) { return; }
  output_a[i] = checked_derivative(input_a[i]);
}

@compute @workgroup_size(WORKGROUP_SIZE)
fn derivative_from_output(@builtin(local_invocation_index) local_index: u32) {
  let i = tail_index(local_index);
  if (i >= params.count) { return; }
  output_a[i] = checked_derivative_from_output(input_a[i]);
}

@compute @workgroup_size(WORKGROUP_SIZE)
fn backward(@builtin(local_invocation_index) local_index: u32) {
  let i = tail_index(local_index);
  if (i >= params.count) { return; }
  output_a[i] = input_b[i] * checked_derivative(input_a[i]);
}

@compute @workgroup_size(WORKGROUP_SIZE)
fn backward_from_output(@builtin(local_invocation_index) local_index: u32) {
  let i = tail_index(local_index);
  if (i >= params.count) { return; }
  output_a[i] = checked_backward_from_output(input_a[i], input_b[i]);
}

@compute @workgroup_size(WORKGROUP_SIZE)
fn forward_and_derivative(@builtin(local_invocation_index) local_index: u32) {
  let i = tail_index(local_index);
  if (i >= params.count) { return; }
  let x = input_a[i];
  output_a[i] = checked_forward(x);
  output_b[i] = checked_derivative(x);
}

@compute @workgroup_size(WORKGROUP_SIZE)
fn forward_in_place(@builtin(local_invocation_index) local_index: u32) {
  let i = tail_index(local_index);
  if (i >= params.count) { return; }
  output_a[i] = checked_forward(output_a[i]);
}

@compute @workgroup_size(WORKGROUP_SIZE)
fn derivative_in_place(@builtin(local_invocation_index) local_index: u32) {
  let i = tail_index(local_index);
  if (i >= params.count) { return; }
  output_a[i] = checked_derivative(output_a[i]);
}

@compute @workgroup_size(WORKGROUP_SIZE)
fn derivative_from_output_in_place(@builtin(local_invocation_index) local_index: u32) {
  let i = tail_index(local_index);
  if (i >= params.count) { return; }
  output_a[i] = checked_derivative_from_output(output_a[i]);
}
