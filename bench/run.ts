// One benchmark run: copy bandwidth, edge-case outputs, then for every op and size each backend end to
// end (checked against float64) and our kernel resident. Knows nothing of the DOM: the page passes hooks.
import type { Activations } from 'webgpu-activations';
import { createRandom } from '../tests/support/prng.ts';
import { maxRelativeError, OUR_TOLERANCE } from './accuracy.ts';
import { formatUlps, measureAccuracy, type OpAccuracy } from './accuracy-view.ts';
import { type BenchConfig, formatShape, shapesFor } from './config.ts';
import { measureKernelCopyBandwidth } from './copy-kernel.ts';
import { measureFloat16 } from './float16.ts';
import {
  CancelledError,
  type InterleavedCall,
  inTimingOrder,
  type Timing,
  throwIfCancelled,
  timeCalls,
  timeInterleaved,
  yieldToBrowser,
} from './measure.ts';
import { type BenchOp, findOp, type OpInputs, tfjsEndToEnd } from './ops.ts';
import { ORT_VERSION, ortCall, ortOutputToFloat32, startOrt } from './ort.ts';
import { GpuTimer, measureCopyBandwidth, measureResidentKernel } from './resident.ts';
import {
  type AdapterReport,
  autoRatioFor,
  autoSummary,
  BACKENDS,
  type BackendId,
  type BenchResults,
  type CellResult,
  crossovers,
  type EdgeResult,
  type EndToEnd,
  type Unavailable,
} from './results.ts';
import { measureTensorFlowResident, startTensorFlow, TENSORFLOW_VERSION, type TensorFlowBackendName, useTensorFlow } from './tfjs.ts';
import { measureUploads } from './upload.ts';

/** Our three engines; `webgpu` is missing when no device could be had. */
export interface Engines {
  readonly webgpu: Activations | undefined;
  readonly cpu: Activations;
  readonly auto: Activations;
}

export interface RunHooks {
  onProgress(done: number, total: number, status: string): void;
  onCell(cell: CellResult): void;
  onEdge(edge: EdgeResult): void;
  /** An op's accuracy view is measured (all of them before the timed cells). Optional. */
  onAccuracy?(accuracy: OpAccuracy): void;
}

const SEED = 0x5eed;
/** TF.js's resident timing gets this share of a cell's budget (what that adds to a full run: see bench/NOTES.md, "Resident against TF.js webgpu"). */
const TENSORFLOW_RESIDENT_BUDGET_FRACTION = 0.25;
/**
 * The shortest sample of our backends and the plain loop, timed together: on this 2-core machine a
 * batch of 5 ms ran anywhere from 1x to 4x its usual time, and auto's ratio to the cpu column, running
 * the very same code, scattered by 0.35 (the standard deviation of its logarithm, round to round)
 * against 0.24 with batches of 20 ms (bench/NOTES.md, 2026-12-03, "auto: longer batches").
 */
const COMPARED_SAMPLE_MS = 20;

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** The browser's user agent, or in Node (no navigator before Node 21) the Node version and platform. */
function hostDescription(): string {
  const nodeProcess = (globalThis as { process?: { version: string; platform: string; arch: string } }).process;
  if (typeof document === 'undefined' && nodeProcess) return `Node.js ${nodeProcess.version} (${nodeProcess.platform} ${nodeProcess.arch})`;
  return globalThis.navigator?.userAgent ?? 'unknown host';
}

/**
 * Where our auto engine ran this cell: its latest call, once the cell was timed (the choice follows
 * the times of real calls, so no threshold says it); from its starting threshold before any call.
 */
export function autoChoiceFor(auto: Activations, elements: number): 'webgpu' | 'cpu' {
  return auto.lastCallBackend ?? (auto.backend === 'webgpu' && elements >= auto.minGpuElements ? 'webgpu' : 'cpu');
}

/** One call of a backend: float32 values, or (ORT's float16 columns) float16 bits that ortOutputToFloat32 widens. */
type Call = () => Promise<ArrayLike<number>> | ArrayLike<number>;

/**
 * auto's call, counting in `counts` where each call ran. The engine sets `lastCallBackend` as a call
 * starts, before its first await, so it is read right after the call is made: no extra await, which
 * would add a microtask to auto's calls alone (a few percent of a 4096-element call on the CPU).
 */
