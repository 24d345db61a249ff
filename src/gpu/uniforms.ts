// The uniforms the kernels read, packed on the host. Each layout is data (field name, type, byte
// offset), copied from the WGSL `struct` it mirrors; tests/node/wgsl-structs.test.ts parses the shaders
// and fails, naming the struct and the field, where a layout and its struct disagree.

/** A uniform field's WGSL type: every field the kernels' parameters have is one 4-byte scalar. */
export type UniformScalar = 'u32' | 'i32' | 'f32';

/** One field of a uniform struct: its WGSL name, type and byte offset within the struct. */
export interface UniformField {
  readonly name: string;
  readonly type: UniformScalar;
  readonly offset: number;
}

/**
 * The host's copy of one WGSL uniform struct: which file and struct it mirrors, the struct's size in
 * bytes (WGSL's rules: a multiple of its alignment), and every field, padding included. Fields whose
 * name starts with `_` are padding: written as 0.
 */
export interface UniformLayout {
  /** The file under `shaders/` that declares the struct. */
  readonly shader: string;
  readonly struct: string;
  readonly size: number;
  readonly fields: readonly UniformField[];
}

/** `elementwise.wgsl`'s `Params`: the vec4 elementwise kernels. */
export const ELEMENTWISE_PARAMS = {
  shader: 'elementwise.wgsl',
  struct: 'Params',
  size: 16,
  fields: [
    { name: 'vec4_count', type: 'u32', offset: 0 },
    { name: 'alpha', type: 'f32', offset: 4 },
    { name: '_pad0', type: 'u32', offset: 8 },
    { name: '_pad1', type: 'u32', offset: 12 },
  ],
} as const satisfies UniformLayout;

/** `elementwise_tail.wgsl`'s `TailParams`: the scalar kernels over the last elements of a buffer. */
export const TAIL_PARAMS = {
  shader: 'elementwise_tail.wgsl',
  struct: 'TailParams',
  size: 16,
  fields: [
    { name: 'first', type: 'u32', offset: 0 },
    { name: 'count', type: 'u32', offset: 4 },
    { name: 'alpha', type: 'f32', offset: 8 },
    { name: '_pad0', type: 'u32', offset: 12 },
  ],
} as const satisfies UniformLayout;

/** `softmax.wgsl`'s `Params`: every row kernel (a thread a row, a workgroup a row, the split form). */
export const ROW_PARAMS = {
  shader: 'softmax.wgsl',
  struct: 'Params',
  size: 32,
  fields: [
    { name: 'rows', type: 'u32', offset: 0 },
    { name: 'cols', type: 'u32', offset: 4 },
    { name: 'nan_bits', type: 'u32', offset: 8 },
    { name: 'negative_infinity_bits', type: 'u32', offset: 12 },
    { name: 'length', type: 'u32', offset: 16 },
    { name: 'parts', type: 'u32', offset: 20 },
    { name: '_pad0', type: 'u32', offset: 24 },
    { name: '_pad1', type: 'u32', offset: 28 },
  ],
} as const satisfies UniformLayout;

/** Every uniform layout the host packs. */
export const UNIFORM_LAYOUTS: readonly UniformLayout[] = [ELEMENTWISE_PARAMS, TAIL_PARAMS, ROW_PARAMS];

/** Bytes of every uniform buffer: the largest struct's size, so that one buffer size binds to any kernel. */
export const UNIFORM_BYTES = Math.max(...UNIFORM_LAYOUTS.map((layout) => layout.size));

/** The bits of a quiet NaN in float32: WGSL refuses a NaN constant, so the row kernels get it from the host. */
export const QUIET_NAN_BITS = 0x7fc00000;

/** The bits of float32 -Infinity, for the same reason. */
export const NEGATIVE_INFINITY_BITS = 0xff800000;

/** The fields of a layout that carry a value (not padding). */
export type UniformValueName<L extends UniformLayout> = Exclude<L['fields'][number]['name'], `_${string}`>;

/**
 * Packs `values` into a uniform of {@link UNIFORM_BYTES} bytes by `layout`: each field at its offset as
 * its type (u32 and i32 wrap modulo 2^32, f32 rounds), padding and the bytes past the struct zero.
 * @param layout - the struct to pack.
 * @param values - one number for every field that is not padding.
 * @returns a new buffer, for the uniform cache.
 * @example
 * ```ts
 * packUniform(TAIL_PARAMS, { first: 1024, count: 1027, alpha: 0.01 });
 * ```
 */
export function packUniform<L extends UniformLayout>(layout: L, values: Readonly<Record<UniformValueName<L>, number>>): ArrayBuffer {
  const params = new ArrayBuffer(UNIFORM_BYTES);
  const views = { u32: new Uint32Array(params), i32: new Int32Array(params), f32: new Float32Array(params) };
  const given = values as Readonly<Record<string, number>>;
  for (const { name, type, offset } of layout.fields) {
    if (!name.startsWith('_')) views[type][offset / 4] = given[name] as number;
  }
  return params;
}

/**
 * The uniform of the vec4 elementwise kernels over `count` elements (rounded up to whole vec4s).
 * @param count - elements of the slice.
 * @param alpha - the activation's scalar parameter (leaky relu's slope), 0 for the others.
 */
export function elementwiseParams(count: number, alpha: number): ArrayBuffer {
  return packUniform(ELEMENTWISE_PARAMS, { vec4_count: Math.ceil(count / 4), alpha });
}

/**
 * The uniform of the scalar tail kernels, over elements `first` to `count` - 1 of the slice.
 * @param first - the first element the vec4 kernel left (a multiple of 4).
 * @param count - elements of the slice.
 * @param alpha - as for {@link elementwiseParams}.
 */
export function tailParams(first: number, count: number, alpha: number): ArrayBuffer {
  return packUniform(TAIL_PARAMS, { first, count, alpha });
}

/**
 * The uniform of the row kernels over a rows x cols batch (or one segment of a long row).
 * @param rows - rows of the batch.
 * @param cols - elements a row.
 * @param length - elements bound: rows * cols for a batch, the segment's length for a segment.
 * @param parts - threads that share a row in the split kernels (1 elsewhere).
 */
export function rowParams(rows: number, cols: number, length: number, parts = 1): ArrayBuffer {
  return packUniform(ROW_PARAMS, {
    rows,
    cols,
    nan_bits: QUIET_NAN_BITS,
    negative_infinity_bits: NEGATIVE_INFINITY_BITS,
    length,
    parts,
  });
}
