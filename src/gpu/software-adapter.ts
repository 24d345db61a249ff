// Whether WebGPU runs on the CPU here. The row kernels plan differently there (see row-plan.ts), and
// the benchmark page says so next to its figures.

/**
 * Whether a device runs on a software adapter (SwiftShader, llvmpipe, lavapipe, WARP, or an adapter
 * that calls itself a fallback), from what the adapter reports.
 * @param device - the device; its `adapterInfo` is read where `adapterInfo` is not given.
 * @param adapterInfo - the adapter's info, where the caller has it (from `requestAdapter`).
 * @returns false when neither says anything.
 * @example
 * ```ts
 * const adapter = await navigator.gpu.requestAdapter();
 * const device = await adapter.requestDevice();
 * isSoftwareAdapter(device, adapter.info); // true on Chromium's SwiftShader
 * ```
 */
export function isSoftwareAdapter(device: GPUDevice, adapterInfo: GPUAdapterInfo | undefined): boolean {
  const info = adapterInfo ?? (device as GPUDevice & { adapterInfo?: GPUAdapterInfo }).adapterInfo;
  if (!info) return false;
  const fallback = (info as GPUAdapterInfo & { isFallbackAdapter?: boolean }).isFallbackAdapter === true;
  return (
    fallback ||
    /swiftshader|llvmpipe|lavapipe|software|warp/i.test(`${info.vendor} ${info.architecture} ${info.description} ${info.device}`)
  );
}
