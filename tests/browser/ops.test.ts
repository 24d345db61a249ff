// Every op of the table, on both backends forced, against the float64 reference, on fresh random
// inputs at lengths that straddle the workgroup and vector widths, and one large enough that the grid
// goes 2D. GPU outputs are poisoned before each dispatch, so an unwritten element fails.
import { type Activations, createActivations } from 'webgpu-activations';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectClose } from '../support/compare.ts';
import { OP_CASES } from '../support/op-cases.ts';
import { ROW_CASES } from '../support/row-cases.ts';
import { createRandom, SEED } from '../support/random.ts';

const LENGTHS = [1, 3, 255, 256, 257, 4097, 65536 + 5];
const LARGE_LENGTH = 65535 * 256 + 1021; // above 65535 workgroups of 256 one-element rows: a 2D grid
const maxErrors = new Map<string, number>();

// Elementwise cases have a fixed tolerance, row cases one that depends on the inputs.
const CASES = [
  ...OP_CASES.map((op) => ({ ...op, tolerance: () => op.tolerance })),
  ...ROW_CASES,
];

function record(key: string, error: number) {
  maxErrors.set(key, Math.max(maxErrors.get(key) ?? 0, error));
}

afterAll(() => {
  const lines = [...maxErrors].map(([key, error]) => `  ${key.padEnd(52)} ${error.toExponential(2)}`);
  console.log(`max relative error against float64 (seed ${SEED}):\n${lines.join('\n')}`);
});

for (const backend of ['webgpu', 'cpu'] as const) {
  describe(`${backend} backend`, () => {
    let act: Activations;
    beforeAll(async () => {
      act = await createActivations({ backend, poisonOutputs: true });
    });
    afterAll(() => act?.destroy());

    it('is the backend that was asked for', () => {
      expect(act.backend).toBe(backend);
    });

    for (const op of CASES) {
      it(`${op.name}: random and edge inputs at lengths ${LENGTHS.join(', ')}`, async () => {
        const random = createRandom(SEED ^ op.name.length);
        for (const length of LENGTHS) {
          const inputs = op.inputs(random, length);
          const copies = inputs.map((input) => input.slice());
          const actual = await op.run(act, inputs);
          record(`${op.name} [${backend}]`, expectClose(actual, op.reference(inputs), op.tolerance(inputs), `${op.name} ${backend} n=${length}`, inputs));
          inputs.forEach((input, i) => expect(input, 'the input was mutated').toEqual(copies[i]));
        }
      });
    }
  });
}

describe('large arrays and split work on the GPU', () => {
  it('covers a 2D grid: every op at a length above 65535 x 256 elements', async () => {
    const act = await createActivations({ backend: 'webgpu', poisonOutputs: true });
    try {
      const random = createRandom(SEED + 1);
      for (const op of CASES) {
        const inputs = op.inputs(random, LARGE_LENGTH);
        const actual = await op.run(act, inputs);
        record(`${op.name} [webgpu]`, expectClose(actual, op.reference(inputs), op.tolerance(inputs), `${op.name} n=${LARGE_LENGTH}`, inputs));
      }
    } finally {
      act.destroy();
    }
  });

  it('splits arrays into chunks and grids into 2D when the limits are lowered', async () => {
    const act = await createActivations({ backend: 'webgpu', poisonOutputs: true, maxChunkBytes: 4096, maxWorkgroupsPerDimension: 2 });
    try {
      const random = createRandom(SEED + 2);
      for (const op of CASES) {
        for (const length of [1000, 1024, 1040, 10_000]) {
          const inputs = op.inputs(random, length);
          const actual = await op.run(act, inputs);
          expectClose(actual, op.reference(inputs), op.tolerance(inputs), `${op.name} split n=${length}`, inputs);
        }
      }
    } finally {
      act.destroy();
    }
  });

  it('refuses a softmax row longer than one dispatch with a RangeError that states the limit', async () => {
    const act = await createActivations({ backend: 'webgpu', maxChunkBytes: 4096 });
    try {
      await expect(act.softmax(new Float32Array(1025))).rejects.toThrow(/1025 elements .* \(1024 elements/);
      await expect(act.softmax(new Float32Array(1025))).rejects.toBeInstanceOf(RangeError);
    } finally {
      act.destroy();
    }
  });
});
