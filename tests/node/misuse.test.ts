// Misuse a new user tries: every one gets a clear error naming the argument, or the right answer.
// Runs on `cpu` and the CPU engine; tests/browser/misuse.test.ts runs the GPU side.

import { describe, expect, it } from 'vitest';
import {
  ACTIVATIONS,
  ArgumentRangeError,
  ArgumentTypeError,
  type CpuFunctions,
  type CreateActivationsOptions,
  cpu,
  createActivations,
  defineActivation,
  EngineDestroyedError,
} from 'webgpu-activations';
import { namedMethodNames } from '../../src/ops/calls.ts';

type ErrorType = typeof ArgumentTypeError | typeof ArgumentRangeError;

describe('createActivations options', () => {
  const bad: [string, unknown, ErrorType, RegExp][] = [
    [
      'maxChunkBytes: NaN',
      { maxChunkBytes: Number.NaN },
      ArgumentRangeError,
      /^options\.maxChunkBytes: expected an integer number of bytes >= 16, got NaN/,
    ],
    ['maxChunkBytes: "abc"', { maxChunkBytes: 'abc' }, ArgumentTypeError, /^options\.maxChunkBytes: .*got the string "abc"/],
    ['maxChunkBytes: 8', { maxChunkBytes: 8 }, ArgumentRangeError, /^options\.maxChunkBytes: /],
    ['maxChunkBytes: 1000.5', { maxChunkBytes: 1000.5 }, ArgumentRangeError, /^options\.maxChunkBytes: /],
    [
      'maxWorkgroupsPerDimension: 0',
      { maxWorkgroupsPerDimension: 0 },
      ArgumentRangeError,
      /^options\.maxWorkgroupsPerDimension: expected an integer >= 1, got 0/,
    ],
    [
      'rowStrategy: "bogus"',
      { rowStrategy: 'bogus' },
      ArgumentRangeError,
      /^options\.rowStrategy: expected 'auto', 'thread', 'workgroup' or 'split', got "bogus"/,
    ],
    ['rowStrategy: 1', { rowStrategy: 1 }, ArgumentTypeError, /^options\.rowStrategy: .*got number 1/],
    ['backend: "gpu"', { backend: 'gpu' }, ArgumentRangeError, /^options\.backend: expected 'auto', 'webgpu' or 'cpu', got "gpu"/],
    ['minGpuElements: -1', { minGpuElements: -1 }, ArgumentRangeError, /^options\.minGpuElements: .*got -1/],
    ['minGpuElements: NaN', { minGpuElements: Number.NaN }, ArgumentRangeError, /^options\.minGpuElements: /],
    ['minGpuElements: "10"', { minGpuElements: '10' }, ArgumentTypeError, /^options\.minGpuElements: .*got the string "10"/],
    ['maxPooledBytes: -1', { maxPooledBytes: -1 }, ArgumentRangeError, /^options\.maxPooledBytes: /],
    ['poisonOutputs: 1', { poisonOutputs: 1 }, ArgumentTypeError, /^options\.poisonOutputs: expected true or false, got number 1/],
    ['device: {}', { device: {} }, ArgumentTypeError, /^options\.device: expected a GPUDevice .*got an object \(Object\)/],
    ['gpu: {}', { gpu: {} }, ArgumentTypeError, /^options\.gpu: expected a GPU object/],
    ['a typo', { minGpuElement: 0 }, ArgumentTypeError, /^options\.minGpuElement: is not an option here .*; did you mean minGpuElements\?/],
    ['an unknown key', { speed: 'fast' }, ArgumentTypeError, /^options\.speed: is not an option here \(expected one of backend, device, /],
    ['options that are a string', 'cpu', ArgumentTypeError, /^options: expected an options object, got the string "cpu"/],
  ];
  for (const [label, options, type, message] of bad) {
    it(`refuses ${label} with a ${type.name} naming it, at creation on every backend`, async () => {
      const attempts = [options];
      if (typeof options === 'object' && !('backend' in (options as object))) attempts.push({ ...(options as object), backend: 'cpu' });
      for (const attempt of attempts) {
        const created = createActivations(attempt as CreateActivationsOptions);
        await expect(created).rejects.toThrow(type);
        await expect(created).rejects.toThrow(message);
      }
    });
  }

  it('accepts every option at a valid value', async () => {
    const act = await createActivations({
      backend: 'cpu',
      minGpuElements: Number.POSITIVE_INFINITY,
      maxChunkBytes: 4096,
      maxWorkgroupsPerDimension: 2,
      rowStrategy: 'split',
      maxPooledBytes: 0,
      poisonOutputs: false,
    });
    expect(act.backend).toBe('cpu');
    act.destroy();
  });
});

describe('options of the ops', () => {
  const x = new Float32Array(20);
  it('refuse an unknown key, suggesting the nearest one', async () => {
    expect(() => cpu.softmax(x, { col: 10 } as never)).toThrow(ArgumentTypeError);
    expect(() => cpu.softmax(x, { col: 10 } as never)).toThrow(
      /^options\.col: is not an option here \(expected one of rows, cols, out\); did you mean cols\?/,
    );
    expect(() => cpu.leakyRelu(x, { alpah: 0.1 } as never)).toThrow(/^options\.alpah: .*did you mean alpha\?/);
    const act = await createActivations({ backend: 'cpu' });
    await expect(act.softmax(x, { col: 10 } as never)).rejects.toThrow(
      /^options\.col: is not an option here \(expected one of rows, cols\); did you mean cols\?/,
    );
    await expect(act.sigmoidDerivative(x, { form: 'output' } as never)).rejects.toThrow(/^options\.form: .*did you mean from\?/);
    await expect(act.gelu(x, { out: x } as never)).rejects.toThrow(/^options\.out: is not an option here/);
    act.destroy();
  });

  it('refuse a string option outside its values with a RangeError, another type with a TypeError', () => {
    expect(() => cpu.sigmoidDerivative([1], { from: 'outptu' as 'output' })).toThrow(ArgumentRangeError);
    expect(() => cpu.sigmoidDerivative([1], { from: 1 as never })).toThrow(ArgumentTypeError);
    expect(() => cpu.gelu([1], { approximate: 'fast' as 'tanh' })).toThrow(/^options\.approximate: expected 'none' or 'tanh', got "fast"/);
  });

  it('refuse a leaky relu alpha that float32 holds only as a subnormal (a GPU may flush it), and keep alpha 0', () => {
    for (const alpha of [1e-40, -1e-40, 1e-46, 2 ** -127]) {
      expect(() => cpu.leakyRelu([-1e30], { alpha }), `alpha ${alpha}`).toThrow(ArgumentRangeError);
      expect(() => cpu.leakyRelu([-1e30], { alpha }), `alpha ${alpha}`).toThrow(/^options\.alpha: expected 0 or a normal float32/);
    }
    expect(Object.is(cpu.leakyRelu([-1e30], { alpha: 0 })[0], -0)).toBe(true);
    expect(cpu.leakyRelu([-1e30], { alpha: 2 ** -126 })[0]).toBe(Math.fround(-1e30 * 2 ** -126));
  });
});

describe('data arguments', () => {
  it('refuse an array-like too long for an Array before allocating', () => {
    expect(() => cpu.sigmoid({ length: 2 ** 32 })).toThrow(ArgumentRangeError);
    expect(() => cpu.sigmoid({ length: 2 ** 32 })).toThrow(/^x: has length 4294967296, expected at most 4294967295/);
    // No element 0: refused before a 4 GiB allocation.
    expect(() => cpu.sigmoid({ length: 2 ** 30 })).toThrow(/^x: element 0 is undefined, expected a number/);
  });

  it('on a destroyed engine, bad input is reported as bad input', async () => {
    const act = await createActivations({ backend: 'cpu' });
    act.destroy();
    await expect(act.sigmoid('abc' as never)).rejects.toThrow(/^x: expected a Float32Array/);
    await expect(act.softmax([1, 2], { cols: 3 })).rejects.toThrow(ArgumentRangeError);
    await expect(act.sigmoidBackward([1], [1, 2])).rejects.toThrow(/^dy: /);
    await expect(act.leakyRelu([1], { alpha: 1e-40 })).rejects.toThrow(/^options\.alpha: /);
    expect(() => act.upload('abc' as never)).toThrow(ArgumentTypeError);
    await expect(act.sigmoid([1])).rejects.toThrow(EngineDestroyedError);
  });
});

describe('empty shapes', () => {
  it('answer at once whatever rows or cols say', async () => {
    const act = await createActivations({ backend: 'cpu' });
    const empty = new Float32Array(0);
    for (const shape of [
      { rows: 1e8, cols: 0 },
      { rows: 2 ** 53 - 1, cols: 0 },
      { rows: 0, cols: 2 ** 53 - 1 },
    ]) {
      expect(cpu.softmax(empty, shape).length).toBe(0);
      expect(cpu.logSoftmax(empty, shape).length).toBe(0);
      expect(cpu.softmaxBackward(empty, empty, shape).length).toBe(0);
      expect((await act.softmax(empty, shape)).length).toBe(0);
      expect((await act.logSoftmax(empty, shape)).length).toBe(0);
      expect((await act.softmaxBackward(empty, empty, shape)).length).toBe(0);
      expect((await act.resident.softmax(act.upload(empty), shape).read()).length).toBe(0);
    }
    act.destroy();
  });
});

// Every function of `cpu`, with arguments it accepts: x (or y), dy for the backward ones.
const ROW_FUNCTIONS = ['softmax', 'logSoftmax', 'softmaxBackward'] as const;
const CPU_FUNCTIONS = [...namedMethodNames(), ...ROW_FUNCTIONS];
const takesDy = (name: string) => name.endsWith('Backward');

describe('cpu functions', () => {
  it('work taken off the namespace', () => {
    const { sigmoid } = cpu;
    expect(Array.from(sigmoid([0]))).toEqual([0.5]);
    const x = new Float32Array([-1, 0.5, 2, 3]);
    for (const name of CPU_FUNCTIONS) {
      const f = (cpu as unknown as Record<string, (...args: unknown[]) => unknown>)[name] as (...args: unknown[]) => unknown;
      const result = takesDy(name) ? f(x, x) : f(x);
      const expected = takesDy(name)
        ? (cpu as unknown as Record<string, (...args: unknown[]) => unknown>)[name]?.(x, x)
        : (cpu as unknown as Record<string, (...args: unknown[]) => unknown>)[name]?.(x);
      expect(result, name).toEqual(expected);
    }
    const { forward, backward } = cpu;
    expect(forward).toBeTypeOf('function');
    expect(backward).toBeTypeOf('function');
  });

  const functions = CPU_FUNCTIONS.filter((name) => !name.endsWith('WithDerivative'));
  const call = (name: string, x: Float32Array, dy: Float32Array | undefined, out: Float32Array) => {
    const f = (cpu as CpuFunctions & Record<string, (...args: unknown[]) => Float32Array>)[name] as (...args: unknown[]) => Float32Array;
    return dy ? f(x, dy, out) : f(x, out);
  };

  it('refuse an out that overlaps x or dy in part, with a RangeError naming out', () => {
    for (const name of functions) {
      const buffer = new Float32Array(32).map((_, i) => (i % 7) / 7);
      const x = buffer.subarray(4, 14);
      const dy = takesDy(name) ? buffer.subarray(16, 26) : undefined;
      const before = buffer.slice();
      for (const out of [buffer.subarray(5, 15), buffer.subarray(3, 13), buffer.subarray(13, 23)]) {
        expect(() => call(name, x, dy, out), name).toThrow(ArgumentRangeError);
        expect(() => call(name, x, dy, out), name).toThrow(/^out: overlaps (x|y) in part/);
      }
      if (dy) {
        expect(() => call(name, x, dy, buffer.subarray(17, 27)), name).toThrow(/^out: overlaps dy in part/);
      }
      expect(buffer, `${name}: nothing written`).toEqual(before);
    }
  });

  it('compute in place when out is x or dy itself, as into a fresh array', () => {
    for (const name of functions) {
      const x = new Float32Array([-3, -1, -0, 0, 0.25, 0.5, 2, 9]);
      const dy = takesDy(name) ? new Float32Array([1, -2, 3, 0.5, -1, 2, 4, -0.5]) : undefined;
      const expected = call(name, x, dy, new Float32Array(x.length));
      const inX = x.slice();
      expect(call(name, inX, dy, inX), `${name} out = x`).toEqual(expected);
      if (dy) {
        const inDy = dy.slice();
        expect(call(name, x, inDy, inDy), `${name} out = dy`).toEqual(expected);
      }
    }
  });

  it('take out apart from x in the same buffer', () => {
    const buffer = new Float32Array(20).fill(1);
    const out = cpu.sigmoid(buffer.subarray(0, 10), buffer.subarray(10, 20));
    expect(out[0]).toBe(Math.fround(1 / (1 + Math.exp(-1))));
  });
});

describe('engine methods', () => {
  it('work taken off the engine and off act.resident, as on cpu', async () => {
    const act = await createActivations({ backend: 'cpu' });
    const { sigmoid, softmax, forward, geluBackward } = act;
    expect(Array.from(await sigmoid([0]))).toEqual([0.5]);
    expect(Array.from(await softmax([1, 1]))).toEqual([0.5, 0.5]);
    expect(await forward(ACTIVATIONS.relu, [-1, 2])).toEqual(new Float32Array([0, 2]));
    expect(await geluBackward([0], [2])).toEqual(new Float32Array([1]));
    const { sigmoid: residentSigmoid, tanhBackward } = act.resident;
    expect(Array.from(await residentSigmoid(act.upload([0])).read())).toEqual([0.5]);
    expect(Array.from(await tanhBackward(act.upload([0]), act.upload([3])).read())).toEqual([3]);
    act.destroy();
  });
});

describe('defineActivation', () => {
  const spec = {
    name: 'softsign',
    wgsl: { forward: 'x / (1.0 + abs(x))', derivative: '1.0 / ((1.0 + abs(x)) * (1.0 + abs(x)))' },
    forward: (x: number) => x / (1 + Math.abs(x)),
    derivative: (x: number) => 1 / (1 + Math.abs(x)) ** 2,
  };
  it('refuses a bad spec with an ArgumentTypeError (a NaN alpha: ArgumentRangeError) naming the field', () => {
    const bad: [unknown, RegExp][] = [
      [null, /^spec: expected an object, got null/],
      [{ ...spec, name: 'soft sign' }, /^spec\.name: expected an identifier, got the string "soft sign"/],
      [{ ...spec, wgsl: 'x' }, /^spec\.wgsl: /],
      [{ ...spec, wgsl: { ...spec.wgsl, forward: 1 } }, /^spec\.wgsl\.forward: expected a WGSL expression string, got number 1/],
      [{ ...spec, derivative: 'x' }, /^spec\.derivative: expected a function/],
      [{ ...spec, derivativeFromOutput: (y: number) => y }, /^spec\.derivativeFromOutput: give both/],
      [{ ...spec, paramters: {} }, /^spec\.paramters: is not an option here .*did you mean parameters\?/],
      [{ ...spec, parameters: { beta: { default: 1 } } }, /^spec\.parameters\.beta: is not an option here/],
      [{ ...spec, parameters: { alpha: 1 } }, /^spec\.parameters\.alpha: expected \{ default: number \}/],
      [{ ...spec, wgsl: { ...spec.wgsl, derivative_from_output: 'y' } }, /^spec\.wgsl\.derivative_from_output: is not an option here/],
    ];
    for (const [given, message] of bad) {
      expect(() => defineActivation(given as typeof spec), message.source).toThrow(ArgumentTypeError);
      expect(() => defineActivation(given as typeof spec), message.source).toThrow(message);
    }
    const nanDefault = { ...spec, parameters: { alpha: { default: Number.NaN } } };
    expect(() => defineActivation(nanDefault)).toThrow(ArgumentRangeError);
    expect(() => defineActivation(nanDefault)).toThrow(/^spec\.parameters\.alpha\.default: expected a finite number/);
    expect(cpu.forward(defineActivation(spec), [1])[0]).toBe(0.5);
  });
});
