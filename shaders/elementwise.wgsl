// Elementwise kernels for one activation. The host builds each shader as
//   common.wgsl + the activation's WGSL (from src/ops/activations/<name>.ts) + elementwise_checked.wgsl + this file,
// where the activation's WGSL defines
//   fn activation(x: f32) -> f32                          the forward formula
//   fn activation_derivative(x: f32) -> f32               f'(x) from the input
//   fn activation_derivative_from_output(y: f32) -> f32   f'(x) from y = f(x), where it has such a form
//   fn activation_backward_from_output(y: f32, dy: f32) -> f32   dy * f'(x) from y; the host writes the plain
//                                                         product when the activation does not order it itself
// for every input except NaN: NaN is handled here, once, so that every op propagates it.
//
// Data is read and written as vec4<f32> (16-byte accesses); the library pads its own buffers to 16 bytes,
// so the padding lanes are computed and never read back. A caller's buffer (act.wrap) may end on the
// last element: there the host dispatches these kernels over the whole vec4s and
// elementwise_tail.wgsl over the last one to three elements. More than 65535 workgroups go into a 2D grid.
//
// The *_in_place entry points read and write binding 2 alone: WebGPU refuses one buffer bound both
// read-only and writable in one dispatch, so `out` = the input needs a kernel of its own.

struct Params {
  vec4_count: u32,
  alpha: f32,     // the activation's scalar parameter (leaky relu's slope); unused by the others
  _pad0: u32,
  _pad1: u32,
}

@group(0) @binding(0) var<storage, read> input_a: array<vec4<f32>>;
@group(0) @binding(1) var<storage, read> input_b: array<vec4<f32>>;
@group(0) @binding(2) var<storage, read_write> output_a: array<vec4<f32>>;
@group(0) @binding(3) var<storage, read_write> output_b: array<vec4<f32>>;
@group(0) @binding(4) var<uniform> params: Params;

override WORKGROUP_SIZE: u32 = 256u;

fn vec4_index(workgroup_id: vec3<u32>, local_index: u32, workgroups: vec3<u32>) -> u32 {
  return (workgroup_id.x + workgroup_id.y * workgroups.x) * WORKGROUP_SIZE + local_index;
}

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

@compute @workgroup_size(WORKGROUP_SIZE)
fn forward(@builtin(workgroup_id) workgroup_id: vec3<u32>,
           @builtin(local_invocation_index) local_index: u32,
           @builtin(num_workgroups) workgroups: vec3<u32>) {
  let i = vec4_index(workgroup_id, local_index, workgroups);
  if (i >= params.vec4_count) { return; }
  output_a[i] = map_forward(input_a[i]);
}

@compute @workgroup_size(WORKGROUP_SIZE)
fn derivative(@builtin(workgroup_id) workgroup_id: vec3<u32>,
              @builtin(local_invocation_index) local_index: u32,
              @builtin(num_workgroups) workgroups: vec3<u32>) {
  let i = vec4_index(workgroup_id, local_index, workgroups);
  if (i >= params.vec4_count) { return; }
  output_a[i] = map_derivative(input_a[i]);
}

@compute @workgroup_size(WORKGROUP_SIZE)
fn derivative_from_output(@builtin(workgroup_id) workgroup_id: vec3<u32>,
                          @builtin(local_invocation_index) local_index: u32,
                          @builtin(num_workgroups) workgroups: vec3<u32>) {
  let i = vec4_index(workgroup_id, local_index, workgroups);
  if (i >= params.vec4_count) { return; }
  output_a[i] = map_derivative_from_output(input_a[i]);
}

// dy * f'(x): input_a is x, input_b is dy.
@compute @workgroup_size(WORKGROUP_SIZE)
fn backward(@builtin(workgroup_id) workgroup_id: vec3<u32>,
            @builtin(local_invocation_index) local_index: u32,
            @builtin(num_workgroups) workgroups: vec3<u32>) {
  let i = vec4_index(workgroup_id, local_index, workgroups);
  if (i >= params.vec4_count) { return; }
  output_a[i] = input_b[i] * map_derivative(input_a[i]);
}

// dy * f'(x) from the output: input_a is y = f(x), input_b is dy.
@compute @workgroup_size(WORKGROUP_SIZE)
fn backward_from_output(@builtin(workgroup_id) workgroup_id: vec3<u32>,
                        @builtin(local_invocation_index) local_index: u32,
                        @builtin(num_workgroups) workgroups: vec3<u32>) {
  let i = vec4_index(workgroup_id, local_index, workgroups);
  if (i >= params.vec4_count) { return; }
  let y = input_a[i];
  let dy = input_b[i];
  output_a[i] = vec4<f32>(
    checked_backward_from_output(y.x, dy.x), checked_backward_from_output(y.y, dy.y),
    checked_backward_from_output(y.z, dy.z), checked_backward_from_output(y.w, dy.w));
}

// f(x) and f'(x) in one pass over x.
@compute @workgroup_size(WORKGROUP_SIZE)
fn forward_and_derivative(@builtin(workgroup_id) workgroup_id: vec3<u32>,
                          @builtin(local_invocation_index) local_index: u32,
                          @builtin(num_workgroups) workgroups: vec3<u32>) {
  let i = vec4_index(workgroup_id, local_index, workgroups);
  if (i >= params.vec4_count) { return; }
  let v = input_a[i];
  output_a[i] = map_forward(v);
  output_b[i] = map_derivative(v);
}

// In place: binding 2 is both the input and the output.
@compute @workgroup_size(WORKGROUP_SIZE)
fn forward_in_place(@builtin(workgroup_id) workgroup_id: vec3<u32>,
                    @builtin(local_invocation_index) local_index: u32,
                    @builtin(num_workgroups) workgroups: vec3<u32>) {
  let i = vec4_index(workgroup_id, local_index, workgroups);
  if (i >= params.vec4_count) { return; }
  output_a[i] = map_forward(output_a[i]);
}

@compute @workgroup_size(WORKGROUP_SIZE)
fn derivative_in_place(@builtin(workgroup_id) workgroup_id: vec3<u32>,
                       @builtin(local_invocation_index) local_index: u32,
                       @builtin(num_workgroups) workgroups: vec3<u32>) {
  let i = vec4_index(workgroup_id, local_index, workgroups);
  if (i >= params.vec4_count) { return; }
  output_a[i] = map_derivative(output_a[i]);
}

@compute @workgroup_size(WORKGROUP_SIZE)
fn derivative_from_output_in_place(@builtin(workgroup_id) workgroup_id: vec3<u32>,
                                   @builtin(local_invocation_index) local_index: u32,
                                   @builtin(num_workgroups) workgroups: vec3<u32>) {
  let i = vec4_index(workgroup_id, local_index, workgroups);
  if (i >= params.vec4_count) { return; }
  output_a[i] = map_derivative_from_output(output_a[i]);
}
