import commonWgsl from '../shaders/common.wgsl?raw';
// float16.wgsl itself, not through src/gpu/shaders.ts: that module holds every kernel's source, which a
// bundle of wgslFunctions alone must not carry (its 8 KB budget in tests/node/package.test.ts).
import float16Wgsl from '../shaders/float16.wgsl?raw';
import { ArgumentRangeError, ArgumentTypeError } from './errors.ts';
import type { ElementwiseActivation } from './ops/activation.ts';
import { ACTIVATIONS, type ActivationName } from './ops/elementwise.ts';
import { checkOptionsObject, describe } from './validate.ts';

/**
 * The activations `wgslFunctions` can write: every built-in, and gelu's tanh form. Each gives, in snake
 * case behind the prefix: `<name>(x)`, `<name>_derivative(x)`, `<name>_backward(x, dy)`, and where the
 * activation has one, `<name>_derivative_from_output(y)` and `<name>_backward_from_output(y, dy)`.
 */
export type WgslFunctionName = ActivationName | 'geluTanh';

/** Options of {@link wgslFunctions}. */
export interface WgslFunctionsOptions {
  /** Put before every function name, helpers included (default `'act_'`), so that two libraries or two prefixes share one shader. */
  prefix?: string;
  /**
   * Also write the float16 storage functions (default false): `<prefix>pack_f16x2(v: vec2<f32>) -> u32`
   * rounds two values to float16 (to nearest even, subnormals kept, overflow to ±Infinity, NaN quiet)
   * into one word, v.x in the low half; `<prefix>unpack_f16x2(bits: u32) -> vec2<f32>` widens a word's
   * two halves exactly. Both are u32 arithmetic: no `shader-f16`, and the same bits on every device,
   * unlike WGSL's pack2x16float, whose rounding is the implementation's. Their four-lane forms
   * `<prefix>pack_f16x4` / `<prefix>unpack_f16x4` (vec4<f32> <-> vec2<u32>) come with them.
   */
  float16?: boolean;
}

// Every built-in activation under its ACTIVATIONS name, and each approximation as the name plus the
// approximation's (gelu's tanh form: geluTanh), from the registry.
const SOURCES = Object.fromEntries(
  Object.entries(ACTIVATIONS).flatMap(([key, activation]: [string, ElementwiseActivation]) => [
    [key, activation],
    ...Object.entries(activation.approximations ?? {}).map(([form, approximation]) => [
      `${key}${form[0]?.toUpperCase()}${form.slice(1)}`,
      approximation,
    ]),
  ]),
) as Record<WgslFunctionName, ElementwiseActivation>;

// The helpers written whatever is asked for: exact exp and log1p for any argument, and softmax's exp(x - max).
const PUBLIC_HELPERS = /* wgsl */ `
// exp(x) for any x, to about one ulp (the builtin exp() may be off by 3 + 2|x| ulp): NaN for NaN,
// +Infinity above 88.72, 0 below -104.
fn exp(x: f32) -> f32 {
  if (is_nan(x)) { return x; }
  if (x > 88.72283935546875) { return bitcast<f32>(0x7f800000u | (bitcast<u32>(x) & 0u)); }
  if (x < -104.0) { return 0.0; }
  return exp_reduced(x);
}

// log(1 + x) for x >= -1, to about one ulp, exact near 0: -Infinity at -1, NaN below it and for NaN.
fn log1p(x: f32) -> f32 {
  if (is_nan(x) || x < -1.0) { return bitcast<f32>(0x7fc00000u | (bitcast<u32>(x) & 0u)); }
  if (x == -1.0) { return bitcast<f32>(0xff800000u | (bitcast<u32>(x) & 0u)); }
  if (is_positive_infinity(x)) { return x; }
  if (x >= -0.292893218813452476 && x < 0.414213562373095049) { return log1p_reduced(x); }
  return log_at_least_one(1.0 + x);
}

// exp(x - max) for x <= max, as accurate as if x - max were exact (two-sum): softmax's numerator.
fn softmax_exp(x: f32, row_max: f32) -> f32 {
  return exp_of_difference(x, row_max);
}
`;

interface WgslFunction {
  readonly name: string;
  readonly source: string;
}

