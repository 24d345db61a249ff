// Every op of the table on the CPU path, in Node (no browser): the engine with backend 'cpu' and the
// `cpu` namespace, against the float64 reference on fresh random and edge inputs. The browser tests
// run the same table on WebGPU too.

import { describe, expect, it } from 'vitest';
import { cpu, createActivations } from 'webgpu-activations';
import { expectClose } from '../support/compare.ts';
import { OP_CASES } from '../support/op-cases.ts';
import { createRandom, SEED } from '../support/random.ts';
import { ROW_CASES } from '../support/row-cases.ts';

const LENGTHS = [1, 3, 255, 4097];
const CASES = [...OP_CASES.map((op) => ({ ...op, tolerance: () => op.tolerance })), ...ROW_CASES];

describe(`the op table on the CPU engine (seed ${SEED})`, () => {
  for (const op of CASES) {
    it(`${op.name}: random and edge inputs at lengths ${LENGTHS.join(', ')}`, async () => {
      const act = await createActivations({ backend: 'cpu' });
      const random = createRandom(SEED ^ op.name.length);
      for (const length of LENGTHS) {
        const inputs = op.inputs(random, length);
        const copies = inputs.map((input) => input.slice());
        const actual = await op.run(act, inputs);
        expectClose(actual, op.reference(inputs), op.tolerance(inputs), `${op.name} cpu n=${length}`, inputs);
        for (const [i, input] of inputs.entries()) expect(input, 'the input was mutated').toEqual(copies[i]);
      }
      act.destroy();
    });
  }

  it('gives the same bits from the cpu namespace as from the CPU engine', async () => {
    const act = await createActivations({ backend: 'cpu' });
    const x = new Float32Array(1000).map((_, i) => (i - 500) / 7);
    expect(cpu.gelu(x)).toEqual(await act.gelu(x));
    expect(cpu.softmax(x, { cols: 100 })).toEqual(await act.softmax(x, { cols: 100 }));
    act.destroy();
  });
});
