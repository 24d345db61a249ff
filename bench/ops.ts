// The benchmark's op table: everything the page needs to know about one op, in one entry. Adding an
// op is one entry here: its inputs, its float64 reference, how each backend computes it end to end,
// and which kernel the resident timing dispatches. (Which ops a run takes by default: config.ts.)
import type * as TensorFlow from '@tensorflow/tfjs-core';
import type { Activations, ResidentOperations, Tensor } from 'webgpu-activations';
import { ACTIVATIONS, type ElementwiseActivation } from '../src/ops/elementwise.ts';
import type { ElementwiseKernel, RowKernel } from '../src/ops/kernels.ts';
import {
  gelu64,
  geluDerivative64,
  leakyRelu64,
  leakyReluDerivative64,
  logSoftmax64,
  map64,
  map64Binary,
  overflowToInfinity,
  relu64,
  reluDerivative64,
  sigmoid64,
  sigmoidDerivative64,
  sigmoidDerivativeFromOutput64,
  silu64,
  siluDerivative64,
  softmax64,
  softmaxBackward64,
  tanh64,
  tanhDerivative64,
} from '../tests/support/reference.ts';
import type { OnnxGraph, OnnxGraphBuilder } from './onnx-graph.ts';

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
   * (bench/tfjs.ts) they are made once and stay on the GPU.
   */
  tfjs(tf: TensorFlowModule, x: TensorFlow.Tensor, dy: TensorFlow.Tensor | undefined): TensorFlow.Tensor;
  /**
   * The op as an ONNX graph for ONNX Runtime Web (bench/ort.ts): one node where ONNX has the op, the
   * smallest graph of standard ops where it has not. `inputs`: 2 for the ops that take dy.
   */
  readonly onnx: { readonly graph: OnnxGraph; readonly inputs?: 1 | 2 };
  readonly resident: ResidentKernel;
  /** The accuracy view's narrow ranges beyond 0 (every float32 around each): the derivative's zeros. */
  readonly accuracyPoints?: readonly number[];
  /** The accuracy view's inputs for its x sweep, where the op takes something else (a sigmoid output y). Default: x, dy = 1. */
  accuracyInputs?(x: Float32Array): OpInputs;
  /** A row op's inputs from random rows x in [-30, 30] (softmax backward: softmax outputs and a gradient). Default: x. */
  accuracyRows?(x: Float32Array, shape: BenchShape, random: () => number): OpInputs;
  /** A row op's special rows for the accuracy view (a row of -Infinity, a row holding +Infinity, ...). */
  accuracySpecialRows?(): { readonly label: string; readonly inputs: OpInputs }[];
  /** What the plain JS loop or the TF.js version computes where that is not simply the op (shown with the edge cases). */
  readonly note?: string;
}

/** Uniform in [low, high), rounded to float32. */
function uniformArray(random: () => number, length: number, low: number, high: number): Float32Array {
  const values = new Float32Array(length);
  for (let i = 0; i < length; i++) values[i] = low + (high - low) * random();
  return values;
}

