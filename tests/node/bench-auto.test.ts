// How the benchmark judges `auto` (issue 19): its time against the faster of our two backends, paired
// round by round (the calls are timed a sample of each in turn), the faster chosen by its median; and
// the run's summary of the worst cell and the cells above 1.10x from 4096 elements up, as printed.

import { describe, expect, it } from 'vitest';
import {
  AUTO_JUDGED_FROM_ELEMENTS,
  AUTO_RATIO_LIMIT,
  autoRatioFor,
  autoSummary,
  type CellResult,
  type EndToEnd,
  pairedRatio,
  resultsToJson,
} from '../../bench/results.ts';
// @ts-expect-error: a plain ESM script; it has no type declarations.
import { formatAutoSummary, formatTable } from '../../scripts/bench.mjs';

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? (sorted[middle] as number) : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2;
};

/** A timing with these rounds, its msPerCall their median, as timeInterleaved gives it. */
function rounds(...msPerCallByRound: (number | null)[]): EndToEnd {
  const measured = msPerCallByRound.filter((ms): ms is number => ms !== null);
  return { msPerCall: median(measured), samples: measured.length, callsPerSample: 1, msPerCallByRound, maxRelativeError: 0 };
}

describe('pairedRatio', () => {
  it('is the median of the per-round ratios, not the ratio of the medians', () => {
    // Ratios by round 2, 1, 2.5: median 2. The medians (3 and 3) would say 1.
    expect(pairedRatio([2, 3, 10], [1, 3, 4])).toEqual({ ratio: 2, rounds: 3, meanRatio: 15 / 8 });
    // An even count of rounds takes the mean of the middle two.
    expect(pairedRatio([1, 2, 3, 4], [1, 1, 1, 1])?.ratio).toBe(2.5);
  });

  it('leaves out rounds where either sample is missing, 0 ms, NaN or Infinity, and rounds past the shorter list', () => {
    const odd = [null, 0, Number.NaN, Number.POSITIVE_INFINITY, -1];
    for (const value of odd) {
      expect(pairedRatio([value, 2, 4], [1, 1, 2]), `numerator ${value}`).toEqual({ ratio: 2, rounds: 2, meanRatio: 2 });
      expect(pairedRatio([1, 2, 4], [value, 1, 2]), `denominator ${value}`).toEqual({ ratio: 2, rounds: 2, meanRatio: 2 });
    }
    expect(pairedRatio([3, 3, 100, 100], [1, 1])).toEqual({ ratio: 3, rounds: 2, meanRatio: 3 });
  });

  it('is null where no round has both', () => {
    expect(pairedRatio([], [])).toBeNull();
    expect(pairedRatio([1, null], [null, 1])).toBeNull();
    expect(pairedRatio([0, 0], [1, 1])).toBeNull();
  });

  it('counts a slow round at full cost in the summed ratio, where the median passes over it', () => {
    // One try of a slower backend in one round of five.
    const paired = pairedRatio([1, 1, 5, 1, 1], [1, 1, 1, 1, 1]);
    expect(paired?.ratio).toBe(1);
    expect(paired?.meanRatio).toBeCloseTo(9 / 5, 12);
  });
});