/**
 * WGSL source that defines our exact activation functions, for a caller's own kernels (a matmul
 * followed by its activation, in one pass, say): for each activation asked for, in snake case behind
 * `prefix`, `<name>(x: f32) -> f32`, `<name>_derivative(x: f32) -> f32` and
 * `<name>_backward(x: f32, dy: f32) -> f32` (dy · f'(x)); for those with a derivative from the output
 * (sigmoid, relu, tanh, elu, softplus) also `<name>_derivative_from_output(y: f32) -> f32` and
 * `<name>_backward_from_output(y: f32, dy: f32) -> f32`. Those with a parameter take it last:
 * `act_leaky_relu(x, alpha)`, `act_elu(x, alpha)`. Whatever is asked for, the helpers
 * `<prefix>exp(x)`, `<prefix>log1p(x)` and `<prefix>softmax_exp(x, max)` come too. They are the same
 * numerics as the library's kernels (NaN in gives NaN out, the special values of the README), and the
 * helpers they need appear once, however many activations are asked for; every name carries the prefix.
 *
 * @param names - which activations (default: all), as `ACTIVATIONS` names them, plus `'geluTanh'`.
 * @param options - `{ prefix, float16 }`: the prefix (default `'act_'`); `float16: true` adds the
 * float16 storage functions `<prefix>pack_f16x2` and `<prefix>unpack_f16x2` (see {@link WgslFunctionsOptions.float16}).
 * @returns WGSL module-scope declarations (functions only: no bindings, no entry points).
 * @throws {TypeError} a name that is not an activation, a prefix that is not a WGSL identifier start.
 * @example
 * ```ts
 * const code = `${wgslFunctions(['gelu'])}
 * @group(0) @binding(0) var<storage, read_write> data: array<f32>;
 * @compute @workgroup_size(64) fn main(@builtin(global_invocation_id) id: vec3<u32>) {
 *   data[id.x] = act_gelu(data[id.x]);
 * }`;
 * const module = device.createShaderModule({ code });
 * ```
 */
export function wgslFunctions(names?: readonly WgslFunctionName[], options?: WgslFunctionsOptions): string {
  const wanted = checkNames(names);
  const given = checkOptionsObject(options);
  const prefix = given.prefix ?? 'act_';
  if (typeof prefix !== 'string') throw new ArgumentTypeError('options.prefix', `expected a string, got ${describe(prefix)}`);
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(prefix) || prefix.startsWith('__') || prefix === '_') {
    throw new ArgumentRangeError(
      'options.prefix',
      `expected the start of a WGSL identifier (letters, digits, _; not starting with __), got ${JSON.stringify(prefix)}`,
    );
  }
  // Helpers: common.wgsl's and the activations' own (act_*), each once, renamed behind the prefix.
  const helpers = new Map<string, WgslFunction>();
  const addHelper = (fn: WgslFunction) => {
    const found = helpers.get(fn.name);
    if (found && found.source !== fn.source) throw new Error(`two different WGSL helpers are named ${fn.name}`);
    helpers.set(fn.name, fn);
  };
  for (const fn of parseFunctions(commonWgsl)) addHelper(fn);
  for (const fn of parseFunctions(PUBLIC_HELPERS)) addHelper(fn);
  const float16 = given.float16 ?? false;
  if (typeof float16 !== 'boolean') throw new ArgumentTypeError('options.float16', `expected true or false, got ${describe(float16)}`);
  if (float16) for (const fn of parseFunctions(float16Wgsl)) addHelper(fn);
  const activationFunctions: WgslFunction[] = [];
  const wrappers: string[] = [];
  for (const key of wanted) {
    const activation = SOURCES[key];
    const snake = `${prefix}${key.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`)}`;
    // A declared parameter becomes the functions' last argument (leaky relu's and elu's alpha).
    const withAlpha = activation.parameters?.alpha !== undefined;
    const own = new Map<string, string>();
    for (const fn of parseFunctions(activation.wgsl)) {
      if (fn.name.startsWith('act_')) {
        addHelper({ name: fn.name.slice(4), source: fn.source.replace(/\bact_(\w+)/g, '$1') });
        continue;
      }
      own.set(fn.name, fn.source.replace(/\bact_(\w+)/g, '$1'));
    }
    const local = new Map<string, string>([
      ['activation', `${snake}_unchecked`],
      ['activation_derivative', `${snake}_derivative_unchecked`],
      ['activation_derivative_from_output', `${snake}_derivative_from_output_unchecked`],
      ['activation_backward_from_output', `${snake}_backward_from_output_unchecked`],
    ]);
    for (const [fnName, source] of own) {
      let renamed = renameIdentifiers(source, local);
      if (withAlpha) renamed = renamed.replace(/\bparams\.alpha\b/g, 'alpha').replace(/^(fn\s+\w+\s*\([^)]*)\)/, '$1, alpha: f32)');
      activationFunctions.push({ name: local.get(fnName) ?? fnName, source: renamed });
    }
    const alphaParameter = withAlpha ? ', alpha: f32' : '';
    const alphaArgument = withAlpha ? ', alpha' : '';
    const nan = `${prefix}is_nan`;
    wrappers.push(`// ---- ${activation.name}
