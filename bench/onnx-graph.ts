// ONNX models built in code for ONNX Runtime Web: one node for the ops ONNX has (Sigmoid, Softmax, ...),
// the smallest graph of standard ops for the ones it has not (derivatives, backward steps). Nothing is
// downloaded or committed: the few protobuf messages an ONNX model needs are written here by hand
// (https://github.com/onnx/onnx/blob/main/onnx/onnx.proto; field numbers in the comments below).

/** Element types of onnx.proto's TensorProto.DataType that the benchmark uses. */
export type OnnxDataType = 'float32' | 'float16';

const DATA_TYPE = { float32: 1, int64: 7, float16: 10 } as const;

/** The opset of the default domain: 20, the first with Gelu. */
export const ONNX_OPSET = 20;
/** IR version 9: the one opset 20 goes with. */
const IR_VERSION = 9;

/** An attribute value: a float (FLOAT), an integer (INT, written as a JavaScript integer), or integers (INTS). */
export type OnnxAttribute = { readonly float: number } | { readonly int: number } | { readonly ints: readonly number[] };

/**
 * What an op's graph is built with: its inputs' names (`x`, and `dy` for the backward ops), nodes, and
 * constants in the graph's element type. Each method returns the name of the value it makes.
 */
export interface OnnxGraphBuilder {
  readonly x: string;
  readonly dy: string;
  /** A node of the default domain: `op('Softmax', [x], { axis: { int: -1 } })`. */
  op(type: string, inputs: readonly string[], attributes?: Readonly<Record<string, OnnxAttribute>>): string;
  /** A scalar constant (an initializer) of the graph's element type. */
  constant(value: number): string;
  /** A 1-D int64 constant, for the inputs opset 13+ takes as tensors (ReduceSum's axes). */
  int64s(values: readonly number[]): string;
  /** `value` (a bool tensor, say) cast to the graph's element type. */
  cast(value: string): string;
}

/** An op's graph: builds its nodes and returns the name of its output. */
export type OnnxGraph = (graph: OnnxGraphBuilder) => string;

// --- protobuf wire format: varints, length-delimited fields, fixed32 ---

class ProtoWriter {
  private readonly bytes: number[] = [];

  private varint(value: number | bigint): void {
    let v = BigInt.asUintN(64, BigInt(value));
    while (v >= 0x80n) {
      this.bytes.push(Number(v & 0x7fn) | 0x80);
      v >>= 7n;
    }
    this.bytes.push(Number(v));
  }

  private key(field: number, wireType: 0 | 2 | 5): void {
    this.varint((field << 3) | wireType);
  }

  int(field: number, value: number): this {
    this.key(field, 0);
    this.varint(value);
    return this;
  }

  float(field: number, value: number): this {
    this.key(field, 5);
    const view = new DataView(new ArrayBuffer(4));
    view.setFloat32(0, value, true);
    for (let i = 0; i < 4; i++) this.bytes.push(view.getUint8(i));
    return this;
  }

  bytesField(field: number, value: Uint8Array): this {
    this.key(field, 2);
    this.varint(value.length);
    for (const byte of value) this.bytes.push(byte);
    return this;
  }

  string(field: number, value: string): this {
    return this.bytesField(field, new TextEncoder().encode(value));
  }

  message(field: number, build: (writer: ProtoWriter) => void): this {
    const inner = new ProtoWriter();
    build(inner);
    return this.bytesField(field, inner.finish());
  }

  finish(): Uint8Array {
    return Uint8Array.from(this.bytes);
  }
}

/** float32 -> IEEE half bits, rounded to nearest even (enough for the constants of the graphs). */
export function float16Bits(value: number): number {
  const f32 = new Float32Array([value]);
  const bits = new Uint32Array(f32.buffer)[0] as number;
  const sign = (bits >>> 16) & 0x8000;
  const exponent = (bits >>> 23) & 0xff;
  let mantissa = bits & 0x7fffff;
  if (exponent === 0xff) return sign | 0x7c00 | (mantissa !== 0 ? 0x200 : 0);
  const e = exponent - 127 + 15;
  if (e >= 0x1f) return sign | 0x7c00;
  if (e <= 0) {
    if (e < -10) return sign;
    mantissa |= 0x800000;
    const shift = 14 - e;
    const half = mantissa >>> shift;
    const rest = mantissa & ((1 << shift) - 1);
    const halfway = 1 << (shift - 1);
    return sign | (half + (rest > halfway || (rest === halfway && (half & 1) === 1) ? 1 : 0));
  }
  const half = (e << 10) | (mantissa >>> 13);
  const rest = mantissa & 0x1fff;
  // A carry out of the mantissa steps the exponent, up to 0x7c00 (Infinity): the IEEE rounding.
  return sign | (half + (rest > 0x1000 || (rest === 0x1000 && (half & 1) === 1) ? 1 : 0));
}

