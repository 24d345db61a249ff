// The accuracy view: for every op and implementation, the largest error in float32 ulps of the float64
// result over a dense sweep of inputs, the error against x (binned, for a chart), and what each returns
// on special cases. Knows nothing of the DOM (bench/render.ts draws it) and runs in Node too.
import { createRandom } from '../tests/support/prng.ts';
import { maxRelativeError } from './accuracy.ts';
import { float16Bits, float16Value } from './onnx-graph.ts';
import type { BenchOp, OpInputs } from './ops.ts';
import { ortOutputToFloat32 } from './ort.ts';
import type { BackendId, Unavailable } from './results.ts';

/** The implementations the view compares, in column order: ours on both backends, the peers, the plain loop. */
export const ACCURACY_IMPLEMENTATIONS = [
  { id: 'webgpu', label: 'ours WebGPU' },
  { id: 'cpu', label: 'ours CPU' },
  { id: 'tfjs-webgpu', label: 'TF.js webgpu' },
  { id: 'tfjs-wasm', label: 'TF.js wasm' },
  { id: 'tfjs-cpu', label: 'TF.js cpu' },
  { id: 'ort-webgpu', label: 'ORT webgpu' },
  { id: 'ort-wasm', label: 'ORT wasm' },
  { id: 'js', label: 'plain JS loop' },
] as const satisfies readonly { id: BackendId; label: string }[];

export type AccuracyImplementation = (typeof ACCURACY_IMPLEMENTATIONS)[number]['id'];

/** How an implementation computes an op on given inputs (run.ts's backends), or why it cannot. */
export type CallFor = (
  backend: BackendId,
  op: BenchOp,
  inputs: OpInputs,
) => Promise<(() => Promise<ArrayLike<number>> | ArrayLike<number>) | Unavailable>;

const SMALLEST_SUBNORMAL = 2 ** -149;
const SMALLEST_NORMAL = 2 ** -126;

/**
 * |actual - expected| in float32 ulps at the float64 result `expected` (at `scale` instead, when larger:
 * the magnitude of the terms of a result that cancels). Below the smallest normal float32, in units of
 * the smallest subnormal. A NaN, or an infinity, where the other has none: Infinity; both NaN: 0.
 */
export function errorInUlps(actual: number, expected: number, scale = 0): number {
  if (Number.isNaN(actual) || Number.isNaN(expected)) return Number.isNaN(actual) === Number.isNaN(expected) ? 0 : Number.POSITIVE_INFINITY;
  if (!Number.isFinite(actual) || !Number.isFinite(expected)) return actual === expected ? 0 : Number.POSITIVE_INFINITY;
  const magnitude = Math.max(Math.abs(expected), scale);
  const ulp = magnitude < SMALLEST_NORMAL ? SMALLEST_SUBNORMAL : 2 ** (Math.floor(Math.log2(magnitude)) - 23);
  return Math.abs(actual - expected) / ulp;
}

/** The float32 values next to `center`, `count` on each side (every float32 in that narrow range). */
function floatsAround(center: number, count: number): number[] {
  const bits = new Int32Array(new Float32Array([center]).buffer)[0] as number;
  const values: number[] = [];
  const view = new Float32Array(1);
  const asBits = new Int32Array(view.buffer);
  for (let i = -count; i <= count; i++) {
    // Around 0 the steps go through the subnormals of both signs.
    const step = bits + i;
    asBits[0] = center === 0 && i < 0 ? 0x80000000 | -i : step;
    values.push(view[0] as number);
  }
  return values;
}

/**
 * How dense a sweep is: grid points over [-100, 100], points per side in the tails (|x| from 100 to the
 * largest float32, log-spaced), consecutive float32s on each side of each narrow range's centre. A quick
 * run takes the sparse one (seconds, not minutes, through the eight implementations).
 */
export const SWEEP_DENSITY = {
  full: { grid: 1 << 16, tail: 2048, narrow: 2048 },
  quick: { grid: 1 << 12, tail: 256, narrow: 256 },
} as const;
export type SweepDensity = keyof typeof SWEEP_DENSITY;

