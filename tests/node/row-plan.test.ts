// Row planning (src/gpu/row-plan.ts): the kernel each shape gets under each strategy, on hardware and
// software adapters, at both sides of every threshold; the thread counts; the slicing of long batches.

import { describe, expect, it } from 'vitest';
import { ArgumentRangeError } from '../../src/errors.ts';
import { WORKGROUP_SIZE } from '../../src/gpu/pipelines.ts';
import { planRows, rowsPerSlice, SHORT_ROW_COLS, splitParts, threadsPerRowFor } from '../../src/gpu/row-plan.ts';

type Chosen = 'thread' | 'workgroup' | 'split';

// Which strategy a plan is, from its fields alone.
function strategyOf(plan: ReturnType<typeof planRows>): Chosen {
  if (plan.kernel.endsWith('_by_thread')) return 'thread';
  return plan.parts > 1 ? 'split' : 'workgroup';
}

describe('planRows under auto', () => {
  // [rows, cols, hardware, software]: each threshold from both sides.
  const cases: readonly [number, number, Chosen, Chosen][] = [
    [1, 1, 'thread', 'thread'],
    [1, SHORT_ROW_COLS, 'thread', 'thread'],
    [65536, SHORT_ROW_COLS, 'thread', 'thread'],
    [1, SHORT_ROW_COLS + 1, 'workgroup', 'workgroup'],
    [15, 1024, 'workgroup', 'workgroup'],
    [16, 1024, 'workgroup', 'thread'],
    [1024, 1024, 'workgroup', 'thread'],
    [1, 8191, 'workgroup', 'workgroup'],
    [1, 8192, 'split', 'workgroup'],
    [63, 8192, 'split', 'thread'],
    [64, 8192, 'workgroup', 'thread'],
    [16, 65536, 'split', 'workgroup'],
    [63, 32767, 'split', 'thread'],
    [63, 32768, 'split', 'workgroup'],
    [64, 32768, 'workgroup', 'thread'],
    [1, 1 << 20, 'split', 'workgroup'],
  ];
  it.each(cases)('%i x %i: %s on hardware, %s on a software adapter', (rows, cols, hardware, software) => {
    expect(strategyOf(planRows('softmax', rows, cols, false))).toBe(hardware);
    expect(strategyOf(planRows('softmax', rows, cols, true))).toBe(software);
    expect(strategyOf(planRows('softmax', rows, cols, false, 'auto'))).toBe(hardware);
  });

  it('plans every row kernel alike, naming its own entry points', () => {
    for (const kernel of ['softmax', 'log_softmax', 'softmax_backward'] as const) {
      expect(planRows(kernel, 4, 16, false).kernel).toBe(`${kernel}_by_thread`);
      expect(planRows(kernel, 4, 1024, false).kernel).toBe(kernel);
      expect(planRows(kernel, 4, 65536, false)).toEqual({ kernel, threadsPerRow: 1, rowsPerWorkgroup: WORKGROUP_SIZE, parts: 64 });
    }
  });
});

