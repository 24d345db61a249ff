import { ArgumentRangeError, ArgumentTypeError } from './errors.ts';
import type { RowStrategy } from './gpu/row-plan.ts';
import { checkKnownKeys, checkOneOf, checkOptionsObject, describe } from './validate.ts';

/** Which backend an engine uses: `'auto'` picks WebGPU when a device is granted, and the CPU for small arrays. */
export type BackendChoice = 'auto' | 'webgpu' | 'cpu';

/** Options of {@link createActivations}. */
export interface CreateActivationsOptions {
  /** `'auto'` (default), `'webgpu'` (fail if WebGPU cannot be had; every call on the GPU), or `'cpu'`. */
  backend?: BackendChoice;
  /** Use this device instead of requesting one. The engine never destroys a device it was given. */
  device?: GPUDevice;
  /**
   * Where to request an adapter from, instead of `navigator.gpu` (in Node: the `webgpu` package, imported
   * when installed). For example Dawn with flags: `create(['adapter=NVIDIA ...'])` from `webgpu`.
   */
  gpu?: GPU;
  /**
   * With `backend: 'auto'`, arrays with fewer elements than this run on the CPU, where a GPU round trip
   * (upload, dispatch, map, copy back) costs more than the work. By default the engine measures it
   * when it starts (a few milliseconds, once per adapter per page; see `act.calibration`).
   */
  minGpuElements?: number;
  /** Largest slice of an array in one dispatch, in bytes, at least 16 (default: the device's binding limit). Lower it to test splitting. */
  maxChunkBytes?: number;
  /**
   * Testing aid, not for production use: a cap on workgroups per grid dimension below the device's
   * limit (an integer >= 1), so that small arrays exercise 2D grids.
   */
  maxWorkgroupsPerDimension?: number;
  /**
   * Row kernels (softmax family): `'auto'` (default) picks by row count, row length and adapter (see
   * planRows in src/gpu/row-plan.ts); `'thread'` forces a thread per row, `'workgroup'` a workgroup-wide
   * reduction per row, `'split'` each row split over many threads (partials, a merge, the outputs).
   */
  rowStrategy?: RowStrategy;
  /** Bound on idle GPU buffer bytes kept for reuse (default 256 MiB). */
  maxPooledBytes?: number;
  /**
   * Testing aid, not for production use (it costs a write per output buffer): fill GPU output buffers
   * with a poison value (-1.2345e30) before each dispatch, so that elements a kernel leaves unwritten show.
   */
  poisonOutputs?: boolean;
}

/** The options of {@link createActivations} after validation, defaults not yet applied where a default depends on the device. */
export interface ResolvedEngineOptions {
  readonly backend: BackendChoice;
  readonly device: GPUDevice | undefined;
  readonly gpu: GPU | undefined;
  readonly minGpuElements: number | undefined;
  readonly maxChunkBytes: number | undefined;
  readonly maxWorkgroupsPerDimension: number | undefined;
  readonly rowStrategy: RowStrategy | undefined;
  readonly maxPooledBytes: number | undefined;
  readonly poisonOutputs: boolean;
}

/** Every value `rowStrategy` takes. */
export const ROW_STRATEGIES = ['auto', 'thread', 'workgroup', 'split'] as const satisfies readonly RowStrategy[];

const BACKENDS = ['auto', 'webgpu', 'cpu'] as const satisfies readonly BackendChoice[];

// One checker per option: a key of CreateActivationsOptions without one fails to type-check, and a
// key given that is not here is refused (a typo such as `minGpuElement` must not pass silently).
const CHECKS = {
  backend: (value: unknown, argument: string) => checkOneOf(value, argument, BACKENDS),
  device: checkDevice,
  gpu: checkGpu,
  minGpuElements: (value: unknown, argument: string) =>
    checkNumber(value, argument, 0, false, 'a number of elements >= 0 (Infinity: never)'),
  maxChunkBytes: (value: unknown, argument: string) => checkNumber(value, argument, 16, true, 'an integer number of bytes >= 16'),
  maxWorkgroupsPerDimension: (value: unknown, argument: string) => checkNumber(value, argument, 1, true, 'an integer >= 1'),
  rowStrategy: (value: unknown, argument: string) => checkOneOf(value, argument, ROW_STRATEGIES),
  maxPooledBytes: (value: unknown, argument: string) => checkNumber(value, argument, 0, false, 'a number of bytes >= 0'),
  poisonOutputs: checkBoolean,
} satisfies { [K in keyof Required<CreateActivationsOptions>]: (value: unknown, argument: string) => unknown };

/**
 * Validates every option of `createActivations` at creation: an unknown key is an
 * {@link ArgumentTypeError}, a value of the wrong type too, and a value of the right type outside its
 * range (`backend: 'gpu'`, `minGpuElements: -1`, `maxChunkBytes: NaN`) an {@link ArgumentRangeError}.
 */
export function resolveEngineOptions(options: unknown): ResolvedEngineOptions {
  const given = checkOptionsObject(options);
  checkKnownKeys(given, Object.keys(CHECKS));
  const read = <K extends keyof typeof CHECKS>(key: K): ReturnType<(typeof CHECKS)[K]> | undefined => {
    const value = given[key];
    return value === undefined ? undefined : (CHECKS[key](value, `options.${key}`) as ReturnType<(typeof CHECKS)[K]>);
  };
  return {
    backend: read('backend') ?? 'auto',
    device: read('device'),
    gpu: read('gpu'),
    minGpuElements: read('minGpuElements'),
    maxChunkBytes: read('maxChunkBytes'),
    maxWorkgroupsPerDimension: read('maxWorkgroupsPerDimension'),
    rowStrategy: read('rowStrategy'),
    maxPooledBytes: read('maxPooledBytes'),
    poisonOutputs: read('poisonOutputs') ?? false,
  };
}

function checkNumber(value: unknown, argument: string, min: number, integer: boolean, expected: string): number {
  if (typeof value !== 'number') throw new ArgumentTypeError(argument, `expected ${expected}, got ${describe(value)}`);
  if (!(value >= min) || (integer && !Number.isSafeInteger(value))) {
    throw new ArgumentRangeError(argument, `expected ${expected}, got ${value}`);
  }
  return value;
}

function checkBoolean(value: unknown, argument: string): boolean {
  if (typeof value !== 'boolean') throw new ArgumentTypeError(argument, `expected true or false, got ${describe(value)}`);
  return value;
}

// By shape, not by class: Node's `webgpu` package has no GPUDevice global, and a device from another
// realm (an iframe) is no instance of this one's.
function checkDevice(value: unknown, argument: string): GPUDevice {
  const device = value as Partial<GPUDevice> | null;
  const usable =
    typeof device === 'object' &&
    device !== null &&
    typeof device.createBuffer === 'function' &&
    typeof device.createComputePipeline === 'function' &&
    typeof device.queue?.writeBuffer === 'function' &&
    typeof device.lost?.then === 'function' &&
    typeof device.limits === 'object';
  if (!usable) throw new ArgumentTypeError(argument, `expected a GPUDevice (from adapter.requestDevice()), got ${describe(value)}`);
  return value as GPUDevice;
}

function checkGpu(value: unknown, argument: string): GPU {
  const gpu = value as Partial<GPU> | null;
  if (typeof gpu !== 'object' || gpu === null || typeof gpu.requestAdapter !== 'function') {
    throw new ArgumentTypeError(
      argument,
      `expected a GPU object (navigator.gpu, or create() of Node's webgpu package), got ${describe(value)}`,
    );
  }
  return value as GPU;
}