/**
 * The x values of an elementwise op's sweep, sorted: a fine grid over [-100, 100], the tails out to
 * +-3.4e38, and every float32 in narrow ranges around 0 and the op's own points (its derivative's zeros).
 */
export function elementwiseSweep(points: readonly number[] = [], density: SweepDensity = 'full'): Float32Array {
  const { grid, tail, narrow } = SWEEP_DENSITY[density];
  const values: number[] = [];
  for (let i = 0; i < grid; i++) values.push(-100 + (200 * i) / (grid - 1));
  const logLow = Math.log(100);
  const logHigh = Math.log(3.4e38);
  for (let i = 1; i <= tail; i++) {
    const magnitude = Math.exp(logLow + ((logHigh - logLow) * i) / tail);
    values.push(magnitude, -magnitude);
  }
  for (const center of [0, ...points]) values.push(...floatsAround(center, narrow));
  const sweep = Float32Array.from(values);
  return sweep.sort();
}

/** The rows of a row op's sweep: random in [-30, 30], rows of 16, 1024 and 65536 (a fixed seed); quick: the first two. */
export const ROW_SWEEP_SHAPES = {
  full: [
    { rows: 64, cols: 16 },
    { rows: 16, cols: 1024 },
    { rows: 1, cols: 65536 },
  ],
  quick: [
    { rows: 16, cols: 16 },
    { rows: 4, cols: 1024 },
  ],
} as const;

export interface AccuracyChart {
  /** Bin centres (x), and per implementation the largest ulps in each bin (null: nothing there or unavailable). */
  readonly x: number[];
  readonly ulps: Partial<Record<AccuracyImplementation, (number | null)[]>>;
}

export interface SpecialCase {
  /** `NaN`, `+Infinity`, `-0`, `row of -Infinity`, `70000 x 16`, `float16 row of 4096`, ... */
  readonly label: string;
  /** What float64 gives, as text. */
  readonly reference: string;
  /** Per implementation: what it returned (as text), and whether that differs from float64. */
  readonly outputs: Partial<Record<AccuracyImplementation, { readonly text: string; readonly differs: boolean } | Unavailable>>;
}

export interface OpAccuracy {
  readonly op: string;
  readonly label: string;
  readonly family: 'elementwise' | 'rows';
  /** Elements in the sweep. */
  readonly sweepElements: number;
  /** Per implementation: the largest error in float32 ulps over the sweep ("Infinity" in JSON: a NaN or infinity off). */
  readonly maxUlps: Partial<Record<AccuracyImplementation, number | Unavailable>>;
  /**
   * The same over the elements whose float64 result is 0, NaN, infinite or at least {@link UNDERFLOW_MARGIN}
   * in magnitude: the error away from underflow, where the largest errors above (results near the
   * subnormals, flushed or lost in exp's range) do not hide the rest.
   */
  readonly maxUlpsAwayFromUnderflow: Partial<Record<AccuracyImplementation, number>>;
  /**
   * Per implementation: the largest relative error over the sweep, as the timed cells measure it (against at
   * least the smallest normal, so that a GPU's flushed subnormals count as the README allows).
   */
  readonly maxRelativeError: Partial<Record<AccuracyImplementation, number>>;
  /** Where each implementation's largest error is (x of the element). */
  readonly worstX: Partial<Record<AccuracyImplementation, number>>;
  readonly chart: AccuracyChart;
  readonly specialCases: SpecialCase[];
}

const CHART_BINS = 240;

/** Results at least this large (or exactly 0, NaN or infinite) count as away from underflow. */
export const UNDERFLOW_MARGIN = 1e-30;

/**
 * The chart's x range: [-100, 100] for elementwise ops (the tails beyond are in the tables' figures, not
 * charted), [-30, 30] for row ops (their inputs' range). Linear bins over it.
 */
function chartRange(family: 'elementwise' | 'rows'): number {
  return family === 'rows' ? 30 : 100;
}

/** The bin of x, or -1 outside the chart's range. */
function binOf(x: number, range: number): number {
  if (!(Math.abs(x) <= range)) return -1;
  return Math.min(CHART_BINS - 1, Math.floor(((x + range) / (2 * range)) * CHART_BINS));
}

function binCenter(bin: number, range: number): number {
  return -range + ((bin + 0.5) / CHART_BINS) * 2 * range;
}