/** Sigmoid outputs of uniform inputs: what the from-output kernels receive in a real network. */
function sigmoidOutputs(random: () => number, length: number): Float32Array {
  const values = uniformArray(random, length, -10, 10);
  for (let i = 0; i < length; i++) values[i] = sigmoid64(values[i] as number);
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

const SIGMOID_EDGE_INPUTS = [Number.NaN, -100, -20, -10, -1, 0, 1, 10, 20, 100, Number.NEGATIVE_INFINITY, Number.POSITIVE_INFINITY];
const SIGMOID_OUTPUT_EDGE_INPUTS = [Number.NaN, 0, 1e-30, 2.061153622438558e-9, 0.25, 0.5, 0.75, 0.9999546000702375, 1];

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

/** Uniform inputs in [-10, 10): the range where the activations below do something other than saturate. */
function activationInputs(random: () => number, shape: BenchShape): OpInputs {
  return { x: uniformArray(random, shape.rows * shape.cols, -10, 10), shape };
}

// The special inputs of the forward ops beyond sigmoid: NaN, the infinities, the largest float32
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
const RELU_EDGE_INPUTS = [...FORWARD_EDGE_CORE, -100, -20];
const TANH_EDGE_INPUTS = [...FORWARD_EDGE_CORE, -100, -20, -0.5, 0.5];
// gelu(-10) = -7.6e-23; gelu(-14) would be subnormal. silu(-50) = -9.6e-21; silu(-100) would be subnormal.
const GELU_EDGE_INPUTS = [...FORWARD_EDGE_CORE, -10, -5, -0.75];
const SILU_EDGE_INPUTS = [...FORWARD_EDGE_CORE, -50, -20, -1.28];

// gelu backward: x across the tails, the derivative's zero (-0.7518) and its maximum (1.13 near 1.4),
// with dy up to the float32 maximum, so that dy * gelu'(x) overflows to Infinity where it must.
const GELU_BACKWARD_EDGE_X = [
  Number.NaN,
  Number.NEGATIVE_INFINITY,
  -3.4e38,
  -10,
  -1,
  -0.7518,
  -0,
  0.5,
  1.4,
  1.4,
  10,
  3.4e38,
  Number.POSITIVE_INFINITY,
];
const GELU_BACKWARD_EDGE_DY = [1, 1, 1, -2, 3, 1, 1, -3.4e38, 3.4e38, 1e-3, -3.4e38, 2, -1];

const LEAKY_RELU_ALPHA = 0.01;

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

/** s (1 - s) in ONNX ops, of a sigmoid output `s`: the derivative graph ORT users write (ONNX has no SigmoidGrad). */
function onnxSigmoidDerivativeFromOutput(g: OnnxGraphBuilder, s: string): string {
  return g.op('Mul', [s, g.op('Sub', [g.constant(1), s])]);
}

/** Phi(x) = (1 + erf(x / sqrt 2)) / 2 in ONNX ops. */
function onnxNormalCdf(g: OnnxGraphBuilder, x: string): string {
  return g.op('Mul', [g.constant(0.5), g.op('Add', [g.constant(1), g.op('Erf', [g.op('Mul', [x, g.constant(Math.SQRT1_2)])])])]);
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

/** relu, leaky relu, tanh, gelu, silu forward, and gelu backward as the representative of dy * f'(x). */
const ELEMENTWISE_OPS_BEYOND_SIGMOID: readonly BenchOp[] = [
  {
    id: 'relu',
    label: 'relu',
    family: 'elementwise',
    bytesPerElement: 8,
    inputs: activationInputs,
    edgeInputs: () => edgeRow(RELU_EDGE_INPUTS),
    reference: ({ x }) => reference64(x, relu64),
    ours: (act, { x }) => act.relu(x),
    plainJs: ({ x }) => mapLoop(x, (v) => Math.max(v, 0)),
    tfjs: (tf, x) => tf.relu(x),
    onnx: { graph: (g) => g.op('Relu', [g.x]) },
    resident: elementwiseKernel(ACTIVATIONS.relu, 'forward'),
  },
  {
    id: 'leakyRelu',
    label: 'leakyRelu (alpha 0.01)',
    family: 'elementwise',
    bytesPerElement: 8,
    inputs: activationInputs,
    edgeInputs: () => edgeRow(RELU_EDGE_INPUTS),
    reference: ({ x }) => reference64(x, (v) => leakyRelu64(v, LEAKY_RELU_ALPHA)),
    ours: (act, { x }) => act.leakyRelu(x, { alpha: LEAKY_RELU_ALPHA }),
    plainJs: ({ x }) => mapLoop(x, (v) => (v >= 0 ? v : LEAKY_RELU_ALPHA * v)),
    tfjs: (tf, x) => tf.leakyRelu(x, LEAKY_RELU_ALPHA),
    onnx: { graph: (g) => g.op('LeakyRelu', [g.x], { alpha: { float: LEAKY_RELU_ALPHA } }) },
    resident: elementwiseKernel(ACTIVATIONS.leakyRelu, 'forward', LEAKY_RELU_ALPHA),
  },
  {
    id: 'tanh',
    label: 'tanh',
    family: 'elementwise',
    bytesPerElement: 8,
    inputs: activationInputs,
    edgeInputs: () => edgeRow(TANH_EDGE_INPUTS),
    reference: ({ x }) => reference64(x, tanh64),
    ours: (act, { x }) => act.tanh(x),
    plainJs: ({ x }) => mapLoop(x, Math.tanh),
    tfjs: (tf, x) => tf.tanh(x),
    onnx: { graph: (g) => g.op('Tanh', [g.x]) },
    resident: elementwiseKernel(ACTIVATIONS.tanh, 'forward'),
  },
  {
    id: 'gelu',
    label: 'gelu (erf form)',
    family: 'elementwise',
    bytesPerElement: 8,
    inputs: activationInputs,
    edgeInputs: () => edgeRow(GELU_EDGE_INPUTS),
    reference: ({ x }) => reference64(x, gelu64),
    ours: (act, { x }) => act.gelu(x),
    plainJs: ({ x }) => mapLoop(x, (v) => 0.5 * v * (1 + erfAbramowitzStegun(v * Math.SQRT1_2))),
    tfjs: (tf, x) => tf.mul(x, normalCdfTf(tf, x)),
    onnx: { graph: (g) => g.op('Gelu', [g.x]) },
    resident: elementwiseKernel(ACTIVATIONS.gelu, 'forward'),
    note: 'Plain JS loop: 0.5 x (1 + erf(x / sqrt 2)) with the Abramowitz & Stegun 7.1.26 erf (absolute error 1.5e-7, so the lower tail is off). TF.js core has no gelu: x * 0.5 * (1 + tf.erf(x / sqrt 2)).',
  },
  {
    id: 'silu',
    label: 'silu',
    family: 'elementwise',
    bytesPerElement: 8,
    inputs: activationInputs,
    edgeInputs: () => edgeRow(SILU_EDGE_INPUTS),
    reference: ({ x }) => reference64(x, silu64),
    ours: (act, { x }) => act.silu(x),
    plainJs: ({ x }) => mapLoop(x, (v) => v / (1 + Math.exp(-v))),
    tfjs: (tf, x) => tf.mul(x, tf.sigmoid(x)),
    onnx: { graph: (g) => g.op('Mul', [g.x, g.op('Sigmoid', [g.x])]) },
    resident: elementwiseKernel(ACTIVATIONS.silu, 'forward'),
    note: 'Plain JS loop: x / (1 + exp(-x)). TF.js: x * tf.sigmoid(x).',
  },
  backwardOp({
    id: 'geluBackward',
    activation: ACTIVATIONS.gelu,
    derivative64: geluDerivative64,
    derivativeJs: geluDerivativeJs,
    derivativeTf: (tf, x) => {
      const pdf = tf.mul(1 / Math.sqrt(2 * Math.PI), tf.exp(tf.mul(-0.5, tf.square(x))));
      return tf.add(normalCdfTf(tf, x), tf.mul(x, pdf));
    },
    derivativeOnnx: (g, x) => {
      const pdf = g.op('Mul', [
        g.constant(1 / Math.sqrt(2 * Math.PI)),
        g.op('Exp', [g.op('Mul', [g.constant(-0.5), g.op('Mul', [x, x])])]),
      ]);
      return g.op('Add', [onnxNormalCdf(g, x), g.op('Mul', [x, pdf])]);
    },
    derivativeZeros: [-0.7517916],
    edgeX: GELU_BACKWARD_EDGE_X,
    edgeDy: GELU_BACKWARD_EDGE_DY,
    call: (act, x, dy) => act.geluBackward(x, dy),
    note: "dy * gelu'(x), gelu'(x) = Phi(x) + x phi(x). Plain JS loop: Phi from the Abramowitz & Stegun 7.1.26 erf. TF.js: Phi from tf.erf, phi from tf.exp.",
  }),
];

/** What {@link backwardOp} needs to know of an activation beyond the library's own kernel. */
interface BackwardSpec {
  readonly id: string;
  readonly activation: ElementwiseActivation;
  readonly alpha?: number;
  /** f'(x) in float64, the reference. */
  readonly derivative64: (x: number) => number;
  /** f'(x) as a JavaScript developer writes it, for the plain loop. */
  readonly derivativeJs: (x: number) => number;
  /** f'(x) in TF.js ops. */
  readonly derivativeTf: (tf: TensorFlowModule, x: TensorFlow.Tensor) => TensorFlow.Tensor;
  /** f'(x) in ONNX ops (ONNX has no gradient ops in its default domain). */
  readonly derivativeOnnx: (g: OnnxGraphBuilder, x: string) => string;
  readonly edgeX: readonly number[];
  /** Where f'(x) = 0 away from 0: the accuracy view sweeps every float32 around them. */
  readonly derivativeZeros?: readonly number[];
  /** dy for the edge inputs (default: 1, -2, 0.5 in turn). */
  readonly edgeDy?: readonly number[];
  readonly call: (act: Activations, x: Float32Array, dy: Float32Array) => Promise<Float32Array>;
  readonly note: string;
}

/** dy * f'(x) of an activation, from its input: x uniform in [-10, 10), dy in [-1, 1). */
function backwardOp(spec: BackwardSpec): BenchOp {
  const edgeDy = spec.edgeDy ?? spec.edgeX.map((_, i) => [1, -2, 0.5][i % 3] as number);
  return {
    id: spec.id,
    label: spec.id,
    family: 'elementwise',
    bytesPerElement: 12,
    inputs: (random, shape) => ({
      x: uniformArray(random, shape.rows * shape.cols, -10, 10),
      dy: uniformArray(random, shape.rows * shape.cols, -1, 1),
      shape,
    }),
    edgeInputs: () => ({ x: Float32Array.from(spec.edgeX), dy: Float32Array.from(edgeDy), shape: { rows: 1, cols: spec.edgeX.length } }),
    reference: (inputs) => map64Binary(inputs.x, requireGradient(inputs), (x, dy) => overflowToInfinity(dy * spec.derivative64(x))),
    ours: (act, inputs) => spec.call(act, inputs.x, requireGradient(inputs)),
    plainJs: (inputs) => {
      const { x } = inputs;
      const dy = requireGradient(inputs);
      const out = new Float32Array(x.length);
      for (let i = 0; i < x.length; i++) out[i] = (dy[i] as number) * spec.derivativeJs(x[i] as number);
      return out;
    },
    tfjs: (tf, x, dy) => tf.mul(requireTensor(dy), spec.derivativeTf(tf, x)),
    onnx: { graph: (g) => g.op('Mul', [g.dy, spec.derivativeOnnx(g, g.x)]), inputs: 2 },
    ...(spec.derivativeZeros ? { accuracyPoints: spec.derivativeZeros } : {}),
    resident: elementwiseKernel(spec.activation, 'backward', spec.alpha),
    note: spec.note,
  };
}

const BACKWARD_OPS: readonly BenchOp[] = [
  backwardOp({
    id: 'reluBackward',
    activation: ACTIVATIONS.relu,
    derivative64: reluDerivative64,
    derivativeJs: (x) => (x > 0 ? 1 : 0),
    derivativeTf: (tf, x) => tf.step(x),
    derivativeOnnx: (g, x) => g.cast(g.op('Greater', [x, g.constant(0)])),
    edgeX: RELU_EDGE_INPUTS,
    call: (act, x, dy) => act.reluBackward(x, dy),
    note: "dy * relu'(x), relu'(0) = 0. Plain JS loop: x > 0 ? dy : 0. TF.js: dy * tf.step(x).",
  }),
  backwardOp({
    id: 'leakyReluBackward',
    activation: ACTIVATIONS.leakyRelu,
    alpha: LEAKY_RELU_ALPHA,
    derivative64: (x) => leakyReluDerivative64(x, LEAKY_RELU_ALPHA),
    derivativeJs: (x) => (x > 0 ? 1 : LEAKY_RELU_ALPHA),
    derivativeTf: (tf, x) => tf.step(x, LEAKY_RELU_ALPHA),
    derivativeOnnx: (g, x) => g.op('Where', [g.op('Greater', [x, g.constant(0)]), g.constant(1), g.constant(LEAKY_RELU_ALPHA)]),
    edgeX: RELU_EDGE_INPUTS,
    call: (act, x, dy) => act.leakyReluBackward(x, dy, { alpha: LEAKY_RELU_ALPHA }),
    note: `dy * leakyRelu'(x) with alpha ${LEAKY_RELU_ALPHA}. Plain JS loop: x > 0 ? dy : alpha dy. TF.js: dy * tf.step(x, alpha).`,
  }),
  backwardOp({
    id: 'tanhBackward',
    activation: ACTIVATIONS.tanh,
    derivative64: tanhDerivative64,
    derivativeJs: (x) => {
      const t = Math.tanh(x);
      return 1 - t * t;
    },
    derivativeTf: (tf, x) => tf.sub(1, tf.square(tf.tanh(x))),
    derivativeOnnx: (g, x) => {
      const t = g.op('Tanh', [x]);
      return g.op('Sub', [g.constant(1), g.op('Mul', [t, t])]);
    },
    edgeX: TANH_EDGE_INPUTS,
    call: (act, x, dy) => act.tanhBackward(x, dy),
    note: "dy * tanh'(x) from the input. Plain JS loop and TF.js: 1 - tanh(x)^2, which cancels for |x| > 4 in float32 (TF.js).",
  }),
  backwardOp({
    id: 'siluBackward',
    activation: ACTIVATIONS.silu,
    derivative64: siluDerivative64,
    derivativeJs: (x) => {
      const s = 1 / (1 + Math.exp(-x));
      return s * (1 + x * (1 - s));
    },
    derivativeTf: (tf, x) => {
      const s = tf.sigmoid(x);
      return tf.mul(s, tf.add(1, tf.mul(x, tf.sub(1, s))));
    },
    derivativeOnnx: (g, x) => {
      const s = g.op('Sigmoid', [x]);
      return g.op('Mul', [s, g.op('Add', [g.constant(1), g.op('Mul', [x, g.op('Sub', [g.constant(1), s])])])]);
    },
    derivativeZeros: [-1.2784645],
    edgeX: SILU_EDGE_INPUTS,
    call: (act, x, dy) => act.siluBackward(x, dy),
    note: "dy * silu'(x), silu'(x) = s (1 + x (1 - s)). Plain JS loop and TF.js: that formula (1 - s cancels in float32 for large x in TF.js).",
  }),
];

/** sigmoid and its derivative from one pass over x: the two outputs side by side, [s(x)..., s'(x)...]. */
const SIGMOID_WITH_DERIVATIVE: BenchOp = {
  id: 'sigmoidWithDerivative',
  label: 'sigmoidWithDerivative',
  family: 'elementwise',
  bytesPerElement: 12,
  inputs: (random, shape) => ({ x: uniformArray(random, shape.rows * shape.cols, -10, 10), shape }),
  edgeInputs: () => edgeRow(SIGMOID_EDGE_INPUTS),
  reference: ({ x }) => {
    const out = new Float64Array(2 * x.length);
    out.set(map64(x, sigmoid64));
    out.set(map64(x, sigmoidDerivative64), x.length);
    return out;
  },
  ours: async (act, { x }) => {
    const [values, derivatives] = await act.sigmoidWithDerivative(x);
    const out = new Float32Array(2 * x.length);
    out.set(values);
    out.set(derivatives, x.length);
    return out;
  },
  plainJs: ({ x }) => {
    const out = new Float32Array(2 * x.length);
    for (let i = 0; i < x.length; i++) {
      const s = 1 / (1 + Math.exp(-(x[i] as number)));
      out[i] = s;
      out[x.length + i] = s * (1 - s);
    }
    return out;
  },
  tfjs: (tf, x) => {
    const s = tf.sigmoid(x);
    return tf.concat([s, tf.mul(s, tf.sub(1, s))]);
  },
  onnx: {
    graph: (g) => {
      const s = g.op('Sigmoid', [g.x]);
      return g.op('Concat', [s, onnxSigmoidDerivativeFromOutput(g, s)], { axis: { int: 0 } });
    },
  },
  resident: elementwiseKernel(ACTIVATIONS.sigmoid, 'forward_and_derivative'),
  note: 'Two outputs, read side by side. Plain JS loop and TF.js: s = 1 / (1 + exp(-x)), then s (1 - s), which cancels for large x.',
};

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

/** The accuracy view's special rows of softmax and log-softmax. */
function softmaxSpecialRows(): { label: string; inputs: OpInputs }[] {
  const row = (values: number[]) => ({ x: Float32Array.from(values), shape: { rows: 1, cols: values.length } });
  return [
    { label: 'row holding NaN', inputs: row([Number.NaN, 1, 2, 3]) },
    {
      label: 'row of -Infinity',
      inputs: row([Number.NEGATIVE_INFINITY, Number.NEGATIVE_INFINITY, Number.NEGATIVE_INFINITY, Number.NEGATIVE_INFINITY]),
    },
    { label: 'row holding +Infinity', inputs: row([Number.POSITIVE_INFINITY, 0, 1, 2]) },
    { label: 'row holding -0 and -Infinity', inputs: row([-0, Number.NEGATIVE_INFINITY, 0, -1]) },
  ];
}

/** The accuracy view's inputs of the from-output ops: y = sigmoid(x) in float32 for the x sweep, dy = 1. */
function sigmoidOutputSweep(x: Float32Array, withGradient: boolean): OpInputs {
  const y = Float32Array.from(x, (v) => sigmoid64(v));
  const shape = { rows: 1, cols: x.length };
  return withGradient ? { x: y, dy: new Float32Array(x.length).fill(1), shape } : { x: y, shape };
}

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
    accuracySpecialRows: softmaxSpecialRows,
    onnx: { graph: (g) => g.op('LogSoftmax', [g.x], { axis: { int: -1 } }) },
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
    accuracyRows: (x, shape, random) => ({
      x: Float32Array.from(softmax64(x, shape.rows, shape.cols)),
      dy: uniformArray(random, x.length, -1, 1),
      shape,
    }),
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
    onnx: {
      graph: (g) => {
        const dot = g.op('ReduceSum', [g.op('Mul', [g.dy, g.x]), g.int64s([-1])], { keepdims: { int: 1 } });
        return g.op('Mul', [g.x, g.op('Sub', [g.dy, dot])]);
      },
      inputs: 2,
    },
    resident: rowKernel('softmax_backward'),
    note: 'Input y is a softmax output, dy the gradient. dx_i = y_i (dy_i - dot) cancels where dy_i is near dot, so errors are relative to y_i (|dy_i| + sum_j |y_j dy_j|), not to dx_i. TF.js: y * (dy - sum(dy * y, axis 1, keepDims)).',
  },
];

