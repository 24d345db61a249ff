// The benchmark's op table. The activation ops come from the tests' table (tests/activations/<name>.ts,
// one file per activation: inputs' edges, float64 reference, the plain-JS formula); every activation's
// forward op is benchmarked, and each op that has a peers' entry below. What this file adds is only the
// peers' columns (the loop a JavaScript developer writes, TF.js's version, a note), and the row ops.
// (Which ops a run takes by default: config.ts.)
import type * as TensorFlow from '@tensorflow/tfjs-core';
import type { Activations, ResidentOperations, Tensor } from 'webgpu-activations';
import type { ElementwiseActivation } from '../src/ops/activation.ts';
import { ACTIVATIONS, type ActivationName } from '../src/ops/elementwise.ts';
import type { ElementwiseKernel, RowKernel } from '../src/ops/kernels.ts';
import { type ActivationCases, alphaOf } from '../tests/support/activation-cases.ts';
import { FLOAT32_MIN_NORMAL } from '../tests/support/compare.ts';
import { ACTIVATION_CASES } from '../tests/support/op-cases.ts';
import { logSoftmax64, map64, map64Binary, overflowToInfinity, softmax64, softmaxBackward64 } from '../tests/support/reference.ts';

/** A rows x cols batch; elementwise ops use one row of `cols` elements. */
export interface BenchShape {
  readonly rows: number;
  readonly cols: number;
}

/** The arrays one call of an op takes: x (or y), dy for the backward ops, and the batch shape. */
export interface OpInputs {
  readonly x: Float32Array;
  readonly dy?: Float32Array;
  readonly shape: BenchShape;
}

/**
 * How the resident timing runs an op: through the library's own recording (`act.resident.with(encoder)`),
 * from input tensors into output tensors, so that it times exactly the dispatches a caller gets.
 */
export interface ResidentKernel {
  /** Records one call of the op into `ops` (a caller-encoder recording), writing `outputs`. */
  record(ops: ResidentOperations, inputs: readonly Tensor[], outputs: readonly Tensor[], shape: BenchShape): void;
  /** Ops with two outputs (f and f', read back one after the other): 2. Default 1. */
  readonly outputs?: 1 | 2;
}

export type TensorFlowModule = typeof TensorFlow;

export interface BenchOp {
  /** The name used in URLs, command-line flags and the JSON. */
  readonly id: string;
  /** How the table and charts name it. */
  readonly label: string;
  /** Elementwise ops are benchmarked over `sizes`; row ops over `shapes`. */
  readonly family: 'elementwise' | 'rows';
  /** Minimum memory traffic per element, for GB/s: every input read once, the output written once. */
  readonly bytesPerElement: number;
  inputs(random: () => number, shape: BenchShape): OpInputs;
  /** A few special inputs (NaN, large |x|) that show how each backend handles them. */
  edgeInputs(): OpInputs;
  reference(inputs: OpInputs): Float64Array;
  /**
   * For an op whose result cancels: per element, the magnitude of the terms it is computed from, which
   * its error is measured against where that exceeds |reference| (see maxRelativeError). Default: none.
   */
  errorScale?(inputs: OpInputs): Float64Array;
  ours(act: Activations, inputs: OpInputs): Promise<Float32Array>;
  /** The loop a JavaScript developer would write by hand. */
  plainJs(inputs: OpInputs): Float32Array;
  /**
   * The op as TF.js users write it, on tensors already made (by {@link tensorFlowInputs}: 1-D for
   * elementwise ops, [rows, cols] for row ops; dy for the backward ops). Called inside tf.tidy. End to
   * end ({@link tfjsEndToEnd}) the tensors are made from the arrays and the result read back; resident
   * (bench/tfjs.ts) they are made once and stay on the GPU. Absent where TF.js has no such op.
   */
  tfjs?(tf: TensorFlowModule, x: TensorFlow.Tensor, dy: TensorFlow.Tensor | undefined): TensorFlow.Tensor;
  readonly resident: ResidentKernel;
  /** What the plain JS loop or the TF.js version computes where that is not simply the op (shown with the edge cases). */
  readonly note?: string;
}

