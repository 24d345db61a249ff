// No module of src/ reaches itself through its imports, type-only imports and re-exports included: a
// cycle makes the load order matter, and a type that two modules each need belongs in one of them.

import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, normalize, relative } from 'node:path';
import { describe, expect, it } from 'vitest';

const SRC = join(import.meta.dirname, '../../src');

function sourceFiles(directory: string): string[] {
  return readdirSync(directory, { withFileTypes: true }).flatMap((entry) => {
    const path = join(directory, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return entry.name.endsWith('.ts') ? [path] : [];
  });
}

// The relative .ts modules a file imports or re-exports from.
function importsOf(source: string, file: string): string[] {
  const found = source.matchAll(/\b(?:import|export)\b[^;'"]*?\bfrom\s*['"](\.{1,2}\/[^'"]+\.ts)['"]/g);
  return [...found].map((match) => normalize(join(dirname(file), match[1] as string)));
}

// One cycle through `start`, as module paths, or undefined.
function cycleThrough(start: string, graph: ReadonlyMap<string, readonly string[]>): string[] | undefined {
  const seen = new Set<string>();
  const walk = (node: string, path: string[]): string[] | undefined => {
    for (const next of graph.get(node) ?? []) {
      if (next === start) return [...path, next];
      if (seen.has(next)) continue;
      seen.add(next);
      const found = walk(next, [...path, next]);
      if (found) return found;
    }
    return undefined;
  };
  return walk(start, [start]);
}

describe('src/ imports', () => {
  const files = sourceFiles(SRC);
  const graph = new Map(files.map((file) => [file, importsOf(readFileSync(file, 'utf8'), file)]));

  it('reads the import graph (engine.ts imports engine-options.ts)', () => {
    expect(graph.get(join(SRC, 'engine.ts'))).toContain(join(SRC, 'engine-options.ts'));
    expect(importsOf("import type { A } from './a.ts';\nexport { B } from '../b.ts';", join(SRC, 'gpu/x.ts'))).toEqual([
      join(SRC, 'gpu/a.ts'),
      join(SRC, 'b.ts'),
    ]);
  });

  it('has no cycle', () => {
    const cycles = files.flatMap((file) => {
      const cycle = cycleThrough(file, graph);
      return cycle ? [cycle.map((path) => relative(SRC, path)).join(' -> ')] : [];
    });
    expect(cycles).toEqual([]);
  });
});
