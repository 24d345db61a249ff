// The exhaustive float16 op table: every elementwise op of every activation in the registry
// (ACTIVATIONS, and each approximation: gelu's tanh form) - forward, derivative from the input, from
// the output where the activation offers it, backward with several dy from the input and from the
// output - over all 65536 float16 inputs, scored against the float64 value rounded once to float16 by
// the tests' own rounding (tests/support/float16.ts). The float64 references are the activations' test
// cases (tests/activations/<name>.ts): an activation added to the registry with its cases joins by itself.

import type { ElementwiseActivation } from '../../src/ops/activation.ts';
import { ACTIVATIONS } from '../../src/ops/elementwise.ts';
import type { ElementwiseKernel } from '../../src/ops/kernels.ts';
import type { ActivationReference } from './activation-cases.ts';
import { float16UlpDistance, float16Value, isFloat16NaN, roundToFloat16Bits } from './float16.ts';
import { casesOf } from './op-cases.ts';

/** The dy of the backward ops: float16 values (exact), of both signs and several scales. */
export const BACKWARD_DY: readonly number[] = [1, -0.5, 3.140625, 0.0010004043579101562];

/** One op of the table. */
export interface Float16Op {
  /** `sigmoid.backward(dy=-0.5)`, ... */
  readonly name: string;
  readonly activation: ElementwiseActivation;
  readonly kernel: ElementwiseKernel;
  /** The constant dy of a backward op. */
  readonly dy?: number;
  /** The op in float64, on the float64 value of an input half. */
  reference(x: number): number;
}

// Each activation of the registry with its float64 reference: the approximations' from their variant.
function activationsOfRegistry(): [ElementwiseActivation, ActivationReference][] {
  const all: [ElementwiseActivation, ActivationReference][] = [];
  for (const activation of Object.values(ACTIVATIONS) as ElementwiseActivation[]) {
    const cases = casesOf(activation.name);
    if (!cases) throw new Error(`${activation.name} has no test cases in tests/activations/ to score float16 against`);
    all.push([activation, cases.reference]);
    for (const [form, approximation] of Object.entries(activation.approximations ?? {})) {
      const variant = cases.variants?.find((v) => (v.options as { approximate?: string }).approximate === form);
      if (!variant?.reference) throw new Error(`${approximation.name} has no reference among ${activation.name}'s variants`);
      all.push([approximation, variant.reference]);
    }
  }
  return all;
}

/** Every elementwise op of every activation of the registry, at each activation's default parameter. */
export function float16Ops(): Float16Op[] {
  const ops: Float16Op[] = [];
  for (const [activation, reference] of activationsOfRegistry()) {
    const alpha = activation.parameters?.alpha?.default ?? 0;
    const { forward, derivative } = reference;
    const fromOutputOffered = activation.derivativeFromOutput !== undefined && (activation.derivativeFromOutputWhen?.holds(alpha) ?? true);
    const fromOutput = fromOutputOffered ? reference.derivativeFromOutput : undefined;
    const name = activation.name;
    ops.push({ name: `${name}.forward`, activation, kernel: 'forward', reference: (x) => forward(x, alpha) });
    ops.push({ name: `${name}.derivative`, activation, kernel: 'derivative', reference: (x) => derivative(x, alpha) });
    if (fromOutput) {
      ops.push({
        name: `${name}.derivative(from output)`,
        activation,
        kernel: 'derivative_from_output',
        reference: (y) => fromOutput(y, alpha),
      });
    }
    for (const dy of BACKWARD_DY) {
      ops.push({ name: `${name}.backward(dy=${dy})`, activation, kernel: 'backward', dy, reference: (x) => dy * derivative(x, alpha) });
      if (fromOutput) {
        ops.push({
          name: `${name}.backward(from output, dy=${dy})`,
          activation,
          kernel: 'backward_from_output',
          dy,
          reference: (y) => (Number.isNaN(y) ? y : dy * fromOutput(y, alpha)),
        });
      }
    }
  }
  return ops;
}

/** All 65536 float16 bit patterns, in order. */
export function allHalves(): Uint16Array {
  return new Uint16Array(65536).map((_, i) => i);
}

