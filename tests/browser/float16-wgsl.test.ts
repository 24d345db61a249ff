// The WGSL float16 conversions in a caller's own kernel: wgslFunctions([...], { float16: true })'s
// act_pack_f16x2 and act_unpack_f16x2, on every one of the 65536 halves (widened, then packed back) and
// on float32 ties, their neighbours, subnormal boundaries, 65504, 65520, NaN payloads and ±Infinity,
// against the tests' own rounding from float64. No `shader-f16`: SwiftShader has none.

import { describe, expect, it } from 'vitest';
import { wgslFunctions } from 'webgpu-activations';
import { BufferUsage, MapMode } from '../../src/gpu/flags.ts';
import { expectedFloat16Bits, float16Value, float32EdgeBits, float32FromBits, isFloat16NaN } from '../support/float16.ts';
import { testAdapter } from '../support/host.ts';
import { SEED } from '../support/random.ts';

// A caller's kernel: words of two halves in, their float32 bits out (unpack); float32 bits in, words
// of halves out (pack), each thread one word.
const KERNEL = `${wgslFunctions(['relu'], { float16: true })}
@group(0) @binding(0) var<storage, read> halves: array<u32>;
@group(0) @binding(1) var<storage, read_write> widened: array<u32>;
@group(0) @binding(2) var<storage, read> singles: array<u32>;
@group(0) @binding(3) var<storage, read_write> packed: array<u32>;
@compute @workgroup_size(64) fn unpack(@builtin(global_invocation_id) id: vec3<u32>) {
  if (id.x >= arrayLength(&halves)) { return; }
  let v = act_unpack_f16x2(halves[id.x]);
  widened[2u * id.x] = bitcast<u32>(v.x);
  widened[2u * id.x + 1u] = bitcast<u32>(v.y);
}
@compute @workgroup_size(64) fn pack(@builtin(global_invocation_id) id: vec3<u32>) {
  if (id.x >= arrayLength(&packed)) { return; }
  packed[id.x] = act_pack_f16x2(vec2<f32>(bitcast<f32>(singles[2u * id.x]), bitcast<f32>(singles[2u * id.x + 1u])));
}`;

async function run(device: GPUDevice, entryPoint: 'unpack' | 'pack', input: Uint32Array, outputWords: number): Promise<Uint32Array> {
  const usage = BufferUsage.STORAGE | BufferUsage.COPY_DST | BufferUsage.COPY_SRC;
  const module = device.createShaderModule({ code: KERNEL });
  const pipeline = device.createComputePipeline({ layout: 'auto', compute: { module, entryPoint } });
  const source = device.createBuffer({ size: input.byteLength, usage });
  device.queue.writeBuffer(source, 0, input);
  const target = device.createBuffer({ size: outputWords * 4, usage });
  const staging = device.createBuffer({ size: outputWords * 4, usage: BufferUsage.MAP_READ | BufferUsage.COPY_DST });
  const [inputBinding, outputBinding] = entryPoint === 'unpack' ? [0, 1] : [2, 3];
  const bindGroup = device.createBindGroup({
    layout: pipeline.getBindGroupLayout(0),
    entries: [
      { binding: inputBinding, resource: { buffer: source } },
      { binding: outputBinding, resource: { buffer: target } },
    ],
  });
  const encoder = device.createCommandEncoder();
  const pass = encoder.beginComputePass();
  pass.setPipeline(pipeline);
  pass.setBindGroup(0, bindGroup);
  const groups = Math.ceil((entryPoint === 'unpack' ? input.length : outputWords) / 64);
  pass.dispatchWorkgroups(Math.min(groups, 65535), Math.ceil(groups / 65535));
  pass.end();
  encoder.copyBufferToBuffer(target, 0, staging, 0, outputWords * 4);
  device.queue.submit([encoder.finish()]);
  await staging.mapAsync(MapMode.READ);
  const result = new Uint32Array(staging.getMappedRange()).slice();
  staging.unmap();
  for (const buffer of [source, target, staging]) buffer.destroy();
  return result;
}

describe('act_pack_f16x2 and act_unpack_f16x2 in a caller kernel', () => {
  it('are not in the default output', () => {
    expect(wgslFunctions(['relu'])).not.toContain('pack_f16x2');
    expect(wgslFunctions(['relu'], { float16: true, prefix: 'my_' })).toMatch(/fn my_pack_f16x2\(v: vec2<f32>\) -> u32/);
    expect(() => wgslFunctions(['relu'], { float16: 'yes' as never })).toThrow(/^options\.float16: /);
  });

  it('widen every half exactly and pack each back to itself (a NaN made quiet)', async () => {
    const device = await (await testAdapter()).requestDevice();
    device.pushErrorScope('validation');
    const halves = new Uint16Array(65536).map((_, i) => i);
    const widened = await run(device, 'unpack', new Uint32Array(halves.buffer), 65536);
    const packed = new Uint16Array((await run(device, 'pack', widened, 32768)).buffer);
    expect(await device.popErrorScope()).toBeNull();
    device.destroy();
    let wrong = 0;
    let first = '';
    for (let half = 0; half < 65536; half++) {
      const value = float32FromBits(widened[half] as number);
      const exact = isFloat16NaN(half) ? Number.isNaN(value) : Object.is(value, float16Value(half));
      const back = packed[half] === (isFloat16NaN(half) ? half | 0x200 : half);
      if (!exact || !back) {
        wrong++;
        first ||= `0x${half.toString(16)}: widened to ${value}, packed back to 0x${packed[half]?.toString(16)}`;
      }
    }
    expect(wrong, first).toBe(0);
  });

  it(`round float32 ties, neighbours, boundaries, 65504, 65520 and NaN payloads once (seed ${SEED})`, async () => {
    const device = await (await testAdapter()).requestDevice();
    const edges = float32EdgeBits(SEED, 20_000);
    const input = new Uint32Array(edges.length + (edges.length % 2));
    input.set(edges);
    device.pushErrorScope('validation');
    const packed = new Uint16Array((await run(device, 'pack', input, input.length / 2)).buffer);
    expect(await device.popErrorScope()).toBeNull();
    device.destroy();
    let wrong = 0;
    let first = '';
    edges.forEach((bits, i) => {
      const want = expectedFloat16Bits(bits);
      if (packed[i] !== want) {
        wrong++;
        first ||= `0x${bits.toString(16)} -> 0x${packed[i]?.toString(16)}, expected 0x${want.toString(16)}`;
      }
    });
    expect(wrong, first).toBe(0);
  });
});
