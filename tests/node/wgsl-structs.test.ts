// Every `struct` in shaders/*.wgsl against the host: a struct the host packs (a uniform) has a layout in
// src/gpu/uniforms.ts with the same fields, types, offsets and sizes, and its packer writes each value at
// that field's WGSL offset; a struct the host never writes is named below as internal, and never bound.
// The offsets come from the WGSL text by the specification's layout rules (tests/support/wgsl-layout.ts).

import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  ELEMENTWISE_PARAMS,
  elementwiseParams,
  NEGATIVE_INFINITY_BITS,
  QUIET_NAN_BITS,
  ROW_PARAMS,
  rowParams,
  TAIL_PARAMS,
  tailParams,
  UNIFORM_BYTES,
  UNIFORM_LAYOUTS,
  type UniformLayout,
} from '../../src/gpu/uniforms.ts';
import { boundTypes, parseStructs, uniformVariableTypes, type WgslMember, type WgslStruct } from '../support/wgsl-layout.ts';

const SHADERS = join(import.meta.dirname, '../../shaders');
const shaderFiles = readdirSync(SHADERS).filter((file) => file.endsWith('.wgsl'));
const sources = new Map(shaderFiles.map((file) => [file, readFileSync(join(SHADERS, file), 'utf8')]));
const structsOf = (file: string): WgslStruct[] => parseStructs(sources.get(file) ?? '');

// Structs only the shaders use (function-local values): no host copy, so no layout.
const SHADER_INTERNAL: readonly { shader: string; struct: string; why: string }[] = [
  { shader: 'softmax.wgsl', struct: 'RowStatistics', why: 'a row running max and sum in registers; stored as plain f32 values' },
  { shader: 'softmax.wgsl', struct: 'RowPosition', why: "where a thread's row lies, computed in the kernel" },
];

// Each packer of uniforms.ts, called with values that differ in every field, and what each field must then read.
const PACKED: readonly { layout: UniformLayout; packed: ArrayBuffer; expected: Readonly<Record<string, number>> }[] = [
  { layout: ELEMENTWISE_PARAMS, packed: elementwiseParams(4 * 7 + 1, 0.375), expected: { vec4_count: 8, alpha: 0.375 } },
  { layout: TAIL_PARAMS, packed: tailParams(1024, 1027, -0.0625), expected: { first: 1024, count: 1027, alpha: -0.0625 } },
  {
    layout: ROW_PARAMS,
    packed: rowParams(3, 5, 15, 7),
    expected: {
      rows: 3,
      cols: 5,
      nan_bits: QUIET_NAN_BITS,
      negative_infinity_bits: NEGATIVE_INFINITY_BITS,
      length: 15,
      parts: 7,
    },
  },
];

const SCALAR_BYTES = 4;

function decode(bytes: ArrayBuffer, member: WgslMember): number {
  const view = new DataView(bytes);
  if (member.type === 'f32') return view.getFloat32(member.offset, true);
  if (member.type === 'i32') return view.getInt32(member.offset, true);
  return view.getUint32(member.offset, true);
}

function structNamed(layout: UniformLayout): WgslStruct {
  const found = structsOf(layout.shader).find((struct) => struct.name === layout.struct);
  if (!found) throw new Error(`uniforms.ts mirrors ${layout.shader}'s struct ${layout.struct}, which the shader does not declare`);
  return found;
}

describe('the WGSL layout reader', () => {
  it("gives the WGSL specification's own example its offsets (vec3 alignment, nested structs, arrays)", () => {
    const [a, b] = parseStructs(`
      struct A { u: f32, v: f32, w: vec2<f32>, x: f32 }  // the spec's example, §14.4
      struct B {
        a: vec2<f32>, b: vec3<f32>, c: f32, d: f32, // comment
        e: A, f: vec3<f32>, g: array<A, 3>, /* a block comment */ h: i32,
      }`);
    expect(a?.members.map((member) => member.offset)).toEqual([0, 4, 8, 16]);
    expect([a?.align, a?.size]).toEqual([8, 24]);
    expect(b?.members.map((member) => member.offset)).toEqual([0, 16, 28, 32, 40, 64, 80, 152]);
    expect([b?.align, b?.size]).toEqual([16, 160]);
    const [c] = parseStructs('struct C { @align(16) p: u32, @size(12) q: f32, r: vec4f, s: mat2x3<f32> }');
    expect(c?.members.map((member) => [member.offset, member.size])).toEqual([
      [0, 4],
      [4, 12],
      [16, 16],
      [32, 32],
    ]);
  });
});

