/** Size of the uniform every kernel reads (the largest Params struct, softmax.wgsl's). */
export const UNIFORM_BYTES = 32;

/** Bytes of a buffer holding `count` float32 values, padded to 16 bytes (one vec4). */
export function padded(count: number): number {
  return Math.ceil((count * 4) / 16) * 16;
}

/** Threads that share a row in the split form: about 1024 elements each, a power of two from 2 to 1024. */
export function splitParts(cols: number): number {
  let parts = 2;
  while (parts < 1024 && parts * 1024 < cols) parts *= 2;
  return parts;
}