function countingAutoCalls(call: Call, auto: Activations, elements: number, counts: { webgpu: number; cpu: number }): Call {
  return () => {
    const output = call();
    counts[autoChoiceFor(auto, elements)]++;
    return output;
  };
}

/** How `backend` computes `op` on `inputs`, or why it cannot. */
export async function callFor(
  backend: BackendId,
  op: BenchOp,
  inputs: OpInputs,
  engines: Engines,
  tensorFlowReady: Record<TensorFlowBackendName, string | null>,
): Promise<Call | Unavailable> {
  switch (backend) {
    case 'webgpu': {
      const engine = engines.webgpu;
      return engine ? () => op.ours(engine, inputs) : { unavailable: 'no WebGPU device' };
    }
    case 'cpu':
      return () => op.ours(engines.cpu, inputs);
    case 'auto':
      return () => op.ours(engines.auto, inputs);
    case 'js':
      return () => op.plainJs(inputs);
    case 'tfjs-webgpu':
    case 'tfjs-cpu':
    case 'tfjs-wasm': {
      if (!op.tfjs) return { unavailable: 'TF.js has no such op' };
      const name: TensorFlowBackendName = backend === 'tfjs-webgpu' ? 'webgpu' : backend === 'tfjs-cpu' ? 'cpu' : 'wasm';
      const notReady = tensorFlowReady[name];
      if (notReady !== null) return { unavailable: notReady };
      const tf = await useTensorFlow(name);
      return () => tfjsEndToEnd(tf, op, inputs);
    }
    case 'ort-webgpu':
      return ortCall(op, inputs, 'webgpu', 'float32');
    case 'ort-wasm':
      return ortCall(op, inputs, 'wasm', 'float32');
    case 'ort-webgpu-f16':
      return ortCall(op, inputs, 'webgpu', 'float16');
    case 'ort-wasm-f16':
      return ortCall(op, inputs, 'wasm', 'float16');
  }
}

