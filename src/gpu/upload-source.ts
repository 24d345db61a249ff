/**
 * The data of `x` as `queue.writeBuffer` takes it on every platform: `x` itself when it views an
 * ArrayBuffer, else a copy. Node's `webgpu` package (Dawn) refuses a view of a SharedArrayBuffer
 * ("no overload matched for writeBuffer") where Chromium accepts it; the copy also gives the GPU one
 * snapshot of memory that another thread may be writing.
 * @example `const source = uploadSource(x); queue.writeBuffer(buffer, 0, source.buffer, source.byteOffset, source.byteLength);`
 */
export function uploadSource<T extends Float32Array | Uint16Array>(x: T): T {
  if (x.buffer instanceof ArrayBuffer) return x;
  return (x instanceof Float32Array ? new Float32Array(x) : new Uint16Array(x)) as T;
}
