// A second copy-bandwidth ceiling: a compute kernel that copies vec4<f32>s from one storage buffer to
// another, timed like copyBufferToBuffer (bench/resident.ts). Our kernels read and write storage
// buffers in compute passes, so this is the ceiling they meet; copyBufferToBuffer may take another
// path in the driver (a DMA engine, a memcpy on SwiftShader).
import { BufferUsage, ShaderStage } from '../src/gpu/flags.ts';
import { type CopyBandwidth, type GpuTimer, measureCopy } from './resident.ts';

const KERNEL_COPY_BYTES = 64 * 1024 * 1024;
const WORKGROUP_SIZE = 256;
/** Workgroups along x: below every adapter's maxComputeWorkgroupsPerDimension (65535); the rest go to y. */
const WORKGROUPS_PER_ROW = 32768;

const SHADER = /* wgsl */ `
@group(0) @binding(0) var<storage, read> source: array<vec4<f32>>;
@group(0) @binding(1) var<storage, read_write> destination: array<vec4<f32>>;

@compute @workgroup_size(${WORKGROUP_SIZE})
fn main(@builtin(global_invocation_id) id: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>) {
  let index = id.x + id.y * groups.x * ${WORKGROUP_SIZE}u;
  if (index < arrayLength(&destination)) {
    destination[index] = source[index];
  }
}
`;

/** The bandwidth of a vec4 copy kernel over 64 MiB (or the largest binding allowed), bytes read plus written. */
export function measureKernelCopyBandwidth(
  timer: GpuTimer,
  device: GPUDevice,
  maxSamples: number,
  budgetMs: number,
  signal: AbortSignal,
): Promise<CopyBandwidth> {
  const limit = Math.min(device.limits.maxBufferSize, device.limits.maxStorageBufferBindingSize);
  const copyBytes = Math.min(KERNEL_COPY_BYTES, Math.floor(limit / 16) * 16);
  const vectors = copyBytes / 16;
  const workgroups = Math.ceil(vectors / WORKGROUP_SIZE);
  const gridX = Math.min(workgroups, WORKGROUPS_PER_ROW);
  const gridY = Math.ceil(workgroups / gridX);
  return measureCopy(
    timer,
    device,
    'bench.copy-kernel',
    copyBytes,
    BufferUsage.STORAGE | BufferUsage.COPY_DST,
    async (source, destination) => {
      const layout = device.createBindGroupLayout({
        label: 'bench.copy-kernel.layout',
        entries: [
          { binding: 0, visibility: ShaderStage.COMPUTE, buffer: { type: 'read-only-storage' } },
          { binding: 1, visibility: ShaderStage.COMPUTE, buffer: { type: 'storage' } },
        ],
      });
      const pipeline = await device.createComputePipelineAsync({
        label: 'bench.copy-kernel.pipeline',
        layout: device.createPipelineLayout({ label: 'bench.copy-kernel.pipeline-layout', bindGroupLayouts: [layout] }),
        compute: { module: device.createShaderModule({ label: 'bench.copy-kernel.shader', code: SHADER }), entryPoint: 'main' },
      });
      const bindGroup = device.createBindGroup({
        label: 'bench.copy-kernel.bind-group',
        layout,
        entries: [
          { binding: 0, resource: { buffer: source } },
          { binding: 1, resource: { buffer: destination } },
        ],
      });
      return (encoder, repeats) => {
        const pass = encoder.beginComputePass({ label: 'bench.copy-kernel.pass' });
        pass.setPipeline(pipeline);
        pass.setBindGroup(0, bindGroup);
        for (let i = 0; i < repeats; i++) pass.dispatchWorkgroups(gridX, gridY);
        pass.end();
      };
    },
    { maxSamples, budgetMs, signal },
  );
}