/** The float64 values of all 65536 halves (NaN for the NaNs). */
export function allHalfValues(): Float64Array {
  return Float64Array.from(allHalves(), float16Value);
}

/** How one op did on one backend. */
export interface Float16Score {
  readonly op: string;
  readonly backend: string;
  /** Inputs whose result is the float64 value rounded once to float16 (special values by class). */
  readonly correctlyRounded: number;
  readonly total: number;
  /** The largest distance in float16 ulps from the correctly rounded result, over non-NaN results. */
  readonly worstUlps: number;
  /** Inputs where the float32 kernel's result is NaN, ±Infinity or ±0 (in float32) and this result is another. */
  readonly specialMismatches: number;
  /** The first input beyond 1 ulp or off the float32 rules, for messages. */
  readonly firstBad: string;
}

/**
 * Scores `got` (float16 bits, one per input half) against the float64 reference rounded once to
 * float16, and against `float32Results`: the float32 kernel's results on the same inputs, which
 * decide where they are NaN, ±Infinity or ±0 (NaN by class, zeros by sign); a float32 result that only
 * rounds to ±0 or ±Infinity in float16 is scored against float64 like any other.
 */
export function scoreFloat16(
  op: Float16Op,
  backend: string,
  values: Float64Array,
  got: Uint16Array,
  float32Results: Float32Array,
): Float16Score {
  let correct = 0;
  let worst = 0;
  let specials = 0;
  let firstBad = '';
  for (let i = 0; i < values.length; i++) {
    const result = got[i] as number;
    const exact = op.reference(values[i] as number);
    const want = roundToFloat16Bits(exact);
    const float32 = float32Results[i] as number;
    const rule = roundToFloat16Bits(float32);
    const describe = () =>
      `input 0x${i.toString(16)} (${values[i]}): got 0x${result.toString(16)} (${float16Value(result)}), correctly rounded 0x${want.toString(16)} (${exact}), float32 kernel 0x${rule.toString(16)}`;
    const ruleIsSpecial = !Number.isFinite(float32) || float32 === 0;
    if (ruleIsSpecial && !(Number.isNaN(float32) ? isFloat16NaN(result) : result === rule)) {
      specials++;
      firstBad ||= `${describe()}: off the float32 rules`;
    }
    if (Number.isNaN(exact) || isFloat16NaN(result)) {
      if (Number.isNaN(exact) && isFloat16NaN(result)) correct++;
      else if (!ruleIsSpecial) {
        worst = Number.POSITIVE_INFINITY;
        firstBad ||= `${describe()}: NaN on one side only`;
      }
      continue;
    }
    if (result === want || (ruleIsSpecial && result === rule)) {
      correct++;
      continue;
    }
    const ulps = float16UlpDistance(result, want);
    if (ulps > worst) worst = ulps;
    if (ulps > 1) firstBad ||= `${describe()}: ${ulps} ulps`;
  }
  return { op: op.name, backend, correctlyRounded: correct, total: values.length, worstUlps: worst, specialMismatches: specials, firstBad };
}

/** The fraction of inputs where two backends gave the same bits (any NaN equal to any NaN). */
export function agreement(a: Uint16Array, b: Uint16Array): number {
  let same = 0;
  for (let i = 0; i < a.length; i++) {
    const x = a[i] as number;
    const y = b[i] as number;
    if (x === y || (isFloat16NaN(x) && isFloat16NaN(y))) same++;
  }
  return same / a.length;
}

/** One line of the report the tests print: the figures the closing note quotes. */
export function formatScore(score: Float16Score, agreementWith?: { backend: string; fraction: number }): string {
  const fraction = ((100 * score.correctlyRounded) / score.total).toFixed(3);
  const agree = agreementWith ? `, ${(100 * agreementWith.fraction).toFixed(3)}% bit-identical to ${agreementWith.backend}` : '';
  return `float16 ${score.backend.padEnd(16)} ${score.op.padEnd(40)} ${fraction}% correctly rounded, worst ${score.worstUlps} ulp${agree}`;
}
