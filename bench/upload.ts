// How an array gets into a GPU buffer, three ways, timed in the same run as everything else. The
// library uploads with queue.writeBuffer into pooled storage buffers; the alternatives are a fresh
// buffer mapped at creation (no pooling possible: only a new buffer can be mapped at creation), and a
// pooled mappable staging buffer copied into the storage buffer. A sample ends when the queue has done
// the upload (onSubmittedWorkDone), so each includes what the method costs the CPU and the GPU.

import { BufferUsage, MapMode } from '../src/gpu/flags.ts';
import { median, throwIfCancelled } from './measure.ts';

/** Median milliseconds of one upload of `bytes` by each method. */
export interface UploadTiming {
  readonly bytes: number;
  readonly writeBufferMs: number;
  readonly mappedAtCreationMs: number;
  readonly mappedStagingMs: number;
}

/** The sizes timed by default: from a small array to one of 16M floats, across the library's switch at 4 MiB. */
export const UPLOAD_BYTES: readonly number[] = [64 * 1024, 1024 * 1024, 4 * 1024 * 1024, 16 * 1024 * 1024, 64 * 1024 * 1024];

/**
 * Times each upload method at each size, `samples` times (median), alternating the methods so that
 * drift in the machine's speed falls on all three alike.
 */
export async function measureUploads(
  device: GPUDevice,
  samples: number,
  signal: AbortSignal,
  sizes: readonly number[] = UPLOAD_BYTES,
): Promise<UploadTiming[]> {
  const results: UploadTiming[] = [];
  for (const bytes of sizes) {
    const data = new Float32Array(bytes / 4).map((_, i) => i % 1000);
    const storage = device.createBuffer({
      label: 'bench.upload.storage',
      size: bytes,
      usage: BufferUsage.STORAGE | BufferUsage.COPY_DST,
    });
    const staging = device.createBuffer({
      label: 'bench.upload.staging',
      size: bytes,
      usage: BufferUsage.MAP_WRITE | BufferUsage.COPY_SRC,
    });
    const writeBuffer = async () => {
      device.queue.writeBuffer(storage, 0, data);
      await device.queue.onSubmittedWorkDone();
    };
    const mappedAtCreation = async () => {
      const buffer = device.createBuffer({
        label: 'bench.upload.mapped',
        size: bytes,
        usage: BufferUsage.STORAGE,
        mappedAtCreation: true,
      });
      new Float32Array(buffer.getMappedRange()).set(data);
      buffer.unmap();
      await device.queue.onSubmittedWorkDone();
      buffer.destroy();
    };
    const mappedStaging = async () => {
      await staging.mapAsync(MapMode.WRITE);
      new Float32Array(staging.getMappedRange()).set(data);
      staging.unmap();
      const encoder = device.createCommandEncoder({ label: 'bench.upload.copy' });
      encoder.copyBufferToBuffer(staging, 0, storage, 0, bytes);
      device.queue.submit([encoder.finish()]);
      await device.queue.onSubmittedWorkDone();
    };
    const methods = [writeBuffer, mappedAtCreation, mappedStaging];
    const times: number[][] = methods.map(() => []);
    try {
      for (const method of methods) await method(); // warm-up
      for (let sample = 0; sample < samples; sample++) {
        throwIfCancelled(signal);
        for (const [i, method] of methods.entries()) {
          const start = performance.now();
          await method();
          times[i]?.push(performance.now() - start);
        }
      }
    } finally {
      storage.destroy();
      staging.destroy();
    }
    const [writeBufferMs, mappedAtCreationMs, mappedStagingMs] = times.map(median) as [number, number, number];
    results.push({ bytes, writeBufferMs, mappedAtCreationMs, mappedStagingMs });
  }
  return results;
}
