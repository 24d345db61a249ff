// Float16 against float32 in one run, per op: the dtype dimension of the benchmark.
//   resident  our kernel on tensors already on the GPU, timed by the GPU's own clock where
//             timestamp-query is granted (bench/resident.ts's GpuTimer), float32 then float16 tensors;
//   cpu-wasm  the CPU engine's ops on CPU tensors (the WebAssembly SIMD kernels; float16 converted by
//             SIMD around them), the two dtypes timed in turn;
//   array     the array API end to end (upload, kernel, read back) with Float16Array inputs against
//             Float32Array ones, where the runtime has Float16Array (Chromium; not Node 20).
// Sizes from 2^20 elements on: below that, launches and copies, not bytes, decide. Every op's inputs are
// the float32 benchmark's, rounded to float16.
import type { Activations, Tensor } from 'webgpu-activations';
import { float16BitsFromNumber } from '../src/float16.ts';
import type { BenchConfig } from './config.ts';
import { CancelledError, throwIfCancelled, timeInterleaved, yieldToBrowser } from './measure.ts';
import type { BenchOp, BenchShape, OpInputs } from './ops.ts';
import type { GpuTimer } from './resident.ts';
import type { Unavailable } from './results.ts';

/** Where a dtype pair was timed. */
export type Float16Path = 'resident' | 'cpu-wasm' | 'array';

/** One op, one path, one size, one dtype. */
export interface Float16Row {
  readonly op: string;
  readonly path: Float16Path;
  readonly elements: number;
  readonly dtype: 'float32' | 'float16';
  readonly ms: number;
  /** Bytes every input read once and the output written once, per element, in this dtype. */
  readonly bytesPerElement: number;
  readonly elementsPerSecond: number;
  /** On float16 rows: its elements/s over float32's, from the same run. */
  readonly overFloat32?: number;
  readonly method: string;
}

/** The float16 comparison of a run, or why it could not run. */
export type Float16Results = { readonly rows: Float16Row[]; readonly notes: string[] } | Unavailable;

/** The sizes of the comparison (config.float16Sizes: 2^20 elements, and 2^22 in a full run); rows of 1024 for the row ops. */
export function float16Shapes(op: BenchOp, config: BenchConfig): BenchShape[] {
  const counts = config.float16Sizes ?? [2 ** 20];
  return counts.map((elements) =>
    op.family === 'rows' ? { rows: Math.max(1, Math.round(elements / 1024)), cols: 1024 } : { rows: 1, cols: elements },
  );
}

function roundToHalves(values: Float32Array): Uint16Array {
  const bits = new Uint16Array(values.length);
  for (let i = 0; i < values.length; i++) bits[i] = float16BitsFromNumber(values[i] as number);
  return bits;
}

function float16ArrayOf(bits: Uint16Array): Float32Array | undefined {
  const Float16 = (globalThis as { Float16Array?: new (buffer: ArrayBufferLike) => Float32Array }).Float16Array;
  return Float16 ? new Float16(bits.slice().buffer) : undefined;
}

function rowsOf(op: BenchOp, path: Float16Path, elements: number, method: string, msByDtype: [number, number]): Float16Row[] {
  const [ms32, ms16] = msByDtype;
  const float32: Float16Row = {
    op: op.id,
    path,
    elements,
    dtype: 'float32',
    ms: ms32,
    bytesPerElement: op.bytesPerElement,
    elementsPerSecond: elements / (ms32 / 1000),
    method,
  };
  const elementsPerSecond = elements / (ms16 / 1000);
  return [
    float32,
    {
      ...float32,
      dtype: 'float16',
      ms: ms16,
      bytesPerElement: op.bytesPerElement / 2,
      elementsPerSecond,
      overFloat32: elementsPerSecond / float32.elementsPerSecond,
    },
  ];
}

// The op on `act`'s tensors of each dtype, `repeats` times into `ops`: what the resident and cpu-wasm paths time.
function tensorsFor(
  act: Activations,
  op: BenchOp,
  inputs: OpInputs,
  dtype: 'float32' | 'float16',
): { inputs: Tensor[]; outputs: Tensor[] } {
  const arrays = inputs.dy ? [inputs.x, inputs.dy] : [inputs.x];
  const elements = inputs.x.length;
  const upload = (values: Float32Array) => (dtype === 'float16' ? act.upload(roundToHalves(values), { dtype }) : act.upload(values));
  const outputs = Array.from({ length: op.resident.outputs ?? 1 }, () =>
    dtype === 'float16' ? act.upload(new Uint16Array(elements), { dtype }) : act.upload(new Float32Array(elements)),
  );
  return { inputs: arrays.map(upload), outputs };
}

