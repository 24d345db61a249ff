// Every op of the table, on both backends forced, against the float64 reference, on fresh random
// inputs at lengths that straddle the workgroup and vector widths, and one large enough that the grid
// goes 2D. GPU outputs are poisoned before each dispatch, so an unwritten element fails.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Activations, createActivations } from 'webgpu-activations';
import { expectClose } from '../support/compare.ts';
import { OP_CASES, softmaxInput } from '../support/op-cases.ts';
import { createRandom, SEED, uniformFloat32Array } from '../support/random.ts';
import { ROW_CASES, ROW_REFERENCES, softmaxBackwardTolerance } from '../support/row-cases.ts';

const LENGTHS = [1, 3, 255, 256, 257, 4097, 65536 + 5];
const LARGE_LENGTH = 65535 * 256 + 1021; // above 65535 workgroups of 256 one-element rows: a 2D grid
const maxErrors = new Map<string, number>();

// Elementwise cases have a fixed tolerance, row cases one that depends on the inputs.
const CASES = [...OP_CASES.map((op) => ({ ...op, tolerance: () => op.tolerance })), ...ROW_CASES];
const ROW_OP_CASES = CASES.filter((op) => op.name === 'softmax' || ROW_CASES.includes(op as (typeof ROW_CASES)[number]));

function record(key: string, error: number) {
  maxErrors.set(key, Math.max(maxErrors.get(key) ?? 0, error));
}

afterAll(() => {
  const lines = [...maxErrors].map(([key, error]) => `  ${key.padEnd(52)} ${error.toExponential(2)}`);
  console.log(`max relative error against float64 (seed ${SEED}):\n${lines.join('\n')}`);
});

// Row ops run twice more on WebGPU with each row kernel forced, so that both stay covered whatever
// the automatic choice on this adapter is.
const CONFIGURATIONS = [
  { label: 'webgpu', backend: 'webgpu', rowStrategy: 'auto', cases: CASES },
  { label: 'webgpu, a thread per row', backend: 'webgpu', rowStrategy: 'thread', cases: ROW_OP_CASES },
  { label: 'webgpu, a workgroup per row', backend: 'webgpu', rowStrategy: 'workgroup', cases: ROW_OP_CASES },
  { label: 'webgpu, rows split across threads', backend: 'webgpu', rowStrategy: 'split', cases: ROW_OP_CASES },
  { label: 'cpu', backend: 'cpu', rowStrategy: 'auto', cases: CASES },
] as const;

for (const { label, backend, rowStrategy, cases } of CONFIGURATIONS) {
  describe(`${label} backend`, () => {
    let act: Activations;
    beforeAll(async () => {
      act = await createActivations({ backend, poisonOutputs: true, rowStrategy });
    });
    afterAll(() => act?.destroy());

    it('is the backend that was asked for', () => {
      expect(act.backend).toBe(backend);
    });

    for (const op of cases) {
      it(`${op.name}: random and edge inputs at lengths ${LENGTHS.join(', ')}`, async () => {
        const random = createRandom(SEED ^ op.name.length);
        for (const length of LENGTHS) {
          const inputs = op.inputs(random, length);
          const copies = inputs.map((input) => input.slice());
          const actual = await op.run(act, inputs);
          record(
            `${op.name} [${label}]`,
            expectClose(actual, op.reference(inputs), op.tolerance(inputs), `${op.name} ${backend} n=${length}`, inputs),
          );
          for (const [i, input] of inputs.entries()) expect(input, 'the input was mutated').toEqual(copies[i]);
        }
      });
    }
  });
}

describe('large arrays and split work on the GPU', () => {
  // The grid index code is shared by every kernel of a binding shape, and every op runs in a 2D grid
  // in the next test (with lowered limits): here one op per binding shape (unary, binary, dual
  // output) and each row op, at a natural size.
  const LARGE_CASES = ['sigmoid', 'sigmoidBackward', 'sigmoidWithDerivative (values)', 'softmax', 'logSoftmax', 'softmaxBackward'];

  it(`covers a 2D grid at a length above 65535 x 256 elements: ${LARGE_CASES.join(', ')}`, async () => {
    const act = await createActivations({ backend: 'webgpu', poisonOutputs: true });
    try {
      const random = createRandom(SEED + 1);
      for (const op of CASES.filter((candidate) => LARGE_CASES.includes(candidate.name))) {
        const inputs = op.inputs(random, LARGE_LENGTH);
        const actual = await op.run(act, inputs);
        record(
          `${op.name} [webgpu]`,
          expectClose(actual, op.reference(inputs), op.tolerance(inputs), `${op.name} n=${LARGE_LENGTH}`, inputs),
        );
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

  it('splits rows longer than one binding into segments, for every row op', async () => {
    // 4096-byte chunks: rows of 1025 and 5000 elements span 2 and 5 segments of one sub-row each;
    // 512 KiB chunks: a row of 300,000 spans 3 segments of 2, 2 and 1 sub-rows of 65,536.
    for (const [maxChunkBytes, cols, rows] of [
      [4096, 1025, 2],
      [4096, 5000, 1],
      [512 * 1024, 300_000, 1],
    ] as const) {
      const act = await createActivations({ backend: 'webgpu', poisonOutputs: true, maxChunkBytes });
      try {
        const random = createRandom(SEED + cols);
        const shape = { rows, cols };
        const x = softmaxInput(random, rows * cols, cols);
        const y = Float32Array.from(ROW_REFERENCES.softmax(uniformFloat32Array(random, rows * cols, -10, 10), rows, cols));
        const dy = uniformFloat32Array(random, rows * cols, -1, 1);
        const context = `long rows ${rows}x${cols}, chunks of ${maxChunkBytes} bytes`;
        const tolerance = { relative: 1e-6 };
        record(
          'softmax [webgpu, long rows]',
          expectClose(await act.softmax(x, shape), ROW_REFERENCES.softmax(x, rows, cols), tolerance, `softmax ${context}`, [x]),
        );
        record(
          'logSoftmax [webgpu, long rows]',
          expectClose(await act.logSoftmax(x, shape), ROW_REFERENCES.logSoftmax(x, rows, cols), tolerance, `logSoftmax ${context}`, [x]),
        );
        const backwardTolerance = softmaxBackwardTolerance(y, dy, rows, cols);
        expectClose(
          await act.softmaxBackward(y, dy, shape),
          ROW_REFERENCES.softmaxBackward(y, dy, rows, cols),
          backwardTolerance,
          `softmaxBackward ${context}`,
          [y, dy],
        );
      } finally {
        act.destroy();
      }
    }
  });
});
