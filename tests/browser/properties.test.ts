// Property-based tests (fast-check): any float32 input — finite, infinite, NaN, subnormal — and any
// valid shape gives the float64 reference's answer within the op's tolerance on both backends, and
// invalid arguments always throw the documented error type without touching the caller's arrays.
// CI runs a fixed seed; locally every run draws a fresh one. fast-check prints the seed and the
// shrunk counterexample on failure: replay with TEST_SEED=<seed>.
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Activations, createActivations } from 'webgpu-activations';
import { compare, FLOAT32_MIN_NORMAL, flushSubnormals } from '../support/compare.ts';
import { OP_CASES } from '../support/op-cases.ts';
import { TEST_ENVIRONMENT } from '../support/random.ts';
import { softmax64 } from '../support/reference.ts';
import { ROW_REFERENCES } from '../support/row-cases.ts';

const seed = TEST_ENVIRONMENT.TEST_SEED ? Number(TEST_ENVIRONMENT.TEST_SEED) : TEST_ENVIRONMENT.CI ? 20261123 : Date.now() % 2 ** 31;
const RUNS = 40;
const parameters = { seed, numRuns: RUNS };
console.log(`property tests: fast-check seed ${seed} (${TEST_ENVIRONMENT.CI ? 'fixed for CI' : 'fresh'})`);

/** Any float32: finite, ±Infinity, NaN, ±0, subnormals (fast-check draws edge values often). */
const anyFloat32Array = (maxLength: number) => fc.float32Array({ minLength: 0, maxLength });

