/**
 * The data of `x` as `queue.writeBuffer` takes it on every platform: `x` itself when it views an
 * ArrayBuffer, else a copy. Node's `webgpu` package (Dawn) refuses a view of a SharedArrayBuffer
 * ("no overload matched for writeBuffer") where Chromium accepts it; the copy also gives the GPU one
 * snapshot of memory that another thread may be writing.
 * @example `const source = uploadSource(x); queue.writeBuffer(buffer, 0, source.buffer, source.byteOffset, source.byteLength);`
 */
export function uploadSource(x: Float32Array): Float32Array<ArrayBuffer> {
  return x.buffer instanceof ArrayBuffer ? (x as Float32Array<ArrayBuffer>) : new Float32Array(x);
}
