// Our engines for a benchmark run, and the report of their adapter: no DOM, so that the page
// (bench/main.ts) and Node (bench/node.ts) make them the same way.
import { type Activations, createActivations, describeAdapter } from 'webgpu-activations';
import type { RowStrategy } from '../src/gpu/row-plan.ts';
import { isSoftwareAdapter } from '../src/gpu/software-adapter.ts';
import type { AdapterReport } from './results.ts';
import type { Engines } from './run.ts';

/**
 * Our three engines as the benchmark compares them, and what their adapter is. `gpu` is where adapters
 * come from (default: the library's own choice, navigator.gpu or in Node the webgpu package).
 */
export async function createEngines(rowStrategy: RowStrategy, gpu?: GPU): Promise<{ engines: Engines; adapter: AdapterReport }> {
  const source = gpu ? { gpu } : {};
  let webgpu: Activations | undefined;
  let webgpuReason: string;
  try {
    webgpu = await createActivations({ backend: 'webgpu', rowStrategy, ...source });
    webgpuReason = webgpu.reason;
  } catch (error) {
    webgpuReason = error instanceof Error ? error.message : String(error);
  }
  // auto as a user gets it: its own device, the default threshold.
  const [cpu, auto] = await Promise.all([createActivations({ backend: 'cpu' }), createActivations({ rowStrategy, ...source })]);
  const device = webgpu?.device ?? null;
  const info = device?.adapterInfo;
  const isFallbackAdapter = info && 'isFallbackAdapter' in info ? Boolean(info.isFallbackAdapter) : null;
  const adapter: AdapterReport = {
    available: device !== null,
    description: device ? describeAdapter(info) : 'no WebGPU adapter',
    vendor: info?.vendor ?? '',
    architecture: info?.architecture ?? '',
    device: info?.device ?? '',
    adapterDescription: info?.description ?? '',
    isFallbackAdapter,
    // The library's own test, so that the page and the row kernels' choice agree on what is software.
    software: device !== null && isSoftwareAdapter(device, info),
    features: {
      'timestamp-query': device?.features.has('timestamp-query') ?? false,
      subgroups: device?.features.has('subgroups') ?? false,
    },
    limits: device
      ? {
          maxStorageBufferBindingSize: device.limits.maxStorageBufferBindingSize,
          maxBufferSize: device.limits.maxBufferSize,
          maxComputeWorkgroupsPerDimension: device.limits.maxComputeWorkgroupsPerDimension,
        }
      : null,
    engineReasons: { webgpu: webgpuReason, auto: auto.reason },
    autoMinGpuElements: auto.minGpuElements,
  };
  return { engines: { webgpu, cpu, auto }, adapter };
}

/** Releases the engines' devices and buffers. */
export function destroyEngines(engines: Engines): void {
  for (const engine of [engines.webgpu, engines.cpu, engines.auto]) engine?.destroy();
}
