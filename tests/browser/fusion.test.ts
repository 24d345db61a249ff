// wgslFunctions: our exact activations as WGSL for a caller's own kernels. The kernel here is the
// test's own (a matmul, a bias and the activation in one pass), not one the library generates.

import { describe, expect, it } from 'vitest';
import { ACTIVATIONS, type WgslFunctionName, wgslFunctions } from 'webgpu-activations';
import { BufferUsage, MapMode, ShaderStage } from '../../src/gpu/flags.ts';
import type { ActivationReference } from '../support/activation-cases.ts';
import { expectClose } from '../support/compare.ts';
import { testAdapter } from '../support/host.ts';
import { ACTIVATION_CASES } from '../support/op-cases.ts';
import { createRandom, SEED } from '../support/random.ts';
import { sigmoid64, silu64, tanh64 } from '../support/reference.ts';

const ALPHA = 0.125;

/**
 * Each function wgslFunctions writes, in snake case, with its float64 forward and derivative from the
 * activation's test cases (tests/activations/), an approximation's (gelu's tanh form) from its variant;
 * `alpha` where the activation declares it (ALPHA).
 */
const FUNCTIONS = Object.fromEntries(
  ACTIVATION_CASES.flatMap((cases) => {
    const snake = (name: string) => name.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
    const alpha = ACTIVATIONS[cases.activation].parameters?.alpha ? ALPHA : 0;
    const entry = (name: string, reference: ActivationReference) =>
      [
        name,
        {
          snake: snake(name),
          alpha: alpha !== 0,
          forward: (x: number) => reference.forward(x, alpha),
          derivative: (x: number) => reference.derivative(x, alpha),
        },
      ] as const;
    const approximations = (cases.variants ?? []).flatMap((variant) =>
      variant.options.approximate === 'tanh' && variant.reference ? [entry(`${cases.activation}Tanh`, variant.reference)] : [],
    );
    return [entry(cases.activation, cases.reference), ...approximations];
  }),
) as Record<WgslFunctionName, { snake: string; alpha: boolean; forward: (x: number) => number; derivative: (x: number) => number }>;

async function device(): Promise<GPUDevice> {
  const adapter = await testAdapter();
  return adapter.requestDevice();
}

// Runs `code` (bindings: 0 read a, 1 read w, 2 read b, 3 read dy, 4 read_write out) over `invocations` threads.
async function run(gpu: GPUDevice, code: string, inputs: Float32Array[], outputLength: number, invocations: number): Promise<Float32Array> {
  gpu.pushErrorScope('validation');
  const module = gpu.createShaderModule({ code });
  // An explicit layout: 'auto' would leave out the bindings a kernel does not use.
  const entry = (binding: number, type: GPUBufferBindingType): GPUBindGroupLayoutEntry => ({
    binding,
    visibility: ShaderStage.COMPUTE,
    buffer: { type },
  });
  const bindGroupLayout = gpu.createBindGroupLayout({
    entries: [0, 1, 2, 3].map((binding) => entry(binding, 'read-only-storage')).concat(entry(4, 'storage')),
  });
  const layout = gpu.createPipelineLayout({ bindGroupLayouts: [bindGroupLayout] });
  const pipeline = gpu.createComputePipeline({ layout, compute: { module, entryPoint: 'main' } });
  const buffers = inputs.map((values) => {
    const buffer = gpu.createBuffer({ size: Math.max(16, values.byteLength), usage: BufferUsage.STORAGE | BufferUsage.COPY_DST });
    gpu.queue.writeBuffer(buffer, 0, values);
    return buffer;
  });
  const out = gpu.createBuffer({ size: outputLength * 4, usage: BufferUsage.STORAGE | BufferUsage.COPY_SRC });
  const read = gpu.createBuffer({ size: outputLength * 4, usage: BufferUsage.MAP_READ | BufferUsage.COPY_DST });
  const bindGroup = gpu.createBindGroup({
    layout: bindGroupLayout,
    entries: [...buffers.map((buffer, binding) => ({ binding, resource: { buffer } })), { binding: 4, resource: { buffer: out } }],
  });
  const encoder = gpu.createCommandEncoder();
  const pass = encoder.beginComputePass();
  pass.setPipeline(pipeline);
  pass.setBindGroup(0, bindGroup);
  pass.dispatchWorkgroups(Math.ceil(invocations / 64));
  pass.end();
  encoder.copyBufferToBuffer(out, 0, read, 0, outputLength * 4);
  gpu.queue.submit([encoder.finish()]);
  const error = await gpu.popErrorScope();
  expect(error?.message ?? null, 'the shader compiles and runs').toBeNull();
  await read.mapAsync(MapMode.READ);
  const result = new Float32Array(read.getMappedRange().slice(0));
  read.unmap();
  for (const buffer of [...buffers, out, read]) buffer.destroy();
  return result;
}

