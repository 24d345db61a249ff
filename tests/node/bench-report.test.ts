// The benchmark's report must survive any figure a cell can measure: a batch that read 0 ms (so a ratio
// over it is Infinity, which the JSON spells "Infinity"), Infinity, NaN. Such figures are fed to the
// summaries and the text report on purpose; and the timer retries a batch that read 0 ms.

import { afterEach, describe, expect, it, vi } from 'vitest';
import { timeInterleaved } from '../../bench/measure.ts';
import { autoRatioFor, type BenchResults, type CellResult, crossovers, resultsToJson } from '../../bench/results.ts';
// @ts-expect-error: a plain ESM script; it has no type declarations.
import { formatTable } from '../../scripts/bench.mjs';

const timing = (msPerCall: number) => ({ msPerCall, samples: 3, callsPerSample: 1, maxRelativeError: 0 });

function cell(elements: number, webgpu: number, cpu: number, auto: number): CellResult {
  const endToEnd = { webgpu: timing(webgpu), cpu: timing(cpu), auto: timing(auto), js: timing(cpu) };
  return {
    op: 'reluBackward',
    label: 'relu backward',
    shape: { kind: 'elementwise', elements } as unknown as CellResult['shape'],
    shapeLabel: String(elements),
    elements,
    bytesPerElement: 12,
    autoChoice: 'cpu',
    autoCalls: { webgpu: 0, cpu: 3 },
    autoRatio: autoRatioFor(endToEnd),
    endToEnd,
    resident: { unavailable: 'not measured here' },
    tfjsResident: { unavailable: 'not measured here' },
    ourMismatch: false,
  };
}

const ODD_FIGURES = [0, Number.POSITIVE_INFINITY, Number.NaN];

describe('the benchmark report', () => {
  it("takes cells timed 0 ms, Infinity or NaN: auto's worst ratio stays a finite figure or null", () => {
    for (const odd of ODD_FIGURES) {
      // Only the last cell has three measured times; the others are left out of auto's worst.
      const cells = [cell(256, 0.5, odd, 0.01), cell(1024, 0.5, 0.02, odd), cell(4096, odd, 0.05, 0.06), cell(16384, 1, 2, 1.3)];
      const [summary] = crossovers(cells);
      expect(summary?.autoWorst, `with ${odd}`).toEqual({ shapeLabel: '16384', ratio: 1.3 });
      expect(crossovers([cell(256, odd, odd, odd)])[0]?.autoWorst).toBeNull();
    }
  });

  it('prints such figures as measured, through the JSON the runner reads', () => {
    const cells = [cell(256, 0.5, 0, 0.01), cell(1024, Number.POSITIVE_INFINITY, 0.02, Number.NaN)];
    const results = {
      adapter: { description: 'test adapter', software: true, features: { 'timestamp-query': true, subgroups: false } },
      config: { rowStrategy: 'auto' },
      copyBandwidth: { gigabytesPerSecond: Number.POSITIVE_INFINITY, bytes: 1 << 20, method: 'timestamp-query' },
      uploads: [{ bytes: 65536, writeBufferMs: 0, mappedAtCreationMs: Number.NaN, mappedStagingMs: 1 }],
      tfjs: null,
      cells,
      edges: [],
      crossovers: [
        ...crossovers(cells),
        // As an older run's JSON could hold it: a ratio over a 0 ms cell.
        {
          op: 'relu',
          label: 'relu',
          webgpuFasterFromElements: null,
          webgpuFasterFromShape: null,
          autoChoices: [],
          autoWorst: { shapeLabel: '256', ratio: Number.POSITIVE_INFINITY },
        },
      ],
      mismatch: false,
      errors: [],
    } as unknown as BenchResults;
    const table: string = formatTable(JSON.parse(resultsToJson(results)));
    expect(table).toMatch(/copy bandwidth: Infinity GB\/s/);
    expect(table).toMatch(/crossover relu: .*auto at worst Infinity the faster backend \(256\)/);
    expect(table).toMatch(/reluBackward\s+1024\s+cpu\s+Infinity\s+0\.0200\s+NaN/);
  });
});

describe('timeInterleaved', () => {
  afterEach(() => {
    vi.restoreAllMocks();
  });

  it('times a batch that read 0 ms again with more calls, so no cell is 0 ms', async () => {
    // A clock that advances 1 us per call and reads in steps of 0.1 ms: the first batch sizes right,
    // then the calls get 500x faster (a warmed JIT), and batches of that size read 0.
    let now = 0;
    let costMs = 0.001;
    vi.spyOn(performance, 'now').mockImplementation(() => Math.floor(now / 0.1) * 0.1);
    let calls = 0;
    const call = () => {
      now += costMs;
      calls++;
      if (calls === 7200) costMs = 2e-6;
    };
    const [result] = await timeInterleaved([call], { maxSamples: 5, budgetMs: 1e9, signal: new AbortController().signal });
    expect(result?.msPerCall).toBeGreaterThan(0);
    expect(Number.isFinite(result?.msPerCall)).toBe(true);
  });
});

describe('maxRelativeError', () => {
  it('lets a subnormal result read 0 (a flushing GPU), and nothing else', async () => {
    const { maxRelativeError } = await import('../../bench/accuracy.ts');
    expect(maxRelativeError([0], [6.05e-39])).toBe(0);
    expect(maxRelativeError([-0], [-1e-45])).toBe(0);
    // A normal result read 0 is off by all of it; a subnormal read wrong (not 0) counts against the smallest normal.
    expect(maxRelativeError([0], [2e-38])).toBe(1);
    expect(maxRelativeError([1e-39], [6e-39])).toBeCloseTo(5e-39 / 1.1754943508222875e-38, 12);
    expect(maxRelativeError([Number.NaN], [6e-39])).toBe(Number.POSITIVE_INFINITY);
  });
});