/** Uniform in [low, high), rounded to float32. */
function uniformArray(random: () => number, length: number, low: number, high: number): Float32Array {
  const values = new Float32Array(length);
  for (let i = 0; i < length; i++) values[i] = low + (high - low) * random();
  return values;
}

function requireGradient(inputs: OpInputs): Float32Array {
  if (!inputs.dy) throw new Error('this op needs dy');
  return inputs.dy;
}

function requireTensor(dy: TensorFlow.Tensor | undefined): TensorFlow.Tensor {
  if (!dy) throw new Error('this op needs dy');
  return dy;
}

/** Reads a TF.js tensor back as a Float32Array and disposes it. */
async function readAndDispose(tensor: TensorFlow.Tensor): Promise<Float32Array> {
  try {
    const data = await tensor.data();
    return data instanceof Float32Array ? data : Float32Array.from(data as ArrayLike<number>);
  } finally {
    tensor.dispose();
  }
}

/** The resident spec of an elementwise kernel of `activation`; `alpha` is its scalar parameter (leaky relu's slope). */
function elementwiseKernel(
  activation: ElementwiseActivation,
  kernel: ElementwiseKernel | 'forward_and_derivative',
  alpha?: number,
): ResidentKernel {
  const options = alpha === undefined ? {} : { alpha };
  return {
    outputs: kernel === 'forward_and_derivative' ? 2 : 1,
    record: (ops, [x, dy], [out, second]) => {
      const input = x as Tensor;
      const output = out as Tensor;
      if (kernel === 'forward') ops.forward(activation, input, { ...options, out: output });
      else if (kernel === 'derivative') ops.derivative(activation, input, { ...options, out: output });
      else if (kernel === 'derivative_from_output') ops.derivative(activation, input, { from: 'output', out: output });
      else if (kernel === 'backward') ops.backward(activation, input, dy as Tensor, { ...options, from: 'input', out: output });
      else if (kernel === 'backward_from_output') ops.backward(activation, input, dy as Tensor, { from: 'output', out: output });
      else ops.forwardWithDerivative(activation, input, { ...options, out: [output, second as Tensor] });
    },
  };
}

/** The resident spec of a row op: the library's own plan for the shape and the engine's row strategy, the split form included. */
function rowKernel(kernel: RowKernel): ResidentKernel {
  return {
    record: (ops, [x, dy], [out], shape) => {
      const options = { rows: shape.rows, cols: shape.cols, out: out as Tensor };
      if (kernel === 'softmax') ops.softmax(x as Tensor, options);
      else if (kernel === 'log_softmax') ops.logSoftmax(x as Tensor, options);
      else ops.softmaxBackward(x as Tensor, dy as Tensor, options);
    },
  };
}

/** One row of special inputs for an elementwise op. */
function edgeRow(values: readonly number[]): OpInputs {
  return { x: Float32Array.from(values), shape: { rows: 1, cols: values.length } };
}

/** f(x) for each element in float64, as float32 stores it where float64 is finite and float32 is not. */
function reference64(x: ArrayLike<number>, f: (v: number) => number): Float64Array {
  return map64(x, (v) => overflowToInfinity(f(v)));
}

/** A plain loop applying `f` to each element: what the JS baselines share. */
function mapLoop(x: Float32Array, f: (v: number) => number): Float32Array {
  const out = new Float32Array(x.length);
  for (let i = 0; i < x.length; i++) out[i] = f(x[i] as number);
  return out;
}

// The special inputs of every activation op (with the activation's own, from its test cases): NaN, the infinities, the largest float32
// magnitudes (3.4e38), signed zeros and a tiny normal. The negative side is per op: it goes as far as
// the result stays a normal float32 (a GPU may flush subnormals, which is not a difference of formula).
const FORWARD_EDGE_CORE = [
  Number.NaN,
  Number.NEGATIVE_INFINITY,
  -3.4e38,
  -1,
  -1e-30,
  -0,
  0,
  1e-30,
  1,
  10,
  100,
  3.4e38,
  Number.POSITIVE_INFINITY,
];
/**
 * erf by Abramowitz & Stegun 7.1.26 (|error| <= 1.5e-7 absolute): the approximation a JavaScript
 * developer copies, since there is no Math.erf. Its absolute error is relative error near 0 and ruins
 * 1 + erf(z) in the lower tail, so the plain-JS gelu is off there by design of the baseline.
 */
