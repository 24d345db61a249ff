/** Outcome of asking for a WebGPU device: the device, or why there is none. */
export type DeviceRequest =
  | { readonly device: GPUDevice; readonly adapterInfo: GPUAdapterInfo | undefined; readonly reason: string }
  | { readonly device: undefined; readonly reason: string };

/** Where adapters come from: the caller's `GPU`, `navigator.gpu`, or Node's `webgpu` package (Dawn). */
export type GpuSource = { readonly gpu: GPU; readonly name: string } | { readonly gpu: undefined; readonly reason: string };

/** The optional peer dependency that gives Node WebGPU through Dawn. */
const NODE_WEBGPU_PACKAGE = 'webgpu';

/** How act.reason names Node's `webgpu` package. */
const DAWN_SOURCE = 'the webgpu package (Dawn)';

/** What the library uses of the `webgpu` package: `create(flags)` returns a `GPU` (no globals needed). */
interface NodeWebGpuModule {
  create(flags: string[]): GPU;
}

// One Dawn instance per process, made on first use, like the browser's one navigator.gpu. It does not
// keep Node alive (tests/node/package.test.ts: a script on the default engine exits by itself).
let nodeGpu: Promise<GpuSource> | undefined;

/** Node's `process`, read off globalThis: no Node types in the published declarations, nothing for bundlers to polyfill. */
const nodeProcess = (): { readonly versions?: { readonly node?: string }; readonly platform?: string } | undefined =>
  (globalThis as { process?: { versions?: { node?: string }; platform?: string } }).process;

function isNode(): boolean {
  return typeof nodeProcess()?.versions?.node === 'string';
}

function loadNodeGpu(): Promise<GpuSource> {
  nodeGpu ??= (async (): Promise<GpuSource> => {
    try {
      // A specifier bundlers leave alone (@vite-ignore, and not a literal they could resolve), and only
      // reached in Node without navigator.gpu: a browser bundle neither contains nor fetches `webgpu`.
      const specifier = NODE_WEBGPU_PACKAGE;
      const dawn = (await import(/* @vite-ignore */ specifier)) as NodeWebGpuModule;
      return { gpu: dawn.create([]), name: DAWN_SOURCE };
    } catch (error) {
      const detail = error instanceof Error ? error.message.split('\n')[0] : String(error);
      return {
        gpu: undefined,
        reason: `WebGPU is not available here (navigator.gpu is missing, and the optional webgpu package could not be loaded: ${detail})`,
      };
    }
  })();
  return nodeGpu;
}

/**
 * The `GPU` to request an adapter from: `gpu` when given, else `navigator.gpu`, else in Node the
 * optional `webgpu` package (Dawn), imported on first use. Sets nothing on `globalThis`.
 */
export async function findGpu(gpu?: GPU): Promise<GpuSource> {
  if (gpu) return { gpu, name: 'the GPU object given by the caller' };
  const browserGpu = globalThis.navigator?.gpu;
  if (browserGpu) return { gpu: browserGpu, name: 'navigator.gpu' };
  if (isNode()) return loadNodeGpu();
  return { gpu: undefined, reason: 'WebGPU is not available here (navigator.gpu is missing)' };
}

/**
 * Asks `gpu` (default: see {@link findGpu}) for an adapter and a device with the adapter's largest
 * storage binding and buffer sizes (so fewer arrays need splitting) and the optional features the
 * library uses when present (`timestamp-query` for the benchmark's kernel timings, `subgroups`).
 * Never throws: a missing API, a refused adapter or device comes back as `reason`.
 */
export async function requestDevice(gpu?: GPU): Promise<DeviceRequest> {
  const source = await findGpu(gpu);
  if (!source.gpu) return { device: undefined, reason: source.reason };
  let adapter: GPUAdapter | null;
  try {
    adapter = await source.gpu.requestAdapter({ powerPreference: 'high-performance' });
  } catch (error) {
    return { device: undefined, reason: `requestAdapter() failed: ${String(error)}` };
  }
  if (!adapter) {
    const dawn =
      source.name === DAWN_SOURCE && nodeProcess()?.platform === 'linux'
        ? ': Dawn needs the Vulkan loader (libvulkan1) and a Vulkan driver, found through VK_ICD_FILENAMES or VK_DRIVER_FILES'
        : '';
    return { device: undefined, reason: `no WebGPU adapter was granted by ${source.name} (requestAdapter() returned null)${dawn}` };
  }
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
    return { device, adapterInfo: adapter.info, reason: `WebGPU device granted (${describeAdapter(adapter.info)}, from ${source.name})` };
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