describe('autoRatioFor', () => {
  it('pairs auto with the backend of the lower median, chosen over all rounds, never round by round', () => {
    // cpu's median 5 < webgpu's 6, though webgpu is faster in round 2. Per round against the faster
    // there (1/1, 9/6) auto would read 1.25; against cpu it reads 1.
    const figure = autoRatioFor({ webgpu: rounds(6, 6), cpu: rounds(1, 9), auto: rounds(1, 9) });
    expect(figure).toEqual({ ratio: 1, faster: 'cpu', pairedRounds: 2, meanRatio: 1, tries: 0, judged: 1 });
    // And the other way round.
    expect(autoRatioFor({ webgpu: rounds(2, 2, 2), cpu: rounds(3, 3, 3), auto: rounds(2, 3, 4) })).toEqual({
      ratio: 1.5,
      faster: 'webgpu',
      pairedRounds: 3,
      meanRatio: 1.5,
      tries: 0,
      judged: 1.5,
    });
  });

  it('reads through the drift that both saw in a round: auto running the very code of cpu reads about 1', () => {
    // The machine slows 3x from round 3 on, starting between cpu's sample and auto's in that round.
    const cpu = rounds(1, 1, 1, 3, 3);
    const auto = rounds(1.01, 1.01, 3.03, 3.03, 3.03);
    // Unpaired medians read 3.03 / 1: the kind of noise issue 19 saw.
    expect(auto.msPerCall / cpu.msPerCall).toBeCloseTo(3.03, 12);
    const figure = autoRatioFor({ webgpu: rounds(9, 9, 9, 9, 9), cpu, auto });
    expect(figure?.faster).toBe('cpu');
    expect(figure?.ratio).toBeCloseTo(1.01, 12);
    expect(figure?.pairedRounds).toBe(5);
  });

  it('keeps rounds where a sample is missing out, and falls back to the medians where none pairs', () => {
    const figure = autoRatioFor({ webgpu: rounds(5, 5, 5), cpu: rounds(1, null, 2), auto: rounds(1.1, 3, null) });
    expect(figure).toEqual({ ratio: 1.1, faster: 'cpu', pairedRounds: 1, meanRatio: 1.1, tries: 0, judged: 1.1 });
    // Results without rounds (from before they were kept): the ratio of the medians, said so.
    const plain = (msPerCall: number): EndToEnd => ({ msPerCall, samples: 3, callsPerSample: 1, maxRelativeError: 0 });
    expect(autoRatioFor({ webgpu: plain(2), cpu: plain(4), auto: plain(3) })).toEqual({
      ratio: 1.5,
      faster: 'webgpu',
      pairedRounds: 0,
      meanRatio: 1.5,
      tries: 0,
      judged: 1.5,
    });
  });

  it('compares with the one backend available (no WebGPU device), and gives no figure without auto or any backend', () => {
    const unavailable = { unavailable: 'no WebGPU device' };
    expect(autoRatioFor({ webgpu: unavailable, cpu: rounds(1, 2), auto: rounds(1.2, 2.4) })).toEqual({
      ratio: 1.2,
      faster: 'cpu',
      pairedRounds: 2,
      meanRatio: expect.closeTo(1.2, 12),
      tries: 0,
      judged: 1.2,
    });
    expect(autoRatioFor({ cpu: rounds(1, 2), auto: rounds(1, 2) })?.faster).toBe('cpu');
    expect(autoRatioFor({ webgpu: rounds(1), cpu: rounds(1), auto: unavailable })).toBeNull();
    expect(autoRatioFor({ webgpu: rounds(1), cpu: rounds(1) })).toBeNull();
    expect(autoRatioFor({ webgpu: unavailable, cpu: unavailable, auto: rounds(1) })).toBeNull();
  });

  it("adds what auto's tries of the slower backend cost at its median, whichever rounds they fell in", () => {
    // 3 of auto's 30 calls went to webgpu (median 5 ms against cpu's 1): 3 x 4 / (30 x 1) = 0.4 more.
    // The rounds' median (1) passes over them; a cell with no tries is judged on that median alone.
    const timings = { webgpu: rounds(5, 5, 5), cpu: rounds(1, 1, 1), auto: rounds(1, 1, 2.2) };
    const figure = autoRatioFor(timings, { webgpu: 3, cpu: 27 });
    expect(figure?.ratio).toBe(1);
    expect(figure?.tries).toBeCloseTo(0.4, 12);
    expect(figure?.judged).toBeCloseTo(1.4, 12);
    expect(autoRatioFor(timings, { webgpu: 0, cpu: 30 })?.judged).toBe(1);
    // The other way round: webgpu the faster, 3 tries of cpu at 5x; none, nothing added.
    expect(
      autoRatioFor({ webgpu: rounds(1, 1, 1), cpu: rounds(5, 5, 5), auto: rounds(1, 1, 1) }, { webgpu: 27, cpu: 3 })?.tries,
    ).toBeCloseTo(0.4, 12);
    expect(autoRatioFor({ webgpu: rounds(1, 1, 1), cpu: rounds(5, 5, 5), auto: rounds(1, 1, 1) }, { webgpu: 30, cpu: 0 })?.tries).toBe(0);
  });

  it('gives no figure where a median is 0 ms, NaN or Infinity: which backend is faster cannot be told', () => {
    for (const odd of [0, Number.NaN, Number.POSITIVE_INFINITY]) {
      const timing = (ms: number): EndToEnd => ({
        msPerCall: ms,
        samples: 1,
        callsPerSample: 1,
        msPerCallByRound: [ms],
        maxRelativeError: 0,
      });
      expect(autoRatioFor({ webgpu: timing(odd), cpu: rounds(1), auto: rounds(1) }), `webgpu ${odd}`).toBeNull();
      expect(autoRatioFor({ webgpu: rounds(1), cpu: timing(odd), auto: rounds(1) }), `cpu ${odd}`).toBeNull();
      expect(autoRatioFor({ webgpu: rounds(1), cpu: rounds(1), auto: timing(odd) }), `auto ${odd}`).toBeNull();
    }
  });
});