function erfAbramowitzStegun(z: number): number {
  const a = Math.abs(z);
  const t = 1 / (1 + 0.3275911 * a);
  const poly = ((((1.061405429 * t - 1.453152027) * t + 1.421413741) * t - 0.284496736) * t + 0.254829592) * t;
  const value = 1 - poly * Math.exp(-a * a);
  return z < 0 ? -value : value;
}

/** gelu'(x) = Phi(x) + x phi(x), the plain-JS way (A&S erf, Math.exp). */
function geluDerivativeJs(x: number): number {
  return 0.5 * (1 + erfAbramowitzStegun(x * Math.SQRT1_2)) + (x * Math.exp(-0.5 * x * x)) / Math.sqrt(2 * Math.PI);
}

/** Phi(x) = (1 + erf(x / sqrt 2)) / 2 in TF.js (core has erf but no gelu). */
function normalCdfTf(tf: TensorFlowModule, x: TensorFlow.Tensor): TensorFlow.Tensor {
  return tf.mul(0.5, tf.add(1, tf.erf(tf.mul(x, Math.SQRT1_2))));
}

/** Per element of a softmax backward, the magnitude of its terms: y_i (|dy_i| + sum_j |y_j dy_j|). */
function softmaxBackwardScale(y: Float32Array, dy: Float32Array, shape: BenchShape): Float64Array {
  const scale = new Float64Array(y.length);
  for (let r = 0; r < shape.rows; r++) {
    const start = r * shape.cols;
    const end = start + shape.cols;
    let magnitude = 0;
    for (let i = start; i < end; i++) magnitude += Math.abs((y[i] as number) * (dy[i] as number));
    for (let i = start; i < end; i++) scale[i] = (y[i] as number) * (Math.abs(dy[i] as number) + magnitude);
  }
  return scale;
}

/** Softmax outputs (float32) of uniform logits, rows x cols: what softmax backward receives in a network. */
function softmaxOutputs(random: () => number, shape: BenchShape): Float32Array {
  return Float32Array.from(softmax64(uniformArray(random, shape.rows * shape.cols, -10, 10), shape.rows, shape.cols));
}

/** The forms of an activation the benchmark can time, each an op id suffix: `sigmoidBackward`, `reluBackwardFromOutput`, ... */
type Form = '' | 'Derivative' | 'DerivativeFromOutput' | 'Backward' | 'BackwardFromOutput' | 'WithDerivative';

/**
 * The peers' columns of one op: what a JavaScript developer writes (`plainJs`: f, f' or y -> f'(y), as
 * the form needs; default the test table's `plainJs`, else its float64 reference), TF.js's version
 * (absent: TF.js has no such op), a label and a note shown with the edge cases.
 */
interface PeerColumns {
  readonly label?: string;
  readonly plainJs?: (v: number) => number;
  readonly tfjs?: (tf: TensorFlowModule, x: TensorFlow.Tensor) => TensorFlow.Tensor;
  readonly note?: string;
}

/**
 * The peers' columns, by op id. Every activation's forward op is benchmarked; its other forms only where
 * they have an entry here. For the backward forms, `plainJs` and `tfjs` give f'(x) (or f'(y)); the
 * benchmark multiplies by dy.
 */
