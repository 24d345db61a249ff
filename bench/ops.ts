// The benchmark's op table: everything the page needs to know about one op, in one entry. Adding an
// op (relu, tanh, gelu, ...) is one entry here: its inputs, its float64 reference, how each backend
// computes it end to end, and which kernel the resident timing dispatches.
import type * as TensorFlow from '@tensorflow/tfjs-core';
import type { Activations } from 'webgpu-activations';
import { elementwiseParams, isSoftwareAdapter, planRows, rowParams } from '../src/gpu/backend.ts';
import { type BindingShape, type DevicePipelines, elementwiseBindingShape, WORKGROUP_SIZE } from '../src/gpu/pipelines.ts';
import { sigmoidActivation } from '../src/ops/elementwise.ts';
import type { ElementwiseKernel } from '../src/ops/kernels.ts';
import {
  map64,
  map64Binary,
  sigmoid64,
  sigmoidDerivative64,
  sigmoidDerivativeFromOutput64,
  softmax64,
} from '../tests/support/reference.ts';

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

/** The kernel that the resident timing dispatches for an op, with the uniform and grid it needs. */
export interface ResidentKernel {
  readonly bindingShape: BindingShape;
  pipeline(pipelines: DevicePipelines, shape: BenchShape, device: GPUDevice): GPUComputePipeline;
  /** The uniform at binding 4, laid out as the Params struct at the top of the op's .wgsl file. */
  params(shape: BenchShape): ArrayBuffer;
  workgroups(shape: BenchShape, device: GPUDevice): number;
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
  ours(act: Activations, inputs: OpInputs): Promise<Float32Array>;
  /** The loop a JavaScript developer would write by hand. */
  plainJs(inputs: OpInputs): Float32Array;
  /** The op as TF.js users write it: tensor from the array, the op, read back, dispose. */
  tfjs(tf: TensorFlowModule, inputs: OpInputs): Promise<Float32Array>;
  readonly resident: ResidentKernel;
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

function elementwiseKernel(kernel: ElementwiseKernel): ResidentKernel {
  return {
    bindingShape: elementwiseBindingShape(kernel),
    pipeline: (pipelines) => pipelines.elementwise(sigmoidActivation, kernel),
    params: (shape) => elementwiseParams(shape.rows * shape.cols, 0),
    workgroups: (shape) => Math.ceil(Math.ceil((shape.rows * shape.cols) / 4) / WORKGROUP_SIZE),
  };
}

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
    tfjs: (tf, { x }) => readAndDispose(tf.tidy(() => tf.sigmoid(tf.tensor1d(x)))),
    resident: elementwiseKernel('forward'),
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
    tfjs: (tf, { x }) =>
      readAndDispose(
        tf.tidy(() => {
          const s = tf.sigmoid(tf.tensor1d(x));
          return tf.mul(s, tf.sub(1, s));
        }),
      ),
    resident: elementwiseKernel('derivative'),
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
    tfjs: (tf, { x }) =>
      readAndDispose(
        tf.tidy(() => {
          const y = tf.tensor1d(x);
          return tf.mul(y, tf.sub(1, y));
        }),
      ),
    resident: elementwiseKernel('derivative_from_output'),
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
    tfjs: (tf, inputs) =>
      readAndDispose(
        tf.tidy(() => {
          const y = tf.tensor1d(inputs.x);
          return tf.mul(tf.tensor1d(requireGradient(inputs)), tf.mul(y, tf.sub(1, y)));
        }),
      ),
    resident: elementwiseKernel('backward_from_output'),
  },
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
    tfjs: (tf, { x, shape }) => readAndDispose(tf.tidy(() => tf.softmax(tf.tensor2d(x, [shape.rows, shape.cols])))),
    resident: {
      bindingShape: 'unary',
      // The plan the library itself uses for this shape on this device.
      pipeline: (pipelines, shape, device) => {
        const plan = planRows('softmax', shape.rows, shape.cols, isSoftwareAdapter(device, undefined));
        return pipelines.rows(plan.kernel, plan.threadsPerRow);
      },
      params: (shape) => rowParams(shape.rows, shape.cols, shape.rows * shape.cols),
      workgroups: (shape, device) => Math.ceil(shape.rows / planRows('softmax', shape.rows, shape.cols, isSoftwareAdapter(device, undefined)).rowsPerWorkgroup),
    },
  },
];

/** The op with this id, or undefined. */
export function findOp(id: string): BenchOp | undefined {
  return BENCH_OPS.find((op) => op.id === id);
}
