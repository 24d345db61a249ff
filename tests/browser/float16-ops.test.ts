// Every elementwise op of the registry in float16 on WebGPU, over all 65536 inputs, in both hosts:
// Chromium with Float16Array in and out, Node on Dawn with Uint16Array bits and { dtype: 'float16' }.
// At least 99.9% correctly rounded from float64, none beyond 1 ulp, NaN/±Infinity/±0 as the float32
// kernels give them, and bit-identical to the CPU backend on at least 99.9%. Figures printed per op.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Activations, cpu, createActivations } from 'webgpu-activations';
import { roundToFloat16Bits } from '../support/float16.ts';
import { agreement, allHalfValues, allHalves, type Float16Op, float16Ops, formatScore, scoreFloat16 } from '../support/float16-ops.ts';
import { HOST } from '../support/host.ts';

const HALVES = allHalves();
const VALUES = allHalfValues();
const WIDENED = Float32Array.from(VALUES);
const Float16 = (globalThis as { Float16Array?: new (buffer: ArrayBufferLike) => ArrayBufferView }).Float16Array;

let act: Activations;

beforeAll(async () => {
  act = await createActivations({ backend: 'webgpu', poisonOutputs: true });
});

afterAll(() => act?.destroy());

// In Chromium a Float16Array (which the result must be too); in Node, bits with dtype.
function input(bits: Uint16Array): { data: unknown; options: { dtype?: 'float16' } } {
  if (HOST === 'browser') {
    if (!Float16) throw new Error('Chromium should have Float16Array');
    return { data: new Float16(bits.slice().buffer), options: {} };
  }
  return { data: bits, options: { dtype: 'float16' } };
}

function bitsOf(result: unknown): Uint16Array {
  if (HOST === 'browser') {
    expect(Float16 && result instanceof Float16, 'a Float16Array in gives a Float16Array out').toBe(true);
    const view = result as ArrayBufferView & { length: number };
    return new Uint16Array(view.buffer, view.byteOffset, view.length);
  }
  expect(result).toBeInstanceOf(Uint16Array);
  return result as Uint16Array;
}

// The op through an engine method or cpu's (float16 bits), or on float32 with its result rounded by the test.
async function runOp(op: Float16Op, on: 'webgpu' | 'cpu' | 'float32'): Promise<Uint16Array | Float32Array> {
  const from: 'input' | 'output' = op.kernel.endsWith('from_output') ? 'output' : 'input';
  const dyBits = new Uint16Array(HALVES.length).fill(roundToFloat16Bits(op.dy ?? 0));
  if (on === 'float32') {
    const dy = new Float32Array(HALVES.length).fill(op.dy ?? 0);
    const result =
      op.kernel === 'forward'
        ? cpu.forward(op.activation, WIDENED)
        : op.kernel.startsWith('derivative')
          ? cpu.derivative(op.activation, WIDENED, { from })
          : cpu.backward(op.activation, WIDENED, dy, { from });
    return result;
  }
  if (on === 'cpu') {
    const options = { dtype: 'float16' as const, from };
    if (op.kernel === 'forward') return cpu.forward(op.activation, HALVES, { dtype: 'float16' });
    if (op.kernel.startsWith('derivative')) return cpu.derivative(op.activation, HALVES, options);
    return cpu.backward(op.activation, HALVES, dyBits, options);
  }
  const x = input(HALVES);
  if (op.kernel === 'forward') return bitsOf(await act.forward(op.activation, x.data as Uint16Array, x.options));
  if (op.kernel.startsWith('derivative')) return bitsOf(await act.derivative(op.activation, x.data as Uint16Array, { ...x.options, from }));
  const dy = input(dyBits);
  return bitsOf(await act.backward(op.activation, x.data as Uint16Array, dy.data as Uint16Array, { ...x.options, from }));
}

describe(`float16 on WebGPU (${HOST}), all 65536 inputs`, () => {
  it.each(float16Ops().map((op) => [op.name, op] as const))('%s', async (_, op) => {
    const got = (await runOp(op, 'webgpu')) as Uint16Array;
    const onCpu = (await runOp(op, 'cpu')) as Uint16Array;
    const rule = (await runOp(op, 'float32')) as Float32Array;
    const score = scoreFloat16(op, `webgpu ${HOST}`, VALUES, got, rule);
    const same = agreement(got, onCpu);
    console.log(formatScore(score, { backend: 'cpu', fraction: same }));
    expect(score.specialMismatches, score.firstBad).toBe(0);
    expect(score.worstUlps, score.firstBad).toBeLessThanOrEqual(1);
    expect(score.correctlyRounded / score.total, score.firstBad).toBeGreaterThanOrEqual(0.999);
    expect(same).toBeGreaterThanOrEqual(0.999);
  });
});