/** Runs the benchmark described by `config`. Cancelling through `signal` returns what was measured so far. */
export async function runBenchmark(
  config: BenchConfig,
  engines: Engines,
  adapter: AdapterReport,
  hooks: RunHooks,
  signal: AbortSignal,
): Promise<BenchResults> {
  const ops = config.ops.map(findOp).filter((op): op is BenchOp => op !== undefined);
  const plan = ops.flatMap((op) => shapesFor(op.family, config).map((shape) => ({ op, shape })));
  const total = 2 + (config.accuracy === 'off' ? 1 : 2) * ops.length + plan.length * (BACKENDS.length + 2);
  let done = 0;
  const step = (status: string) => hooks.onProgress(++done, total, status);

  const results: BenchResults = {
    schema: 'webgpu-activations.bench/1',
    state: 'done',
    startedAt: new Date().toISOString(),
    finishedAt: '',
    userAgent: hostDescription(),
    config,
    adapter,
    copyBandwidth: { unavailable: 'not measured' },
    kernelCopyBandwidth: { unavailable: 'not measured' },
    uploads: { unavailable: 'not measured' },
    tfjs: null,
    ort: null,
    cells: [],
    accuracy: [],
    edges: [],
    crossovers: [],
    mismatch: false,
    errors: [],
  };
  const ourError = (text: string) => {
    results.errors.push(text);
    results.mismatch = true;
    console.error(`[bench] ${text}`);
  };

  const device = engines.webgpu?.device ?? null;
  const timer = device ? new GpuTimer(device) : undefined;
  try {
    hooks.onProgress(done, total, 'measuring the buffer-copy bandwidth');
    if (device && timer) {
      try {
        results.copyBandwidth = await measureCopyBandwidth(timer, device, config.reps, config.cellBudgetMs, signal);
        const copy = results.copyBandwidth;
        console.log(
          `[bench] copy bandwidth ${copy.gigabytesPerSecond.toFixed(2)} GB/s (${copy.method}, ${copy.bytes} bytes read+written per copy)`,
        );
      } catch (error) {
        if (error instanceof CancelledError) throw error;
        results.copyBandwidth = { unavailable: message(error) };
      }
    } else {
      results.copyBandwidth = { unavailable: 'no WebGPU device' };
    }
    if (device && timer) {
      try {
        results.kernelCopyBandwidth = await measureKernelCopyBandwidth(timer, device, config.reps, config.cellBudgetMs, signal);
        console.log(`[bench] copy kernel bandwidth ${results.kernelCopyBandwidth.gigabytesPerSecond.toFixed(2)} GB/s (vec4 compute copy)`);
      } catch (error) {
        if (error instanceof CancelledError) throw error;
        results.kernelCopyBandwidth = { unavailable: message(error) };
      }
    } else {
      results.kernelCopyBandwidth = { unavailable: 'no WebGPU device' };
    }
    if (device) {
      hooks.onProgress(done, total, 'timing uploads (writeBuffer, mappedAtCreation, mapped staging)');
      try {
        results.uploads = await measureUploads(device, config.reps, signal);
      } catch (error) {
        if (error instanceof CancelledError) throw error;
        results.uploads = { unavailable: message(error) };
      }
    } else {
      results.uploads = { unavailable: 'no WebGPU device' };
    }
    step('starting TF.js');

    const tensorFlow = await startTensorFlow({ wasmThreads: config.tensorFlowWasmThreads });
    const version = TENSORFLOW_VERSION;
    results.tfjs = { version, ...tensorFlow };
    const tensorFlowReady: Record<TensorFlowBackendName, string | null> = {
      webgpu: tensorFlow.webgpu.available ? null : tensorFlow.webgpu.reason,
      cpu: tensorFlow.cpu.available ? null : tensorFlow.cpu.reason,
      wasm: tensorFlow.wasm.available ? null : tensorFlow.wasm.reason,
    };
    const detail = (status: (typeof tensorFlow)['wasm']) => (status.available ? status.detail : status.reason);
    console.log(
      `[bench] TF.js ${version}: webgpu ${tensorFlowReady.webgpu ?? 'ok'}; cpu ${tensorFlowReady.cpu ?? 'ok'}; wasm ${detail(tensorFlow.wasm)}`,
    );
    const ortStatus = await startOrt();
    results.ort = { version: ORT_VERSION, ...ortStatus };
    const ortDetail = (status: (typeof ortStatus)['wasm']) => (status.available ? status.detail : `unavailable: ${status.reason}`);
    console.log(`[bench] ONNX Runtime Web ${ORT_VERSION}: webgpu ${ortDetail(ortStatus.webgpu)}; wasm ${ortDetail(ortStatus.wasm)}`);
    step('edge cases');

    for (const op of ops) {
      throwIfCancelled(signal);
      const edge = await measureEdge(op, engines, tensorFlowReady);
      if (edge.ourMismatch) ourError(`${op.id} edge cases: one of our backends is off the float64 reference`);
      results.edges.push(edge);
      hooks.onEdge(edge);
      step(`edge cases: ${op.label}`);
    }

    // The accuracy view: a dense sweep of inputs per op through every implementation, in ulps of float64.
    for (const op of config.accuracy === 'off' ? [] : ops) {
      throwIfCancelled(signal);
      hooks.onProgress(done, total, `accuracy: ${op.label}`);
      const accuracy = await measureAccuracy(
        op,
        (backend, forOp, inputs) => callFor(backend, forOp, inputs, engines, tensorFlowReady),
        config.accuracy === 'quick' ? 'quick' : 'full',
      );
      results.accuracy.push(accuracy);
      hooks.onAccuracy?.(accuracy);
      // Held in the sweep: our CPU to 1e-5 everywhere; our WebGPU to the right NaN, infinities and zeros'
      // places (finite ulps). Its finite tails are shown, not held: WGSL's exp is exact to 3 + 2|x| ulps only,
      // and SwiftShader's sigmoid(-87.3) = 0 where float64 gives 1.2e-38 (the accuracy view shows it).
      const gpuUlps = accuracy.maxUlps.webgpu;
      const ours = [
        accuracy.maxRelativeError.cpu,
        ...(engines.webgpu ? [typeof gpuUlps === 'number' && Number.isFinite(gpuUlps) ? 0 : Number.POSITIVE_INFINITY] : []),
      ];
      console.log(
        `[bench] accuracy ${op.id}: max ulps ${Object.entries(accuracy.maxUlps)
          .map(([id, ulps]) => `${id}=${typeof ulps === 'number' ? formatUlps(ulps) : 'n/a'}`)
          .join(' ')}`,
      );
      if (ours.some((error) => error === undefined || !(error <= OUR_TOLERANCE))) {
        ourError(
          `${op.id} accuracy sweep: our CPU's max relative error ${accuracy.maxRelativeError.cpu} (limit ${OUR_TOLERANCE}), our WebGPU's max ulps ${typeof gpuUlps === 'number' ? gpuUlps : gpuUlps?.unavailable} (a NaN or infinity off: Infinity)`,
        );
      }
      step(`accuracy: ${op.label}`);
    }

    const random = createRandom(SEED);
    for (const { op, shape } of plan) {
      const shapeLabel = op.family === 'rows' ? formatShape(shape) : String(shape.cols);
      const inputs = op.inputs(random, shape);
      const reference = op.reference(inputs);
      const errorScale = op.errorScale?.(inputs);
      const elements = shape.rows * shape.cols;
      const endToEnd: Partial<Record<BackendId, EndToEnd | Unavailable>> = {};
      let ourMismatch = false;
      // Our backends and the plain loop are compared with each other (auto against the faster of ours,
      // ours against the loop), so they are timed together, a sample of each in turn; TF.js after.
      const compared: { id: BackendId; timed: InterleavedCall; error: number }[] = [];
      const autoCalls = { webgpu: 0, cpu: 0 };
      for (const backend of BACKENDS) {
        throwIfCancelled(signal);
        hooks.onProgress(done, total, `${op.label} ${shapeLabel}: ${backend.label}`);
        try {
          const found = await callFor(backend.id, op, inputs, engines, tensorFlowReady);
          if ('unavailable' in found) {
            endToEnd[backend.id] = found;
            if (backend.ours) ourError(`${op.id} ${shapeLabel} ${backend.id}: ${found.unavailable}`);
          } else {
            const call = backend.id === 'auto' ? countingAutoCalls(found, engines.auto, elements, autoCalls) : found;
            const start = performance.now();
            const output = await call();
            const firstCallMs = performance.now() - start;
            const error = maxRelativeError(ortOutputToFloat32(output), reference, errorScale);
            // auto is timed with everything it does at this size, its tries of the other backend
            // included: its calls for accuracy and for the calls per sample count in its first sample
            // (no warm-up calls of its own); src/chooser.ts keeps the tries within a budget. Our other
            // backends, which auto is judged against, are counted the same way, so that a first call's
            // cost at a cell (a cold path, a collection) falls on both sides of auto's ratio.
            if (backend.ours) {
              compared.push({ id: backend.id, timed: { call, countEveryCall: true, alreadyMade: { calls: 1, ms: firstCallMs } }, error });
            } else if (backend.id === 'js') compared.push({ id: backend.id, timed: { call }, error });
            else {
              const timing = await timeCalls(call, { maxSamples: config.reps, budgetMs: config.cellBudgetMs, signal });
              endToEnd[backend.id] = { ...timing, maxRelativeError: error };
            }
            if (backend.ours && !(error <= OUR_TOLERANCE)) {
              ourMismatch = true;
              ourError(`${op.id} ${shapeLabel} ${backend.id}: max relative error ${error} exceeds ${OUR_TOLERANCE}`);
            }
          }
        } catch (error) {
          if (error instanceof CancelledError) throw error;
          endToEnd[backend.id] = { unavailable: `failed: ${message(error)}` };
          if (backend.ours) {
            ourMismatch = true;
            ourError(`${op.id} ${shapeLabel} ${backend.id} failed: ${message(error)}`);
          }
        }
        step(`${op.label} ${shapeLabel}: ${backend.label}`);
        await yieldToBrowser();
      }
      try {
        hooks.onProgress(done, total, `${op.label} ${shapeLabel}: timing ${compared.map(({ id }) => id).join(', ')} in turn`);
        // More rounds here than for the peers: auto is judged on the median of its paired rounds, and
        // with 7 a full run still read up to 1.10x where auto ran the cpu column's very code
        // (bench/NOTES.md, "auto judged round by round"). These calls are a small part of a cell's time.
        // Past the budget, auto and the faster of our backends go on alone until they have that many
        // rounds in common: at 2^22 the other calls left room for three.
        compared.splice(0, compared.length, ...inTimingOrder(compared));
        const ids = compared.map(({ id }) => id);
        const rounds = 2 * config.reps - 1;
        const paired = ids.includes('auto')
          ? { call: ids.indexOf('auto'), rivals: ids.flatMap((id, i) => (id === 'webgpu' || id === 'cpu' ? [i] : [])), rounds }
          : undefined;
        const timings = await timeInterleaved(
          compared.map(({ timed }) => timed),
          { maxSamples: rounds, budgetMs: 1.5 * config.cellBudgetMs, signal, sampleMs: COMPARED_SAMPLE_MS, ...(paired ? { paired } : {}) },
        );
        compared.forEach(({ id, error }, i) => {
          endToEnd[id] = { ...(timings[i] as Timing), maxRelativeError: error };
        });
      } catch (error) {
        if (error instanceof CancelledError) throw error;
        for (const { id } of compared) endToEnd[id] = { unavailable: `failed while timed: ${message(error)}` };
        ourMismatch = true;
        ourError(`${op.id} ${shapeLabel}: a call failed while timed: ${message(error)}`);
      }

      let resident: CellResult['resident'];
      const copy = results.copyBandwidth;
      if (!device || !timer) resident = { unavailable: 'no WebGPU device' };
      else if ('unavailable' in copy) resident = { unavailable: `no copy bandwidth to compare with: ${copy.unavailable}` };
      else {
        try {
          const arrays = inputs.dy ? [inputs.x, inputs.dy] : [inputs.x];
          resident = await measureResidentKernel(timer, engines.webgpu as Activations, op, arrays, shape, reference, copy, {
            maxSamples: config.reps,
            budgetMs: config.cellBudgetMs,
            signal,
            errorScale,
          });
          const kernelCopy = results.kernelCopyBandwidth;
          if (!('unavailable' in kernelCopy)) {
            resident = { ...resident, fractionOfKernelCopy: resident.gigabytesPerSecond / kernelCopy.gigabytesPerSecond };
          }
          if (!(resident.maxRelativeError <= OUR_TOLERANCE)) {
            ourMismatch = true;
            ourError(`${op.id} ${shapeLabel} resident kernel: max relative error ${resident.maxRelativeError} exceeds ${OUR_TOLERANCE}`);
          }
        } catch (error) {
          if (error instanceof CancelledError) throw error;
          resident = { unavailable: message(error) };
          // Too large for one binding is a limit of the resident method; anything else is our kernel failing.
          if (!(error instanceof RangeError)) {
            ourMismatch = true;
            ourError(`${op.id} ${shapeLabel} resident kernel failed: ${message(error)}`);
          }
        }
      }
      step(`${op.label} ${shapeLabel}: resident`);

      // TF.js webgpu on the same data kept on the GPU: a comparison point, so its failures are reported, not errors of ours.
      let tfjsResident: CellResult['tfjsResident'];
      if (tensorFlowReady.webgpu !== null) tfjsResident = { unavailable: tensorFlowReady.webgpu };
      else if (!op.tfjs) tfjsResident = { unavailable: 'TF.js has no such op' };
      else {
        hooks.onProgress(done, total, `${op.label} ${shapeLabel}: TF.js webgpu resident`);
        try {
          tfjsResident = await measureTensorFlowResident(op, inputs, reference, 'unavailable' in resident ? null : resident, {
            maxSamples: config.reps,
            budgetMs: config.cellBudgetMs * TENSORFLOW_RESIDENT_BUDGET_FRACTION,
            signal,
            errorScale,
          });
        } catch (error) {
          if (error instanceof CancelledError) throw error;
          tfjsResident = { unavailable: `failed: ${message(error)}` };
          console.warn(`[bench] ${op.id} ${shapeLabel} TF.js webgpu resident failed: ${message(error)}`);
        }
      }
      step(`${op.label} ${shapeLabel}: TF.js webgpu resident`);

      const cell: CellResult = {
        op: op.id,
        label: op.label,
        shape,
        shapeLabel,
        elements,
        bytesPerElement: op.bytesPerElement,
        autoChoice: autoChoiceFor(engines.auto, elements),
        autoCalls,
        autoRatio: autoRatioFor(endToEnd, autoCalls),
        endToEnd,
        resident,
        tfjsResident,
        ourMismatch,
      };
      results.cells.push(cell);
      hooks.onCell(cell);
      console.log(`[bench] cell ${cellSummary(cell)}`);
    }
    // The dtype dimension: every op again in float32 and float16, from 2^20 elements (bench/float16.ts).
    if ((config.float16Sizes ?? [1]).length > 0) {
      results.float16 = await measureFloat16(ops, config, engines, timer, random, signal, (status) =>
        hooks.onProgress(done, total, status),
      );
    }
    if (results.float16 && !('unavailable' in results.float16)) {
      for (const row of results.float16.rows.filter((r) => r.overFloat32 !== undefined)) {
        console.log(`[bench] float16 ${row.op} ${row.path} ${row.elements}: ${(row.overFloat32 as number).toFixed(2)}x float32 elements/s`);
      }
    }
  } catch (error) {
    if (!(error instanceof CancelledError)) throw error;
    results.state = 'cancelled';
  } finally {
    timer?.destroy();
  }
  results.crossovers = crossovers(results.cells);
  results.autoSummary = autoSummary(results.cells);
  results.finishedAt = new Date().toISOString();
  return results;
}