const PEERS: Readonly<Record<string, PeerColumns>> = {
  sigmoid: { tfjs: (tf, x) => tf.sigmoid(x) },
  sigmoidDerivative: {
    plainJs: (v) => {
      const s = 1 / (1 + Math.exp(-v));
      return s * (1 - s);
    },
    // TF.js's own form (its sigmoid gradient is dy * y * (1 - y)): s * (1 - s) in float32.
    tfjs: (tf, x) => {
      const s = tf.sigmoid(x);
      return tf.mul(s, tf.sub(1, s));
    },
  },
  sigmoidDerivativeFromOutput: {
    label: 'sigmoidDerivative (from output)',
    plainJs: (y) => y * (1 - y),
    tfjs: (tf, y) => tf.mul(y, tf.sub(1, y)),
  },
  sigmoidBackward: { plainJs: (y) => y * (1 - y), tfjs: (tf, y) => tf.mul(y, tf.sub(1, y)) },
  sigmoidWithDerivative: {
    tfjs: (tf, x) => {
      const s = tf.sigmoid(x);
      return tf.concat([s, tf.mul(s, tf.sub(1, s))]);
    },
    note: 'Two outputs, read side by side. Plain JS loop and TF.js: s = 1 / (1 + exp(-x)), then s (1 - s), which cancels for large x.',
  },
  relu: { tfjs: (tf, x) => tf.relu(x) },
  reluBackward: {
    plainJs: (v) => (v > 0 ? 1 : 0),
    tfjs: (tf, x) => tf.step(x),
    note: "dy * relu'(x), relu'(0) = 0. Plain JS loop: x > 0 ? dy : 0. TF.js: dy * tf.step(x).",
  },
  leakyRelu: { tfjs: (tf, x) => tf.leakyRelu(x, 0.01) },
  leakyReluBackward: {
    plainJs: (v) => (v > 0 ? 1 : 0.01),
    tfjs: (tf, x) => tf.step(x, 0.01),
    note: "dy * leakyRelu'(x) with alpha 0.01. Plain JS loop: x > 0 ? dy : alpha dy. TF.js: dy * tf.step(x, alpha).",
  },
  tanh: { tfjs: (tf, x) => tf.tanh(x) },
  tanhBackward: {
    plainJs: (v) => {
      const t = Math.tanh(v);
      return 1 - t * t;
    },
    tfjs: (tf, x) => tf.sub(1, tf.square(tf.tanh(x))),
    note: "dy * tanh'(x) from the input. Plain JS loop and TF.js: 1 - tanh(x)^2, which cancels for |x| > 4 in float32 (TF.js).",
  },
  gelu: {
    label: 'gelu (erf form)',
    plainJs: (v) => 0.5 * v * (1 + erfAbramowitzStegun(v * Math.SQRT1_2)),
    tfjs: (tf, x) => tf.mul(x, normalCdfTf(tf, x)),
    note: 'Plain JS loop: 0.5 x (1 + erf(x / sqrt 2)) with the Abramowitz & Stegun 7.1.26 erf (absolute error 1.5e-7, so the lower tail is off). TF.js core has no gelu: x * 0.5 * (1 + tf.erf(x / sqrt 2)).',
  },
  geluBackward: {
    plainJs: geluDerivativeJs,
    tfjs: (tf, x) => {
      const pdf = tf.mul(1 / Math.sqrt(2 * Math.PI), tf.exp(tf.mul(-0.5, tf.square(x))));
      return tf.add(normalCdfTf(tf, x), tf.mul(x, pdf));
    },
    note: "dy * gelu'(x), gelu'(x) = Phi(x) + x phi(x). Plain JS loop: Phi from the Abramowitz & Stegun 7.1.26 erf. TF.js: Phi from tf.erf, phi from tf.exp.",
  },
  silu: { tfjs: (tf, x) => tf.mul(x, tf.sigmoid(x)), note: 'Plain JS loop: x / (1 + exp(-x)). TF.js: x * tf.sigmoid(x).' },
  siluBackward: {
    plainJs: (v) => {
      const s = 1 / (1 + Math.exp(-v));
      return s * (1 + v * (1 - s));
    },
    tfjs: (tf, x) => {
      const s = tf.sigmoid(x);
      return tf.mul(s, tf.add(1, tf.mul(x, tf.sub(1, s))));
    },
    note: "dy * silu'(x), silu'(x) = s (1 + x (1 - s)). Plain JS loop and TF.js: that formula (1 - s cancels in float32 for large x in TF.js).",
  },
  elu: { tfjs: (tf, x) => tf.elu(x) },
  softplus: { tfjs: (tf, x) => tf.softplus(x) },
  hardSigmoid: {
    tfjs: (tf, x) => tf.div(tf.clipByValue(tf.add(x, 3), 0, 6), 6),
    note: 'TF.js core has no hardSigmoid: clip(x + 3, 0, 6) / 6.',
  },
  hardSwish: {
    tfjs: (tf, x) => tf.mul(x, tf.div(tf.clipByValue(tf.add(x, 3), 0, 6), 6)),
    note: 'TF.js core has no hardSwish: x * clip(x + 3, 0, 6) / 6.',
  },
};

