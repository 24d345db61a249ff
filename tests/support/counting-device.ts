// A real device whose buffers are counted, so that a test can see what an engine leaves behind: every
// buffer created through it that has not been destroyed is in `alive`. Given to an engine as a caller's
// device, it is never destroyed by the engine, so only the engine's own buffers are at stake.

import { testAdapter } from './host.ts';

/** Requests a device on this page's adapter whose createBuffer records each buffer until its destroy(). */
export async function countingDevice(): Promise<{ device: GPUDevice; alive: Set<GPUBuffer> }> {
  const adapter = await testAdapter();
  const device = await adapter.requestDevice({ label: 'tests.counting-device' });
  const alive = new Set<GPUBuffer>();
  const createBuffer = device.createBuffer.bind(device);
  device.createBuffer = (descriptor: GPUBufferDescriptor): GPUBuffer => {
    const buffer = createBuffer(descriptor);
    alive.add(buffer);
    const destroy = buffer.destroy.bind(buffer);
    buffer.destroy = () => {
      alive.delete(buffer);
      destroy();
    };
    return buffer;
  };
  return { device, alive };
}

/** Counts the device queue's submit() calls from now on; `restore()` puts the queue's own method back. */
export function countSubmits(device: GPUDevice): { readonly count: number; restore(): void } {
  const queue = device.queue;
  const submit = queue.submit.bind(queue);
  const counter = {
    count: 0,
    restore: () => {
      queue.submit = submit;
    },
  };
  queue.submit = (buffers) => {
    counter.count++;
    submit(buffers);
  };
  return counter;
}