function cell(op: string, rows: number, cols: number, endToEnd: CellResult['endToEnd'], calls = { webgpu: 0, cpu: 10 }): CellResult {
  return {
    op,
    label: op,
    shape: { rows, cols },
    shapeLabel: rows === 1 ? String(cols) : `${rows}x${cols}`,
    elements: rows * cols,
    bytesPerElement: 8,
    autoChoice: calls.webgpu > calls.cpu ? 'webgpu' : 'cpu',
    autoCalls: calls,
    autoRatio: autoRatioFor(endToEnd, calls),
    endToEnd,
    resident: { unavailable: 'not measured here' },
    tfjsResident: { unavailable: 'not measured here' },
    ourMismatch: false,
  };
}

/** auto at `ratio` times cpu in every round, webgpu slower. */
const at = (ratio: number) => ({ webgpu: rounds(10, 10, 10), cpu: rounds(1, 2, 1), auto: rounds(ratio, 2 * ratio, ratio) });

describe('autoSummary', () => {
  const cells = [
    cell('sigmoid', 1, 1024, at(3)), // below 4096 elements: not judged, however slow
    cell('sigmoid', 1, 4096, at(1.05)),
    cell('tanh', 1, 16384, at(1.31), { webgpu: 2, cpu: 40 }),
    cell('softmax', 64, 64, at(1.2)), // a row shape of 4096 elements is judged
    cell('gelu', 1, 65536, at(AUTO_RATIO_LIMIT)), // at the limit: within it
    cell('relu', 1, 262144, { webgpu: { unavailable: 'failed: lost' }, cpu: { unavailable: 'failed: lost' }, auto: rounds(1) }),
  ];

  it('names the worst cell from 4096 elements up, the backend it was paired with and where auto ran', () => {
    const summary = autoSummary(cells);
    expect(summary.fromElements).toBe(AUTO_JUDGED_FROM_ELEMENTS);
    expect(summary.fromElements).toBe(4096);
    expect(summary.limit).toBe(1.1);
    expect(summary.worst).toMatchObject({
      op: 'tanh',
      shapeLabel: '16384',
      elements: 16384,
      faster: 'cpu',
      pairedRounds: 3,
      autoCalls: { webgpu: 2, cpu: 40 },
    });
    expect(summary.worst?.ratio).toBeCloseTo(1.31, 12);
    expect(summary.cellsJudged).toBe(4);
    expect(summary.cellsAbove.map((c) => `${c.op} ${c.shapeLabel}`)).toEqual(['tanh 16384', 'softmax 64x64']);
    expect(summary.unjudged).toEqual([{ op: 'relu', shapeLabel: '262144' }]);
  });

  it('judges a cell on its paired median plus its tries: a collection in one round does not, a try does', () => {
    // silu: the median of the rounds is 1, one round of five read 5x (a collection: auto ran only on the
    // cpu), summed 1.8x: within the target. gelu: the same rounds, but 10 of auto's 20 calls tried webgpu
    // at 1.5x cpu's median: 1 + 0.25, above the target, and the worst.
    const collected = cell('silu', 1, 1 << 20, { webgpu: rounds(9, 9, 9, 9, 9), cpu: rounds(1, 1, 1, 1, 1), auto: rounds(1, 1, 5, 1, 1) });
    const tried = cell(
      'gelu',
      1,
      1 << 20,
      { webgpu: rounds(1.5, 1.5, 1.5), cpu: rounds(1, 1, 1), auto: rounds(1, 1, 1) },
      { webgpu: 10, cpu: 10 },
    );
    const summary = autoSummary([...cells, collected, tried]);
    expect(summary.cellsAbove.map((c) => `${c.op} ${c.shapeLabel}`)).toEqual(['tanh 16384', 'gelu 1048576', 'softmax 64x64']);
    expect(summary.worst?.op).toBe('tanh');
    const silu = autoSummary([collected]).worst;
    expect(silu?.meanRatio).toBeCloseTo(1.8, 12);
    expect(silu?.judged).toBe(1);
    expect(autoSummary([tried]).worst?.judged).toBeCloseTo(1.25, 12);
    expect(formatAutoSummary(JSON.parse(JSON.stringify(autoSummary([tried]))))[1]).toMatch(
      /^auto worst cell \(from 4096 elements\): gelu 1048576 1\.25x .*median of 3 paired rounds 1\.00x \+ tries 0\.25x; summed samples 1\.00x/,
    );
  });

  it('has no worst cell and none above where nothing was measured', () => {
    expect(autoSummary([])).toMatchObject({ cellsJudged: 0, cellsAbove: [], worst: null, unjudged: [] });
    expect(autoSummary([cell('sigmoid', 1, 1024, at(3))]).worst).toBeNull();
  });

  it('prints the worst cell and the count above the target last in the report, through the JSON the runner reads', () => {
    const results = JSON.parse(
      resultsToJson({
        adapter: { description: 'test adapter', software: true, features: { 'timestamp-query': true, subgroups: false } },
        config: { rowStrategy: 'auto' },
        copyBandwidth: { unavailable: 'not measured' },
        uploads: { unavailable: 'not measured' },
        tfjs: null,
        cells,
        edges: [],
        crossovers: [],
        autoSummary: autoSummary(cells),
        mismatch: false,
        errors: [],
      } as unknown as Parameters<typeof resultsToJson>[0]),
    );
    const lines = (formatTable(results) as string).split('\n');
    expect(lines.slice(-3)).toEqual([
      'auto worst cell (from 4096 elements): tanh 16384 1.74x the faster backend (cpu) (median of 3 paired rounds 1.31x + tries 0.43x; summed samples 1.31x); auto ran webgpu 2 calls, cpu 40 calls',
      'auto cells above 1.10x (from 4096 elements): 2 of 4: tanh 16384 1.74x, softmax 64x64 1.20x',
      'auto cells not judged (from 4096 elements; a backend failed or read 0 ms): relu 262144',
    ]);
  });

  it('prints a run without cells, and nothing for results from before the summary', () => {
    expect(formatAutoSummary(JSON.parse(JSON.stringify(autoSummary([]))))).toEqual([
      '',
      'auto worst cell (from 4096 elements): none measured',
      'auto cells above 1.10x (from 4096 elements): 0 of 0',
    ]);
    expect(formatAutoSummary(undefined)).toEqual([]);
  });
});
