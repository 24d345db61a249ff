/**
 * ONNX Runtime Web and this library on one GPUDevice, data staying on the GPU: a session's output kept
 * on the GPU (`preferredOutputLocation: 'gpu-buffer'`) goes through our softmax (`act.wrap` of its
 * `gpuBuffer`), and our result into the next session (`ort.Tensor.fromGpuBuffer`), with no read-back in
 * between. Our softmax is exact where ORT's WebGPU EP is not (a row holding NaN comes back as zeros).
 *
 * @example
 * ```ts
 * const pipeline = await createOrtPipeline(); // ORT's WebGPU EP, and an engine on its GPUDevice
 * const { probabilities, scaled } = await pipeline.run(logits, rows, cols);
 * console.log(await scaled.getData()); // 2 * softmax(2 * logits), computed on the GPU end to end
 * ```
 */
import * as ort from 'onnxruntime-web';
// ORT's wasm (its WebGPU EP runs inside it), served from node_modules by Vite: never from a CDN.
import jsepWasmUrl from 'onnxruntime-web/ort-wasm-simd-threaded.jsep.wasm?url';
import { type Activations, createActivations, type Tensor } from 'webgpu-activations';
// The one-node models are built in code, as the benchmark builds them (no model file is downloaded).
import { buildOnnxModel } from '../bench/onnx-graph.ts';

// STORAGE | COPY_SRC | COPY_DST: our kernel writes it, ORT reads and copies it.
const RESULT_USAGE = 0x80 | 0x04 | 0x08;

/** Two sessions around our op, and the engine on ORT's device. `destroy()` releases all three. */
export interface OrtPipeline {
  readonly act: Activations;
  readonly device: GPUDevice;
  /**
   * logits -> ORT (x * 2) -> our softmax over rows -> ORT (p * 2), all on the GPU. Returns the last
   * session's output (on the GPU, read it with `getData()`) and ORT's own Softmax of the same
   * logits, for comparison. The caller disposes both.
   */
  run(logits: Float32Array, rows: number, cols: number): Promise<{ scaled: ort.Tensor; theirs: ort.Tensor }>;
  destroy(): Promise<void>;
}

/**
 * Starts ORT's WebGPU EP and makes an engine on ORT's own GPUDevice (`ort.env.webgpu.device`), so that
 * both record into one queue and share buffers: the case of an ORT program that adds our kernels.
 */
export async function createOrtPipeline(): Promise<OrtPipeline> {
  ort.env.wasm.numThreads = 1;
  ort.env.wasm.wasmPaths = { wasm: new URL(jsepWasmUrl, globalThis.location?.href).href };
  const options: ort.InferenceSession.SessionOptions = { executionProviders: ['webgpu'], preferredOutputLocation: 'gpu-buffer' };
  const layout = { dataType: 'float32', inputs: 1, rank: 2 } as const;
  // The model before our op, and the one after it.
  const before = await ort.InferenceSession.create(
    buildOnnxModel((g) => g.op('Mul', [g.x, g.constant(2)]), layout),
    options,
  );
  const after = await ort.InferenceSession.create(
    buildOnnxModel((g) => g.op('Mul', [g.x, g.constant(2)]), layout),
    options,
  );
  // ORT's own softmax, on the same logits: what the pipeline would give without our kernel.
  const softmax = await ort.InferenceSession.create(
    buildOnnxModel((g) => g.op('Softmax', [g.op('Mul', [g.x, g.constant(2)])], { axis: { int: -1 } }), layout),
    options,
  );
  const device = (await ort.env.webgpu.device) as GPUDevice;
  const act = await createActivations({ device, backend: 'webgpu' });

  return {
    act,
    device,
    async run(logits, rows, cols) {
      const input = new ort.Tensor('float32', logits, [rows, cols]);
      const doubled = (await before.run({ x: input })).y as ort.Tensor;
      // Our view of ORT's output buffer (ORT owns it: we neither pool nor destroy it).
      const x: Tensor = act.wrap(doubled.gpuBuffer as GPUBuffer, { length: rows * cols });
      const resultBuffer = device.createBuffer({ label: 'ort-interop.probabilities', size: rows * cols * 4, usage: RESULT_USAGE });
      const probabilities = act.resident.softmax(x, { rows, cols, out: act.wrap(resultBuffer) });
      // Taking `.buffer` submits our dispatch, ahead of the next session's on the same queue.
      const fed = ort.Tensor.fromGpuBuffer(probabilities.buffer, {
        dataType: 'float32',
        dims: [rows, cols],
        dispose: () => resultBuffer.destroy(),
      });
      const scaled = (await after.run({ x: fed })).y as ort.Tensor;
      const theirs = (await softmax.run({ x: input })).y as ort.Tensor;
      // ORT has recorded the next session's reads of our buffer: ours can go, and so can the first output.
      probabilities.destroy();
      x.destroy();
      fed.dispose();
      doubled.dispose();
      return { scaled, theirs };
    },
    async destroy() {
      act.destroy();
      await Promise.all([before.release(), after.release(), softmax.release()]);
    },
  };
}
