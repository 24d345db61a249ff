import { ACTIVATIONS, type ActivationName, type Activations, type ElementwiseOptions } from 'webgpu-activations';
import { FLOAT32_MIN_NORMAL, type Tolerance } from './compare.ts';
import { randomFloat32Array } from './random.ts';
import { map64, map64Binary, overflowToInfinity } from './reference.ts';

/** The float64 references of one activation (textbook formulas, not the library's), at the variant's alpha. */
export interface ActivationReference {
  forward(x: number, alpha: number): number;
  derivative(x: number, alpha: number): number;
  derivativeFromOutput?(y: number, alpha: number): number;
}

/** One way of calling an activation: its options, and its reference where that differs (gelu's tanh form). */
export interface ActivationVariant {
  /** Appended to the activation's name in test names (` alpha=0.5`). */
  readonly label: string;
  readonly options: ElementwiseOptions;
  readonly reference?: ActivationReference;
  /** Only the forward op (a special parameter value whose derivatives the other variants cover). */
  readonly forwardOnly?: boolean;
}

/**
 * The test cases of one activation, one file each in tests/activations/<name>.ts (named after the
 * registry entry): its float64 reference, tolerance, variants, the outputs its from-output kernels
 * see, and the edge inputs that matter to it. Every test of elementwise ops, and the benchmark's
 * elementwise ops, are made from these files; tests/node/registry.test.ts checks that each activation
 * of the registry has one.
 */
export interface ActivationCases {
  readonly activation: ActivationName;
  readonly reference: ActivationReference;
  readonly tolerance: Tolerance;
  /** The options besides the default call (first); default none. */
  readonly variants?: readonly ActivationVariant[];
  /**
   * sup |f'|, where it exceeds 1. A device may flush a subnormal dy to 0 (SwiftShader does), an
   * absolute error below 2^-126 in dy that f'(x) magnifies: backward allows 2^-126 * sup |f'|.
   */
  readonly maxDerivative?: number;
  /** Values of y = f(x) (with a few off the range) for the from-output kernels; default f of random inputs. */
  outputs?(random: () => number, length: number): Float32Array;
  /** Inputs where the activation does something particular (kinks, zeros of f', tails), besides the common edge values. */
  readonly edges: readonly number[];
  /** For the benchmark: what a JavaScript developer would write for f(x) (the plain-loop column), default the reference. */
  readonly plainJs?: (x: number) => number;
}

/** One op of the test table: inputs of a given length, how to run it on an engine, its float64 reference and tolerance. */
export interface OpCase {
  readonly name: string;
  readonly tolerance: Tolerance;
  inputs(random: () => number, length: number): Float32Array[];
  run(act: Activations, inputs: Float32Array[]): Promise<Float32Array>;
  reference(inputs: Float32Array[]): Float64Array;
}

/** Where float32 rounding overflows: the largest float32 plus half an ulp. */
const FLOAT32_OVERFLOW = 3.4028235677973366e38;

type Named = Record<string, (...args: unknown[]) => Promise<Float32Array | [Float32Array, Float32Array]>>;

/** The engine's named method (`eluBackward`, ...), bound to it. */
function call(act: Activations, method: string): (...args: unknown[]) => Promise<Float32Array | [Float32Array, Float32Array]> {
  const found = (act as unknown as Named)[method];
  if (!found) throw new Error(`the engine has no method ${method}`);
  return found.bind(act);
}

/** The alpha a call with these options uses. */
export function alphaOf(name: ActivationName, options: ElementwiseOptions): number {
  return options.alpha ?? (ACTIVATIONS[name].parameters?.alpha?.default as number | undefined) ?? 0;
}

/** Whether a call with these options has a derivative from the output. */
export function hasFromOutput(cases: ActivationCases, variant: ActivationVariant): boolean {
  const activation = ACTIVATIONS[cases.activation];
  const chosen = variant.options.approximate === 'tanh' ? activation.approximations?.tanh : activation;
  if (!chosen?.derivativeFromOutput) return false;
  return chosen.derivativeFromOutputWhen?.holds(alphaOf(cases.activation, variant.options)) ?? true;
}