/** dy for the edge rows of the backward forms: ordinary values and the float32 maximum, so that dy * f' overflows where it must. */
const EDGE_GRADIENTS = [1, -2, 0.5, 3.4e38, -3.4e38];

/**
 * The op id of a form: the activation's name and the form, except for the backward forms of an activation
 * whose backward takes y by default (sigmoid): `sigmoidBackward` is from y, `sigmoidBackwardFromInput` from x.
 */
function opId(name: ActivationName, form: Form): string {
  if (ACTIVATIONS[name].backwardFrom === 'output') {
    if (form === 'BackwardFromOutput') return `${name}Backward`;
    if (form === 'Backward') return `${name}BackwardFromInput`;
  }
  return `${name}${form}`;
}

/** The resident kernel and named method of each form. */
const FORM_KERNELS: Record<Form, ElementwiseKernel | 'forward_and_derivative'> = {
  '': 'forward',
  Derivative: 'derivative',
  DerivativeFromOutput: 'derivative_from_output',
  Backward: 'backward',
  BackwardFromOutput: 'backward_from_output',
  WithDerivative: 'forward_and_derivative',
};

type Named = Record<string, (...args: unknown[]) => Promise<Float32Array | [Float32Array, Float32Array]>>;

/** One form of one activation as a benchmark op: inputs, edges and reference from its test cases, the peers from {@link PEERS}. */
function activationOp(cases: ActivationCases, form: Form): BenchOp {
  const name = cases.activation;
  const activation: ElementwiseActivation = ACTIVATIONS[name];
  const id = opId(cases.activation, form);
  const peers = PEERS[id] ?? {};
  const alpha = alphaOf(name, {});
  const declared = activation.parameters?.alpha !== undefined;
  const f = (v: number) => cases.reference.forward(v, alpha);
  const df = (v: number) => cases.reference.derivative(v, alpha);
  const dfy = (v: number) => (cases.reference.derivativeFromOutput as (y: number, alpha: number) => number)(v, alpha);
  const fromOutput = form === 'DerivativeFromOutput' || form === 'BackwardFromOutput';
  const backward = form === 'Backward' || form === 'BackwardFromOutput';
  const scalar = form === '' ? f : fromOutput ? dfy : df;
  const plain = peers.plainJs ?? (form === '' ? (cases.plainJs ?? f) : scalar);
  // x uniform on [-10, 10); from the output, f of that (what a network gives the kernel); dy on [-1, 1)
  const dataInputs = (random: () => number, length: number) => {
    const x = uniformArray(random, length, -10, 10);
    return fromOutput ? Float32Array.from(x, f) : x;
  };
  // the activation's own edges where the result is a normal float32 or 0: a GPU may flush a subnormal one
  const normal = (v: number) => {
    const r = Math.abs(scalar(v));
    return !(r > 0 && r < FLOAT32_MIN_NORMAL);
  };
  const edges = [...new Set([...FORWARD_EDGE_CORE, ...cases.edges.filter(normal)])];
  const edgeData = fromOutput ? edges.map((v) => Math.fround(f(v))) : edges;
  const options = {
    ...(declared ? { alpha } : {}),
    ...(backward && (activation.backwardFrom ?? 'input') !== (fromOutput ? 'output' : 'input')
      ? { from: fromOutput ? 'output' : 'input' }
      : {}),
    ...(form === 'DerivativeFromOutput' ? { from: 'output' } : {}),
  };
  const method = form === 'DerivativeFromOutput' ? `${name}Derivative` : backward ? `${name}Backward` : `${name}${form}`;
  const call = (act: Activations) => (act as unknown as Named)[method]?.bind(act) as (...args: unknown[]) => Promise<unknown>;
  const tfjs = peers.tfjs;
  const op: BenchOp = {
    id,
    label: peers.label ?? (declared && form === '' ? `${id} (alpha ${alpha})` : id),
    family: 'elementwise',
    bytesPerElement: backward || form === 'WithDerivative' ? 12 : 8,
    inputs: (random, shape) => {
      const length = shape.rows * shape.cols;
      return backward
        ? { x: dataInputs(random, length), dy: uniformArray(random, length, -1, 1), shape }
        : { x: dataInputs(random, length), shape };
    },
    edgeInputs: () =>
      backward
        ? {
            x: Float32Array.from(edgeData),
            dy: Float32Array.from(edgeData, (_, i) => EDGE_GRADIENTS[i % EDGE_GRADIENTS.length] as number),
            shape: { rows: 1, cols: edgeData.length },
          }
        : edgeRow(edgeData),
    reference: (inputs) => {
      if (backward) return map64Binary(inputs.x, requireGradient(inputs), (v, g) => overflowToInfinity(g * scalar(v)));
      if (form !== 'WithDerivative') return reference64(inputs.x, scalar);
      const both = new Float64Array(2 * inputs.x.length);
      both.set(reference64(inputs.x, f));
      both.set(reference64(inputs.x, df), inputs.x.length);
      return both;
    },
    ours: async (act, inputs) => {
      if (backward) return (await call(act)(inputs.x, requireGradient(inputs), options)) as Float32Array;
      const result = (await call(act)(inputs.x, options)) as Float32Array | [Float32Array, Float32Array];
      if (!Array.isArray(result)) return result;
      const both = new Float32Array(2 * inputs.x.length);
      both.set(result[0]);
      both.set(result[1], inputs.x.length);
      return both;
    },
    plainJs: (inputs) => {
      if (backward) {
        const { x } = inputs;
        const dy = requireGradient(inputs);
        const out = new Float32Array(x.length);
        for (let i = 0; i < x.length; i++) out[i] = (dy[i] as number) * plain(x[i] as number);
        return out;
      }
      if (form !== 'WithDerivative') return mapLoop(inputs.x, plain);
      const out = new Float32Array(2 * inputs.x.length);
      out.set(mapLoop(inputs.x, cases.plainJs ?? f));
      out.set(mapLoop(inputs.x, df), inputs.x.length);
      return out;
    },
    ...(tfjs ? { tfjs: backward ? (tf, x, dy) => tf.mul(requireTensor(dy), tfjs(tf, x)) : (tf, x) => tfjs(tf, x) } : {}),
    resident: elementwiseKernel(activation, FORM_KERNELS[form], declared ? alpha : undefined),
    ...(peers.note ? { note: peers.note } : {}),
  };
  return op;
}

