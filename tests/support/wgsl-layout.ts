// A small reader of WGSL `struct` declarations and the memory layout WGSL gives them (WGSL §14.4,
// "Memory Layout": alignment and size of scalars, vectors, matrices, arrays and structs; @align and
// @size attributes), written from the specification, independently of the library's packing, so that
// tests can check the host's copies of the shaders' structs against the shaders themselves.

/** One member of a parsed struct, at its WGSL offset. */
export interface WgslMember {
  readonly name: string;
  readonly type: string;
  readonly offset: number;
  readonly size: number;
  readonly align: number;
}

/** A parsed struct and its layout. */
export interface WgslStruct {
  readonly name: string;
  readonly members: readonly WgslMember[];
  readonly size: number;
  readonly align: number;
}

interface TypeLayout {
  readonly align: number;
  readonly size: number;
}

const roundUp = (k: number, n: number) => Math.ceil(n / k) * k;

const SCALARS: Readonly<Record<string, TypeLayout>> = {
  bool: { align: 4, size: 4 },
  i32: { align: 4, size: 4 },
  u32: { align: 4, size: 4 },
  f32: { align: 4, size: 4 },
  f16: { align: 2, size: 2 },
};

// vec4f, vec3h, vec2i, vec2u: the predeclared aliases.
const ALIAS_COMPONENT: Readonly<Record<string, string>> = { f: 'f32', h: 'f16', i: 'i32', u: 'u32' };

/** Removes `//` and (nestable) `/* *\/` comments, keeping line breaks. */
export function stripComments(source: string): string {
  let out = '';
  let depth = 0;
  for (let i = 0; i < source.length; i++) {
    const two = source.slice(i, i + 2);
    if (two === '/*') {
      depth++;
      i++;
    } else if (depth > 0 && two === '*/') {
      depth--;
      i++;
    } else if (depth === 0 && two === '//') {
      while (i < source.length && source[i] !== '\n') i++;
      out += '\n';
    } else if (depth === 0) {
      out += source[i];
    }
  }
  return out;
}

// Splits at commas outside angle brackets.
function splitTopLevel(text: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let current = '';
  for (const char of text) {
    if (char === '<') depth++;
    if (char === '>') depth--;
    if (char === ',' && depth === 0) {
      parts.push(current);
      current = '';
    } else {
      current += char;
    }
  }
  parts.push(current);
  return parts.map((part) => part.trim()).filter((part) => part.length > 0);
}

function typeLayout(type: string, structs: ReadonlyMap<string, WgslStruct>): TypeLayout {
  const compact = type.replace(/\s+/g, '');
  const scalar = SCALARS[compact];
  if (scalar) return scalar;
  const alias = /^vec([234])([fhiu])$/.exec(compact);
  if (alias) return typeLayout(`vec${alias[1]}<${ALIAS_COMPONENT[alias[2] as string]}>`, structs);
  const vector = /^vec([234])<(\w+)>$/.exec(compact);
  if (vector) {
    const n = Number(vector[1]);
    const component = typeLayout(vector[2] as string, structs);
    return { align: component.size * (n === 3 ? 4 : n), size: component.size * n };
  }
  const matrixAlias = /^mat([234])x([234])([fh])$/.exec(compact);
  if (matrixAlias) return typeLayout(`mat${matrixAlias[1]}x${matrixAlias[2]}<${ALIAS_COMPONENT[matrixAlias[3] as string]}>`, structs);
  const matrix = /^mat([234])x([234])<(\w+)>$/.exec(compact);
  if (matrix) {
    const column = typeLayout(`vec${matrix[2]}<${matrix[3]}>`, structs);
    return { align: column.align, size: Number(matrix[1]) * roundUp(column.align, column.size) };
  }
  const atomic = /^atomic<(\w+)>$/.exec(compact);
  if (atomic) return typeLayout(atomic[1] as string, structs);
  const array = /^array<(.+),(\d+)u?>$/.exec(compact);
  if (array) {
    const element = typeLayout(array[1] as string, structs);
    return { align: element.align, size: Number(array[2]) * roundUp(element.align, element.size) };
  }
  const struct = structs.get(compact);
  if (struct) return { align: struct.align, size: struct.size };
  throw new Error(`wgsl-layout: no layout rule for the type ${type}`);
}

/**
 * Every struct declared in `source`, in order, with WGSL's offsets: each member at the next multiple
 * of its alignment (or its @align) after the previous member, taking its size (or its @size); the
 * struct aligned as its most aligned member and sized to a multiple of that.
 */
export function parseStructs(source: string): WgslStruct[] {
  const structs = new Map<string, WgslStruct>();
  for (const match of stripComments(source).matchAll(/\bstruct\s+(\w+)\s*\{([^}]*)\}/g)) {
    const name = match[1] as string;
    const members: WgslMember[] = [];
    let end = 0;
    let structAlign = 1;
    for (const declaration of splitTopLevel(match[2] as string)) {
      const member = /^((?:@\w+\s*\(\s*\d+\s*\)\s*)*)(\w+)\s*:\s*(.+)$/s.exec(declaration);
      if (!member) throw new Error(`wgsl-layout: cannot read the member "${declaration}" of struct ${name}`);
      const attributes = member[1] as string;
      const type = (member[3] as string).trim();
      const natural = typeLayout(type, structs);
      const align = Number(/@align\s*\(\s*(\d+)/.exec(attributes)?.[1] ?? natural.align);
      const size = Number(/@size\s*\(\s*(\d+)/.exec(attributes)?.[1] ?? natural.size);
      const offset = roundUp(align, end);
      members.push({ name: member[2] as string, type: type.replace(/\s+/g, ''), offset, size, align });
      end = offset + size;
      structAlign = Math.max(structAlign, align);
    }
    structs.set(name, { name, members, align: structAlign, size: roundUp(structAlign, end) });
  }
  return [...structs.values()];
}

/** The type of every `var<uniform>` declared in `source`. */
export function uniformVariableTypes(source: string): string[] {
  return [...stripComments(source).matchAll(/\bvar\s*<\s*uniform\s*>\s*\w+\s*:\s*(\w+)/g)].map((match) => match[1] as string);
}

/** Every type named in a `var<storage...>` or `var<uniform>` declaration of `source` (array element types included). */
export function boundTypes(source: string): string[] {
  return [...stripComments(source).matchAll(/\bvar\s*<\s*(?:uniform|storage[^>]*)>\s*\w+\s*:\s*([^;=]+)/g)].flatMap((match) =>
    [...(match[1] as string).matchAll(/\w+/g)].map((word) => word[0]),
  );
}