describe('planRows with a forced strategy', () => {
  it("'thread': a thread a row, a workgroup's worth of rows, whatever the shape or adapter", () => {
    for (const [rows, cols] of [
      [1, 1],
      [1, 65536],
      [1024, 1024],
    ] as const) {
      for (const software of [false, true]) {
        expect(planRows('log_softmax', rows, cols, software, 'thread')).toEqual({
          kernel: 'log_softmax_by_thread',
          threadsPerRow: 1,
          rowsPerWorkgroup: WORKGROUP_SIZE,
          parts: 1,
        });
      }
    }
  });

  it("'workgroup': threadsPerRowFor(cols) threads a row, the rest of the workgroup on other rows, even for short rows", () => {
    for (const cols of [1, 4, 5, 16, 33, 1024, 65536]) {
      const plan = planRows('softmax', 8, cols, true, 'workgroup');
      expect(plan).toEqual({
        kernel: 'softmax',
        threadsPerRow: threadsPerRowFor(cols),
        rowsPerWorkgroup: WORKGROUP_SIZE / threadsPerRowFor(cols),
        parts: 1,
      });
      expect(plan.threadsPerRow * plan.rowsPerWorkgroup).toBe(WORKGROUP_SIZE);
    }
  });

  it("'split': splitParts(cols) parts a row on any shape and adapter, including short rows and the software adapter auto never splits on", () => {
    for (const [rows, cols, parts] of [
      [1, 1, 2],
      [1000, 16, 2],
      [16, 65536, 64],
      [1, 1 << 20, 1024],
    ] as const) {
      for (const software of [false, true]) {
        expect(planRows('softmax_backward', rows, cols, software, 'split')).toEqual({
          kernel: 'softmax_backward',
          threadsPerRow: 1,
          rowsPerWorkgroup: WORKGROUP_SIZE,
          parts,
        });
      }
    }
  });
});

describe('threadsPerRowFor', () => {
  it('is the least power of two with threads * 4 >= cols, capped at a workgroup', () => {
    const expected: readonly [number, number][] = [
      [0, 1],
      [1, 1],
      [4, 1],
      [5, 2],
      [8, 2],
      [9, 4],
      [64, 16],
      [65, 32],
      [1024, 256],
      [1025, WORKGROUP_SIZE],
      [1 << 24, WORKGROUP_SIZE],
    ];
    for (const [cols, threads] of expected) expect([cols, threadsPerRowFor(cols)]).toEqual([cols, threads]);
  });
});

describe('splitParts', () => {
  it('gives each part about 1024 elements, a power of two from 2 to 1024', () => {
    const expected: readonly [number, number][] = [
      [1, 2],
      [2048, 2],
      [2049, 4],
      [65536, 64],
      [65537, 128],
      [1 << 20, 1024],
      [1 << 24, 1024],
    ];
    for (const [cols, parts] of expected) expect([cols, splitParts(cols)]).toEqual([cols, parts]);
  });
});

describe('rowsPerSlice', () => {
  it('takes every row when the batch fits one binding', () => {
    expect(rowsPerSlice('softmax', { rows: 4, cols: 64 }, 256)).toBe(4);
    expect(rowsPerSlice('softmax', { rows: 5, cols: 64 }, 320)).toBe(5);
  });

  it('cuts a larger batch into whole rows that fill whole 64-float blocks, as many as fit', () => {
    for (const cols of [1, 3, 16, 63, 64, 65, 100, 128, 1000]) {
      for (const chunkElements of [64 * 1024, 64 * 4096]) {
        const rows = Math.ceil((chunkElements * 3) / cols);
        const sliceRows = rowsPerSlice('softmax', { rows, cols }, chunkElements);
        expect(sliceRows).toBeGreaterThan(0);
        expect((sliceRows * cols) % 64).toBe(0);
        expect(sliceRows * cols).toBeLessThanOrEqual(chunkElements);
        // One more aligned step would not fit.
        const step = 64 / gcd(cols, 64);
        expect((sliceRows + step) * cols).toBeGreaterThan(chunkElements);
      }
    }
    expect(rowsPerSlice('softmax', { rows: 100, cols: 3 }, 256)).toBe(64);
  });

  it('refuses a row too long for an aligned slice with a RangeError on x', () => {
    // cols 100: 16 rows are the least that end 256-byte aligned, 1600 elements > 256.
    const attempt = () => rowsPerSlice('softmax_backward', { rows: 10, cols: 100 }, 256);
    expect(attempt).toThrow(ArgumentRangeError);
    expect(attempt).toThrow(/x.*softmax_backward row of 100 elements/);
    expect(() => rowsPerSlice('softmax', { rows: 2, cols: 257 }, 256)).toThrow(RangeError);
  });
});

function gcd(a: number, b: number): number {
  return b === 0 ? a : gcd(b, a % b);
}