describe('shaders/*.wgsl structs and the host', () => {
  it('finds the shaders and their structs', () => {
    expect(shaderFiles).toEqual(expect.arrayContaining(['elementwise.wgsl', 'elementwise_tail.wgsl', 'softmax.wgsl']));
    expect(shaderFiles.flatMap(structsOf).length).toBeGreaterThanOrEqual(UNIFORM_LAYOUTS.length + SHADER_INTERNAL.length);
  });

  it('knows every struct: mirrored in uniforms.ts, or internal to the shaders and never bound', () => {
    for (const file of shaderFiles) {
      const bound = new Set(boundTypes(sources.get(file) ?? ''));
      for (const struct of structsOf(file)) {
        const mirrored = UNIFORM_LAYOUTS.some((layout) => layout.shader === file && layout.struct === struct.name);
        const internal = SHADER_INTERNAL.some((entry) => entry.shader === file && entry.struct === struct.name);
        expect(mirrored || internal, `${file}: struct ${struct.name} has no layout in src/gpu/uniforms.ts`).toBe(true);
        if (internal)
          expect(bound.has(struct.name), `${file}: struct ${struct.name} is bound, so the host must know its layout`).toBe(false);
      }
    }
  });

  it('mirrors the type of every var<uniform>', () => {
    for (const file of shaderFiles) {
      for (const type of uniformVariableTypes(sources.get(file) ?? '')) {
        const mirrored = UNIFORM_LAYOUTS.some((layout) => layout.shader === file && layout.struct === type);
        expect(mirrored, `${file}: var<uniform> of struct ${type} has no layout in src/gpu/uniforms.ts`).toBe(true);
      }
    }
  });

  describe.each(UNIFORM_LAYOUTS.map((layout) => [`${layout.shader} ${layout.struct}`, layout] as const))('%s', (name, layout) => {
    it('has the fields of the WGSL struct: same names, order, types, offsets and sizes', () => {
      const struct = structNamed(layout);
      struct.members.forEach((member, i) => {
        const field = layout.fields[i];
        const where = `${name}.${member.name}`;
        expect(field?.name, `${where}: field ${i} of the host's layout`).toBe(member.name);
        expect(field?.type, `${where}: type`).toBe(member.type);
        expect(field?.offset, `${where}: offset`).toBe(member.offset);
        expect(SCALAR_BYTES, `${where}: size`).toBe(member.size);
      });
      const extra = layout.fields.slice(struct.members.length).map((field) => field.name);
      expect(extra, `${name}: fields the WGSL struct does not have`).toEqual([]);
      expect(layout.size, `${name}: struct size`).toBe(struct.size);
    });

    it('fits the uniform buffer every kernel binds', () => {
      expect(structNamed(layout).size, `${name}: size against UNIFORM_BYTES`).toBeLessThanOrEqual(UNIFORM_BYTES);
    });

    it("is written by its packer at each field's WGSL offset, padding and the rest zero", () => {
      const struct = structNamed(layout);
      const packer = PACKED.find((entry) => entry.layout === layout);
      expect(packer, `${name}: no packer call in this test's PACKED table`).toBeDefined();
      if (!packer) return;
      const { packed, expected } = packer;
      expect(packed.byteLength, `${name}: bytes packed`).toBe(UNIFORM_BYTES);
      const valueMembers = struct.members.filter((member) => !member.name.startsWith('_'));
      expect(Object.keys(expected).sort(), `${name}: fields the packer fills`).toEqual(valueMembers.map((member) => member.name).sort());
      const written = new Uint8Array(packed).slice();
      for (const member of struct.members) {
        if (!member.name.startsWith('_')) {
          expect(decode(packed, member), `${name}.${member.name}: value at offset ${member.offset}`).toBe(expected[member.name]);
        }
        written.fill(0, member.offset, member.offset + member.size);
      }
      // Whatever is left was written outside every value field: padding, or past the struct.
      const stray = written.findIndex((byte) => byte !== 0);
      expect(stray, `${name}: a byte written at offset ${stray}, outside the struct's value fields`).toBe(-1);
      // The padding fields themselves: zero.
      for (const member of struct.members.filter((m) => m.name.startsWith('_'))) {
        expect(decode(packed, member), `${name}.${member.name}: padding`).toBe(0);
      }
    });
  });

  it('sizes the uniform buffer as the largest uniform struct, a multiple of 16 bytes', () => {
    expect(UNIFORM_BYTES).toBe(Math.max(...UNIFORM_LAYOUTS.map((layout) => structNamed(layout).size)));
    expect(UNIFORM_BYTES % 16).toBe(0);
  });
});
