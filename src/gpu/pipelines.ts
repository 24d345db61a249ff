import type { ElementwiseActivation } from '../ops/elementwise.ts';
import {
  type ElementwiseEntryPoint,
  isTwoInputRowKernel,
  type LongRowKernel,
  type RowByThreadKernel,
  type RowKernel,
} from '../ops/kernels.ts';
import { ShaderStage } from './flags.ts';
import { type ElementwiseStorage, elementwiseShaderSource, softmaxShaderSource } from './shaders.ts';

/** Threads of every compute workgroup: the WebGPU default limit of invocations per workgroup, met by every adapter. */
export const WORKGROUP_SIZE = 256;

/** Which buffers a kernel binds (binding numbers as in the WGSL): the bind group layout follows from it. */
export type BindingShape = 'unary' | 'binary' | 'dual_output' | 'in_place' | 'unary_with_statistics' | 'binary_with_statistics';

/**
 * The vec4 kernels of elementwise.wgsl, the scalar ones of elementwise_tail.wgsl for a buffer's last
 * elements, or elementwise_half.wgsl's where a side is stored as float16 (whole groups of four, and
 * the word-by-word tail of a range).
 */
export type ElementwiseVariant = 'vec4' | 'tail' | 'half' | 'half_tail';

/** Pipelines and layouts for one device. Everything is built on first use and kept until the device goes. */
export interface DevicePipelines {
  readonly layouts: Record<BindingShape, GPUBindGroupLayout>;
  elementwise(
    activation: ElementwiseActivation,
    kernel: ElementwiseEntryPoint,
    variant?: ElementwiseVariant,
    storage?: ElementwiseStorage,
  ): GPUComputePipeline;
  rows(kernel: RowKernel | RowByThreadKernel | LongRowKernel, threadsPerRow: number): GPUComputePipeline;
}

// Keyed on the device, so that a lost or destroyed device takes its pipelines with it.
const cache = new WeakMap<GPUDevice, DevicePipelines>();

/** The pipeline cache of `device`, created on first use. */
export function pipelinesFor(device: GPUDevice): DevicePipelines {
  let pipelines = cache.get(device);
  if (!pipelines) {
    pipelines = createDevicePipelines(device);
    cache.set(device, pipelines);
  }
  return pipelines;
}

