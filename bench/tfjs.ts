// TF.js as the comparison point: its webgpu and cpu backends, initialised once, switched per cell.
// A backend that fails to start (TF.js webgpu on some software adapters) is reported, not fatal.
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-webgpu';
import type { TensorFlowModule } from './ops.ts';

export type TensorFlowBackendName = 'webgpu' | 'cpu';

export type TensorFlowBackendStatus =
  | { readonly available: true; readonly detail: string }
  | { readonly available: false; readonly reason: string };

export const TENSORFLOW_VERSION: string = tf.version_core;

let statuses: Promise<Record<TensorFlowBackendName, TensorFlowBackendStatus>> | undefined;

async function start(name: TensorFlowBackendName): Promise<TensorFlowBackendStatus> {
  try {
    if (!(await tf.setBackend(name))) {
      return { available: false, reason: `tf.setBackend('${name}') returned false (TF.js logs why on the console)` };
    }
    await tf.ready();
    // One tiny op proves the backend computes, not just that it registered.
    const probe = tf.sigmoid(tf.tensor1d([0]));
    const [value] = await probe.data();
    probe.dispose();
    if (value !== 0.5) return { available: false, reason: `sigmoid(0) gave ${value}` };
    return { available: true, detail: `TF.js ${TENSORFLOW_VERSION} ${tf.getBackend()} backend` };
  } catch (error) {
    return { available: false, reason: error instanceof Error ? error.message : String(error) };
  }
}

/** Starts both TF.js backends (once per page) and says which can be used. */
export function startTensorFlow(): Promise<Record<TensorFlowBackendName, TensorFlowBackendStatus>> {
  statuses ??= (async () => ({ webgpu: await start('webgpu'), cpu: await start('cpu') }))();
  return statuses;
}

/** Makes `name` the backend of the following TF.js calls and hands the module over. */
export async function useTensorFlow(name: TensorFlowBackendName): Promise<TensorFlowModule> {
  if (tf.getBackend() !== name && !(await tf.setBackend(name))) throw new Error(`TF.js backend ${name} is unavailable`);
  return tf;
}
