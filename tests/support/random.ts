// Fresh random inputs each run, reproducible from a printed seed: set TEST_SEED to replay a failure.

import { createRandom } from './prng.ts';

export { createRandom };

declare const __TEST_ENVIRONMENT__: { CI: string; TEST_SEED: string };

/**
 * CI and TEST_SEED, from vite.config.ts's define (the same in Node and in the browser). Empty outside
 * the tests: the benchmark reads the test cases (and so this module) too.
 */
export const TEST_ENVIRONMENT = typeof __TEST_ENVIRONMENT__ === 'undefined' ? { CI: '', TEST_SEED: '' } : __TEST_ENVIRONMENT__;

function seedFromEnvironment(): number | undefined {
  return TEST_ENVIRONMENT.TEST_SEED ? Number(TEST_ENVIRONMENT.TEST_SEED) : undefined;
}

/** This run's seed: TEST_SEED if set, else fresh. Every assertion message carries it. */
export const SEED = seedFromEnvironment() ?? Math.floor(Math.random() * 2 ** 32);

export const EDGE_VALUES: readonly number[] = [
  0,
  -0,
  Infinity,
  -Infinity,
  Number.NaN,
  3.4e38,
  -3.4e38,
  3.4028234663852886e38,
  -3.4028234663852886e38,
  1.4e-45,
  -1.4e-45,
  1e-40,
  -1e-40,
  1.1754943508222875e-38,
  1,
  -1,
  20,
  -20,
  80,
  -80,
  88.5,
  -88.5,
  104,
  -104,
  1e6,
  -1e6,
];

/** Values spread over float32's whole range: uniform on [-80, 80] most of the time, log-uniform magnitudes up to 3.4e38 otherwise, and edge values. */
export function randomFloat32Array(random: () => number, length: number, edgeFraction = 0.02): Float32Array {
  const out = new Float32Array(length);
  for (let i = 0; i < length; i++) {
    const u = random();
    if (u < edgeFraction) out[i] = EDGE_VALUES[Math.floor(random() * EDGE_VALUES.length)] as number;
    else if (u < 0.8) out[i] = (random() * 2 - 1) * 80;
    else out[i] = (random() < 0.5 ? -1 : 1) * 10 ** (random() * 76 - 38);
  }
  return out;
}

/** Uniform on [low, high). */
export function uniformFloat32Array(random: () => number, length: number, low: number, high: number): Float32Array {
  const out = new Float32Array(length);
  for (let i = 0; i < length; i++) out[i] = low + (high - low) * random();
  return out;
}
