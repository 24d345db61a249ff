// Bad input at the public boundary: the documented error type, naming the argument, and the caller's
// arrays untouched. Runs on the CPU engine and on `cpu`; the GPU engine shares the same checks (the
// browser tests cover it).

import { describe, expect, it } from 'vitest';
import { ACTIVATIONS, ArgumentRangeError, ArgumentTypeError, cpu, createActivations, EngineDestroyedError } from 'webgpu-activations';

const detached = () => {
  const array = new Float32Array(4);
  structuredClone(array.buffer, { transfer: [array.buffer] });
  return array;
};

describe('data arguments', () => {
  const cases: [string, unknown, typeof TypeError | typeof RangeError, RegExp][] = [
    ['a string', 'abc', TypeError, /^x: expected a Float32Array or an array of numbers, got the string "abc"/],
    ['null', null, TypeError, /^x: .*got null/],
    ['a number', 3, TypeError, /^x: .*got number 3/],
    ['an array with a string', [1, '2', 3], TypeError, /^x: element 1 is the string "2", expected a number/],
    ['an array with undefined', [1, undefined], TypeError, /^x: element 1 is undefined/],
    ['a detached Float32Array', detached(), TypeError, /^x: the Float32Array is backed by a detached ArrayBuffer/],
    ['a BigInt64Array', new BigInt64Array(2), TypeError, /^x: expected a Float32Array or an array of numbers, got a BigInt64Array/],
  ];
  for (const [label, value, type, message] of cases) {
    it(`rejects ${label} with a ${type.name} naming x`, async () => {
      expect(() => cpu.sigmoid(value as Float32Array)).toThrow(type);
      expect(() => cpu.sigmoid(value as Float32Array)).toThrow(message);
      const act = await createActivations({ backend: 'cpu' });
      await expect(act.sigmoid(value as Float32Array)).rejects.toThrow(message);
      await expect(act.softmax(value as Float32Array)).rejects.toBeInstanceOf(type);
    });
  }

  it('accepts plain arrays and other typed arrays by converting them to float32', () => {
    expect(Array.from(cpu.sigmoid([0, 0]))).toEqual([0.5, 0.5]);
    expect(Array.from(cpu.sigmoid(new Float64Array([0])))).toEqual([0.5]);
    expect(Array.from(cpu.sigmoid(new Int8Array([0])))).toEqual([0.5]);
  });

  it('returns an empty array for an empty input', async () => {
    const act = await createActivations({ backend: 'cpu' });
    expect((await act.sigmoid([])).length).toBe(0);
    expect((await act.softmax(new Float32Array(0))).length).toBe(0);
    expect(cpu.softmax([], { rows: 0, cols: 5 }).length).toBe(0);
  });

  it('rejects dy of another length than y, naming dy', async () => {
    const act = await createActivations({ backend: 'cpu' });
    await expect(act.sigmoidBackward([0.5, 0.5], [1])).rejects.toThrow(ArgumentRangeError);
    await expect(act.sigmoidBackward([0.5, 0.5], [1])).rejects.toThrow(/^dy: has length 1, expected 2 \(the length of y\)/);
    expect(() => cpu.sigmoidBackward([0.5], [1, 2])).toThrow(RangeError);
  });

  it('rejects an out array of the wrong type or length', () => {
    expect(() => cpu.sigmoid([1, 2], new Float32Array(3))).toThrow(/^out: has length 3, expected 2/);
    expect(() => cpu.sigmoid([1, 2], { out: [0, 0] as unknown as Float32Array })).toThrow(TypeError);
    // Two results, one out: refused, never silently ignored.
    expect(() => cpu.sigmoidWithDerivative([1, 2], new Float32Array(2))).toThrow(/^out: the WithDerivative functions/);
    expect(() => cpu.sigmoidWithDerivative([1, 2], { out: new Float32Array(2) })).toThrow(TypeError);
    expect(cpu.sigmoidWithDerivative([0], {})[1][0]).toBe(0.25);
  });
});

