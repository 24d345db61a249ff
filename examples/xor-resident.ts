/**
 * The XOR example (examples/xor.ts) with everything on the GPU: weights, activations and gradients
 * stay in GPUBuffers, the matrix products are the caller's own WGSL, and the library's sigmoid and its
 * backward step are recorded into the caller's command encoder (`act.resident.with(encoder)`) between
 * them, on the caller's buffers (`act.wrap`). One encoder and one submit per training step; the loss of
 * every step is written on the GPU and read back once, at the end.
 *
 * @example
 * ```ts
 * const act = await createActivations({ backend: 'webgpu' });
 * const { losses, predictions } = await trainXorOnGpu(act);
 * console.log(losses[0], losses.at(-1), predictions); // 0.298 -> 0.0028, [0.06, 0.95, 0.95, 0.05]
 * ```
 */
import type { Activations, Tensor } from 'webgpu-activations';
import { INITIAL_WEIGHTS, XOR_INPUTS, XOR_TARGETS, type XorResult } from './xor.ts';

// GPUBufferUsage and GPUMapMode values (the WebGPU spec's), so that this runs where those globals are
// not installed (Node's webgpu package).
const STORAGE = 0x80;
const COPY_SRC = 0x04;
const COPY_DST = 0x08;
const MAP_READ = 0x01;
const COMPUTE = 0x4;

// The caller's kernels: the two layers' products, the error and the loss, the gradient through W2, and
// the update. The model is one buffer: W1 (2 x 3, row-major) at 0, b1 at 6, W2 at 9, b2 at 12.
const KERNELS = /* wgsl */ `
var<private> X: array<vec2<f32>, 4> = array<vec2<f32>, 4>(vec2(0.0, 0.0), vec2(0.0, 1.0), vec2(1.0, 0.0), vec2(1.0, 1.0));
var<private> TARGET: array<f32, 4> = array<f32, 4>(${XOR_TARGETS.map((t) => `${t}.0`).join(', ')});
override LEARNING_RATE: f32 = 2.0;

@group(0) @binding(0) var<storage, read_write> model: array<f32, 13>;
@group(0) @binding(1) var<storage, read_write> a: array<f32>;
@group(0) @binding(2) var<storage, read_write> b: array<f32>;
@group(0) @binding(3) var<storage, read_write> c: array<f32>;

// a = hidden_in (4 x 3) = X @ W1 + b1
@compute @workgroup_size(1) fn layer1() {
  for (var i = 0u; i < 4u; i++) {
    for (var j = 0u; j < 3u; j++) { a[i * 3u + j] = X[i].x * model[j] + X[i].y * model[3u + j] + model[6u + j]; }
  }
}

// b = output_in (4) = hidden (a, 4 x 3) @ W2 + b2
@compute @workgroup_size(1) fn layer2() {
  for (var i = 0u; i < 4u; i++) {
    b[i] = a[i * 3u] * model[9u] + a[i * 3u + 1u] * model[10u] + a[i * 3u + 2u] * model[11u] + model[12u];
  }
}

// b = error = target - output (a); c[0] = step counter, c[1 + step] = mean squared error
@compute @workgroup_size(1) fn error_and_loss() {
  var sum = 0.0;
  for (var i = 0u; i < 4u; i++) {
    let e = TARGET[i] - a[i];
    b[i] = e;
    sum += e * e;
  }
  let step = u32(c[0]);
  c[1u + step] = sum / 4.0;
  c[0] = f32(step + 1u);
}

// c = back (4 x 3) = output_gradient (a, 4) @ W2.T, with the W2 of this step
@compute @workgroup_size(1) fn back() {
  for (var i = 0u; i < 4u; i++) {
    for (var j = 0u; j < 3u; j++) { c[i * 3u + j] = a[i] * model[9u + j]; }
  }
}

// The update from hidden (a, 4 x 3), output_gradient (b, 4) and hidden_gradient (c, 4 x 3).
@compute @workgroup_size(1) fn update() {
  for (var j = 0u; j < 3u; j++) {
    var w2 = 0.0;
    var b1 = 0.0;
    var w1 = vec2(0.0, 0.0);
    for (var i = 0u; i < 4u; i++) {
      w2 += a[i * 3u + j] * b[i];
      b1 += c[i * 3u + j];
      w1 += X[i] * c[i * 3u + j];
    }
    model[9u + j] += LEARNING_RATE * w2;
    model[6u + j] += LEARNING_RATE * b1;
    model[j] += LEARNING_RATE * w1.x;
    model[3u + j] += LEARNING_RATE * w1.y;
  }
  model[12u] += LEARNING_RATE * (b[0] + b[1] + b[2] + b[3]);
}
`;

