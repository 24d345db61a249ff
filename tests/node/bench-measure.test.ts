// Calls timed together a sample of each in turn (bench/measure.ts): each round's samples kept side by
// side, so that the benchmark can compare two calls round by round, and auto's first sample counting
// every call it made at a size. A fake clock that only the calls move makes the samples exact.

import { afterEach, describe, expect, it, vi } from 'vitest';
import { inTimingOrder, timeInterleaved } from '../../bench/measure.ts';

describe('timeInterleaved, round by round', () => {
  afterEach(() => {
    vi.restoreAllMocks();
  });

  /** A clock that only the calls move: `now` advances by each call's cost. */
  function fakeClock() {
    const clock = { now: 0 };
    vi.spyOn(performance, 'now').mockImplementation(() => clock.now);
    return clock;
  }

  it('keeps each call a sample per round, side by side, null once a call has all its samples', async () => {
    const clock = fakeClock();
    let slow = 1;
    // The machine slows 3x from the first call's third call on.
    const a = () => {
      clock.now += 5 * slow;
    };
    const b = () => {
      clock.now += 10 * slow;
    };
    let round = 0;
    const [first, second] = await timeInterleaved(
      [
        () => {
          a();
          if (++round === 3) slow = 3;
        },
        b,
      ],
      { maxSamples: 4, budgetMs: 1e9, signal: new AbortController().signal },
    );
    // The calibration's batch is round 0; the slowdown starts after the first call's sample in round 2.
    expect(first?.msPerCallByRound).toEqual([5, 5, 5, 15]);
    expect(second?.msPerCallByRound).toEqual([10, 10, 30, 30]);
    expect(first?.msPerCallByRound.length).toBe(second?.msPerCallByRound.length);
    const [fewer, more] = await timeInterleaved([a, b], { maxSamples: 2, budgetMs: 1e9, signal: new AbortController().signal });
    expect(fewer?.msPerCallByRound).toEqual([15, 15]);
    expect(more?.msPerCallByRound).toEqual([30, 30]);
  });

  it('marks a round null where a batch read 0 ms and is taken again with more calls', async () => {
    const clock = fakeClock();
    let calls = 0;
    // The second call's first timed batch (its 2nd call) costs nothing: a 0 ms read.
    const flaky = () => {
      calls++;
      if (calls !== 2) clock.now += 5;
    };
    const [steady, timed] = await timeInterleaved(
      [
        () => {
          clock.now += 5;
        },
        flaky,
      ],
      { maxSamples: 3, budgetMs: 1e9, signal: new AbortController().signal },
    );
    expect(timed?.msPerCallByRound).toEqual([5, null, 5, 5]);
    expect(steady?.msPerCallByRound).toEqual([5, 5, 5, null]);
    expect(timed?.samples).toBe(3);
  });

  it("counts auto's calibration and accuracy calls in its first sample (countEveryCall), so a try there is not hidden", async () => {
    const clock = fakeClock();
    // Each call costs 1 ms, except the first, a try of the other backend: 3 ms. Calibration: a batch of
    // 1 (3 ms, too short), of 2 (2 ms), of 6 (6 ms: the first sample, 1 ms a call).
    const firstIsTry = () => {
      let calls = 0;
      return () => {
        clock.now += ++calls === 1 ? 3 : 1;
      };
    };
    const signal = new AbortController().signal;
    const [warm] = await timeInterleaved([firstIsTry()], { maxSamples: 2, budgetMs: 1e9, signal });
    expect(warm?.msPerCallByRound).toEqual([1, 1]);
    const [counted] = await timeInterleaved([{ call: firstIsTry(), countEveryCall: true }], { maxSamples: 2, budgetMs: 1e9, signal });
    expect(counted?.msPerCallByRound[0]).toBeCloseTo(11 / 9, 12);
    expect(counted?.msPerCallByRound[1]).toBe(1);
    // With the accuracy check's call made before (7 ms): 18 ms over 10 calls.
    const [withAccuracy] = await timeInterleaved([{ call: firstIsTry(), countEveryCall: true, alreadyMade: { calls: 1, ms: 7 } }], {
      maxSamples: 2,
      budgetMs: 1e9,
      signal,
    });
    expect(withAccuracy?.msPerCallByRound[0]).toBeCloseTo(1.8, 12);
    expect(withAccuracy?.msPerCall).toBeCloseTo(1.4, 12);
  });

  it('runs every other round in reverse order, so no call always follows the same neighbour', async () => {
    const clock = fakeClock();
    const order: string[] = [];
    const named = (name: string) => () => {
      order.push(name);
      clock.now += 5;
    };
    await timeInterleaved([named('a'), named('b'), named('c')], { maxSamples: 3, budgetMs: 1e9, signal: new AbortController().signal });
    // The calibration (round 0) in order, then reversed, then in order.
    expect(order.join('')).toBe('abc' + 'cba' + 'abc');
  });

  it('past the budget, times a paired call and its fastest rival alone until they have their rounds in common, up to a cap', async () => {
    const clock = fakeClock();
    const costing = (ms: number) => () => {
      clock.now += ms;
    };
    // A slow backend (100 ms a call), a fast one (5 ms) and auto (6 ms), a call per sample each; a budget of
    // 50 ms a call (150 in all) ends the full rounds after round 2, with three samples each.
    const timed = () => [costing(100), costing(5), costing(6)];
    const signal = new AbortController().signal;
    const paired = { call: 2, rivals: [0, 1], rounds: 7 };
    const [slow, fast, auto] = await timeInterleaved(timed(), { maxSamples: 7, budgetMs: 50, signal, paired });
    expect(slow?.msPerCallByRound).toEqual([100, 100, 100, null, null, null, null]);
    expect(fast?.msPerCallByRound).toEqual([5, 5, 5, 5, 5, 5, 5]);
    expect(auto?.msPerCallByRound).toEqual([6, 6, 6, 6, 6, 6, 6]);
    // Without `paired`, the budget ends it there.
    const [, alone] = await timeInterleaved(timed(), { maxSamples: 7, budgetMs: 50, signal });
    expect(alone?.msPerCallByRound).toEqual([5, 5, 5]);
    // Rounds of the pair (11 ms each, from 222 ms in) stop once ten budgets (1500 ms) have gone: 117 of them.
    const [, capped, cappedAuto] = await timeInterleaved(timed(), {
      maxSamples: 7,
      budgetMs: 50,
      signal,
      paired: { ...paired, rounds: 1000 },
    });
    expect(capped?.samples).toBe(3 + 117);
    expect(cappedAuto?.samples).toBe(3 + 117);
  });

  it('makes every batch last at least `sampleMs` when given (MIN_SAMPLE_MS otherwise)', async () => {
    const clock = fakeClock();
    const call = () => {
      clock.now += 1;
    };
    const signal = new AbortController().signal;
    // Calibration: a batch of 1 (1 ms), then ceil(1 x 20 x 1.2 / 1) = 24 calls (24 ms).
    const [long] = await timeInterleaved([call], { maxSamples: 2, budgetMs: 1e9, signal, sampleMs: 20 });
    expect(long?.callsPerSample).toBe(24);
    const [short] = await timeInterleaved([call], { maxSamples: 2, budgetMs: 1e9, signal });
    expect(short?.callsPerSample).toBe(6);
  });

  it('with `paired`, swaps that call and its fastest rival every other round, the others keeping their places', async () => {
    const clock = fakeClock();
    const order: string[] = [];
    const named = (name: string, ms: number) => () => {
      order.push(name);
      clock.now += ms;
    };
    // webgpu (10 ms), js (8), cpu (5), auto (6): cpu the faster rival.
    await timeInterleaved([named('w', 10), named('j', 8), named('c', 5), named('a', 6)], {
      maxSamples: 3,
      budgetMs: 1e9,
      signal: new AbortController().signal,
      paired: { call: 3, rivals: [0, 2], rounds: 3 },
    });
    // The calibration (round 0) in order, then auto and cpu swapped, then in order: each of them
    // follows js once and the other once, and neither follows webgpu.
    expect(order.join('')).toBe('wjca' + 'wjac' + 'wjca');
  });

  it('sizes the batches again when one slow first call left a sample of one short call', async () => {
    const clock = fakeClock();
    let calls = 0;
    // The first call takes 8 ms (a cold start), the others 0.125 ms (exact in binary, as the clock's sums).
    const call = () => {
      clock.now += ++calls === 1 ? 8 : 0.125;
    };
    const [timing] = await timeInterleaved([call], { maxSamples: 4, budgetMs: 1e9, signal: new AbortController().signal });
    // 0.125 ms is short of MIN_SAMPLE_MS / 2: the next batches take 48 calls (6 ms).
    expect(timing?.callsPerSample).toBe(48);
    expect(timing?.msPerCallByRound).toEqual([8, 0.125, 0.125, 0.125]);
    expect(calls).toBe(1 + 1 + 48 + 48);
  });
});

describe('inTimingOrder', () => {
  it('keeps cpu and auto from ever following a WebGPU batch, with rounds that alternate their order', () => {
    const ids = inTimingOrder([{ id: 'webgpu' }, { id: 'cpu' }, { id: 'auto' }, { id: 'js' }]).map(({ id }) => id);
    expect(ids).toEqual(['webgpu', 'js', 'cpu', 'auto']);
    // Rounds as timeInterleaved runs them with auto paired: every other one with auto and cpu swapped.
    const sequence = [0, 1, 2, 3].flatMap((round) => (round % 2 ? ['webgpu', 'js', 'auto', 'cpu'] : ids));
    for (let i = 1; i < sequence.length; i++) {
      if (sequence[i - 1] === 'webgpu') expect(['webgpu', 'js'], `after webgpu at ${i}`).toContain(sequence[i]);
    }
    // Without WebGPU, or with other calls, the rest keep their own order.
    expect(inTimingOrder([{ id: 'cpu' }, { id: 'x' }, { id: 'auto' }, { id: 'js' }, { id: 'y' }]).map(({ id }) => id)).toEqual([
      'js',
      'cpu',
      'auto',
      'x',
      'y',
    ]);
  });
});