describe('shapes', () => {
  const x = new Float32Array(12);
  const bad: [string, unknown, typeof TypeError | typeof RangeError, RegExp][] = [
    [
      'rows * cols != length',
      { rows: 5, cols: 2 },
      RangeError,
      /^options\.rows: rows \* cols = 5 \* 2 = 10, but the array has 12 elements/,
    ],
    [
      'cols not dividing the length',
      { cols: 5 },
      RangeError,
      /^options\.cols: the array's 12 elements are not a whole number of rows of 5/,
    ],
    ['rows not dividing the length', { rows: 5 }, RangeError, /^options\.rows: /],
    ['non-integer cols', { cols: 2.5 }, RangeError, /^options\.cols: expected a non-negative integer, got 2\.5/],
    ['negative rows', { rows: -3, cols: -4 }, RangeError, /^options\.rows: expected a non-negative integer, got -3/],
    ['NaN cols', { cols: Number.NaN }, RangeError, /^options\.cols: /],
    ['a string for cols', { cols: '4' }, TypeError, /^options\.cols: expected a non-negative integer, got the string "4"/],
    ['options that are not an object', 4, TypeError, /^options: expected an (options )?object/],
  ];
  for (const [label, options, type, message] of bad) {
    it(`rejects ${label}`, async () => {
      expect(() => cpu.softmax(x, options as { rows: number })).toThrow(type);
      expect(() => cpu.softmax(x, options as { rows: number })).toThrow(message);
      const act = await createActivations({ backend: 'cpu' });
      await expect(act.softmax(x, options as { rows: number })).rejects.toThrow(message);
    });
  }

  it('infers the missing dimension, and defaults to one row', () => {
    const ones = new Float32Array(12).fill(1);
    expect(cpu.softmax(ones, { cols: 4 })[0]).toBeCloseTo(0.25, 7);
    expect(cpu.softmax(ones, { rows: 4 })[0]).toBeCloseTo(1 / 3, 7);
    expect(cpu.softmax(ones)[0]).toBeCloseTo(1 / 12, 7);
  });
});

