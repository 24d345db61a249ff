import commonWgsl from '../../shaders/common.wgsl?raw';
import elementwiseWgsl from '../../shaders/elementwise.wgsl?raw';
import elementwiseCheckedWgsl from '../../shaders/elementwise_checked.wgsl?raw';
import elementwiseHalfWgsl from '../../shaders/elementwise_half.wgsl?raw';
import elementwiseTailWgsl from '../../shaders/elementwise_tail.wgsl?raw';
import float16Wgsl from '../../shaders/float16.wgsl?raw';
import softmaxWgsl from '../../shaders/softmax.wgsl?raw';
import type { Dtype } from '../dtype.ts';
import type { ElementwiseActivation } from '../ops/elementwise.ts';

// An activation without a derivative-from-output form still needs the function for the module to
// compile (the entry points that call it are never dispatched for it).
const NO_DERIVATIVE_FROM_OUTPUT = `
fn activation_derivative_from_output(y: f32) -> f32 { return y; }`;

// dy * f'(x) from y as a plain product, for activations that do not order it to avoid overflow.
const PLAIN_BACKWARD_FROM_OUTPUT = `
fn activation_backward_from_output(y: f32, dy: f32) -> f32 { return dy * activation_derivative_from_output(y); }`;

/** How an elementwise kernel stores its data: the inputs' dtype and the outputs'. */
export interface ElementwiseStorage {
  readonly input: Dtype;
  readonly output: Dtype;
}

/**
 * The WGSL module for one elementwise activation: common helpers, its formulas, the NaN gate, and the
 * kernel entry points: the vec4 kernels, or (`'tail'`) their scalar twins for the last elements of a
 * buffer that ends on its last element, or (`'half'`) the kernels where `storage` has a float16 side,
 * which load halves exactly and round once on store around the same gated functions, over whole
 * groups of four (8-byte float16 and 16-byte float32 accesses), and (`'half_tail'`) their twins for
 * a range's last one to three elements, word by word, merging a half-used last word.
 */
export function elementwiseShaderSource(
  activation: ElementwiseActivation,
  variant: 'vec4' | 'tail' | 'half' | 'half_tail' = 'vec4',
  storage: ElementwiseStorage = { input: 'float32', output: 'float32' },
): string {
  const fromOutput = activation.derivativeFromOutput ? '' : NO_DERIVATIVE_FROM_OUTPUT;
  const backward = /fn\s+activation_backward_from_output\b/.test(activation.wgsl) ? '' : PLAIN_BACKWARD_FROM_OUTPUT;
  const formulas = `// ---- activation: ${activation.name}\n${activation.wgsl}${fromOutput}${backward}\n${elementwiseCheckedWgsl}`;
  if (variant === 'half' || variant === 'half_tail') {
    const declare = variant === 'half' ? groupDeclarations : storageDeclarations;
    const bindings = [
      declare('input_a', 0, 'read', storage.input),
      declare('input_b', 1, 'read', storage.input),
      declare('output_a', 2, 'read_write', storage.output),
      declare('output_b', 3, 'read_write', storage.output),
    ].join('');
    return `${commonWgsl}\n${float16Wgsl}\n${formulas}\n// ---- storage: ${storage.input} in, ${storage.output} out${bindings}\n${elementwiseHalfWgsl}`;
  }
  const kernels = variant === 'tail' ? elementwiseTailWgsl : elementwiseWgsl;
  return `${commonWgsl}\n${formulas}\n${kernels}`;
}

/**
 * A binding of elementwise_half.wgsl's body kernels and its accessors over the four elements of group
 * i, whole: float16 as one vec2<u32> (four halves), float32 as one vec4<f32>. The host binds whole groups.
 */
function groupDeclarations(name: string, binding: number, access: 'read' | 'read_write', dtype: Dtype): string {
  const writable = access === 'read_write';
  if (dtype === 'float16') {
    return `
@group(0) @binding(${binding}) var<storage, ${access}> ${name}: array<vec2<u32>>;
fn load_${name}(i: u32) -> vec4<f32> { return unpack_f16x4(${name}[i]); }${
      writable
        ? `
fn store_${name}(i: u32, v: vec4<f32>) { ${name}[i] = pack_f16x4(v); }`
        : ''
    }`;
  }
  return `
@group(0) @binding(${binding}) var<storage, ${access}> ${name}: array<vec4<f32>>;
fn load_${name}(i: u32) -> vec4<f32> { return ${name}[i]; }${
    writable
      ? `
fn store_${name}(i: u32, v: vec4<f32>) { ${name}[i] = v; }`
      : ''
  }`;
}

/**
 * A binding of elementwise_half.wgsl's tail kernels and its accessors over the four elements of group
 * i: float16 as pairs of halves in u32 words (the last word of an odd range merged with what is
 * there), float32 as scalars. Loads clamp their index to the binding; stores write only elements below
 * params.count.
 */
function storageDeclarations(name: string, binding: number, access: 'read' | 'read_write', dtype: Dtype): string {
  const writable = access === 'read_write';
  if (dtype === 'float16') {
    const store = writable
      ? `
fn store_${name}(i: u32, v: vec4<f32>) {
  let words = pack_f16x4(v);
  let first = 4u * i;
  if (first + 4u <= params.count) {
    ${name}[2u * i] = words.x;
    ${name}[2u * i + 1u] = words.y;
    return;
  }
  if (first + 1u < params.count) {
    ${name}[2u * i] = words.x;
  } else {
    ${name}[2u * i] = (${name}[2u * i] & 0xffff0000u) | (words.x & 0xffffu);
  }
  if (first + 3u < params.count) {
    ${name}[2u * i + 1u] = words.y;
  } else if (first + 2u < params.count) {
    ${name}[2u * i + 1u] = (${name}[2u * i + 1u] & 0xffff0000u) | (words.y & 0xffffu);
  }
}`
      : '';
    return `
@group(0) @binding(${binding}) var<storage, ${access}> ${name}: array<u32>;
fn load_${name}(i: u32) -> vec4<f32> {
  let last = arrayLength(&${name}) - 1u;
  return unpack_f16x4(vec2<u32>(${name}[min(2u * i, last)], ${name}[min(2u * i + 1u, last)]));
}${store}`;
  }
  const store = writable
    ? `
fn store_${name}(i: u32, v: vec4<f32>) {
  let first = 4u * i;
  ${name}[first] = v.x;
  if (first + 1u < params.count) { ${name}[first + 1u] = v.y; }
  if (first + 2u < params.count) { ${name}[first + 2u] = v.z; }
  if (first + 3u < params.count) { ${name}[first + 3u] = v.w; }
}`
    : '';
  return `
@group(0) @binding(${binding}) var<storage, ${access}> ${name}: array<f32>;
fn load_${name}(i: u32) -> vec4<f32> {
  let last = arrayLength(&${name}) - 1u;
  let first = 4u * i;
  return vec4<f32>(${name}[min(first, last)], ${name}[min(first + 1u, last)], ${name}[min(first + 2u, last)], ${name}[min(first + 3u, last)]);
}${store}`;
}

/** The conversion functions of shaders/float16.wgsl (for wgslFunctions). */
export const FLOAT16_WGSL = float16Wgsl;

/** The WGSL module of the row-wise family (softmax). */
export function softmaxShaderSource(): string {
  return `${commonWgsl}\n${softmaxWgsl}`;
}
