// The package's top level has every op of the default engine: each activation of the table in its
// four forms, and the row ops. A new table entry without its exports fails here.

import { describe, expect, it } from 'vitest';
import * as library from 'webgpu-activations';
import { namedMethodNames } from '../../src/ops/calls.ts';

const exported = library as unknown as Record<string, unknown>;

describe('top-level exports', () => {
  it('include k, kDerivative, kBackward and kWithDerivative for every activation of ACTIVATIONS', () => {
    const names = namedMethodNames();
    expect(names.length).toBe(Object.keys(library.ACTIVATIONS).length * 4);
    const missing = names.filter((name) => typeof exported[name] !== 'function');
    expect(missing).toEqual([]);
  });

  it('run on the default engine, as the engine methods do', async () => {
    const x = new Float32Array([-2, -0.5, 0, 0.5, 2]);
    const dy = new Float32Array([1, -1, 2, -2, 0.5]);
    const act = await library.getDefaultActivations();
    for (const name of namedMethodNames()) {
      const method = (act as unknown as Record<string, (...args: unknown[]) => Promise<unknown>>)[name] as (
        ...a: unknown[]
      ) => Promise<unknown>;
      const args = name.endsWith('Backward') ? [x, dy] : [x];
      expect(await (exported[name] as (...a: unknown[]) => Promise<unknown>)(...args), name).toEqual(await method.apply(act, args));
    }
    expect(await library.leakyRelu([-1], { alpha: 0.5 })).toEqual(new Float32Array([-0.5]));
    expect(typeof library.softmax).toBe('function');
    expect(typeof library.logSoftmax).toBe('function');
    expect(typeof library.softmaxBackward).toBe('function');
    library.resetDefaultActivations();
  });
});