fn ${snake}(x: f32${alphaParameter}) -> f32 {
  if (${nan}(x)) { return x; }
  return ${snake}_unchecked(x${alphaArgument});
}
fn ${snake}_derivative(x: f32${alphaParameter}) -> f32 {
  if (${nan}(x)) { return x; }
  return ${snake}_derivative_unchecked(x${alphaArgument});
}
fn ${snake}_backward(x: f32, dy: f32${alphaParameter}) -> f32 {
  return dy * ${snake}_derivative(x${alphaArgument});
}`);
    if (own.has('activation_derivative_from_output')) {
      const backwardFromOutput = own.has('activation_backward_from_output')
        ? `${snake}_backward_from_output_unchecked(y, dy${alphaArgument})`
        : `dy * ${snake}_derivative_from_output_unchecked(y${alphaArgument})`;
      wrappers.push(`fn ${snake}_derivative_from_output(y: f32${alphaParameter}) -> f32 {
  if (${nan}(y)) { return y; }
  return ${snake}_derivative_from_output_unchecked(y${alphaArgument});
}
fn ${snake}_backward_from_output(y: f32, dy: f32${alphaParameter}) -> f32 {
  if (${nan}(y)) { return y; }
  return ${backwardFromOutput};
}`);
    }
  }
  const renames = new Map([...helpers.keys()].map((name) => [name, `${prefix}${name}`]));
  const body = [...[...helpers.values()].map((fn) => fn.source), ...activationFunctions.map((fn) => fn.source), ...wrappers].map((source) =>
    renameIdentifiers(source, renames),
  );
  return `// webgpu-activations: exact activation functions, prefix ${JSON.stringify(prefix)} (${wanted.join(', ')}).\n${body.join('\n\n')}\n`;
}

function checkNames(names: unknown): WgslFunctionName[] {
  if (names === undefined) return Object.keys(SOURCES) as WgslFunctionName[];
  if (!Array.isArray(names)) throw new ArgumentTypeError('names', `expected an array of activation names, got ${describe(names)}`);
  const known = Object.keys(SOURCES);
  for (const [i, name] of names.entries()) {
    if (typeof name !== 'string' || !known.includes(name)) {
      throw new ArgumentTypeError(`names[${i}]`, `expected one of ${known.map((k) => `'${k}'`).join(', ')}, got ${describe(name)}`);
    }
  }
  return [...new Set(names as WgslFunctionName[])];
}

// The module-scope functions of a WGSL source, each with its comments dropped: name and text.
function parseFunctions(source: string): WgslFunction[] {
  const code = source.replace(/\/\/[^\n]*/g, '');
  const functions: WgslFunction[] = [];
  const start = /(^|\n)fn\s+(\w+)\s*\(/g;
  for (let match = start.exec(code); match; match = start.exec(code)) {
    const begin = match.index + (match[1] as string).length;
    let depth = 0;
    let end = code.indexOf('{', begin);
    for (; end < code.length; end++) {
      if (code[end] === '{') depth++;
      else if (code[end] === '}' && --depth === 0) break;
    }
    functions.push({ name: match[2] as string, source: code.slice(begin, end + 1).replace(/\n\s*\n/g, '\n') });
    start.lastIndex = end + 1;
  }
  return functions;
}

// Renames whole identifiers (not struct members: `.name` stays).
function renameIdentifiers(source: string, renames: ReadonlyMap<string, string>): string {
  return source.replace(/(?<![.\w])([A-Za-z_]\w*)\b/g, (identifier) => renames.get(identifier) ?? identifier);
}
