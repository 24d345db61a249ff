// The grid of one dispatch. WebGPU caps workgroups per grid dimension (65535 by default), so a 1D
// count above it goes 2D; the kernels index workgroups as x + y * (workgroups in x) and bound-check
// what lies past their data, since x * y may exceed the count.

/**
 * Splits a workgroup count over x and y when it exceeds the per-dimension limit: y as small as can
 * be, x = ceil(workgroups / y), so that x <= maxPerDimension and x * y - workgroups < y.
 * @param workgroups - workgroups the dispatch needs (>= 0).
 * @param maxPerDimension - the device's `maxComputeWorkgroupsPerDimension`, or a lower cap (tests).
 * @returns [x, y] for `dispatchWorkgroups(x, y)`.
 * @example
 * ```ts
 * grid(65536, 65535); // [32768, 2]
 * ```
 */
export function grid(workgroups: number, maxPerDimension: number): [number, number] {
  if (workgroups <= maxPerDimension) return [workgroups, 1];
  const y = Math.ceil(workgroups / maxPerDimension);
  return [Math.ceil(workgroups / y), y];
}
