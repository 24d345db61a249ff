// Row-wise kernels over a row-major rows x cols matrix: softmax, log-softmax and softmax backward.
// The host prepends common.wgsl. All three share one reduction routine (reduce_row_statistics).
//
// Work layout, in three forms that the host picks by shape and adapter (planRows in src/gpu/row-plan.ts):
// - a workgroup of WORKGROUP_SIZE threads serves WORKGROUP_SIZE / THREADS_PER_ROW rows, with
//   THREADS_PER_ROW threads on each row (a power of two from 1 to WORKGROUP_SIZE that the host picks
//   from the row length). Many short rows share a workgroup instead of wasting one each; a long row
//   gets the whole workgroup. Within a row, neighbouring threads read neighbouring elements, so reads
//   coalesce;
// - a thread a row (the *_by_thread entry points), without workgroup memory or barriers;
// - the split form (split_statistics or split_dot, merge_partials, then *_split): params.parts threads
//   a row each reduce a strided part, one thread a row merges, and a flat pass writes the outputs. It
//   also serves a row longer than one binding, as segments.
//
// Numerics: one pass computes the row's max and sum together (online softmax: when a new max appears,
// the running sum is rescaled by exp(old_max - new_max)), with Kahan-compensated summation, and the
// per-thread partial results are merged pairwise in workgroup memory. The sum is kept as 1 + rest
// (the max element's own term apart), so log-softmax's log(sum) = log1p(rest) keeps full precision.
// A second pass writes exp(x - max) / (1 + rest), with x - max taken exactly (two-sum) so that the
// output's relative error does not grow with the spread of the row. Special values are classified from their bits:
//   - a NaN anywhere in the row makes the whole row NaN;
//   - +Infinity entries share the probability equally (1/k each, 0 elsewhere): the limit of softmax
//     as those entries grow, where the float64 formula would give NaN;
//   - -Infinity entries get 0; a row with no entry above -Infinity (all -Infinity) is NaN, as the
//     float64 formula gives: there is no distribution to return.
// log_softmax follows the same rules in log space (log 0 = -Infinity), and returns x - max - log(sum)
// with an accurate log. softmax_backward computes dx = y * (dy - sum(dy * y)) from the forward output y.

struct Params {
  rows: u32,
  cols: u32,
  // A quiet NaN and -Infinity, from the host: NaN or infinite constants in WGSL are shader-creation errors.
  nan_bits: u32,
  negative_infinity_bits: u32,
  // Elements bound: rows * cols.
  length: u32,
  // The split kernels: threads that share a row (each takes every parts-th element).
  parts: u32,
  _pad0: u32,
  _pad1: u32,
}

@group(0) @binding(0) var<storage, read> input_a: array<f32>;
@group(0) @binding(1) var<storage, read> input_b: array<f32>;
@group(0) @binding(2) var<storage, read_write> output_a: array<f32>;
// Per-row statistics written by merge_partials, read by the normalize_split entry points.
@group(0) @binding(3) var<storage, read> row_statistics_in: array<f32>;
@group(0) @binding(4) var<uniform> params: Params;

override WORKGROUP_SIZE: u32 = 256u;
override THREADS_PER_ROW: u32 = 32u;
// Log-softmax instead of softmax in the normalize_* entry points.
override LOG_SPACE: bool = false;

const NAN_FLAG: u32 = 0x80000000u;
// Set once the statistics hold a finite value: `sum` then excludes the max element's own exp(0) = 1.
const HAS_MAX_FLAG: u32 = 0x40000000u;
const COUNT_MASK: u32 = 0x3fffffffu;

var<workgroup> shared_max: array<f32, WORKGROUP_SIZE>;
var<workgroup> shared_sum: array<f32, WORKGROUP_SIZE>;
var<workgroup> shared_flags: array<u32, WORKGROUP_SIZE>;

// The statistics of (part of) a row. With HAS_MAX_FLAG: max is the largest finite value and the row's
// sum(exp(x - max)) is 1 + sum, the 1 kept apart so that log(1 + sum) = log1p(sum) stays accurate when
// the sum is near 1 (Kahan compensation in `compensation`). Without it, sum is a plain total relative
// to max (softmax backward's dot product uses max = 0). flags also hold NAN_FLAG and, in the low bits,
// the count of +Infinity entries.
struct RowStatistics {
  max: f32,
  sum: f32,
  compensation: f32,
  flags: u32,
}