/** IEEE half bits -> the number. */
export function float16Value(bits: number): number {
  const sign = bits & 0x8000 ? -1 : 1;
  const exponent = (bits >>> 10) & 0x1f;
  const mantissa = bits & 0x3ff;
  if (exponent === 0) return sign * mantissa * 2 ** -24;
  if (exponent === 0x1f) return mantissa === 0 ? sign * Number.POSITIVE_INFINITY : Number.NaN;
  return sign * (1 + mantissa / 1024) * 2 ** (exponent - 15);
}

interface Node {
  readonly type: string;
  readonly inputs: readonly string[];
  readonly output: string;
  readonly attributes: Readonly<Record<string, OnnxAttribute>>;
}

interface Initializer {
  readonly name: string;
  readonly dataType: number;
  readonly dims: readonly number[];
  readonly raw: Uint8Array;
}

/**
 * An ONNX model (ModelProto bytes) of `graph` with element type `dataType`: inputs `x` (and `dy` when
 * `inputs` is 2) of a symbolic shape (`[n]` or `[rows, cols]`), one output `y`.
 * @example `const model = buildOnnxModel((g) => g.op('Sigmoid', [g.x]), { dataType: 'float32', inputs: 1, rank: 1 });`
 */
export function buildOnnxModel(
  graph: OnnxGraph,
  options: { readonly dataType: OnnxDataType; readonly inputs: 1 | 2; readonly rank: 1 | 2 },
): Uint8Array {
  const nodes: Node[] = [];
  const initializers: Initializer[] = [];
  let counter = 0;
  const elementType = DATA_TYPE[options.dataType];
  const builder: OnnxGraphBuilder = {
    x: 'x',
    dy: 'dy',
    op(type, inputs, attributes = {}) {
      const output = `${type.toLowerCase()}_${counter++}`;
      nodes.push({ type, inputs, output, attributes });
      return output;
    },
    constant(value) {
      const name = `c_${counter++}`;
      const raw = new Uint8Array(options.dataType === 'float16' ? 2 : 4);
      const view = new DataView(raw.buffer);
      if (options.dataType === 'float16') view.setUint16(0, float16Bits(value), true);
      else view.setFloat32(0, value, true);
      initializers.push({ name, dataType: elementType, dims: [], raw });
      return name;
    },
    int64s(values) {
      const name = `i_${counter++}`;
      const raw = new Uint8Array(8 * values.length);
      const view = new DataView(raw.buffer);
      values.forEach((value, i) => {
        view.setBigInt64(8 * i, BigInt(value), true);
      });
      initializers.push({ name, dataType: DATA_TYPE.int64, dims: [values.length], raw });
      return name;
    },
    cast(value) {
      return builder.op('Cast', [value], { to: { int: elementType } });
    },
  };
  const result = graph(builder);
  // The graph's output is `y`: an Identity when the last node's output has another name.
  if (result !== 'y') nodes.push({ type: 'Identity', inputs: [result], output: 'y', attributes: {} });

  const dims = options.rank === 1 ? ['n'] : ['rows', 'cols'];
  // ValueInfoProto: name (1), type (2) -> TypeProto.tensor_type (1) -> elem_type (1), shape (2) -> dim (1) -> dim_param (2).
  const valueInfo = (writer: ProtoWriter, name: string) => {
    writer.string(1, name).message(2, (type) =>
      type.message(1, (tensor) =>
        tensor.int(1, elementType).message(2, (shape) => {
          for (const dim of dims) shape.message(1, (d) => d.string(2, dim));
        }),
      ),
    );
  };
  const model = new ProtoWriter()
    .int(1, IR_VERSION) // ModelProto.ir_version
    .string(2, 'webgpu-activations-bench') // producer_name
    .message(8, (opset) => opset.string(1, '').int(2, ONNX_OPSET)) // opset_import: domain, version
    .message(7, (g) => {
      // GraphProto: node (1), name (2), initializer (5), input (11), output (12)
      nodes.forEach((node, i) => {
        g.message(1, (n) => {
          for (const input of node.inputs) n.string(1, input);
          n.string(2, node.output).string(3, `node_${i}`).string(4, node.type);
          for (const [name, value] of Object.entries(node.attributes)) {
            // AttributeProto: name (1), f (2), i (3), ints (8), type (20: FLOAT 1, INT 2, INTS 7)
            n.message(5, (a) => {
              a.string(1, name);
              if ('float' in value) a.float(2, value.float).int(20, 1);
              else if ('int' in value) a.int(3, value.int).int(20, 2);
              else {
                for (const item of value.ints) a.int(8, item);
                a.int(20, 7);
              }
            });
          }
        });
      });
      g.string(2, 'bench');
      for (const initializer of initializers) {
        // TensorProto: dims (1), data_type (2), name (8), raw_data (9)
        g.message(5, (t) => {
          for (const dim of initializer.dims) t.int(1, dim);
          t.int(2, initializer.dataType).string(8, initializer.name).bytesField(9, initializer.raw);
        });
      }
      g.message(11, (v) => valueInfo(v, 'x'));
      if (options.inputs === 2) g.message(11, (v) => valueInfo(v, 'dy'));
      g.message(12, (v) => valueInfo(v, 'y'));
    });
  return model.finish();
}
