/**
 * TensorFlow.js and this library on one GPUDevice, data staying on the GPU: a TF.js tensor's buffer
 * (`dataToGPU()`) goes through our softmax, or our sigmoid and its backward step, and back into TF.js
 * as `tf.tensor({ buffer }, shape)`, with no read-back in between. Our results are exact where TF.js's
 * own are not: its webgpu sigmoid gives 0 for NaN, and its softmax over more than 65535 rows is wrong.
 *
 * @example
 * ```ts
 * const { tf, act } = await shareDevice(); // TF.js's webgpu backend, and an engine on its GPUDevice
 * const probabilities = softmaxOnGpu(tf, act, tf.randomNormal([70000, 16]));
 * console.log(await probabilities.data());
 * ```
 */
import type { WebGPUBackend } from '@tensorflow/tfjs-backend-webgpu';
import '@tensorflow/tfjs-backend-webgpu';
import * as TensorFlow from '@tensorflow/tfjs-core';
import { type Activations, createActivations, type Tensor } from 'webgpu-activations';

type TF = typeof TensorFlow;

/**
 * Starts TF.js's webgpu backend and makes an engine on TF.js's own GPUDevice, so that both record into
 * one queue and share buffers: the common case of a TF.js program that adds our kernels.
 */
export async function shareDevice(): Promise<{ tf: TF; act: Activations }> {
  const tf = TensorFlow;
  if (!(await tf.setBackend('webgpu'))) throw new Error('TF.js could not start its webgpu backend');
  const device = (tf.backend() as WebGPUBackend).device;
  const act = await createActivations({ device, backend: 'webgpu' });
  return { tf, act };
}

// Our view of a TF.js tensor's values: its dataToGPU() buffer, wrapped. `release` disposes TF.js's copy
// once our ops using it have been submitted (TF.js may reuse the buffer after that).
function fromTensorFlow(act: Activations, tensor: TensorFlow.Tensor): { tensor: Tensor; release: () => void } {
  const data = tensor.dataToGPU();
  if (!data.buffer) throw new TypeError('tensor: dataToGPU() gave no GPUBuffer; is TF.js on its webgpu backend?');
  const wrapped = act.wrap(data.buffer, { length: tensor.size });
  return {
    tensor: wrapped,
    release: () => {
      wrapped.destroy();
      data.tensorRef.dispose();
    },
  };
}

// A buffer of exactly `length` floats for a result that goes to TF.js (which takes a buffer's whole size
// as the tensor's), wrapped as the op's `out`.
function outputFor(act: Activations, length: number): Tensor {
  const device = act.device as GPUDevice;
  // STORAGE | COPY_SRC | COPY_DST: TF.js copies from it, our kernels write it.
  return act.wrap(device.createBuffer({ label: 'tfjs-interop.result', size: Math.max(4, length * 4), usage: 0x80 | 0x04 | 0x08 }), {
    length,
  });
}

// The TF.js tensor of a result: taking `result.buffer` submits our ops first; TF.js copies the values
// into a buffer of its own at once (its default), so ours can be destroyed right after.
function toTensorFlow<R extends TensorFlow.Rank>(tf: TF, result: Tensor, shape: TensorFlow.ShapeMap[R]): TensorFlow.Tensor<R> {
  const buffer = result.buffer;
  const tensor = tf.tensor<R>({ buffer }, shape, 'float32');
  result.destroy();
  buffer.destroy();
  return tensor;
}

/** softmax over the last axis of a 2-D TF.js tensor, on our kernel, returned as a TF.js tensor. */
export function softmaxOnGpu(tf: TF, act: Activations, logits: TensorFlow.Tensor2D): TensorFlow.Tensor2D {
  const [rows, cols] = logits.shape;
  const input = fromTensorFlow(act, logits);
  try {
    const probabilities = act.resident.softmax(input.tensor, { rows, cols, out: outputFor(act, rows * cols) });
    return toTensorFlow<TensorFlow.Rank.R2>(tf, probabilities, [rows, cols]);
  } finally {
    input.release();
  }
}

/** sigmoid of a TF.js tensor and the backward step dy · s(z)(1 - s(z)), on our kernels: `[s(z), dz]` as TF.js tensors. */
export function sigmoidAndBackwardOnGpu(
  tf: TF,
  act: Activations,
  z: TensorFlow.Tensor1D,
  dy: TensorFlow.Tensor1D,
): [TensorFlow.Tensor1D, TensorFlow.Tensor1D] {
  const [input, gradient] = [fromTensorFlow(act, z), fromTensorFlow(act, dy)];
  try {
    const y = act.resident.sigmoid(input.tensor, { out: outputFor(act, z.size) });
    const dz = act.resident.sigmoidBackward(y, gradient.tensor, { out: outputFor(act, z.size) });
    return [toTensorFlow<TensorFlow.Rank.R1>(tf, y, z.shape), toTensorFlow<TensorFlow.Rank.R1>(tf, dz, z.shape)];
  } finally {
    input.release();
    gradient.release();
  }
}