const FORMS: readonly Form[] = ['', 'Derivative', 'DerivativeFromOutput', 'Backward', 'BackwardFromOutput', 'WithDerivative'];

/** Every activation's forward op, and the other forms that have peers' columns, activation by activation. */
const ACTIVATION_OPS: readonly BenchOp[] = ACTIVATION_CASES.flatMap((cases) =>
  FORMS.filter((form) => form === '' || PEERS[opId(cases.activation, form)] !== undefined).map((form) => activationOp(cases, form)),
);

const LOG_SOFTMAX_EDGE_ROWS = [
  [Number.NaN, 1, 2, 3],
  [Number.POSITIVE_INFINITY, 0, 1, Number.POSITIVE_INFINITY],
  [Number.NEGATIVE_INFINITY, -1, 0, Number.NEGATIVE_INFINITY],
  [3.4e38, -3.4e38, 0, 100],
  [100, -100, 50, 0],
];

/**
 * [y, dy] rows of softmax backward's special inputs: y is a softmax output (in [0, 1], no infinities);
 * dy takes NaN and the largest float32 magnitudes. (No infinite dy: the library documents no rule for
 * it, and its backends differ there: the CPU follows float64 (-Infinity, NaN, ... within the row), the
 * WebGPU kernel makes the whole row NaN.)
 */