/** One line per finished cell for the console (the headless runner prints these as progress). */
function cellSummary(cell: CellResult): string {
  const parts = BACKENDS.map(({ id }) => {
    const result = cell.endToEnd[id];
    return `${id}=${result === undefined || 'unavailable' in result ? 'n/a' : `${result.msPerCall.toPrecision(3)}ms`}`;
  });
  const resident = 'unavailable' in cell.resident ? 'n/a' : `${cell.resident.ms.toPrecision(3)}ms`;
  const tf = cell.tfjsResident;
  const tfResident = 'unavailable' in tf ? 'n/a' : `${tf.ms.toPrecision(3)}ms`;
  const ratio = 'unavailable' in tf || tf.oursOverTensorFlow === null ? '' : ` ours/tf=${tf.oursOverTensorFlow.toFixed(2)}x`;
  const auto = cell.autoRatio ? ` auto/${cell.autoRatio.faster}=${cell.autoRatio.ratio.toFixed(2)}x` : '';
  return `${cell.op} ${cell.shapeLabel} auto->${cell.autoChoice}${auto} ${parts.join(' ')} resident=${resident} tf-resident=${tfResident}${ratio}`;
}

/** Each backend once on the op's special inputs (NaN, large |x|), with its outputs kept for display. */
async function measureEdge(
  op: BenchOp,
  engines: Engines,
  tensorFlowReady: Record<TensorFlowBackendName, string | null>,
): Promise<EdgeResult> {
  const inputs = op.edgeInputs();
  const reference = op.reference(inputs);
  const errorScale = op.errorScale?.(inputs);
  const outputs: EdgeResult['outputs'] = {};
  const errors: EdgeResult['maxRelativeError'] = {};
  let ourMismatch = false;
  for (const backend of BACKENDS) {
    try {
      const call = await callFor(backend.id, op, inputs, engines, tensorFlowReady);
      if ('unavailable' in call) {
        outputs[backend.id] = call;
        continue;
      }
      const output = ortOutputToFloat32(await call());
      outputs[backend.id] = Array.from(output);
      errors[backend.id] = maxRelativeError(output, reference, errorScale);
      if (backend.ours && !((errors[backend.id] as number) <= OUR_TOLERANCE)) ourMismatch = true;
    } catch (error) {
      outputs[backend.id] = { unavailable: `failed: ${message(error)}` };
      if (backend.ours) ourMismatch = true;
    }
  }
  return {
    op: op.id,
    label: op.label,
    shape: inputs.shape,
    x: Array.from(inputs.x),
    ...(inputs.dy ? { dy: Array.from(inputs.dy) } : {}),
    reference: Array.from(reference),
    outputs,
    maxRelativeError: errors,
    ourMismatch,
  };
}
