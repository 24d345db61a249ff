// Row-wise softmax over a row-major rows x cols matrix. The host prepends common.wgsl.
//
// Work layout: a workgroup of WORKGROUP_SIZE threads serves WORKGROUP_SIZE / THREADS_PER_ROW rows, with
// THREADS_PER_ROW threads on each row (a power of two from 1 to WORKGROUP_SIZE that the host picks from
// the row length). Many short rows share a workgroup instead of wasting one each; a long row gets the
// whole workgroup. Within a row, neighbouring threads read neighbouring elements, so reads coalesce.
//
// Numerics: one pass computes the row's max and sum together (online softmax: when a new max appears,
// the running sum is rescaled by exp(old_max - new_max)), with Kahan-compensated summation, and the
// per-thread partial results are merged pairwise in workgroup memory. A second pass writes
// exp(x - max) / sum, with x - max taken exactly (two-sum) so that the output's relative error does not
// grow with the spread of the row. Special values are classified from their bits:
//   - a NaN anywhere in the row makes the whole row NaN;
//   - +Infinity entries share the probability equally (1/k each, 0 elsewhere): the limit of softmax
//     as those entries grow, where the float64 formula would give NaN;
//   - -Infinity entries get 0; a row with no entry above -Infinity (all -Infinity) is NaN, as the
//     float64 formula gives: there is no distribution to return.

struct Params {
  rows: u32,
  cols: u32,
  nan_bits: u32,  // a quiet NaN, from the host: a NaN constant in WGSL would be a shader-creation error
  _pad: u32,
}

@group(0) @binding(0) var<storage, read> input_a: array<f32>;
@group(0) @binding(2) var<storage, read_write> output_a: array<f32>;
@group(0) @binding(4) var<uniform> params: Params;

override WORKGROUP_SIZE: u32 = 256u;
override THREADS_PER_ROW: u32 = 32u;

const LOWEST_F32: f32 = -0x1.fffffep+127f; // the most negative finite float32
const NAN_FLAG: u32 = 0x80000000u;

var<workgroup> shared_max: array<f32, WORKGROUP_SIZE>;
var<workgroup> shared_sum: array<f32, WORKGROUP_SIZE>;
var<workgroup> shared_flags: array<u32, WORKGROUP_SIZE>;

// The statistics of (part of) a row: the largest finite value, sum(exp(x - max)) over finite x with
// its Kahan compensation, and flags: NAN_FLAG if a NaN was seen, plus the count of +Infinity entries.
struct RowStatistics {
  max: f32,
  sum: f32,
  compensation: f32,
  flags: u32,
}

fn merge_flags(a: u32, b: u32) -> u32 {
  return ((a | b) & NAN_FLAG) | ((a & ~NAN_FLAG) + (b & ~NAN_FLAG));
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

fn kahan_add(statistics: ptr<function, RowStatistics>, term: f32) {
  let corrected = term - (*statistics).compensation;
  let total = (*statistics).sum + corrected;
  (*statistics).compensation = (total - (*statistics).sum) - corrected;
  (*statistics).sum = total;
}

fn add_element(statistics: ptr<function, RowStatistics>, value: f32) {
  let bits = bitcast<u32>(value);
  let magnitude = bits & 0x7fffffffu;
  if (magnitude > 0x7f800000u) {
    (*statistics).flags = (*statistics).flags | NAN_FLAG;
    return;
  }
  if (magnitude == 0x7f800000u) {
    if (bits == 0x7f800000u) {
      (*statistics).flags = (*statistics).flags + 1u;
    }
    return; // -Infinity adds nothing
  }
  if (value > (*statistics).max) {
    let rescale = exp_of_difference((*statistics).max, value);
    (*statistics).sum = (*statistics).sum * rescale;
    (*statistics).compensation = (*statistics).compensation * rescale;
    (*statistics).max = value;
    kahan_add(statistics, 1.0);
  } else {
    kahan_add(statistics, exp_of_difference(value, (*statistics).max));
  }
}

// Reduces each row's per-thread statistics to one, visible to every thread of the row. Must be called
// from uniform control flow by every thread of the workgroup (it holds barriers).
fn reduce_row_statistics(local_index: u32, lane: u32, own: RowStatistics) -> RowStatistics {
  shared_max[local_index] = own.max;
  shared_sum[local_index] = own.sum - own.compensation;
  shared_flags[local_index] = own.flags;
  for (var stride = THREADS_PER_ROW / 2u; stride > 0u; stride = stride / 2u) {
    workgroupBarrier();
    if (lane < stride) {
      let other = local_index + stride;
      let max_a = shared_max[local_index];
      let max_b = shared_max[other];
      let merged_max = max(max_a, max_b);
      shared_sum[local_index] = shared_sum[local_index] * exp_of_difference(max_a, merged_max)
                              + shared_sum[other] * exp_of_difference(max_b, merged_max);
      shared_max[local_index] = merged_max;
      shared_flags[local_index] = merge_flags(shared_flags[local_index], shared_flags[other]);
    }
  }
  workgroupBarrier();
  let head = local_index - lane;
  return RowStatistics(shared_max[head], shared_sum[head], 0.0, shared_flags[head]);
}

fn softmax_value(value: f32, row: RowStatistics) -> f32 {
  if ((row.flags & NAN_FLAG) != 0u) {
    return bitcast<f32>(params.nan_bits);
  }
  let positive_infinities = row.flags & ~NAN_FLAG;
  if (positive_infinities > 0u) {
    return select(0.0, 1.0 / f32(positive_infinities), is_positive_infinity(value));
  }
  if (row.sum == 0.0) {
    return bitcast<f32>(params.nan_bits); // every entry was -Infinity
  }
  if (is_negative_infinity(value)) {
    return 0.0;
  }
  return exp_of_difference(value, row.max) / row.sum;
}

@compute @workgroup_size(WORKGROUP_SIZE)
fn softmax(@builtin(workgroup_id) workgroup_id: vec3<u32>,
           @builtin(local_invocation_index) local_index: u32,
           @builtin(num_workgroups) workgroups: vec3<u32>) {
  let rows_per_workgroup = WORKGROUP_SIZE / THREADS_PER_ROW;
  let lane = local_index % THREADS_PER_ROW;
  let row = (workgroup_id.x + workgroup_id.y * workgroups.x) * rows_per_workgroup + local_index / THREADS_PER_ROW;
  let row_in_range = row < params.rows;
  let row_start = row * params.cols;

  var own = RowStatistics(LOWEST_F32, 0.0, 0.0, 0u);
  if (row_in_range) {
    for (var i = lane; i < params.cols; i = i + THREADS_PER_ROW) {
      add_element(&own, input_a[row_start + i]);
    }
  }
  let statistics = reduce_row_statistics(local_index, lane, own);
  if (row_in_range) {
    for (var i = lane; i < params.cols; i = i + THREADS_PER_ROW) {
      output_a[row_start + i] = softmax_value(input_a[row_start + i], statistics);
    }
  }
}