const SOFTMAX_BACKWARD_EDGE_ROWS: readonly (readonly [number[], number[]])[] = [
  [
    [0.1, 0.2, 0.3, 0.4],
    [Number.NaN, 1, 2, 3],
  ],
  [
    [0.25, 0.25, 0.25, 0.25],
    [3.4e38, -3.4e38, 1, -1],
  ],
  [
    [1, 0, 0, 0],
    [5, -3.4e38, 3.4e38, 1],
  ],
  [
    [0.5, 0.25, 0.125, 0.125],
    [2, 2, 2, 2],
  ],
  [
    [1e-3, 0.499, 0.5, 0],
    [3.4e38, 1, -1, 0],
  ],
];

/** log-softmax and softmax backward, over the same shapes as softmax. */
const ROW_OPS_BEYOND_SOFTMAX: readonly BenchOp[] = [
  {
    id: 'logSoftmax',
    label: 'logSoftmax',
    family: 'rows',
    bytesPerElement: 8,
    inputs: (random, shape) => ({ x: uniformArray(random, shape.rows * shape.cols, -10, 10), shape }),
    // A NaN row, a row with two +Infinity entries, a row with -Infinity entries, and a row spanning the
    // float32 range (x - max = -6.8e38 is -Infinity in float32).
    edgeInputs: () => ({
      x: Float32Array.from(LOG_SOFTMAX_EDGE_ROWS.flat()),
      shape: { rows: LOG_SOFTMAX_EDGE_ROWS.length, cols: 4 },
    }),
    reference: ({ x, shape }) => map64(logSoftmax64(x, shape.rows, shape.cols), overflowToInfinity),
    ours: (act, { x, shape }) => act.logSoftmax(x, shape),
    plainJs: ({ x, shape }) => {
      const out = new Float32Array(x.length);
      for (let r = 0; r < shape.rows; r++) {
        const start = r * shape.cols;
        const end = start + shape.cols;
        let max = Number.NEGATIVE_INFINITY;
        for (let i = start; i < end; i++) max = Math.max(max, x[i] as number);
        let sum = 0;
        for (let i = start; i < end; i++) sum += Math.exp((x[i] as number) - max);
        const logSum = Math.log(sum);
        for (let i = start; i < end; i++) out[i] = (x[i] as number) - max - logSum;
      }
      return out;
    },
    tfjs: (tf, x) => tf.logSoftmax(x),
    resident: rowKernel('log_softmax'),
  },
  {
    id: 'softmaxBackward',
    label: 'softmaxBackward',
    family: 'rows',
    bytesPerElement: 12,
    inputs: (random, shape) => ({
      x: softmaxOutputs(random, shape),
      dy: uniformArray(random, shape.rows * shape.cols, -1, 1),
      shape,
    }),
    // y rows are softmax outputs; dy holds a NaN, the largest float32 magnitudes, and a row whose
    // gradient is constant (dx = 0: no direction changes the probabilities).
    edgeInputs: () => ({
      x: Float32Array.from(SOFTMAX_BACKWARD_EDGE_ROWS.flatMap(([y]) => y)),
      dy: Float32Array.from(SOFTMAX_BACKWARD_EDGE_ROWS.flatMap(([, dy]) => dy)),
      shape: { rows: SOFTMAX_BACKWARD_EDGE_ROWS.length, cols: 4 },
    }),
    reference: (inputs) =>
      map64(softmaxBackward64(inputs.x, requireGradient(inputs), inputs.shape.rows, inputs.shape.cols), overflowToInfinity),
    // dx_i = y_i (dy_i - dot) cancels where dy_i is near dot (in every row of random gradients), so errors
    // are measured against the terms, y_i (|dy_i| + sum_j |y_j dy_j|), as the library's tests bound them.
    errorScale: (inputs) => softmaxBackwardScale(inputs.x, requireGradient(inputs), inputs.shape),
    ours: (act, inputs) => act.softmaxBackward(inputs.x, requireGradient(inputs), inputs.shape),
    plainJs: (inputs) => {
      const { x: y, shape } = inputs;
      const dy = requireGradient(inputs);
      const out = new Float32Array(y.length);
      for (let r = 0; r < shape.rows; r++) {
        const start = r * shape.cols;
        const end = start + shape.cols;
        let dot = 0;
        for (let i = start; i < end; i++) dot += (y[i] as number) * (dy[i] as number);
        for (let i = start; i < end; i++) out[i] = (y[i] as number) * ((dy[i] as number) - dot);
      }
      return out;
    },
    tfjs: (tf, y, dy) => {
      const gradient = requireTensor(dy);
      return tf.mul(y, tf.sub(gradient, tf.sum(tf.mul(gradient, y), 1, true)));
    },
    resident: rowKernel('softmax_backward'),
    note: 'Input y is a softmax output, dy the gradient. dx_i = y_i (dy_i - dot) cancels where dy_i is near dot, so errors are relative to y_i (|dy_i| + sum_j |y_j dy_j|), not to dx_i. TF.js: y * (dy - sum(dy * y, axis 1, keepDims)).',
  },
];

