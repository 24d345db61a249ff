// WebGPU's flag values as numbers of the library's own. The spec's namespaces (GPUBufferUsage,
// GPUShaderStage, GPUMapMode) are globals in browsers, but the `webgpu` package (Dawn for Node) only
// exports them in its `globals` object: reading the globals made `createActivations({ gpu: create([]) })`
// throw `GPUShaderStage is not defined`. The values are fixed by the WebGPU specification.

/** `GPUBufferUsage` flags (WebGPU §5.1.3), as the spec numbers them. */
export const BufferUsage = {
  MAP_READ: 0x0001,
  MAP_WRITE: 0x0002,
  COPY_SRC: 0x0004,
  COPY_DST: 0x0008,
  INDEX: 0x0010,
  VERTEX: 0x0020,
  UNIFORM: 0x0040,
  STORAGE: 0x0080,
  INDIRECT: 0x0100,
  QUERY_RESOLVE: 0x0200,
} as const satisfies Record<Exclude<keyof GPUBufferUsage, '__brand'>, GPUBufferUsageFlags>;

/** `GPUShaderStage` flags (WebGPU §8.1.1). */
export const ShaderStage = {
  VERTEX: 0x1,
  FRAGMENT: 0x2,
  COMPUTE: 0x4,
} as const satisfies Record<Exclude<keyof GPUShaderStage, '__brand'>, GPUShaderStageFlags>;

/** `GPUMapMode` flags (WebGPU §5.1.5). */
export const MapMode = {
  READ: 0x0001,
  WRITE: 0x0002,
} as const satisfies Record<Exclude<keyof GPUMapMode, '__brand'>, GPUMapModeFlags>;
