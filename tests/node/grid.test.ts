// The dispatch grid (src/gpu/grid.ts): 1D up to the per-dimension limit, 2D past it, never a
// dimension over the limit, and never fewer workgroups than asked for.

import { describe, expect, it } from 'vitest';
import { grid } from '../../src/gpu/grid.ts';

describe('grid', () => {
  it('stays 1D up to the limit', () => {
    expect(grid(0, 65535)).toEqual([0, 1]);
    expect(grid(1, 65535)).toEqual([1, 1]);
    expect(grid(65535, 65535)).toEqual([65535, 1]);
    expect(grid(7, 7)).toEqual([7, 1]);
  });

  it('goes 2D one past the limit', () => {
    expect(grid(65536, 65535)).toEqual([32768, 2]);
    expect(grid(8, 7)).toEqual([4, 2]);
    expect(grid(65535 * 2 + 1, 65535)).toEqual([43691, 3]);
  });

  it('covers every count with both dimensions within the limit and less than one column of waste', () => {
    for (const maxPerDimension of [1, 2, 3, 7, 64, 65535]) {
      for (const workgroups of [1, 2, 3, 5, 63, 64, 65, 1000, 65535, 65536, 16_777_216, 65535 * 65535]) {
        const [x, y] = grid(workgroups, maxPerDimension);
        const where = `${workgroups} workgroups, at most ${maxPerDimension} a dimension: ${x} x ${y}`;
        if (workgroups > maxPerDimension * maxPerDimension) continue; // beyond any 2D grid
        expect(x, where).toBeLessThanOrEqual(maxPerDimension);
        expect(y, where).toBeLessThanOrEqual(maxPerDimension);
        expect(x * y, where).toBeGreaterThanOrEqual(workgroups);
        expect(x * y - workgroups, where).toBeLessThan(y);
      }
    }
  });
});
