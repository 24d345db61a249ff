/** Bytes of a buffer holding `count` float32 values, padded to 16 bytes (one vec4). */
export function padded(count: number): number {
  return Math.ceil((count * 4) / 16) * 16;
}
