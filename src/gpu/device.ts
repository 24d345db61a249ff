/** Outcome of asking for a WebGPU device: the device, or why there is none. */
export type DeviceRequest =
  | { readonly device: GPUDevice; readonly adapterInfo: GPUAdapterInfo | undefined; readonly reason: string }
  | { readonly device: undefined; readonly reason: string };

/**
 * Asks `gpu` (default `navigator.gpu`) for an adapter and a device with the adapter's largest storage
 * binding and buffer sizes (so fewer arrays need splitting) and the optional features the library uses
 * when present (`timestamp-query` for the benchmark's kernel timings, `subgroups`).
 * Never throws: a missing API, a refused adapter or device comes back as `reason`.
 */
export async function requestDevice(gpu: GPU | undefined = globalThis.navigator?.gpu): Promise<DeviceRequest> {
  if (!gpu) return { device: undefined, reason: 'WebGPU is not available here (navigator.gpu is missing)' };
  let adapter: GPUAdapter | null;
  try {
    adapter = await gpu.requestAdapter({ powerPreference: 'high-performance' });
  } catch (error) {
    return { device: undefined, reason: `requestAdapter() failed: ${String(error)}` };
  }
  if (!adapter) return { device: undefined, reason: 'no WebGPU adapter was granted (requestAdapter() returned null)' };
  const wanted: GPUFeatureName[] = ['timestamp-query', 'subgroups'];
  try {
    const device = await adapter.requestDevice({
      label: 'webgpu-activations.device',
      requiredFeatures: wanted.filter((feature) => adapter.features.has(feature)),
      requiredLimits: {
        maxStorageBufferBindingSize: adapter.limits.maxStorageBufferBindingSize,
        maxBufferSize: adapter.limits.maxBufferSize,
      },
    });
    // Errors outside the library's error scopes would otherwise only reach the console.
    device.addEventListener('uncapturederror', (event) => event.preventDefault());
    return { device, adapterInfo: adapter.info, reason: `WebGPU device granted (${describeAdapter(adapter.info)})` };
  } catch (error) {
    return { device: undefined, reason: `requestDevice() failed: ${String(error)}` };
  }
}

/** A short human-readable adapter description: vendor, architecture, and whether it is a software/fallback adapter. */
export function describeAdapter(info: GPUAdapterInfo | undefined): string {
  if (!info) return 'adapter details unavailable';
  const parts = [info.vendor, info.architecture, info.device, info.description].filter((part) => part && part.length > 0);
  const fallback = (info as GPUAdapterInfo & { isFallbackAdapter?: boolean }).isFallbackAdapter ? ', fallback adapter' : '';
  return `${parts.length > 0 ? parts.join(' ') : 'unnamed adapter'}${fallback}`;
}