for (const backend of ['webgpu', 'cpu'] as const) {
  describe(`properties on the ${backend} backend`, () => {
    let act: Activations;
    beforeAll(async () => {
      act = await createActivations({ backend, poisonOutputs: true });
    });
    afterAll(() => act?.destroy());

    it('every elementwise op matches its float64 reference on any float32 input', async () => {
      for (const op of OP_CASES) {
        const arity = op.inputs(Math.random, 1).length;
        await fc.assert(
          fc.asyncProperty(
            fc
              .integer({ min: 0, max: 300 })
              .chain((length) =>
                fc.tuple(...Array.from({ length: arity }, () => fc.float32Array({ minLength: length, maxLength: length }))),
              ),
            async (inputs) => {
              const actual = await op.run(act, inputs);
              // A GPU may flush subnormal inputs and intermediates to zero (WGSL allows it): the
              // reference of the flushed inputs is accepted too, and for backward ops (inputs x, dy)
              // a flushed f'(x) may move the product by up to 2^-126 * |dy|.
              // Backward computes dy * f'(x) with f'(x) in float32: where f'(x) is below float32's range
              // it is 0, and an infinite dy gives NaN where float64 gives an infinity.
              const dy = inputs[1];
              const tolerance = dy ? { ...op.tolerance, elementBound: dy.map((g) => 2 * FLOAT32_MIN_NORMAL * Math.abs(g)) } : op.tolerance;
              const alternative = op
                .reference(inputs.map(flushSubnormals))
                .map((v, i) => (dy && !Number.isFinite(dy[i] as number) ? Number.NaN : v));
              const result = compare(actual, op.reference(inputs), tolerance, inputs, alternative);
              if (!result.ok) throw new Error(`${op.name}: ${result.failures.join('; ')}`);
            },
          ),
          parameters,
        );
      }
    });

    it('sigmoid stays in [0, 1] and gives NaN only for NaN', async () => {
      await fc.assert(
        fc.asyncProperty(anyFloat32Array(500), async (x) => {
          const y = await act.sigmoid(x);
          y.forEach((v, i) => {
            if (Number.isNaN(x[i] as number)) expect(v).toBeNaN();
            else expect(v >= 0 && v <= 1, `sigmoid(${x[i]}) = ${v}`).toBe(true);
          });
        }),
        parameters,
      );
    });

    it('softmax, log-softmax and softmax backward match float64 on any shape; finite softmax rows sum to 1', async () => {
      const shapes = fc.record({ rows: fc.integer({ min: 0, max: 8 }), cols: fc.integer({ min: 1, max: 300 }) });
      await fc.assert(
        fc.asyncProperty(
          shapes.chain(({ rows, cols }) =>
            fc.tuple(
              fc.constant({ rows, cols }),
              fc.float32Array({ minLength: rows * cols, maxLength: rows * cols }),
              fc.float32Array({ minLength: rows * cols, maxLength: rows * cols, noNaN: true, min: -1e3, max: 1e3 }),
            ),
          ),
          async ([shape, x, dy]) => {
            const { rows, cols } = shape;
            const p = await act.softmax(x, shape);
            const expected = softmax64(x, rows, cols);
            const check = compare(p, expected, { relative: 1e-6 }, [x]);
            if (!check.ok) throw new Error(`softmax ${rows}x${cols}: ${check.failures.join('; ')}`);
            for (let r = 0; r < rows; r++) {
              const row = p.subarray(r * cols, (r + 1) * cols);
              if (row.every(Number.isFinite))
                expect(Math.abs(row.reduce((sum, v) => sum + v, 0) - 1)).toBeLessThanOrEqual(1e-6 * Math.max(1, cols / 64));
            }
            const logCheck = compare(await act.logSoftmax(x, shape), ROW_REFERENCES.logSoftmax(x, rows, cols), { relative: 1e-6 }, [x]);
            if (!logCheck.ok) throw new Error(`logSoftmax ${rows}x${cols}: ${logCheck.failures.join('; ')}`);
            const y = Float32Array.from(expected.map((v) => (Number.isNaN(v) ? 0 : v)));
            const backward = ROW_REFERENCES.softmaxBackward(y, dy, rows, cols);
            const bound = backward.map((_, i) => 1e-6 * (y[i] as number) * (Math.abs(dy[i] as number) + 1e3));
            const backCheck = compare(await act.softmaxBackward(y, dy, shape), backward, { relative: 1e-6, elementBound: bound }, [y, dy]);
            if (!backCheck.ok) throw new Error(`softmaxBackward ${rows}x${cols}: ${backCheck.failures.join('; ')}`);
          },
        ),
        parameters,
      );
    });

    it('invalid arguments throw the documented error type and never touch the caller’s arrays', async () => {
      const badDimension = fc.oneof(
        fc.double({ noNaN: false }).filter((v) => !Number.isSafeInteger(v) || v < 0),
        fc.constantFrom('3', null, {}, [], true, -1, 1.5, Number.NaN, Number.POSITIVE_INFINITY),
      );
      const badData = fc.oneof(
        fc.constantFrom(null, 42, 'abc', {}, true, Symbol.iterator),
        fc.array(fc.oneof(fc.string(), fc.constant(undefined), fc.object()), { minLength: 1, maxLength: 5 }),
      );
      await fc.assert(
        fc.asyncProperty(fc.float32Array({ minLength: 1, maxLength: 64 }), badDimension, badData, async (x, dimension, data) => {
          const before = x.slice();
          const shapeError = await act.softmax(x, { cols: dimension as number }).then(
            () => undefined,
            (error: unknown) => error,
          );
          const expectedType = typeof dimension === 'number' ? RangeError : TypeError;
          expect(shapeError, `cols = ${String(dimension)}`).toBeInstanceOf(expectedType);
          expect((shapeError as Error).message).toMatch(/^options\.cols: /);
          const dataError = await act.sigmoid(data as unknown as Float32Array).then(
            () => undefined,
            (error: unknown) => error,
          );
          expect(dataError).toBeInstanceOf(TypeError);
          expect((dataError as Error).message).toMatch(/^x: /);
          const lengthError = await act.sigmoidBackward(x, new Float32Array(x.length + 1)).then(
            () => undefined,
            (error: unknown) => error,
          );
          expect(lengthError).toBeInstanceOf(RangeError);
          expect(Object.is(x.length, before.length) && x.every((v, i) => Object.is(v, before[i]))).toBe(true);
        }),
        parameters,
      );
    });
  });
}