/** The variants of an activation, the default call first. */
export function variantsOf(cases: ActivationCases): ActivationVariant[] {
  return [{ label: '', options: {} }, ...(cases.variants ?? [])];
}

/** `x` with about one element in 25 replaced by one of the activation's own edge inputs (kinks, zeros of f'). */
function withEdges(random: () => number, x: Float32Array, edges: readonly number[]): Float32Array {
  if (edges.length === 0) return x;
  for (let i = 0; i < x.length; i++) if (random() < 0.04) x[i] = edges[Math.floor(random() * edges.length)] as number;
  return x;
}

/** f of random inputs, rounded to float32, with the random inputs' edge values mixed in. */
function defaultOutputs(f: (x: number) => number, edges: readonly number[]): (random: () => number, length: number) => Float32Array {
  return (random, length) => Float32Array.from(withEdges(random, randomFloat32Array(random, length), edges), (v) => f(v));
}

/**
 * The op cases of one activation: for the default call forward, derivative, backward (from x),
 * WithDerivative, and the derivative and backward from y where it has that form, each through the
 * named methods, and the backward op through its default argument; for the other variants forward,
 * derivative and backward.
 */
export function activationOpCases(cases: ActivationCases): OpCase[] {
  const name = cases.activation;
  const activation = ACTIVATIONS[name];
  const result: OpCase[] = [];
  for (const [index, variant] of variantsOf(cases).entries()) {
    const options = variant.options;
    const alpha = alphaOf(name, options);
    const reference = variant.reference ?? cases.reference;
    const f = (x: number) => reference.forward(x, alpha);
    const df = (x: number) => reference.derivative(x, alpha);
    const label = `${name}${variant.label}`;
    // A device may flush a subnormal input (or dy) to 0, an error below 2^-126 that f' magnifies up to its supremum.
    const tolerance: Tolerance =
      cases.maxDerivative && cases.maxDerivative > 1
        ? { ...cases.tolerance, absolute: FLOAT32_MIN_NORMAL * cases.maxDerivative }
        : cases.tolerance;
    const backwardTolerance = tolerance;
    const random1 = (random: () => number, length: number) => [withEdges(random, randomFloat32Array(random, length), cases.edges)];
    result.push({
      name: label,
      tolerance,
      inputs: random1,
      run: (act, [x]) => call(act, name)(x, options) as Promise<Float32Array>,
      reference: ([x]) => map64(x as Float32Array, (v) => overflowToInfinity(f(v))),
    });
    if (variant.forwardOnly) continue;
    const inputFrom = activation.backwardFrom === 'output' ? { from: 'input' as const } : {};
    result.push(
      {
        name: `${label} derivative (from input)`,
        tolerance,
        inputs: random1,
        run: (act, [x]) => call(act, `${name}Derivative`)(x, options) as Promise<Float32Array>,
        reference: ([x]) => map64(x as Float32Array, df),
      },
      {
        name: `${label} backward (from input)`,
        tolerance: backwardTolerance,
        inputs: (random, length) => backwardInputs(random, length, df, cases.edges),
        run: (act, [x, dy]) => call(act, `${name}Backward`)(x, dy, { ...options, ...inputFrom }) as Promise<Float32Array>,
        reference: ([x, dy]) => map64Binary(x as Float32Array, dy as Float32Array, (u, g) => overflowToInfinity(g * df(u))),
      },
    );
    if (index > 0) continue;
    result.push({
      name: `${name}WithDerivative`,
      tolerance,
      inputs: random1,
      run: async (act, [x]) => {
        const [values, derivatives] = (await call(act, `${name}WithDerivative`)(x, options)) as [Float32Array, Float32Array];
        const both = new Float32Array(2 * values.length);
        both.set(values);
        both.set(derivatives, values.length);
        return both;
      },
      reference: ([x]) => {
        const values = map64(x as Float32Array, (v) => overflowToInfinity(f(v)));
        const both = new Float64Array(2 * values.length);
        both.set(values);
        both.set(map64(x as Float32Array, df), values.length);
        return both;
      },
    });
    const fromOutput = reference.derivativeFromOutput;
    if (!fromOutput || !hasFromOutput(cases, variant)) continue;
    const dfy = (y: number) => fromOutput(y, alpha);
    const outputs = cases.outputs ?? defaultOutputs(f, cases.edges);
    const outputFrom = activation.backwardFrom === 'output' ? {} : { from: 'output' as const };
    result.push(
      {
        name: `${label} derivative (from output)`,
        tolerance,
        inputs: (random, length) => [outputs(random, length)],
        run: (act, [y]) => call(act, `${name}Derivative`)(y, { ...options, from: 'output' }) as Promise<Float32Array>,
        reference: ([y]) => map64(y as Float32Array, (v) => overflowToInfinity(dfy(v))),
      },
      {
        name: `${label} backward (from output${activation.backwardFrom === 'output' ? ', the default' : ''})`,
        tolerance: backwardTolerance,
        inputs: (random, length) =>
          [outputs(random, length), randomFloat32Array(random, length)].map((input, i, [y, dy]) =>
            i === 0 ? input : safeGradients(random, y as Float32Array, dy as Float32Array, dfy),
          ),
        run: (act, [y, dy]) => call(act, `${name}Backward`)(y, dy, { ...options, ...outputFrom }) as Promise<Float32Array>,
        reference: ([y, dy]) => map64Binary(y as Float32Array, dy as Float32Array, (u, g) => overflowToInfinity(g * dfy(u))),
      },
    );
  }
  return result;
}