function createDevicePipelines(device: GPUDevice): DevicePipelines {
  const read = (binding: number): GPUBindGroupLayoutEntry => ({
    binding,
    visibility: ShaderStage.COMPUTE,
    buffer: { type: 'read-only-storage' },
  });
  const write = (binding: number): GPUBindGroupLayoutEntry => ({
    binding,
    visibility: ShaderStage.COMPUTE,
    buffer: { type: 'storage' },
  });
  const uniform: GPUBindGroupLayoutEntry = { binding: 4, visibility: ShaderStage.COMPUTE, buffer: { type: 'uniform' } };
  const layout = (shape: BindingShape, entries: GPUBindGroupLayoutEntry[]) =>
    device.createBindGroupLayout({ label: `webgpu-activations.layout.${shape}`, entries });
  const layouts: Record<BindingShape, GPUBindGroupLayout> = {
    unary: layout('unary', [read(0), write(2), uniform]),
    binary: layout('binary', [read(0), read(1), write(2), uniform]),
    dual_output: layout('dual_output', [read(0), write(2), write(3), uniform]),
    in_place: layout('in_place', [write(2), uniform]),
    // The split row kernels' output pass: the inputs, the output, and per-row statistics at binding 3.
    unary_with_statistics: layout('unary_with_statistics', [read(0), write(2), read(3), uniform]),
    binary_with_statistics: layout('binary_with_statistics', [read(0), read(1), write(2), read(3), uniform]),
  };
  const pipelineLayouts = new Map<BindingShape, GPUPipelineLayout>();
  const pipelineLayout = (shape: BindingShape) => {
    let found = pipelineLayouts.get(shape);
    if (!found) {
      found = device.createPipelineLayout({ label: `webgpu-activations.pipeline-layout.${shape}`, bindGroupLayouts: [layouts[shape]] });
      pipelineLayouts.set(shape, found);
    }
    return found;
  };

  const elementwiseModules = new WeakMap<ElementwiseActivation, Map<string, GPUShaderModule>>();
  const elementwisePipelines = new WeakMap<ElementwiseActivation, Map<string, GPUComputePipeline>>();
  let softmaxModule: GPUShaderModule | undefined;
  const rowPipelines = new Map<string, GPUComputePipeline>();

  return {
    layouts,
    elementwise(activation, kernel, variant = 'vec4', storage = { input: 'float32', output: 'float32' }) {
      let byKernel = elementwisePipelines.get(activation);
      if (!byKernel) {
        byKernel = new Map();
        elementwisePipelines.set(activation, byKernel);
      }
      const moduleKey = variant.startsWith('half') ? `${variant}:${storage.input}:${storage.output}` : variant;
      const key = `${moduleKey}:${kernel}`;
      let pipeline = byKernel.get(key);
      if (!pipeline) {
        let modules = elementwiseModules.get(activation);
        if (!modules) {
          modules = new Map();
          elementwiseModules.set(activation, modules);
        }
        let module = modules.get(moduleKey);
        if (!module) {
          module = device.createShaderModule({
            label: `webgpu-activations.${activation.name}.${moduleKey}.module`,
            code: elementwiseShaderSource(activation, variant, storage),
          });
          modules.set(moduleKey, module);
        }
        pipeline = device.createComputePipeline({
          label: `webgpu-activations.${activation.name}.${kernel}.${moduleKey}.pipeline`,
          layout: pipelineLayout(elementwiseBindingShape(kernel)),
          compute: { module, entryPoint: kernel, constants: { WORKGROUP_SIZE } },
        });
        byKernel.set(key, pipeline);
      }
      return pipeline;
    },
    rows(kernel, threadsPerRow) {
      const key = `${kernel}:${threadsPerRow}`;
      let pipeline = rowPipelines.get(key);
      if (!pipeline) {
        softmaxModule ??= device.createShaderModule({ label: 'webgpu-activations.softmax.module', code: softmaxShaderSource() });
        const { entryPoint, logSpace } = rowEntryPoint(kernel);
        pipeline = device.createComputePipeline({
          label: `webgpu-activations.${kernel}.rows${threadsPerRow}.pipeline`,
          layout: pipelineLayout(rowBindingShape(kernel)),
          compute: {
            module: softmaxModule,
            entryPoint,
            constants: { WORKGROUP_SIZE, THREADS_PER_ROW: threadsPerRow, LOG_SPACE: logSpace ? 1 : 0 },
          },
        });
        rowPipelines.set(key, pipeline);
      }
      return pipeline;
    },
  };
}

/** The binding shape of an elementwise kernel. */
export function elementwiseBindingShape(kernel: ElementwiseEntryPoint): BindingShape {
  if (kernel === 'backward' || kernel === 'backward_from_output') return 'binary';
  if (kernel === 'forward_and_derivative') return 'dual_output';
  if (kernel.endsWith('_in_place')) return 'in_place';
  return 'unary';
}

/**
 * softmax and log-softmax share their entry points in softmax.wgsl (normalize_rows, ..._by_thread,
 * normalize_given), told apart by the LOG_SPACE constant; the other row kernels are entry points of
 * their own name.
 */
function rowEntryPoint(kernel: RowKernel | RowByThreadKernel | LongRowKernel): { entryPoint: string; logSpace: boolean } {
  const normalize = /^(log_)?softmax(_by_thread|_split)?$/.exec(kernel);
  if (!normalize) return { entryPoint: kernel, logSpace: false };
  const variants: Record<string, string> = { _by_thread: 'normalize_rows_by_thread', _split: 'normalize_split' };
  const variant = variants[normalize[2] ?? ''] ?? 'normalize_rows';
  return { entryPoint: variant, logSpace: normalize[1] !== undefined };
}

/** The bind group layout of a row kernel. */
function rowBindingShape(kernel: RowKernel | RowByThreadKernel | LongRowKernel): BindingShape {
  if (kernel === 'softmax_split' || kernel === 'log_softmax_split') return 'unary_with_statistics';
  if (kernel === 'softmax_backward_split') return 'binary_with_statistics';
  return isTwoInputRowKernel(kernel) ? 'binary' : 'unary';
}
