// The elementwise kernels where an input or an output is stored as float16. Built as
//   common.wgsl + float16.wgsl + the activation's WGSL + elementwise_checked.wgsl
//   + the storage declarations (src/gpu/shaders.ts) + this file:
// the host declares the four bindings with their element type and the accessors this file calls, each
// over the four elements of group i: for the body of a range, whole groups (array<vec2<u32>> of four
// halves for float16, array<vec4<f32>> for float32); for its last one to three elements, the tail
// variant, word by word (array<u32>, array<f32>), dispatched as one group from params.first_group:
//   load_input_a(i), load_input_b(i), load_output_a(i) -> vec4<f32>   (exact: a half widens exactly)
//   store_output_a(i, v), store_output_b(i, v)                         (a float16 store rounds once)
// The math is elementwise_checked.wgsl's map_* functions, the float32 kernels' own, on float32 lanes.
//
// A thread owns the words of its four elements, so a float16 range that ends in the middle of a word
// has its last word read, merged and written by one thread: the other half stays as it was. Lanes past
// params.count are computed from whatever the clamped loads gave and never stored.

struct HalfParams {
  count: u32,        // elements in the range (the body's: whole groups)
  alpha: f32,        // the activation's scalar parameter, read by its WGSL as params.alpha
  first_group: u32,  // the group the dispatch starts at (the tail's: the body's group count)
  _pad0: u32,
}

@group(0) @binding(4) var<uniform> params: HalfParams;

override WORKGROUP_SIZE: u32 = 256u;

// The group of four elements this thread handles.
fn group_index(workgroup_id: vec3<u32>, local_index: u32, workgroups: vec3<u32>) -> u32 {
  return params.first_group + (workgroup_id.x + workgroup_id.y * workgroups.x) * WORKGROUP_SIZE + local_index;
}

fn in_range(i: u32) -> bool {
  return i < (params.count + 3u) / 4u;
}

@compute @workgroup_size(WORKGROUP_SIZE)
fn forward(@builtin(workgroup_id) workgroup_id: vec3<u32>,
           @builtin(local_invocation_index) local_index: u32,
           @builtin(num_workgroups) workgroups: vec3<u32>) {
  let i = group_index(workgroup_id, local_index, workgroups);
  if (!in_range(i)) { return; }
  store_output_a(i, map_forward(load_input_a(i)));
}

@compute @workgroup_size(WORKGROUP_SIZE)
fn derivative(@builtin(workgroup_id) workgroup_id: vec3<u32>,
              @builtin(local_invocation_index) local_index: u32,
              @builtin(num_workgroups) workgroups: vec3<u32>) {
  let i = group_index(workgroup_id, local_index, workgroups);
  if (!in_range(i)) { return; }
  store_output_a(i, map_derivative(load_input_a(i)));
}

@compute @workgroup_size(WORKGROUP_SIZE)
fn derivative_from_output(@builtin(workgroup_id) workgroup_id: vec3<u32>,
                          @builtin(local_invocation_index) local_index: u32,
                          @builtin(num_workgroups) workgroups: vec3<u32>) {
  let i = group_index(workgroup_id, local_index, workgroups);
  if (!in_range(i)) { return; }
  store_output_a(i, map_derivative_from_output(load_input_a(i)));
}

// dy * f'(x): input_a is x, input_b is dy.
@compute @workgroup_size(WORKGROUP_SIZE)
fn backward(@builtin(workgroup_id) workgroup_id: vec3<u32>,
            @builtin(local_invocation_index) local_index: u32,
            @builtin(num_workgroups) workgroups: vec3<u32>) {
  let i = group_index(workgroup_id, local_index, workgroups);
  if (!in_range(i)) { return; }
  store_output_a(i, load_input_b(i) * map_derivative(load_input_a(i)));
}

// dy * f'(x) from the output: input_a is y = f(x), input_b is dy.
@compute @workgroup_size(WORKGROUP_SIZE)
fn backward_from_output(@builtin(workgroup_id) workgroup_id: vec3<u32>,
                        @builtin(local_invocation_index) local_index: u32,
                        @builtin(num_workgroups) workgroups: vec3<u32>) {
  let i = group_index(workgroup_id, local_index, workgroups);
  if (!in_range(i)) { return; }
  store_output_a(i, map_backward_from_output(load_input_a(i), load_input_b(i)));
}

@compute @workgroup_size(WORKGROUP_SIZE)
fn forward_and_derivative(@builtin(workgroup_id) workgroup_id: vec3<u32>,
                          @builtin(local_invocation_index) local_index: u32,
                          @builtin(num_workgroups) workgroups: vec3<u32>) {
  let i = group_index(workgroup_id, local_index, workgroups);
  if (!in_range(i)) { return; }
  let v = load_input_a(i);
  store_output_a(i, map_forward(v));
  store_output_b(i, map_derivative(v));
}

// In place: binding 2 is both the input and the output.
@compute @workgroup_size(WORKGROUP_SIZE)
fn forward_in_place(@builtin(workgroup_id) workgroup_id: vec3<u32>,
                    @builtin(local_invocation_index) local_index: u32,
                    @builtin(num_workgroups) workgroups: vec3<u32>) {
  let i = group_index(workgroup_id, local_index, workgroups);
  if (!in_range(i)) { return; }
  store_output_a(i, map_forward(load_output_a(i)));
}

@compute @workgroup_size(WORKGROUP_SIZE)
fn derivative_in_place(@builtin(workgroup_id) workgroup_id: vec3<u32>,
                       @builtin(local_invocation_index) local_index: u32,
                       @builtin(num_workgroups) workgroups: vec3<u32>) {
  let i = group_index(workgroup_id, local_index, workgroups);
  if (!in_range(i)) { return; }
  store_output_a(i, map_derivative(load_output_a(i)));
}

@compute @workgroup_size(WORKGROUP_SIZE)
fn derivative_from_output_in_place(@builtin(workgroup_id) workgroup_id: vec3<u32>,
                                   @builtin(local_invocation_index) local_index: u32,
                                   @builtin(num_workgroups) workgroups: vec3<u32>) {
  let i = group_index(workgroup_id, local_index, workgroups);
  if (!in_range(i)) { return; }
  store_output_a(i, map_derivative_from_output(load_output_a(i)));
}