/** Trains the XOR network of examples/xor.ts for `steps` steps, everything on `act`'s device (a WebGPU engine). */
export async function trainXorOnGpu(act: Activations, steps = 500, learningRate = 2): Promise<XorResult> {
  const device = act.device;
  if (!device) throw new TypeError(`act: trainXorOnGpu needs a WebGPU engine; this one runs on the CPU (${act.reason})`);
  const buffer = (floats: number, label: string, values?: number[]) => {
    const created = device.createBuffer({ label: `xor.${label}`, size: Math.max(16, floats * 4), usage: STORAGE | COPY_SRC | COPY_DST });
    if (values) device.queue.writeBuffer(created, 0, Float32Array.from(values));
    return created;
  };
  const model = buffer(13, 'model', [...INITIAL_WEIGHTS.inputHidden.flat(), 0, 0, 0, ...INITIAL_WEIGHTS.hiddenOutput, 0]);
  const losses = buffer(steps + 2, 'losses', new Array(steps + 2).fill(0));
  const names = ['hiddenIn', 'hidden', 'outputIn', 'output', 'error', 'outputGradient', 'back', 'hiddenGradient'] as const;
  const sizes = { hiddenIn: 12, hidden: 12, outputIn: 4, output: 4, error: 4, outputGradient: 4, back: 12, hiddenGradient: 12 };
  const buffers = Object.fromEntries(names.map((name) => [name, buffer(sizes[name], name)])) as Record<(typeof names)[number], GPUBuffer>;
  // The library's view of the caller's buffers: tensors over them, exactly their used length.
  const tensors = Object.fromEntries(names.map((name) => [name, act.wrap(buffers[name], { length: sizes[name] })])) as Record<
    (typeof names)[number],
    Tensor
  >;

  const module = device.createShaderModule({ label: 'xor.kernels', code: KERNELS });
  // One explicit layout for every kernel: the model and three data buffers, all storage.
  const layout = device.createBindGroupLayout({
    label: 'xor.layout',
    entries: [0, 1, 2, 3].map((binding) => ({ binding, visibility: COMPUTE, buffer: { type: 'storage' as const } })),
  });
  const pipelineLayout = device.createPipelineLayout({ label: 'xor.pipeline-layout', bindGroupLayouts: [layout] });
  // Bindings a kernel does not use get buffers of their own: WebGPU refuses one buffer at two writable bindings.
  const unused = [buffer(1, 'unused0'), buffer(1, 'unused1')];
  const kernel = (entryPoint: string, bound: GPUBuffer[]) => {
    const compiled = device.createComputePipeline({
      label: `xor.${entryPoint}`,
      layout: pipelineLayout,
      compute: { module, entryPoint, constants: { LEARNING_RATE: learningRate } },
    });
    const bindGroup = device.createBindGroup({
      label: `xor.${entryPoint}.bind-group`,
      layout,
      entries: [model, ...bound, ...unused].slice(0, 4).map((resource, binding) => ({ binding, resource: { buffer: resource } })),
    });
    return (encoder: GPUCommandEncoder) => {
      const pass = encoder.beginComputePass({ label: `xor.${entryPoint}` });
      pass.setPipeline(compiled);
      pass.setBindGroup(0, bindGroup);
      pass.dispatchWorkgroups(1);
      pass.end();
    };
  };
  const layer1 = kernel('layer1', [buffers.hiddenIn]);
  const layer2 = kernel('layer2', [buffers.hidden, buffers.outputIn]);
  const errorAndLoss = kernel('error_and_loss', [buffers.output, buffers.error, losses]);
  const back = kernel('back', [buffers.outputGradient, unused[0] as GPUBuffer, buffers.back]);
  const update = kernel('update', [buffers.hidden, buffers.outputGradient, buffers.hiddenGradient]);

  // The forward pass, recorded into the caller's encoder: their products, our sigmoid between them.
  const forward = (encoder: GPUCommandEncoder) => {
    const ops = act.resident.with(encoder);
    layer1(encoder);
    ops.sigmoid(tensors.hiddenIn, { out: tensors.hidden });
    layer2(encoder);
    ops.sigmoid(tensors.outputIn, { out: tensors.output });
  };
  try {
    for (let step = 0; step < steps; step++) {
      const encoder = device.createCommandEncoder({ label: `xor.step${step}` });
      const ops = act.resident.with(encoder);
      forward(encoder);
      errorAndLoss(encoder);
      // output_gradient = error * output * (1 - output); hidden_gradient = back * hidden * (1 - hidden)
      ops.sigmoidBackward(tensors.output, tensors.error, { out: tensors.outputGradient });
      back(encoder);
      ops.sigmoidBackward(tensors.hidden, tensors.back, { out: tensors.hiddenGradient });
      update(encoder);
      device.queue.submit([encoder.finish()]);
    }
    const encoder = device.createCommandEncoder({ label: 'xor.predict' });
    forward(encoder);
    device.queue.submit([encoder.finish()]);
    const [curve, predictions] = await Promise.all([readFloats(device, losses, steps + 1), tensors.output.read()]);
    return { losses: Array.from(curve.subarray(1)), predictions: Array.from(predictions) };
  } finally {
    for (const tensor of Object.values(tensors)) tensor.destroy();
    for (const created of [model, losses, ...unused, ...Object.values(buffers)]) created.destroy();
  }
}

async function readFloats(device: GPUDevice, source: GPUBuffer, length: number): Promise<Float32Array> {
  const staging = device.createBuffer({ label: 'xor.read', size: Math.ceil((length * 4) / 16) * 16, usage: MAP_READ | COPY_DST });
  const encoder = device.createCommandEncoder();
  encoder.copyBufferToBuffer(source, 0, staging, 0, length * 4);
  device.queue.submit([encoder.finish()]);
  await staging.mapAsync(MAP_READ);
  const values = new Float32Array(staging.getMappedRange(), 0, length).slice();
  staging.unmap();
  staging.destroy();
  return values;
}

export { XOR_INPUTS };
