// Signed zeros, with Object.is: wherever the float64 reference rounds to a zero in float32, both
// backends give that zero with its sign (gelu(-Infinity) = -0, tanh(-0) = -0, dy = -0 through a
// backward op, ...), so the two backends agree bit for bit on zeros. Every op of the table joins.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Activations, createActivations } from 'webgpu-activations';
import { OP_CASES } from '../support/op-cases.ts';
import { createRandom } from '../support/random.ts';
import { ROW_CASES } from '../support/row-cases.ts';

const X = [0, -0, Infinity, -Infinity, 1, -1, 1e-30, -1e-30, 0.5, -0.5, 50, -50, 200, -200, 1e30, -1e30, 3.4e38, -3.4e38];
const DY = [0, -0, 1, -1, 1e30, -1e30, Infinity, -Infinity];

// Every (x, dy) pair for two-input ops, x alone otherwise.
function edgeInputs(arity: number): Float32Array[] {
  if (arity === 1) return [Float32Array.from(X)];
  const x: number[] = [];
  const dy: number[] = [];
  for (const a of X) {
    for (const b of DY) {
      x.push(a);
      dy.push(b);
    }
  }
  return [Float32Array.from(x), Float32Array.from(dy)];
}

const name = (v: number) => (Object.is(v, -0) ? '-0' : String(v));

function zeroMismatches(actual: Float32Array, expected: ArrayLike<number>, inputs: Float32Array[]): string[] {
  const bad: string[] = [];
  for (let i = 0; i < actual.length; i++) {
    const e = Math.fround(expected[i] as number);
    if (e !== 0 || Object.is(actual[i], e)) continue;
    bad.push(`(${inputs.map((input) => name(input[i] as number)).join(', ')}) gave ${name(actual[i] as number)}, expected ${name(e)}`);
  }
  return bad;
}

// Rows of the softmax family whose outputs include zeros of either sign.
const ROW_INPUTS = {
  x: Float32Array.from([-Infinity, 0, 1, -200, -0, -0, 5, -Infinity]),
  y: Float32Array.from([0, 1, 1, 0, 0, 0.5, 0.5, 0]),
  dy: Float32Array.from([-5, 1, 1, 5, -0, 2, 2, -3]),
};

for (const backend of ['webgpu', 'cpu'] as const) {
  describe(`signed zeros on ${backend}`, () => {
    let act: Activations;
    beforeAll(async () => {
      act = await createActivations({ backend });
    });
    afterAll(() => act?.destroy());

    for (const op of [...OP_CASES, ...ROW_CASES]) {
      it(`${op.name}: every zero of the float64 reference, with its sign`, async () => {
        const arity = op.inputs(createRandom(1), 16).length;
        const row = ROW_CASES.includes(op as (typeof ROW_CASES)[number]) || op.name === 'softmax';
        const inputs = row ? (arity === 1 ? [ROW_INPUTS.x] : [ROW_INPUTS.y, ROW_INPUTS.dy]) : edgeInputs(arity);
        const actual = await op.run(act, inputs);
        expect(zeroMismatches(actual, op.reference(inputs), inputs), `${op.name} on ${backend}`).toEqual([]);
      });
    }

    it('the zeros the README names: gelu, gelu-tanh and silu of -Infinity, tanh of -0', async () => {
      const x = Float32Array.from([-Infinity, -0]);
      expect(Object.is((await act.gelu(x))[0], -0)).toBe(true);
      expect(Object.is((await act.gelu(x, { approximate: 'tanh' }))[0], -0)).toBe(true);
      expect(Object.is((await act.silu(x))[0], -0)).toBe(true);
      expect(Object.is((await act.tanh(x))[1], -0)).toBe(true);
      expect(Object.is((await act.relu(x))[1], 0)).toBe(true);
      expect(Object.is((await act.leakyRelu(x))[1], -0)).toBe(true);
    });
  });
}
