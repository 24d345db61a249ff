// ONNX Runtime Web as a comparison point: its WebGPU and wasm execution providers (EPs), each on float32
// and float16, on models built in code (bench/onnx-graph.ts). One session per op, EP and element type,
// made once with symbolic shapes. A case an EP cannot run is reported with the reason, never fatal.
//
// On the page this is the package's default build (the JSEP one: wasm and WebGPU EPs in one
// ort-wasm-simd-threaded.jsep.wasm, which Vite emits from node_modules and our own server serves). In Node
// (bench --node) the package's Node entry: the wasm EP only, its .wasm read from node_modules.
import * as ort from 'onnxruntime-web';
import jsepWasmUrl from 'onnxruntime-web/ort-wasm-simd-threaded.jsep.wasm?url';
import { buildOnnxModel, float16Bits, float16Value, type OnnxDataType } from './onnx-graph.ts';
import type { BenchOp, OpInputs } from './ops.ts';

export type OrtProvider = 'webgpu' | 'wasm';

export type OrtStatus = { readonly available: true; readonly detail: string } | { readonly available: false; readonly reason: string };

export const ORT_VERSION: string = ort.env.versions.web ?? ort.env.versions.common;

const inBrowser = typeof document !== 'undefined';

let statuses: Promise<Record<OrtProvider, OrtStatus>> | undefined;
let webgpuHasShaderF16 = false;

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * ORT's reason for refusing a model, shortened for a table cell: "no float16 Gelu kernel" for its
 * "Could not find an implementation for Gelu(20) node ...", else its first line.
 */
export function shortReason(error: unknown): string {
  const text = message(error);
  const missing = /Could not find an implementation for (\w+)\(\d+\)/.exec(text);
  if (missing) return `no kernel for ${missing[1]}`;
  return (text.split('\n')[0] ?? text).slice(0, 160);
}

async function probe(provider: OrtProvider): Promise<OrtStatus> {
  if (provider === 'webgpu' && !inBrowser) return { available: false, reason: "ORT-web's Node build has no WebGPU EP" };
  if (provider === 'webgpu' && !globalThis.navigator?.gpu) return { available: false, reason: 'no navigator.gpu' };
  try {
    const session = await ort.InferenceSession.create(
      buildOnnxModel((g) => g.op('Sigmoid', [g.x]), { dataType: 'float32', inputs: 1, rank: 1 }),
      { executionProviders: [provider] },
    );
    const result = await session.run({ x: new ort.Tensor('float32', new Float32Array([0]), [1]) });
    const value = (result.y as ort.Tensor).data[0];
    await session.release();
    if (value !== 0.5) return { available: false, reason: `sigmoid(0) gave ${value}` };
    if (provider === 'webgpu') {
      const device = await ort.env.webgpu.device;
      webgpuHasShaderF16 = device.features.has('shader-f16');
      return { available: true, detail: `ORT ${ORT_VERSION} WebGPU EP (JSEP), shader-f16 ${webgpuHasShaderF16 ? 'on' : 'off'}` };
    }
    return { available: true, detail: `ORT ${ORT_VERSION} wasm EP, ${ort.env.wasm.numThreads} thread(s)` };
  } catch (error) {
    return { available: false, reason: shortReason(error) };
  }
}

/**
 * Starts ORT (once per page) and says which EPs run: the wasm EP with one thread, like TF.js wasm and
 * our CPU path (the page is cross-origin isolated, so ORT would start workers otherwise).
 */
export function startOrt(): Promise<Record<OrtProvider, OrtStatus>> {
  statuses ??= (async () => {
    ort.env.wasm.numThreads = 1;
    ort.env.wasm.proxy = false;
    // Its warnings ("some nodes were not assigned to the preferred EP") and a refused model's errors
    // are answered in the cells; on the console they would read as the page's own errors.
    ort.env.logLevel = 'fatal';
    if (inBrowser) ort.env.wasm.wasmPaths = { wasm: new URL(jsepWasmUrl, location.href).href };
    return { webgpu: await probe('webgpu'), wasm: await probe('wasm') };
  })();
  return statuses;
}

type Session = ort.InferenceSession | { readonly unavailable: string };
const sessions = new Map<string, Promise<Session>>();

function sessionFor(op: BenchOp, provider: OrtProvider, dataType: OnnxDataType): Promise<Session> {
  const key = `${op.id}|${provider}|${dataType}`;
  let session = sessions.get(key);
  if (!session) {
    session = (async () => {
      if (!op.onnx) return { unavailable: 'no ONNX form' };
      try {
        const model = buildOnnxModel(op.onnx.graph, {
          dataType,
          inputs: op.onnx.inputs ?? 1,
          rank: op.family === 'rows' ? 2 : 1,
        });
        return await ort.InferenceSession.create(model, { executionProviders: [provider], graphOptimizationLevel: 'all' });
      } catch (error) {
        return { unavailable: shortReason(error) };
      }
    })();
    sessions.set(key, session);
  }
  return session;
}

/** float16 copies of the inputs, made once per array (a float16 caller's data is float16 already). */
const halves = new WeakMap<Float32Array, Uint16Array>();
function toFloat16(values: Float32Array): Uint16Array {
  let half = halves.get(values);
  if (!half) {
    half = new Uint16Array(values.length);
    for (let i = 0; i < values.length; i++) half[i] = float16Bits(values[i] as number);
    halves.set(values, half);
  }
  return half;
}

/** An ORT output as float32 values: float16 outputs (Uint16Array bits, or a Float16Array) widened. */
export function ortOutputToFloat32(output: ArrayLike<number>): Float32Array {
  if (output instanceof Float32Array) return output;
  if (output instanceof Uint16Array) return Float32Array.from(output, float16Value);
  return Float32Array.from(output);
}

/**
 * `op` on ORT's `provider` end to end, as its users run a model: tensors from the arrays (float16 ones
 * converted once, outside the timing), `session.run`, the output's data (on the CPU: ORT downloads
 * WebGPU outputs itself). Returns the call, or why it cannot run.
 */
export async function ortCall(
  op: BenchOp,
  inputs: OpInputs,
  provider: OrtProvider,
  dataType: OnnxDataType,
): Promise<(() => Promise<ArrayLike<number>>) | { readonly unavailable: string }> {
  const status = (await startOrt())[provider];
  if (!status.available) return { unavailable: status.reason };
  // Without shader-f16 ORT's WebGPU EP runs float16 models and returns zeros: not run, said why.
  if (provider === 'webgpu' && dataType === 'float16' && !webgpuHasShaderF16) return { unavailable: 'no shader-f16' };
  const session = await sessionFor(op, provider, dataType);
  if ('unavailable' in session) return session;
  const dims = op.family === 'rows' ? [inputs.shape.rows, inputs.shape.cols] : [inputs.x.length];
  const tensor = (values: Float32Array) =>
    dataType === 'float16' ? new ort.Tensor('float16', toFloat16(values), dims) : new ort.Tensor('float32', values, dims);
  const feedsData = { x: inputs.x, ...(inputs.dy ? { dy: inputs.dy } : {}) };
  return async () => {
    const feeds: Record<string, ort.Tensor> = {};
    for (const [name, values] of Object.entries(feedsData)) feeds[name] = tensor(values);
    const result = await session.run(feeds);
    const output = result.y as ort.Tensor;
    const data = output.data as ArrayLike<number>;
    output.dispose();
    return data;
  };
}