describe('options of the elementwise ops', () => {
  it('rejects a bad from, alpha or approximate, naming the option', () => {
    expect(() => cpu.sigmoidDerivative([1], { from: 'outptu' as 'output' })).toThrow(
      /^options\.from: expected 'input' or 'output', got "outptu"/,
    );
    expect(() => cpu.leakyRelu([1], { alpha: Number.NaN })).toThrow(/^options\.alpha: expected a finite number/);
    expect(() => cpu.leakyRelu([-1], { alpha: 1e39 })).toThrow(/^options\.alpha: expected a finite number within float32's range/);
    expect(() => cpu.leakyRelu([1], { alpha: '1' as unknown as number })).toThrow(TypeError);
    expect(() => cpu.gelu([1], { approximate: 'erf' as 'tanh' })).toThrow(/^options\.approximate: expected 'none' or 'tanh'/);
  });

  // An option this call does not take is refused as an unknown key is, never silently ignored.
  it('refuses an option that this call does not take, naming it, on every path', async () => {
    const act = await createActivations({ backend: 'cpu' });
    const refusals: [string, () => unknown][] = [
      ['alpha on sigmoid', () => cpu.sigmoid([1], { alpha: 0.1 })],
      ['alpha on sigmoidBackward', () => cpu.sigmoidBackward([0.5], [1], { alpha: 0.1 })],
      ['from on a forward op', () => cpu.tanh([1], { from: 'output' })],
      ['from on WithDerivative', () => cpu.reluWithDerivative([1], { from: 'input' })],
      ['approximate on relu', () => cpu.relu([1], { approximate: 'none' })],
      ['approximate on sigmoidDerivative', () => cpu.sigmoidDerivative([1], { approximate: 'tanh' })],
      ['alpha on the engine', () => act.sigmoid([1], { alpha: 0.1 })],
      ['from on the engine', () => act.gelu([1], { from: 'input' })],
      ['approximate on the engine', () => act.silu([1], { approximate: 'tanh' })],
    ];
    const expected: Record<string, RegExp> = {
      alpha: /^options\.alpha: is not an option here/,
      from: /^options\.from: is not an option here/,
      approximate: /^options\.approximate: is not an option here/,
    };
    for (const [label, call] of refusals) {
      const option = label.split(' ')[0] as string;
      let error: unknown;
      try {
        await call();
      } catch (caught) {
        error = caught;
      }
      expect(error, label).toBeInstanceOf(TypeError);
      expect((error as Error).message, label).toMatch(expected[option] as RegExp);
    }
    // elu's derivative from the output exists for alpha > 0 only: refused otherwise, naming from and the rule
    expect(() => cpu.eluDerivative([0.5], { from: 'output', alpha: 0 })).toThrow(ArgumentRangeError);
    expect(() => cpu.eluBackward([0.5], [1], { from: 'output', alpha: -1 })).toThrow(
      /^options\.from: elu has a derivative from its output only for alpha > 0/,
    );
    expect(cpu.eluDerivative([-0.5, 2], { from: 'output', alpha: 2 })).toEqual(new Float32Array([1.5, 1]));
    // What each call does take still works
    expect(cpu.leakyRelu([-1], { alpha: 0.5 })[0]).toBe(-0.5);
    expect(cpu.tanhDerivative([0], { from: 'output' })[0]).toBe(1);
    expect(cpu.geluBackward([1], [1], { approximate: 'tanh', from: 'input' })[0]).toBeGreaterThan(1);
    act.destroy();
  });

  it('rejects something that is not an activation definition, naming activation', () => {
    expect(() => cpu.forward({ name: 'x' } as never, [1])).toThrow(ArgumentTypeError);
    expect(() => cpu.forward({ name: 'x' } as never, [1])).toThrow(/^activation: /);
  });
});

describe('the caller’s arrays', () => {
  it('are never written unless passed as out', async () => {
    const x = new Float32Array([-3, -1, 0, 1, 3, Number.NaN]);
    const dy = new Float32Array([1, 2, 3, 4, 5, 6]);
    const copy = x.slice();
    const dyCopy = dy.slice();
    const act = await createActivations({ backend: 'cpu' });
    await act.sigmoid(x);
    await act.sigmoidDerivative(x);
    await act.sigmoidBackward(x, dy);
    await act.softmax(x, { cols: 3 });
    cpu.sigmoidWithDerivative(x);
    expect(x).toEqual(copy);
    expect(dy).toEqual(dyCopy);
  });

  it('are written in place when passed as out', () => {
    const x = new Float32Array([0, 0, 1e6]);
    const result = cpu.sigmoid(x, x);
    expect(result).toBe(x);
    expect(Array.from(x)).toEqual([0.5, 0.5, 1]);
    const logits = new Float32Array([1, 1, 2, 2]);
    cpu.softmax(logits, { cols: 2, out: logits });
    expect(Array.from(logits)).toEqual([0.5, 0.5, 0.5, 0.5]);
  });
});

describe('engines', () => {
  it('reject every call after destroy() with EngineDestroyedError (a TypeError)', async () => {
    const act = await createActivations({ backend: 'cpu' });
    act.destroy();
    await expect(act.sigmoid([1])).rejects.toThrow(EngineDestroyedError);
    await expect(act.softmax([1])).rejects.toBeInstanceOf(TypeError);
    await expect(act.backward(ACTIVATIONS.sigmoid, [1], [1])).rejects.toThrow(/destroyed/);
    act.destroy(); // twice is harmless
  });

  it('reject an unknown backend name', async () => {
    await expect(createActivations({ backend: 'gpu' as 'webgpu' })).rejects.toThrow(
      /^options\.backend: expected 'auto', 'webgpu' or 'cpu', got "gpu"/,
    );
  });
});