/**
 * dy for a backward test. The GPU kernel multiplies dy by f'(x) already stored as a float32, and a
 * device may flush a subnormal f'(x) to 0 (SwiftShader does): where 0 < |f'(x)| < 2^-126 the product is
 * then off by up to |dy| * 2^-126, which for a huge or infinite dy is no float32 accuracy question but
 * the kernel's float32 product. Those few elements get a dy in [-1, 1]; everywhere else dy spans
 * float32 with its edge values; so does a subnormal dy where |f'| > 1, which a flush would magnify. Likewise, where |dy f'(x)| lies within 1e-6 of float32's overflow
 * threshold, whether the result is the float32 maximum or Infinity is decided by the last ulp of
 * f'(x): such a dy is halved.
 */
export function backwardInputs(random: () => number, length: number, df: (x: number) => number, edges: readonly number[]): Float32Array[] {
  const x = withEdges(random, randomFloat32Array(random, length), edges);
  return [x, safeGradients(random, x, randomFloat32Array(random, length), df)];
}

/** `dy` made safe as {@link backwardInputs} says, for the data argument `x` (an input, or an output y) and its f'. */
function safeGradients(random: () => number, x: Float32Array, dy: Float32Array, df: (x: number) => number): Float32Array {
  for (let i = 0; i < x.length; i++) {
    const d = Math.abs(df(x[i] as number));
    if (d > 0 && d < FLOAT32_MIN_NORMAL) dy[i] = random() * 2 - 1;
    // a subnormal dy, flushed, against |f'| > 1 (tanh's from an out-of-range y): an error |dy f'| beyond 2^-126
    const g = Math.abs(dy[i] as number);
    if (g > 0 && g < FLOAT32_MIN_NORMAL && d > 1) dy[i] = random() * 2 - 1;
    const product = Math.abs((dy[i] as number) * d);
    if (Math.abs(product / FLOAT32_OVERFLOW - 1) < 1e-6) dy[i] = (dy[i] as number) / 2;
  }
  return dy;
}