/** The ops, in the order the page lists them. */
export const BENCH_OPS: readonly BenchOp[] = [
  {
    id: 'sigmoid',
    label: 'sigmoid',
    family: 'elementwise',
    bytesPerElement: 8,
    inputs: (random, shape) => ({ x: uniformArray(random, shape.rows * shape.cols, -10, 10), shape }),
    edgeInputs: () => ({ x: Float32Array.from(SIGMOID_EDGE_INPUTS), shape: { rows: 1, cols: SIGMOID_EDGE_INPUTS.length } }),
    reference: ({ x }) => map64(x, sigmoid64),
    ours: (act, { x }) => act.sigmoid(x),
    plainJs: ({ x }) => {
      const out = new Float32Array(x.length);
      for (let i = 0; i < x.length; i++) out[i] = 1 / (1 + Math.exp(-(x[i] as number)));
      return out;
    },
    tfjs: (tf, x) => tf.sigmoid(x),
    onnx: { graph: (g) => g.op('Sigmoid', [g.x]) },
    resident: elementwiseKernel(ACTIVATIONS.sigmoid, 'forward'),
  },
  {
    id: 'sigmoidDerivative',
    label: 'sigmoidDerivative',
    family: 'elementwise',
    bytesPerElement: 8,
    inputs: (random, shape) => ({ x: uniformArray(random, shape.rows * shape.cols, -10, 10), shape }),
    edgeInputs: () => ({ x: Float32Array.from(SIGMOID_EDGE_INPUTS), shape: { rows: 1, cols: SIGMOID_EDGE_INPUTS.length } }),
    reference: ({ x }) => map64(x, sigmoidDerivative64),
    ours: (act, { x }) => act.sigmoidDerivative(x),
    plainJs: ({ x }) => {
      const out = new Float32Array(x.length);
      for (let i = 0; i < x.length; i++) {
        const s = 1 / (1 + Math.exp(-(x[i] as number)));
        out[i] = s * (1 - s);
      }
      return out;
    },
    // TF.js's own form (its sigmoid gradient is dy * y * (1 - y)): s * (1 - s) in float32.
    tfjs: (tf, x) => {
      const s = tf.sigmoid(x);
      return tf.mul(s, tf.sub(1, s));
    },
    onnx: { graph: (g) => onnxSigmoidDerivativeFromOutput(g, g.op('Sigmoid', [g.x])) },
    resident: elementwiseKernel(ACTIVATIONS.sigmoid, 'derivative'),
  },
  {
    id: 'sigmoidDerivativeFromOutput',
    label: 'sigmoidDerivative (from output)',
    family: 'elementwise',
    bytesPerElement: 8,
    inputs: (random, shape) => ({ x: sigmoidOutputs(random, shape.rows * shape.cols), shape }),
    edgeInputs: () => ({ x: Float32Array.from(SIGMOID_OUTPUT_EDGE_INPUTS), shape: { rows: 1, cols: SIGMOID_OUTPUT_EDGE_INPUTS.length } }),
    reference: ({ x }) => map64(x, sigmoidDerivativeFromOutput64),
    ours: (act, { x }) => act.sigmoidDerivative(x, { from: 'output' }),
    plainJs: ({ x }) => {
      const out = new Float32Array(x.length);
      for (let i = 0; i < x.length; i++) {
        const y = x[i] as number;
        out[i] = y * (1 - y);
      }
      return out;
    },
    tfjs: (tf, y) => tf.mul(y, tf.sub(1, y)),
    accuracyInputs: (x) => sigmoidOutputSweep(x, false),
    onnx: { graph: (g) => onnxSigmoidDerivativeFromOutput(g, g.x) },
    resident: elementwiseKernel(ACTIVATIONS.sigmoid, 'derivative_from_output'),
  },
  {
    id: 'sigmoidBackward',
    label: 'sigmoidBackward',
    family: 'elementwise',
    bytesPerElement: 12,
    inputs: (random, shape) => ({
      x: sigmoidOutputs(random, shape.rows * shape.cols),
      dy: uniformArray(random, shape.rows * shape.cols, -1, 1),
      shape,
    }),
    edgeInputs: () => ({
      x: Float32Array.from(SIGMOID_OUTPUT_EDGE_INPUTS),
      dy: Float32Array.from(SIGMOID_OUTPUT_EDGE_INPUTS, (_, i) => (i % 2 === 0 ? 1 : -2)),
      shape: { rows: 1, cols: SIGMOID_OUTPUT_EDGE_INPUTS.length },
    }),
    reference: (inputs) => map64Binary(inputs.x, requireGradient(inputs), (y, dy) => dy * sigmoidDerivativeFromOutput64(y)),
    ours: (act, inputs) => act.sigmoidBackward(inputs.x, requireGradient(inputs)),
    plainJs: (inputs) => {
      const { x } = inputs;
      const dy = requireGradient(inputs);
      const out = new Float32Array(x.length);
      for (let i = 0; i < x.length; i++) {
        const y = x[i] as number;
        out[i] = (dy[i] as number) * y * (1 - y);
      }
      return out;
    },
    tfjs: (tf, y, dy) => tf.mul(requireTensor(dy), tf.mul(y, tf.sub(1, y))),
    accuracyInputs: (x) => sigmoidOutputSweep(x, true),
    onnx: { graph: (g) => g.op('Mul', [g.dy, onnxSigmoidDerivativeFromOutput(g, g.x)]), inputs: 2 },
    resident: elementwiseKernel(ACTIVATIONS.sigmoid, 'backward_from_output'),
  },
  SIGMOID_WITH_DERIVATIVE,
  ...ELEMENTWISE_OPS_BEYOND_SIGMOID,
  ...BACKWARD_OPS,
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
    accuracySpecialRows: softmaxSpecialRows,
    onnx: { graph: (g) => g.op('Softmax', [g.x], { axis: { int: -1 } }) },
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
      return op.tfjs(tf, x, dy);
    }),
  );
}
