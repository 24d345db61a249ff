import type { BackendChoice, CreateActivationsOptions } from './engine.ts';
import { ArgumentRangeError, ArgumentTypeError } from './errors.ts';
import type { RowStrategy } from './gpu/row-plan.ts';
import { checkKnownKeys, checkOneOf, checkOptionsObject, describe } from './validate.ts';

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