fn kahan_add(statistics: ptr<function, RowStatistics>, term: f32) {
  let corrected = term - (*statistics).compensation;
  let total = (*statistics).sum + corrected;
  // Once the total is infinite (softmax backward with an infinite dy) the compensation would be
  // Infinity - Infinity = NaN and poison the sum; the plain sum is then the IEEE answer.
  if (!is_infinite(total)) {
    (*statistics).compensation = (total - (*statistics).sum) - corrected;
  }
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
  if (((*statistics).flags & HAS_MAX_FLAG) == 0u) {
    (*statistics).max = value;
    (*statistics).flags = (*statistics).flags | HAS_MAX_FLAG;
    return;
  }
  // One exp either way, and no branch around it (SIMD lanes that disagree would run both arms):
  // d = exp(-|value - max|). Below the max, d is the new term. Above it, the old max's 1 and
  // everything relative to it rescale by d = exp(old_max - value), and d is the old max's term.
  let current_max = (*statistics).max;
  let d = exp_of_difference(min(value, current_max), max(value, current_max));
  let rescale = select(1.0, d, value > current_max);
  (*statistics).sum = (*statistics).sum * rescale;
  (*statistics).compensation = (*statistics).compensation * rescale;
  kahan_add(statistics, d);
  (*statistics).max = max(current_max, value);
}

// Merges the statistics of two parts of a row.
fn merge_statistics(a: RowStatistics, b: RowStatistics) -> RowStatistics {
  let nan = (a.flags | b.flags) & NAN_FLAG;
  let has_max = (a.flags | b.flags) & HAS_MAX_FLAG;
  let count = (a.flags & COUNT_MASK) + (b.flags & COUNT_MASK);
  let flags = nan | has_max | count;
  let a_has_max = (a.flags & HAS_MAX_FLAG) != 0u;
  let b_has_max = (b.flags & HAS_MAX_FLAG) != 0u;
  if (a_has_max && b_has_max) {
    // The smaller max's implicit 1 becomes an explicit term of the larger's sum.
    if (a.max >= b.max) {
      return RowStatistics(a.max, a.sum + (1.0 + b.sum) * exp_of_difference(b.max, a.max), 0.0, flags);
    }
    return RowStatistics(b.max, b.sum + (1.0 + a.sum) * exp_of_difference(a.max, b.max), 0.0, flags);
  }
  if (a_has_max) {
    return RowStatistics(a.max, a.sum, 0.0, flags); // b holds no finite value: its sum is 0
  }
  if (b_has_max) {
    return RowStatistics(b.max, b.sum, 0.0, flags);
  }
  let merged_max = max(a.max, b.max);
  return RowStatistics(merged_max, a.sum * exp_of_difference(a.max, merged_max) + b.sum * exp_of_difference(b.max, merged_max), 0.0, flags);
}

