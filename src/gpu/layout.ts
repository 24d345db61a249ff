/** Size of the uniform every kernel reads (the largest Params struct, softmax.wgsl's). */
export const UNIFORM_BYTES = 32;

/** Bytes of a buffer holding `count` float32 values, padded to 16 bytes (one vec4). */
export function padded(count: number): number {
  return Math.ceil((count * 4) / 16) * 16;
}