/** The ops, in the order the page lists them: the activations' (by name), then the row ops. */
export const BENCH_OPS: readonly BenchOp[] = [
  ...ACTIVATION_OPS,
  {
    id: 'softmax',
    label: 'softmax',
    family: 'rows',
    bytesPerElement: 8,
    inputs: (random, shape) => ({ x: uniformArray(random, shape.rows * shape.cols, -10, 10), shape }),
    // A NaN row, a row with two +Infinity entries (they share the row), a row of widely spread values.
    edgeInputs: () => ({
      x: Float32Array.from([Number.NaN, 1, 2, 3, Number.POSITIVE_INFINITY, 0, 1, Number.POSITIVE_INFINITY, 100, -100, 50, 0]),
      shape: { rows: 3, cols: 4 },
    }),
    reference: ({ x, shape }) => softmax64(x, shape.rows, shape.cols),
    ours: (act, { x, shape }) => act.softmax(x, shape),
    plainJs: ({ x, shape }) => {
      const out = new Float32Array(x.length);
      for (let r = 0; r < shape.rows; r++) {
        const start = r * shape.cols;
        const end = start + shape.cols;
        let max = Number.NEGATIVE_INFINITY;
        for (let i = start; i < end; i++) max = Math.max(max, x[i] as number);
        let sum = 0;
        for (let i = start; i < end; i++) {
          const e = Math.exp((x[i] as number) - max);
          out[i] = e;
          sum += e;
        }
        for (let i = start; i < end; i++) out[i] = (out[i] as number) / sum;
      }
      return out;
    },
    tfjs: (tf, x) => tf.softmax(x),
    resident: rowKernel('softmax'),
  },
  ...ROW_OPS_BEYOND_SOFTMAX,
];

/** The op with this id, or undefined. */
export function findOp(id: string): BenchOp | undefined {
  return BENCH_OPS.find((op) => op.id === id);
}

/** The TF.js tensors of an op's inputs: 1-D for elementwise ops, [rows, cols] for row ops. */
export function tensorFlowInputs(
  tf: TensorFlowModule,
  op: BenchOp,
  inputs: OpInputs,
): { x: TensorFlow.Tensor; dy: TensorFlow.Tensor | undefined } {
  const make = (values: Float32Array) =>
    op.family === 'rows' ? tf.tensor2d(values, [inputs.shape.rows, inputs.shape.cols]) : tf.tensor1d(values);
  return { x: make(inputs.x), dy: inputs.dy ? make(inputs.dy) : undefined };
}

/** `op` in TF.js end to end, as its users write it: tensors from the arrays, the op, read back, dispose. */
export function tfjsEndToEnd(tf: TensorFlowModule, op: BenchOp, inputs: OpInputs): Promise<Float32Array> {
  return readAndDispose(
    tf.tidy(() => {
      const { x, dy } = tensorFlowInputs(tf, op, inputs);
      if (!op.tfjs) throw new Error(`TF.js has no ${op.id}`);
      return op.tfjs(tf, x, dy);
    }),
  );
}