/**
 * Times every op of the run in float32 and float16 on the paths this host has: resident on the GPU,
 * the CPU engine (WebAssembly SIMD), and the array API with Float16Array where the runtime has one.
 */
export async function measureFloat16(
  ops: readonly BenchOp[],
  config: BenchConfig,
  engines: { readonly webgpu: Activations | undefined; readonly cpu: Activations },
  timer: GpuTimer | undefined,
  random: () => number,
  signal: AbortSignal,
  onProgress: (status: string) => void,
): Promise<Float16Results> {
  const rows: Float16Row[] = [];
  const notes: string[] = [];
  const gpu = engines.webgpu;
  if (!gpu || !timer) notes.push('resident and array: no WebGPU device');
  const hasFloat16Array = float16ArrayOf(new Uint16Array(1)) !== undefined;
  if (!hasFloat16Array) notes.push('array: this runtime has no Float16Array (Node before 24); the page measures it');
  const sampling = { maxSamples: config.reps, budgetMs: config.cellBudgetMs, signal };
  try {
    for (const op of ops) {
      for (const shape of float16Shapes(op, config)) {
        throwIfCancelled(signal);
        const elements = shape.rows * shape.cols;
        const inputs = op.inputs(random, shape);
        if (gpu && timer) {
          onProgress(`float16 ${op.label} ${elements}: resident`);
          // Two rounds of float32 then float16, the faster of each kept: a busy machine only adds time.
          const ms = [Number.POSITIVE_INFINITY, Number.POSITIVE_INFINITY];
          let method = '';
          for (const [index, dtype] of ['float32', 'float16', 'float32', 'float16'].entries() as Iterable<
            [number, 'float32' | 'float16']
          >) {
            const tensors = tensorsFor(gpu, op, inputs, dtype);
            try {
              const timing = await timer.time(
                (encoder, repeats) => {
                  const recorded = gpu.resident.with(encoder);
                  for (let i = 0; i < repeats; i++) op.resident.record(recorded, tensors.inputs, tensors.outputs, shape);
                },
                config.reps,
                config.cellBudgetMs,
                signal,
              );
              ms[index % 2] = Math.min(ms[index % 2] as number, timing.ms);
              method = timing.method;
            } finally {
              for (const tensor of [...tensors.inputs, ...tensors.outputs]) tensor.destroy();
            }
          }
          rows.push(...rowsOf(op, 'resident', elements, method, ms as [number, number]));
          await yieldToBrowser();
        }
        onProgress(`float16 ${op.label} ${elements}: cpu-wasm`);
        const onCpu = (['float32', 'float16'] as const).map((dtype) => tensorsFor(engines.cpu, op, inputs, dtype));
        try {
          const timings = await timeInterleaved(
            onCpu.map((tensors) => () => op.resident.record(engines.cpu.resident, tensors.inputs, tensors.outputs, shape)),
            sampling,
          );
          rows.push(...rowsOf(op, 'cpu-wasm', elements, 'wall clock, interleaved', timings.map((t) => t.msPerCall) as [number, number]));
        } finally {
          for (const tensors of onCpu) for (const tensor of [...tensors.inputs, ...tensors.outputs]) tensor.destroy();
        }
        if (gpu && hasFloat16Array) {
          onProgress(`float16 ${op.label} ${elements}: array API`);
          const halves: OpInputs = {
            ...inputs,
            x: float16ArrayOf(roundToHalves(inputs.x)) as Float32Array,
            ...(inputs.dy ? { dy: float16ArrayOf(roundToHalves(inputs.dy)) as Float32Array } : {}),
          };
          const timings = await timeInterleaved([() => op.ours(gpu, inputs), () => op.ours(gpu, halves)], sampling);
          rows.push(...rowsOf(op, 'array', elements, 'wall clock, interleaved', timings.map((t) => t.msPerCall) as [number, number]));
        }
        await yieldToBrowser();
      }
    }
  } catch (error) {
    if (error instanceof CancelledError) throw error;
    return { unavailable: `failed: ${error instanceof Error ? error.message : String(error)}` };
  }
  return { rows, notes };
}
