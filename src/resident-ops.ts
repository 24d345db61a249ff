import { runElementwiseCpu, runForwardAndDerivativeCpu } from './cpu/elementwise.ts';
import { runRowsCpu } from './cpu/softmax.ts';
import { ArgumentRangeError, WebGPUError } from './errors.ts';
import type { ResidentData, ResidentQueue } from './gpu/resident.ts';
import { addNamedMethods, type ElementwiseOperations, type NamedElementwiseMethods, resolveCall } from './ops/calls.ts';
import type { ElementwiseActivation, ElementwiseOptions } from './ops/elementwise.ts';
import type { ElementwiseKernel, RowKernel } from './ops/kernels.ts';
import { Tensor } from './tensor.ts';
import { type RowOptions, resolveShape } from './validate.ts';

/**
 * The ops of an engine on tensors (`act.resident`): the same names as the engine's, synchronous, taking
 * and returning {@link Tensor}s. On WebGPU each op only records a dispatch; the ops queued in one task
 * are submitted together, and nothing comes back until `read()`.
 */
export type ResidentOperations = ElementwiseOperations<Tensor, [Tensor, Tensor], ElementwiseOptions, Tensor> &
  NamedElementwiseMethods<Tensor, [Tensor, Tensor], ElementwiseOptions, Tensor> & {
    /** Row-wise softmax of a tensor. @throws {RangeError} on WebGPU, a tensor larger than one storage binding. */
    softmax(x: Tensor, options?: RowOptions): Tensor;
    /** Row-wise log-softmax of a tensor. */
    logSoftmax(x: Tensor, options?: RowOptions): Tensor;
    /** y * (dy - sum(dy * y)) per row, on tensors. */
    softmaxBackward(y: Tensor, dy: Tensor, options?: RowOptions): Tensor;
  };

/** Where an engine's tensors live now: a resident queue on its device, or the CPU. */
export interface TensorHost {
  /** The engine's current GPU queue, or undefined on the CPU. */
  residentQueue(): ResidentQueue | undefined;
  /** Throws if the engine was destroyed. */
  checkAlive(operation: string): void;
}

/** Builds `act.resident` for an engine. */
export function createResidentOperations(owner: TensorHost): ResidentOperations {
  const gpuData = (tensor: Tensor, argument: string): ResidentData => {
    const storage = tensor.storage(argument, owner);
    if (storage.kind !== 'gpu')
      throw new WebGPUError(
        `${argument}: this tensor lives on the CPU, but the engine now runs on WebGPU; read() it and upload() it again`,
      );
    return storage.data;
  };
  const cpuData = (tensor: Tensor, argument: string): Float32Array => {
    const storage = tensor.storage(argument, owner);
    if (storage.kind !== 'cpu') throw new WebGPUError(`${argument}: this tensor's WebGPU device is gone (the engine runs on the CPU now)`);
    return storage.data;
  };
  const sameLength = (a: Tensor, b: Tensor, names: [string, string]) => {
    if (a.length !== b.length)
      throw new ArgumentRangeError(names[1], `has length ${b.length}, expected ${a.length} (the length of ${names[0]})`);
  };
  const elementwise = (
    activation: ElementwiseActivation,
    kernel: ElementwiseKernel,
    inputs: Tensor[],
    names: string[],
    alpha: number,
  ): Tensor => {
    owner.checkAlive(activation.name);
    const queue = owner.residentQueue();
    if (queue) {
      const data = inputs.map((t, i) => gpuData(t, names[i] as string));
      const [output] = queue.elementwise(activation, kernel, data, alpha, 1);
      return new Tensor(owner, { queue, data: output as ResidentData });
    }
    const [x, dy] = inputs.map((t, i) => cpuData(t, names[i] as string)) as [Float32Array, Float32Array | undefined];
    return new Tensor(owner, runElementwiseCpu(activation, kernel, x, dy, alpha, new Float32Array(x.length)));
  };
  const rows = (kernel: RowKernel, inputs: Tensor[], names: string[], options: RowOptions | undefined): Tensor => {
    owner.checkAlive(kernel);
    const first = inputs[0] as Tensor;
    const shape = resolveShape(options, first.length);
    const queue = owner.residentQueue();
    if (queue) {
      const data = inputs.map((t, i) => gpuData(t, names[i] as string));
      return new Tensor(owner, { queue, data: queue.rows(kernel, data, shape) });
    }
    const [x, dy] = inputs.map((t, i) => cpuData(t, names[i] as string)) as [Float32Array, Float32Array | undefined];
    return new Tensor(owner, runRowsCpu(kernel, x, dy, shape.rows, shape.cols, new Float32Array(x.length)));
  };

  const operations = {
    forward(activation: ElementwiseActivation, x: Tensor, options?: ElementwiseOptions): Tensor {
      const call = resolveCall(activation, options, 'input');
      return elementwise(call.activation, 'forward', [x], ['x'], call.alpha);
    },
    derivative(activation: ElementwiseActivation, x: Tensor, options?: ElementwiseOptions): Tensor {
      const call = resolveCall(activation, options, 'input');
      const name = call.from === 'output' ? 'y' : 'x';
      return elementwise(call.activation, call.from === 'output' ? 'derivative_from_output' : 'derivative', [x], [name], call.alpha);
    },
    backward(activation: ElementwiseActivation, a: Tensor, dy: Tensor, options?: ElementwiseOptions): Tensor {
      const call = resolveCall(activation, options, activation?.backwardFrom ?? 'input');
      const name = call.from === 'output' ? 'y' : 'x';
      sameLength(a, dy, [name, 'dy']);
      return elementwise(call.activation, call.from === 'output' ? 'backward_from_output' : 'backward', [a, dy], [name, 'dy'], call.alpha);
    },
    forwardWithDerivative(activation: ElementwiseActivation, x: Tensor, options?: ElementwiseOptions): [Tensor, Tensor] {
      const call = resolveCall(activation, options, 'input');
      owner.checkAlive(`${call.activation.name}WithDerivative`);
      const queue = owner.residentQueue();
      if (queue) {
        const [values, derivatives] = queue.elementwise(call.activation, 'forward_and_derivative', [gpuData(x, 'x')], call.alpha, 2);
        return [
          new Tensor(owner, { queue, data: values as ResidentData }),
          new Tensor(owner, { queue, data: derivatives as ResidentData }),
        ];
      }
      const input = cpuData(x, 'x');
      const values = new Float32Array(input.length);
      const derivatives = new Float32Array(input.length);
      runForwardAndDerivativeCpu(call.activation, input, call.alpha, values, derivatives);
      return [new Tensor(owner, values), new Tensor(owner, derivatives)];
    },
    softmax: (x: Tensor, options?: RowOptions) => rows('softmax', [x], ['x'], options),
    logSoftmax: (x: Tensor, options?: RowOptions) => rows('log_softmax', [x], ['x'], options),
    softmaxBackward: (y: Tensor, dy: Tensor, options?: RowOptions) => {
      sameLength(y, dy, ['y', 'dy']);
      return rows('softmax_backward', [y, dy], ['y', 'dy'], options);
    },
  };
  addNamedMethods(operations as unknown as ElementwiseOperations<unknown, unknown, unknown, never>, operations);
  return operations as unknown as ResidentOperations;
}