function formatValue(value: number): string {
  if (Object.is(value, -0)) return '-0';
  if (Number.isNaN(value) || !Number.isFinite(value) || value === 0) return String(value);
  return Number(value.toPrecision(4)).toString();
}

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** Runs `call`, widening ORT's float16 outputs; a thrown error becomes Unavailable. */
async function output(callFor: CallFor, backend: BackendId, op: BenchOp, inputs: OpInputs): Promise<Float32Array | Unavailable> {
  try {
    const call = await callFor(backend, op, inputs);
    if ('unavailable' in call) return call;
    return ortOutputToFloat32(await call());
  } catch (error) {
    return { unavailable: `failed: ${message(error)}` };
  }
}

/** The inputs of one sweep: x (or the op's mapping of x), dy = 1 for the backward ops (their error is f'(x)'s). */
function sweepInputs(op: BenchOp, x: Float32Array): OpInputs {
  return op.accuracyInputs ? op.accuracyInputs(x) : { x, shape: { rows: 1, cols: x.length } };
}

/** Row-op inputs for a shape: x random in [-30, 30] (the op maps it, e.g. to softmax outputs and a gradient). */
function rowInputs(op: BenchOp, random: () => number, shape: { rows: number; cols: number }): OpInputs {
  const x = new Float32Array(shape.rows * shape.cols);
  for (let i = 0; i < x.length; i++) x[i] = -30 + 60 * random();
  return op.accuracyRows ? op.accuracyRows(x, shape, random) : { x, shape };
}

/** The special cases of an elementwise op: NaN, the infinities, -0 (dy = 1 for the backward ops). */
const ELEMENTWISE_SPECIALS: readonly [string, number][] = [
  ['NaN', Number.NaN],
  ['+Infinity', Number.POSITIVE_INFINITY],
  ['-Infinity', Number.NEGATIVE_INFINITY],
  ['-0', -0],
];

/**
 * A special result that differs from float64: a NaN, infinity or zero (its sign included, Object.is) that
 * float64 does not give, or a finite value off by more than 1e-5 relative (our tolerance).
 */
function differs(actual: number, expected: number, signedZeros = true): boolean {
  if (Number.isNaN(actual) || Number.isNaN(expected)) return Number.isNaN(actual) !== Number.isNaN(expected);
  const rounded = Math.fround(expected);
  if (!signedZeros && actual === 0 && rounded === 0) return false;
  if (!Number.isFinite(actual) || !Number.isFinite(rounded) || actual === 0 || rounded === 0) return !Object.is(actual, rounded);
  return Math.abs(actual - expected) > 1e-5 * Math.abs(expected);
}

/**
 * The accuracy of one op: every implementation over the sweep, then the special cases. `callFor` is
 * the benchmark's own (bench/run.ts), so each implementation runs as in the timed columns.
 */