// Reduces each row's per-thread statistics to one, visible to every thread of the row: the one
// reduction routine of softmax, log-softmax and softmax backward. Must be called from uniform control
// flow by every thread of the workgroup (it holds barriers).
fn reduce_row_statistics(local_index: u32, lane: u32, own: RowStatistics) -> RowStatistics {
  shared_max[local_index] = own.max;
  shared_sum[local_index] = own.sum - own.compensation;
  shared_flags[local_index] = own.flags;
  for (var stride = THREADS_PER_ROW / 2u; stride > 0u; stride = stride / 2u) {
    workgroupBarrier();
    if (lane < stride) {
      let other = local_index + stride;
      let merged = merge_statistics(
        RowStatistics(shared_max[local_index], shared_sum[local_index], 0.0, shared_flags[local_index]),
        RowStatistics(shared_max[other], shared_sum[other], 0.0, shared_flags[other]));
      shared_max[local_index] = merged.max;
      shared_sum[local_index] = merged.sum;
      shared_flags[local_index] = merged.flags;
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
  let positive_infinities = row.flags & COUNT_MASK;
  if (positive_infinities > 0u) {
    return select(0.0, 1.0 / f32(positive_infinities), is_positive_infinity(value));
  }
  if ((row.flags & HAS_MAX_FLAG) == 0u) {
    return bitcast<f32>(params.nan_bits); // every entry was -Infinity
  }
  if (is_negative_infinity(value)) {
    return 0.0;
  }
  return exp_of_difference(value, row.max) / (1.0 + row.sum);
}

// Where a thread works: its row, its lane within the row's threads, and whether the row exists.
struct RowPosition {
  row: u32,
  row_start: u32,
  row_end: u32,
  lane: u32,
  in_range: bool,
}

fn row_position(workgroup_id: vec3<u32>, local_index: u32, workgroups: vec3<u32>) -> RowPosition {
  let rows_per_workgroup = WORKGROUP_SIZE / THREADS_PER_ROW;
  let row = (workgroup_id.x + workgroup_id.y * workgroups.x) * rows_per_workgroup + local_index / THREADS_PER_ROW;
  let row_start = row * params.cols;
  let row_end = min(row_start + params.cols, params.length);
  return RowPosition(row, row_start, row_end, local_index % THREADS_PER_ROW, row < params.rows);
}

// The statistics of the row of input_a this thread works on, identical for all the row's threads.
fn input_row_statistics(position: RowPosition, local_index: u32) -> RowStatistics {
  var own = RowStatistics(0.0, 0.0, 0.0, 0u);
  if (position.in_range) {
    for (var at = position.row_start + position.lane; at < position.row_end; at = at + THREADS_PER_ROW) {
      add_element(&own, input_a[at]);
    }
  }
  return reduce_row_statistics(local_index, position.lane, own);
}

fn log_softmax_value(value: f32, row: RowStatistics) -> f32 {
  let negative_infinity = bitcast<f32>(params.negative_infinity_bits);
  let positive_infinities = row.flags & COUNT_MASK;
  if ((row.flags & NAN_FLAG) != 0u || (positive_infinities == 0u && (row.flags & HAS_MAX_FLAG) == 0u)) {
    return bitcast<f32>(params.nan_bits);
  }
  if (positive_infinities > 0u) {
    return select(negative_infinity, -log_at_least_one(f32(positive_infinities)), is_positive_infinity(value));
  }
  if (is_negative_infinity(value)) {
    return negative_infinity;
  }
  // No two-sum here (unlike exp_of_difference): value - max <= 0 and log(sum) >= 0, so the result is at
  // least as large as value - max and the subtraction's rounding is within half an ulp of it. (A
  // two-sum would also overflow for values near float32's limits.) Beyond -3.4e38 this is -Infinity.
  let difference = value - row.max;
  if (is_negative_infinity(difference)) {
    return negative_infinity;
  }
  return difference - log1p_nonnegative(row.sum);
}

// softmax, or log-softmax with LOG_SPACE: one entry point, two pipelines.
fn normalized_value(value: f32, row: RowStatistics) -> f32 {
  if (LOG_SPACE) {
    return log_softmax_value(value, row);
  }
  return softmax_value(value, row);
}

@compute @workgroup_size(WORKGROUP_SIZE)
fn normalize_rows(@builtin(workgroup_id) workgroup_id: vec3<u32>,
                  @builtin(local_invocation_index) local_index: u32,
                  @builtin(num_workgroups) workgroups: vec3<u32>) {
  let position = row_position(workgroup_id, local_index, workgroups);
  let statistics = input_row_statistics(position, local_index);
  if (position.in_range) {
    for (var at = position.row_start + position.lane; at < position.row_end; at = at + THREADS_PER_ROW) {
      output_a[at] = normalized_value(input_a[at], statistics);
    }
  }
}


// dx = y * (dy - sum(dy * y)): input_a is y (the softmax output), input_b is dy.
@compute @workgroup_size(WORKGROUP_SIZE)
fn softmax_backward(@builtin(workgroup_id) workgroup_id: vec3<u32>,
                    @builtin(local_invocation_index) local_index: u32,
                    @builtin(num_workgroups) workgroups: vec3<u32>) {
  let position = row_position(workgroup_id, local_index, workgroups);
  var own = RowStatistics(0.0, 0.0, 0.0, 0u);
  if (position.in_range) {
    for (var at = position.row_start + position.lane; at < position.row_end; at = at + THREADS_PER_ROW) {
      kahan_add(&own, input_a[at] * input_b[at]);
    }
  }
  // Without HAS_MAX_FLAG and with max 0, the shared reduction adds plain sums.
  let dot = reduce_row_statistics(local_index, position.lane, own).sum;
  if (position.in_range) {
    for (var at = position.row_start + position.lane; at < position.row_end; at = at + THREADS_PER_ROW) {
      output_a[at] = input_a[at] * (input_b[at] - dot);
    }
  }
}

// ---- One thread per row: no workgroup memory and no barrier. For short rows on every device (a
// row's statistics need no merging), and for most longer rows on a software adapter, where a workgroup
// that holds any barrier has a large fixed cost whatever it does (see bench/NOTES.md, "Softmax: a
// thread per row, no barriers"; the host's choice: planRows in src/gpu/row-plan.ts).

fn thread_row(workgroup_id: vec3<u32>, local_index: u32, workgroups: vec3<u32>) -> RowPosition {
  let row = (workgroup_id.x + workgroup_id.y * workgroups.x) * WORKGROUP_SIZE + local_index;
  let row_start = row * params.cols;
  return RowPosition(row, row_start, min(row_start + params.cols, params.length), 0u, row < params.rows);
}

fn thread_row_statistics(position: RowPosition) -> RowStatistics {
  var own = RowStatistics(0.0, 0.0, 0.0, 0u);
  for (var at = position.row_start; at < position.row_end; at = at + 1u) {
    add_element(&own, input_a[at]);
  }
  return RowStatistics(own.max, own.sum - own.compensation, 0.0, own.flags);
}

@compute @workgroup_size(WORKGROUP_SIZE)
fn normalize_rows_by_thread(@builtin(workgroup_id) workgroup_id: vec3<u32>,
                            @builtin(local_invocation_index) local_index: u32,
                            @builtin(num_workgroups) workgroups: vec3<u32>) {
  let position = thread_row(workgroup_id, local_index, workgroups);
  if (!position.in_range) { return; }
  let statistics = thread_row_statistics(position);
  for (var at = position.row_start; at < position.row_end; at = at + 1u) {
    output_a[at] = normalized_value(input_a[at], statistics);
  }
}

@compute @workgroup_size(WORKGROUP_SIZE)
fn softmax_backward_by_thread(@builtin(workgroup_id) workgroup_id: vec3<u32>,
                              @builtin(local_invocation_index) local_index: u32,
                              @builtin(num_workgroups) workgroups: vec3<u32>) {
  let position = thread_row(workgroup_id, local_index, workgroups);
  if (!position.in_range) { return; }
  var own = RowStatistics(0.0, 0.0, 0.0, 0u);
  for (var at = position.row_start; at < position.row_end; at = at + 1u) {
    kahan_add(&own, input_a[at] * input_b[at]);
  }
  let dot = own.sum - own.compensation;
  for (var at = position.row_start; at < position.row_end; at = at + 1u) {
    output_a[at] = input_a[at] * (input_b[at] - dot);
  }
}

fn flat_index(workgroup_id: vec3<u32>, local_index: u32, workgroups: vec3<u32>) -> u32 {
  return (workgroup_id.x + workgroup_id.y * workgroups.x) * WORKGROUP_SIZE + local_index;
}


// ---- Few long rows, and rows longer than one binding (whose segments each get partials in one
// buffer), split across many threads in three passes of one submit: partial statistics
// (params.parts threads a row; thread p takes elements p, p + parts, ..., so neighbouring threads read
// neighbouring addresses, with no barrier), a merge per row, then a flat pass writing the outputs. A
// row's statistics travel as four floats: max, sum, +Infinity count, has-max + 2 * NaN.

fn store_statistics(at: u32, statistics: RowStatistics) {
  let flag_bits = select(0.0, 1.0, (statistics.flags & HAS_MAX_FLAG) != 0u) + select(0.0, 2.0, (statistics.flags & NAN_FLAG) != 0u);
  output_a[at * 4u] = statistics.max;
  output_a[at * 4u + 1u] = statistics.sum - statistics.compensation;
  output_a[at * 4u + 2u] = f32(statistics.flags & COUNT_MASK);
  output_a[at * 4u + 3u] = flag_bits;
}

fn load_statistics(values: vec4<f32>) -> RowStatistics {
  let flag_bits = u32(values.w);
  let flags = select(0u, HAS_MAX_FLAG, (flag_bits & 1u) != 0u) | select(0u, NAN_FLAG, (flag_bits & 2u) != 0u) | u32(values.z);
  return RowStatistics(values.x, values.y, 0.0, flags);
}

// Thread (row, part) of the partial pass.
fn split_position(workgroup_id: vec3<u32>, local_index: u32, workgroups: vec3<u32>) -> RowPosition {
  let thread = (workgroup_id.x + workgroup_id.y * workgroups.x) * WORKGROUP_SIZE + local_index;
  let row = thread / params.parts;
  let row_start = row * params.cols;
  return RowPosition(thread, row_start, row_start + params.cols, thread % params.parts, row < params.rows);
}

@compute @workgroup_size(WORKGROUP_SIZE)
fn split_statistics(@builtin(workgroup_id) workgroup_id: vec3<u32>,
                    @builtin(local_invocation_index) local_index: u32,
                    @builtin(num_workgroups) workgroups: vec3<u32>) {
  let position = split_position(workgroup_id, local_index, workgroups);
  if (!position.in_range) { return; }
  var own = RowStatistics(0.0, 0.0, 0.0, 0u);
  for (var at = position.row_start + position.lane; at < position.row_end; at = at + params.parts) {
    add_element(&own, input_a[at]);
  }
  store_statistics(position.row, own);
}

@compute @workgroup_size(WORKGROUP_SIZE)
fn split_dot(@builtin(workgroup_id) workgroup_id: vec3<u32>,
             @builtin(local_invocation_index) local_index: u32,
             @builtin(num_workgroups) workgroups: vec3<u32>) {
  let position = split_position(workgroup_id, local_index, workgroups);
  if (!position.in_range) { return; }
  var own = RowStatistics(0.0, 0.0, 0.0, 0u);
  for (var at = position.row_start + position.lane; at < position.row_end; at = at + params.parts) {
    kahan_add(&own, input_a[at] * input_b[at]);
  }
  store_statistics(position.row, own);
}

// One thread a row: merges its params.parts partials (input_a, four floats each) into output_a.
@compute @workgroup_size(WORKGROUP_SIZE)
fn merge_partials(@builtin(workgroup_id) workgroup_id: vec3<u32>,
                  @builtin(local_invocation_index) local_index: u32,
                  @builtin(num_workgroups) workgroups: vec3<u32>) {
  let row = flat_index(workgroup_id, local_index, workgroups);
  if (row >= params.rows) { return; }
  var merged = RowStatistics(0.0, 0.0, 0.0, 0u);
  for (var part = 0u; part < params.parts; part = part + 1u) {
    let at = (row * params.parts + part) * 4u;
    merged = merge_statistics(merged, load_statistics(vec4<f32>(input_a[at], input_a[at + 1u], input_a[at + 2u], input_a[at + 3u])));
  }
  store_statistics(row, merged);
}

fn merged_statistics(row: u32) -> RowStatistics {
  let at = row * 4u;
  return load_statistics(vec4<f32>(row_statistics_in[at], row_statistics_in[at + 1u], row_statistics_in[at + 2u], row_statistics_in[at + 3u]));
}

@compute @workgroup_size(WORKGROUP_SIZE)
fn normalize_split(@builtin(workgroup_id) workgroup_id: vec3<u32>,
                   @builtin(local_invocation_index) local_index: u32,
                   @builtin(num_workgroups) workgroups: vec3<u32>) {
  let i = flat_index(workgroup_id, local_index, workgroups);
  if (i < params.length) {
    output_a[i] = normalized_value(input_a[i], merged_statistics(i / params.cols));
  }
}

@compute @workgroup_size(WORKGROUP_SIZE)
fn softmax_backward_split(@builtin(workgroup_id) workgroup_id: vec3<u32>,
                          @builtin(local_invocation_index) local_index: u32,
                          @builtin(num_workgroups) workgroups: vec3<u32>) {
  let i = flat_index(workgroup_id, local_index, workgroups);
  if (i < params.length) {
    output_a[i] = input_a[i] * (input_b[i] - merged_statistics(i / params.cols).sum);
  }
}