// Multiples of 1/16 in [-6, 6): every product and sum of the matmul below is exact in float32, so
// the activation's input is known exactly and the float64 reference is the activation's alone.
function dyadic(random: () => number, length: number, scale = 96): Float32Array {
  return Float32Array.from({ length }, () => Math.floor((random() - 0.5) * scale) / 16);
}

describe('wgslFunctions in a caller-written kernel', () => {
  it('matmul + bias + activation, its derivative and backward, in one pass, match float64 for every built-in', async () => {
    const gpu = await device();
    const random = createRandom(SEED + 31);
    const [m, k, n] = [24, 8, 16];
    const a = dyadic(random, m * k);
    const w = dyadic(random, k * n, 32);
    const b = dyadic(random, n);
    const dy = Float32Array.from({ length: m * n }, () => random() * 2 - 1);
    const z = new Float64Array(m * n);
    for (let i = 0; i < m; i++) {
      for (let j = 0; j < n; j++) {
        let sum = b[j] as number;
        for (let t = 0; t < k; t++) sum += (a[i * k + t] as number) * (w[t * n + j] as number);
        z[i * n + j] = sum;
      }
    }
    try {
      for (const [name, reference] of Object.entries(FUNCTIONS) as [WgslFunctionName, (typeof FUNCTIONS)[WgslFunctionName]][]) {
        const alpha = reference.alpha ? `, ${ALPHA}` : '';
        const code = `${wgslFunctions([name])}
@group(0) @binding(0) var<storage, read> a: array<f32>;
@group(0) @binding(1) var<storage, read> w: array<f32>;
@group(0) @binding(2) var<storage, read> b: array<f32>;
@group(0) @binding(3) var<storage, read> dy: array<f32>;
@group(0) @binding(4) var<storage, read_write> out: array<f32>;
@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) id: vec3<u32>) {
  let cell = id.x;
  if (cell >= ${m * n}u) { return; }
  let i = cell / ${n}u;
  let j = cell % ${n}u;
  var z = b[j];
  for (var t = 0u; t < ${k}u; t = t + 1u) { z = z + a[i * ${k}u + t] * w[t * ${n}u + j]; }
  out[cell] = act_${reference.snake}(z${alpha});
  out[${m * n}u + cell] = act_${reference.snake}_derivative(z${alpha});
  out[${2 * m * n}u + cell] = act_${reference.snake}_backward(z, dy[cell]${alpha});
}`;
        const result = await run(gpu, code, [a, w, b, dy], 3 * m * n, m * n);
        const tolerance = { relative: 1e-6, absolute: 1e-30 };
        expectClose(result.subarray(0, m * n), Float64Array.from(z, reference.forward), tolerance, `fused ${name}`);
        expectClose(result.subarray(m * n, 2 * m * n), Float64Array.from(z, reference.derivative), tolerance, `fused ${name} derivative`);
        expectClose(
          result.subarray(2 * m * n),
          Float64Array.from(z, (v, i) => (dy[i] as number) * Math.fround(reference.derivative(v))),
          tolerance,
          `fused ${name} backward`,
        );
      }
    } finally {
      gpu.destroy();
    }
  });

  it('the derivatives from the output, the helpers, and NaN in gives NaN out', async () => {
    const gpu = await device();
    try {
      const x = Float32Array.from([-100, -20, -1.5, -1e-3, 0, 1e-3, 0.75, 3, 20, 80, Number.NaN]);
      const y = Float32Array.from(x, (v) => Math.fround(sigmoid64(v)));
      const code = `${wgslFunctions(['sigmoid', 'tanh'])}
@group(0) @binding(0) var<storage, read> x: array<f32>;
@group(0) @binding(1) var<storage, read> y: array<f32>;
@group(0) @binding(2) var<storage, read> unused_b: array<f32>;
@group(0) @binding(3) var<storage, read> unused_dy: array<f32>;
@group(0) @binding(4) var<storage, read_write> out: array<f32>;
@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) id: vec3<u32>) {
  let i = id.x;
  if (i >= ${x.length}u) { return; }
  out[i] = act_sigmoid_derivative_from_output(y[i]);
  out[${x.length}u + i] = act_sigmoid_backward_from_output(y[i], 2.0);
  out[${2 * x.length}u + i] = act_exp(x[i]);
  out[${3 * x.length}u + i] = act_log1p(abs(x[i]));
  out[${4 * x.length}u + i] = act_softmax_exp(x[i], 80.0);
  out[${5 * x.length}u + i] = act_tanh_derivative_from_output(act_tanh(x[i]));
}`;
      const n = x.length;
      const result = await run(gpu, code, [x, y, x, x], 6 * n, n);
      const tolerance = { relative: 1e-6, absolute: 1e-37 };
      const from = (f: (v: number, i: number) => number, source: Float32Array) => Float64Array.from(source, f);
      expectClose(
        result.subarray(0, n),
        from((v) => v * (1 - v), y),
        tolerance,
        'sigmoid derivative from output',
      );
      expectClose(
        result.subarray(n, 2 * n),
        from((v) => 2 * v * (1 - v), y),
        tolerance,
        'sigmoid backward from output',
      );
      expectClose(result.subarray(2 * n, 3 * n), from(Math.exp, x), tolerance, 'act_exp');
      expectClose(
        result.subarray(3 * n, 4 * n),
        from((v) => Math.log1p(Math.abs(v)), x),
        tolerance,
        'act_log1p',
      );
      expectClose(
        result.subarray(4 * n, 5 * n),
        from((v) => Math.exp(v - 80), x),
        tolerance,
        'act_softmax_exp',
      );
      const tanhOutputs = Float32Array.from(x, (v) => Math.fround(tanh64(v)));
      expectClose(
        result.subarray(5 * n),
        from((v) => 1 - v * v, tanhOutputs),
        { relative: 1e-6, absolute: 1e-7 },
        'tanh derivative from output',
      );
      for (let part = 0; part < 6; part++) expect(Number.isNaN(result[part * n + n - 1]), `NaN through part ${part}`).toBe(true);
    } finally {
      gpu.destroy();
    }
  });

  it('writes each helper once, prefixes every name, and lets two prefixes share one shader', async () => {
    const all = wgslFunctions();
    for (const helper of ['act_exp_nonpositive', 'act_is_nan', 'act_two_prod', 'act_exp', 'act_log1p', 'act_softmax_exp']) {
      expect(all.match(new RegExp(`fn ${helper}\\(`, 'g'))?.length, helper).toBe(1);
    }
    const names = [...all.matchAll(/fn (\w+)\(/g)].map((match) => match[1] as string);
    expect(names.filter((name) => !name.startsWith('act_'))).toEqual([]);
    const gpu = await device();
    try {
      const code = `${wgslFunctions(['gelu', 'silu'])}\n${wgslFunctions(['gelu'], { prefix: 'mine_' })}
@group(0) @binding(0) var<storage, read> x: array<f32>;
@group(0) @binding(1) var<storage, read> unused_w: array<f32>;
@group(0) @binding(2) var<storage, read> unused_b: array<f32>;
@group(0) @binding(3) var<storage, read> unused_dy: array<f32>;
@group(0) @binding(4) var<storage, read_write> out: array<f32>;
@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) id: vec3<u32>) {
  if (id.x >= 4u) { return; }
  out[id.x] = act_gelu(x[id.x]) - mine_gelu(x[id.x]) + act_silu(x[id.x]);
}`;
      const x = Float32Array.from([-3, -0.5, 0.5, 3]);
      const result = await run(gpu, code, [x, x, x, x], 4, 4);
      expectClose(result, Float64Array.from(x, silu64), { relative: 1e-6 }, 'two prefixes in one module');
    } finally {
      gpu.destroy();
    }
  });

  it('refuses an unknown name and a prefix that is no identifier', () => {
    expect(() => wgslFunctions(['mish' as WgslFunctionName])).toThrow(/^names\[0\]: expected one of .*'sigmoid'/);
    expect(() => wgslFunctions(['gelu'], { prefix: '9x' })).toThrow(RangeError);
    expect(() => wgslFunctions(['gelu'], { prefix: '__x' })).toThrow(/^options.prefix/);
    expect(() => wgslFunctions('gelu' as unknown as WgslFunctionName[])).toThrow(TypeError);
  });
});