export async function measureAccuracy(op: BenchOp, callFor: CallFor, density: SweepDensity = 'full'): Promise<OpAccuracy> {
  const maxUlps: OpAccuracy['maxUlps'] = {};
  const relative: OpAccuracy['maxRelativeError'] = {};
  const away: OpAccuracy['maxUlpsAwayFromUnderflow'] = {};
  const worstX: OpAccuracy['worstX'] = {};
  const chartUlps: AccuracyChart['ulps'] = {};
  // Each sweep: inputs, the x each element is charted at, the float64 reference, the error scale.
  const sweeps: { inputs: OpInputs; x: Float32Array; reference: Float64Array; scale?: Float64Array | undefined }[] = [];
  if (op.family === 'elementwise') {
    const x = elementwiseSweep(op.accuracyPoints, density);
    const inputs = sweepInputs(op, x);
    sweeps.push({ inputs, x, reference: op.reference(inputs), scale: op.errorScale?.(inputs) });
  } else {
    const random = createRandom(0xacc);
    for (const shape of ROW_SWEEP_SHAPES[density]) {
      const inputs = rowInputs(op, random, shape);
      sweeps.push({ inputs, x: inputs.x, reference: op.reference(inputs), scale: op.errorScale?.(inputs) });
    }
  }
  const sweepElements = sweeps.reduce((sum, sweep) => sum + sweep.x.length, 0);
  const range = chartRange(op.family);
  for (const { id } of ACCURACY_IMPLEMENTATIONS) {
    const bins: (number | null)[] = new Array(CHART_BINS).fill(null);
    let worst = 0;
    let unavailable: Unavailable | undefined;
    for (const sweep of sweeps) {
      const result = await output(callFor, id, op, sweep.inputs);
      if ('unavailable' in result) {
        unavailable = result;
        break;
      }
      relative[id] = Math.max(relative[id] ?? 0, maxRelativeError(result, sweep.reference, sweep.scale));
      // An op with k outputs per element (sigmoidWithDerivative: 2) is charted at the element's x.
      const n = sweep.x.length;
      for (let i = 0; i < result.length; i++) {
        const ulps = errorInUlps(result[i] as number, sweep.reference[i] as number, sweep.scale?.[i] ?? 0);
        const x = sweep.x[i % n] as number;
        if (ulps > worst) {
          worst = ulps;
          worstX[id] = x;
        }
        const expected = Math.abs(sweep.reference[i] as number);
        if ((expected === 0 || !(expected < UNDERFLOW_MARGIN)) && !(ulps <= (away[id] ?? -1))) away[id] = ulps;
        const bin = binOf(x, range);
        if (bin >= 0 && ulps > ((bins[bin] as number | null) ?? -1)) bins[bin] = ulps;
      }
      if (result.length !== sweep.reference.length) worst = Number.POSITIVE_INFINITY;
    }
    maxUlps[id] = unavailable ?? worst;
    if (!unavailable) chartUlps[id] = bins;
  }
  const chart: AccuracyChart = { x: Array.from({ length: CHART_BINS }, (_, bin) => binCenter(bin, range)), ulps: chartUlps };
  return {
    op: op.id,
    label: op.label,
    family: op.family,
    sweepElements,
    maxUlps,
    maxUlpsAwayFromUnderflow: away,
    maxRelativeError: relative,
    worstX,
    chart,
    specialCases: await specialCases(op, callFor, density),
  };
}

async function specialCases(op: BenchOp, callFor: CallFor, density: SweepDensity): Promise<SpecialCase[]> {
  const cases: SpecialCase[] = [];
  if (op.family === 'elementwise') {
    for (const [label, value] of ELEMENTWISE_SPECIALS) {
      const inputs = sweepInputs(op, Float32Array.of(value));
      const reference = op.reference(inputs);
      const outputs: SpecialCase['outputs'] = {};
      for (const { id } of ACCURACY_IMPLEMENTATIONS) {
        const result = await output(callFor, id, op, inputs);
        if ('unavailable' in result) outputs[id] = result;
        else {
          const values = Array.from(result);
          outputs[id] = {
            text: values.map(formatValue).join(', '),
            differs: values.some((v, i) => differs(v, reference[i] as number)),
          };
        }
      }
      cases.push({ label: `x = ${label}`, reference: Array.from(reference, formatValue).join(', '), outputs });
    }
    return cases;
  }
  const rows = op.accuracySpecialRows?.() ?? [];
  for (const { label, inputs } of rows) {
    const reference = op.reference(inputs);
    const outputs: SpecialCase['outputs'] = {};
    for (const { id } of ACCURACY_IMPLEMENTATIONS) {
      const result = await output(callFor, id, op, inputs);
      if ('unavailable' in result) outputs[id] = result;
      else outputs[id] = summarizeRow(result, reference);
    }
    cases.push({ label, reference: summarizeReference(reference), outputs });
  }
  // 70000 rows through eight implementations takes tens of seconds on a software adapter: full runs only.
  const large = density === 'full' ? await largeBatchCase(op, callFor) : undefined;
  if (large) cases.push(large);
  const half = await float16RowCase(op, callFor);
  if (half) cases.push(half);
  return cases;
}

/**
 * A short row (4 values): every value; a long one: its largest error. A zero's sign is not held here: in a
 * row op it follows from the formula's order (log-softmax's -log(1) = -0 for a row's single +Infinity).
 */
function summarizeRow(result: Float32Array, reference: Float64Array): { text: string; differs: boolean } {
  if (result.length <= 8) {
    const values = Array.from(result);
    return { text: values.map(formatValue).join(', '), differs: values.some((v, i) => differs(v, reference[i] as number, false)) };
  }
  let worst = 0;
  for (let i = 0; i < result.length; i++) worst = Math.max(worst, errorInUlps(result[i] as number, reference[i] as number));
  return { text: `max ${formatUlps(worst)} ulps`, differs: !(worst <= 64) };
}

function summarizeReference(reference: Float64Array): string {
  return reference.length <= 8 ? Array.from(reference, formatValue).join(', ') : `${reference.length} values`;
}

/** Ulps as the tables print them: 0.5, 3, 1.2e+5, inf. */
export function formatUlps(ulps: number): string {
  if (!Number.isFinite(ulps)) return 'inf';
  if (ulps < 10) return Number(ulps.toPrecision(2)).toString();
  if (ulps < 1e5) return ulps.toFixed(0);
  return ulps.toExponential(1);
}

/** More than 65535 rows (70000 x 16, one dispatch dimension's limit): the largest error per implementation. */
async function largeBatchCase(op: BenchOp, callFor: CallFor): Promise<SpecialCase | undefined> {
  if (op.family !== 'rows') return undefined;
  const random = createRandom(0x70000);
  const inputs = rowInputs(op, random, { rows: 70_000, cols: 16 });
  const reference = op.reference(inputs);
  const scale = op.errorScale?.(inputs);
  const outputs: SpecialCase['outputs'] = {};
  for (const { id } of ACCURACY_IMPLEMENTATIONS) {
    const result = await output(callFor, id, op, inputs);
    if ('unavailable' in result) {
      outputs[id] = result;
      continue;
    }
    let worst = 0;
    for (let i = 0; i < result.length; i++)
      worst = Math.max(worst, errorInUlps(result[i] as number, reference[i] as number, scale?.[i] ?? 0));
    outputs[id] = { text: `max ${formatUlps(worst)} ulps`, differs: !(worst <= 64) };
  }
  return { label: '70000 x 16 (> 65535 rows)', reference: 'max 0.5 ulps', outputs };
}

/**
 * A float16 row of 4096 (x in [-5, 5)): the float16 columns are ORT's (our library and TF.js take no
 * float16 input here); ORT's WebGPU EP returns zeros without shader-f16, so it is not run there.
 * The error is in float16 ulps-of-float32 terms divided by 2^13, i.e. in float16 ulps.
 */
async function float16RowCase(op: BenchOp, callFor: CallFor): Promise<SpecialCase | undefined> {
  if (op.id !== 'softmax' && op.id !== 'logSoftmax') return undefined;
  const random = createRandom(0xf16);
  const x = new Float32Array(4096);
  // float16 values, so that the float16 input is the float32 one the reference sees.
  for (let i = 0; i < x.length; i++) x[i] = float16Value(float16Bits(-5 + 10 * random()));
  const inputs: OpInputs = { x, shape: { rows: 1, cols: 4096 } };
  const reference = op.reference(inputs);
  const outputs: SpecialCase['outputs'] = {};
  for (const { id } of ACCURACY_IMPLEMENTATIONS) {
    const half: BackendId | undefined = id === 'ort-webgpu' ? 'ort-webgpu-f16' : id === 'ort-wasm' ? 'ort-wasm-f16' : undefined;
    if (!half) {
      outputs[id] = { unavailable: 'no float16 input' };
      continue;
    }
    const result = await output(callFor, half, op, inputs);
    if ('unavailable' in result) {
      outputs[id] = result;
      continue;
    }
    let worst = 0;
    let zeros = 0;
    for (let i = 0; i < result.length; i++) {
      worst = Math.max(worst, errorInUlps(result[i] as number, reference[i] as number) / 2 ** 13);
      if (result[i] === 0) zeros++;
    }
    outputs[id] = {
      text: `max ${formatUlps(worst)} float16 ulps${zeros > 0 ? `, ${zeros} zeros` : ''}`,
      differs: !(worst <= 4) || zeros > 0,
    };
  }
  return { label: 'float16 row of 4096', reference: 'within 0.5 float16 ulps', outputs };
}
