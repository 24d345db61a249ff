import { runElementwiseCpu, runForwardAndDerivativeCpu } from './cpu/elementwise.ts';
import { runRowsCpu } from './cpu/softmax.ts';
import { ArgumentRangeError, ArgumentTypeError } from './errors.ts';
import type { BufferView } from './gpu/executor.ts';
import type { RecordTarget, ResidentQueue, TensorData } from './gpu/resident.ts';
import { addNamedMethods, type ElementwiseOperations, type NamedElementwiseMethods, resolveCall } from './ops/calls.ts';
import type { ElementwiseActivation, ElementwiseOptions } from './ops/elementwise.ts';
import type { ElementwiseKernel, RowKernel } from './ops/kernels.ts';
import { Tensor, type TensorOwner } from './tensor.ts';
import { checkOptionsObject, describe, type RowOptions, resolveShape } from './validate.ts';

/** Options of the elementwise ops on tensors: those of the array API, and where to write. */
export interface ResidentElementwiseOptions extends ElementwiseOptions {
  /**
   * Write the result into this tensor (one of the engine's, or a caller's buffer through `act.wrap`)
   * instead of a new one; it is returned. It may be the input itself (in place), never a part of it.
   * For `xxxWithDerivative`, a pair `[values, derivatives]`.
   */
  out?: Tensor | readonly [Tensor, Tensor];
}

/** Options of the row ops on tensors: the shape, and where to write (see {@link ResidentElementwiseOptions.out}). */
export interface ResidentRowOptions extends RowOptions {
  out?: Tensor;
}

/**
 * The ops of an engine on tensors (`act.resident`): the same names as the engine's, synchronous, taking
 * and returning {@link Tensor}s. On WebGPU each op records its dispatches and is submitted at the end
 * of the current task (or when a result is read, or its `buffer` taken); nothing comes back until
 * `read()`. `with(encoder)` records the same ops into a caller's command encoder instead.
 */
export type ResidentOperations = ElementwiseOperations<Tensor, [Tensor, Tensor], ResidentElementwiseOptions, Tensor> &
  NamedElementwiseMethods<Tensor, [Tensor, Tensor], ResidentElementwiseOptions, Tensor> & {
    /** Row-wise softmax of a tensor. @throws {RangeError} on WebGPU, one row too long for a storage binding (the array API splits it). */
    softmax(x: Tensor, options?: ResidentRowOptions): Tensor;
    /** Row-wise log-softmax of a tensor. */
    logSoftmax(x: Tensor, options?: ResidentRowOptions): Tensor;
    /** y * (dy - sum(dy * y)) per row, on tensors. */
    softmaxBackward(y: Tensor, dy: Tensor, options?: ResidentRowOptions): Tensor;
    /**
     * The same ops, recorded into `encoder`, a GPUCommandEncoder of the engine's device that the caller
     * owns and submits: nothing runs before the caller's `queue.submit([encoder.finish()])`, and the
     * results may be read, or bound in the caller's later work, from then on. The engine's own
     * temporaries (uniforms, partial results of split rows) stay valid until the caller's submission
     * has run. Keep the tensors an encoder reads and writes alive (undestroyed) until it was submitted.
     * @throws {TypeError} `encoder` is not a GPUCommandEncoder, or the engine runs on the CPU.
     * @example
     * ```ts
     * const encoder = device.createCommandEncoder();
     * // ... the caller's own passes ...
     * act.resident.with(encoder).softmax(logits, { cols: 10, out: probabilities });
     * device.queue.submit([encoder.finish()]);
     * ```
     */
    with(encoder: GPUCommandEncoder): ResidentOperations;
  };

/** Where an engine's tensors live now: a resident queue on its device, or the CPU. */
export interface TensorHost extends TensorOwner {
  /** The engine's current GPU queue, or undefined on the CPU. */
  residentQueue(): ResidentQueue | undefined;
  /** Why the engine runs on the CPU, for messages. */
  readonly reason: string;
}

/** Builds `act.resident` for an engine: ops recorded for the engine to submit, or (`target`) into a caller's encoder. */
export function createResidentOperations(owner: TensorHost, target: RecordTarget = 'engine'): ResidentOperations {
  const tensorArgument = (value: unknown, argument: string): Tensor => {
    if (!(value instanceof Tensor)) {
      throw new ArgumentTypeError(
        argument,
        `expected a Tensor (from act.upload(), act.wrap() or an op of act.resident), got ${describe(value)}`,
      );
    }
    return value;
  };
  const gpuData = (tensor: Tensor, argument: string, queue: ResidentQueue): TensorData => {
    const storage = tensor.storage(argument, owner);
    if (storage.kind !== 'gpu') {
      throw new ArgumentTypeError(
        argument,
        'this tensor lives on the CPU, but the engine now runs on WebGPU; read() it and upload() it again',
      );
    }
    if (storage.queue !== queue) {
      throw new ArgumentTypeError(
        argument,
        "this tensor was on a WebGPU device that was lost; its values are gone: upload them again on the engine's new device",
      );
    }
    const { buffer } = storage.data.view;
    if (buffer.mapState !== 'unmapped') {
      throw new ArgumentTypeError(
        argument,
        `its GPUBuffer is ${buffer.mapState === 'mapped' ? 'mapped' : 'being mapped'}; unmap it before an op uses it`,
      );
    }
    return storage.data;
  };
  const cpuData = (tensor: Tensor, argument: string): Float32Array => {
    const storage = tensor.storage(argument, owner);
    if (storage.kind !== 'cpu')
      throw new ArgumentTypeError(argument, "this tensor's WebGPU device is gone (the engine runs on the CPU now)");
    return storage.data;
  };
  const sameLength = (a: Tensor, b: Tensor, names: [string, string]) => {
    if (a.length !== b.length)
      throw new ArgumentRangeError(names[1], `has length ${b.length}, expected ${a.length} (the length of ${names[0]})`);
  };
  // Splits `out` from the options the array API also takes.
  const splitOut = (options: unknown): { out: unknown; rest: Record<string, unknown> } => {
    const { out, ...rest } = checkOptionsObject(options);
    return { out, rest };
  };
  const outTensor = (value: unknown, argument: string, length: number, first: string): Tensor => {
    const out = tensorArgument(value, argument);
    if (out.length !== length)
      throw new ArgumentRangeError(argument, `has length ${out.length}, expected ${length} (the length of ${first})`);
    return out;
  };
  // An output may be an input (in place) but never overlap one partly, nor another output.
  const checkOverlaps = (outputs: readonly [TensorData, string][], inputs: readonly [TensorData, string][]) => {
    outputs.forEach(([output, argument], i) => {
      const others = [...inputs.filter(([input]) => !sameView(input.view, output.view)), ...outputs.slice(0, i)];
      for (const [other, name] of others) {
        if (!overlaps(output.view, other.view)) continue;
        throw new ArgumentRangeError(
          argument,
          `overlaps ${name} (bytes ${range(output.view)} and ${range(other.view)} of one GPUBuffer); pass the input itself to work in place, or a disjoint tensor`,
        );
      }
    });
  };
  const queueOrThrow = (): ResidentQueue | undefined => {
    const queue = owner.residentQueue();
    if (!queue && target !== 'engine') {
      throw new ArgumentTypeError('encoder', `this engine runs on the CPU now (${owner.reason}); record on a WebGPU engine`);
    }
    return queue;
  };

  const elementwise = (
    activation: ElementwiseActivation,
    kernel: ElementwiseKernel,
    inputs: Tensor[],
    names: string[],
    alpha: number,
    outOption: unknown,
  ): Tensor => {
    const length = (inputs[0] as Tensor).length;
    const out = outOption === undefined ? undefined : outTensor(outOption, 'options.out', length, names[0] as string);
    owner.checkAlive(`${activation.name}.${kernel}`);
    const queue = queueOrThrow();
    if (queue) {
      const data = inputs.map((t, i) => gpuData(t, names[i] as string, queue));
      const outData = out ? gpuData(out, 'options.out', queue) : queue.allocate(length, 'x');
      checkOverlaps(
        [[outData, 'options.out']],
        data.map((d, i): [TensorData, string] => [d, names[i] as string]),
      );
      queue.record(
        target,
        `${activation.name}.${kernel}`,
        data,
        [outData],
        (recording) => queue.executor.elementwise(recording, activation, kernel, views(data), [outData.view], alpha),
        callerBuffers([...data.map((d, i): [TensorData, string] => [d, names[i] as string]), [outData, 'options.out']]),
      );
      return out ?? new Tensor(owner, { queue, data: outData });
    }
    const [x, dy] = inputs.map((t, i) => cpuData(t, names[i] as string)) as [Float32Array, Float32Array | undefined];
    const result = out ? cpuData(out, 'options.out') : new Float32Array(length);
    runElementwiseCpu(activation, kernel, x, dy, alpha, result);
    return out ?? new Tensor(owner, result);
  };

  const rows = (kernel: RowKernel, inputs: Tensor[], names: string[], options: unknown): Tensor => {
    const first = inputs[0] as Tensor;
    const { out: outOption, rest } = splitOut(options);
    const shape = resolveShape(rest, first.length);
    const out = outOption === undefined ? undefined : outTensor(outOption, 'options.out', first.length, names[0] as string);
    owner.checkAlive(kernel);
    const queue = queueOrThrow();
    if (queue) {
      const data = inputs.map((t, i) => gpuData(t, names[i] as string, queue));
      queue.executor.rowsPerSlice(kernel, shape);
      const outData = out ? gpuData(out, 'options.out', queue) : queue.allocate(first.length, 'x');
      checkOverlaps(
        [[outData, 'options.out']],
        data.map((d, i): [TensorData, string] => [d, names[i] as string]),
      );
      queue.record(
        target,
        kernel,
        data,
        [outData],
        (recording) => queue.executor.rows(recording, kernel, views(data), outData.view, shape),
        callerBuffers([...data.map((d, i): [TensorData, string] => [d, names[i] as string]), [outData, 'options.out']]),
      );
      return out ?? new Tensor(owner, { queue, data: outData });
    }
    const [x, dy] = inputs.map((t, i) => cpuData(t, names[i] as string)) as [Float32Array, Float32Array | undefined];
    const result = out ? cpuData(out, 'options.out') : new Float32Array(first.length);
    // The CPU row loops read a row before writing it: in place is safe.
    runRowsCpu(kernel, x, dy, shape.rows, shape.cols, result);
    return out ?? new Tensor(owner, result);
  };

  const operations = {
    forward(activation: ElementwiseActivation, x: Tensor, options?: ResidentElementwiseOptions): Tensor {
      const { out, rest } = splitOut(options);
      const call = resolveCall(activation, rest, 'forward');
      return elementwise(call.activation, call.kernel, [tensorArgument(x, call.input)], [call.input], call.alpha, out);
    },
    derivative(activation: ElementwiseActivation, x: Tensor, options?: ResidentElementwiseOptions): Tensor {
      const { out, rest } = splitOut(options);
      const call = resolveCall(activation, rest, 'derivative');
      return elementwise(call.activation, call.kernel, [tensorArgument(x, call.input)], [call.input], call.alpha, out);
    },
    backward(activation: ElementwiseActivation, a: Tensor, dy: Tensor, options?: ResidentElementwiseOptions): Tensor {
      const { out, rest } = splitOut(options);
      const call = resolveCall(activation, rest, 'backward');
      const inputs = [tensorArgument(a, call.input), tensorArgument(dy, 'dy')];
      sameLength(inputs[0] as Tensor, inputs[1] as Tensor, [call.input, 'dy']);
      return elementwise(call.activation, call.kernel, inputs, [call.input, 'dy'], call.alpha, out);
    },
    forwardWithDerivative(activation: ElementwiseActivation, x: Tensor, options?: ResidentElementwiseOptions): [Tensor, Tensor] {
      const { out: outOption, rest } = splitOut(options);
      const call = resolveCall(activation, rest, 'forwardWithDerivative');
      const input = tensorArgument(x, call.input);
      let outs: [Tensor, Tensor] | undefined;
      if (outOption !== undefined) {
        if (!Array.isArray(outOption) || outOption.length !== 2) {
          throw new ArgumentTypeError('options.out', `expected a pair [values, derivatives] of tensors, got ${describe(outOption)}`);
        }
        outs = [outTensor(outOption[0], 'options.out[0]', input.length, 'x'), outTensor(outOption[1], 'options.out[1]', input.length, 'x')];
      }
      const label = call.label;
      owner.checkAlive(label);
      const queue = queueOrThrow();
      if (queue) {
        const data = gpuData(input, 'x', queue);
        const outData = outs
          ? [gpuData(outs[0], 'options.out[0]', queue), gpuData(outs[1], 'options.out[1]', queue)]
          : [queue.allocate(input.length, 'x'), queue.allocate(input.length, 'x')];
        checkOverlaps(
          [
            [outData[0] as TensorData, 'options.out[0]'],
            [outData[1] as TensorData, 'options.out[1]'],
          ],
          [[data, 'x']],
        );
        queue.record(
          target,
          label,
          [data],
          outData,
          (recording) =>
            queue.executor.elementwise(recording, call.activation, 'forward_and_derivative', [data.view], views(outData), call.alpha),
          callerBuffers([
            [data, 'x'],
            [outData[0] as TensorData, 'options.out[0]'],
            [outData[1] as TensorData, 'options.out[1]'],
          ]),
        );
        return (
          outs ?? [
            new Tensor(owner, { queue, data: outData[0] as TensorData }),
            new Tensor(owner, { queue, data: outData[1] as TensorData }),
          ]
        );
      }
      const source = cpuData(input, 'x');
      const values = outs ? cpuData(outs[0], 'options.out[0]') : new Float32Array(input.length);
      const derivatives = outs ? cpuData(outs[1], 'options.out[1]') : new Float32Array(input.length);
      if (values === derivatives)
        throw new ArgumentRangeError('options.out[1]', 'is options.out[0]; values and derivatives need two tensors');
      // The two loops read x one after the other: an output that is x must not be written before both ran.
      runForwardAndDerivativeCpu(
        call.activation,
        values === source || derivatives === source ? source.slice() : source,
        call.alpha,
        values,
        derivatives,
      );
      return outs ?? [new Tensor(owner, values), new Tensor(owner, derivatives)];
    },
    softmax: (x: Tensor, options?: ResidentRowOptions) => rows('softmax', [tensorArgument(x, 'x')], ['x'], options),
    logSoftmax: (x: Tensor, options?: ResidentRowOptions) => rows('log_softmax', [tensorArgument(x, 'x')], ['x'], options),
    softmaxBackward: (y: Tensor, dy: Tensor, options?: ResidentRowOptions) => {
      const inputs = [tensorArgument(y, 'y'), tensorArgument(dy, 'dy')];
      sameLength(inputs[0] as Tensor, inputs[1] as Tensor, ['y', 'dy']);
      return rows('softmax_backward', inputs, ['y', 'dy'], options);
    },
    with(encoder: GPUCommandEncoder): ResidentOperations {
      const candidate = encoder as Partial<GPUCommandEncoder> | null;
      if (
        typeof candidate !== 'object' ||
        candidate === null ||
        typeof candidate.beginComputePass !== 'function' ||
        typeof candidate.finish !== 'function'
      ) {
        throw new ArgumentTypeError('encoder', `expected a GPUCommandEncoder, got ${describe(encoder)}`);
      }
      owner.checkAlive('resident.with');
      if (!owner.residentQueue())
        throw new ArgumentTypeError('encoder', `this engine runs on the CPU (${owner.reason}); record on a WebGPU engine`);
      return createResidentOperations(owner, encoder);
    },
  };
  addNamedMethods(operations as unknown as ElementwiseOperations<unknown, unknown, unknown, never>, operations);
  return operations as unknown as ResidentOperations;
}

// The arguments of an op that are over a caller's buffer (act.wrap).
function callerBuffers(arguments_: readonly [TensorData, string][]): string[] {
  return arguments_.filter(([data]) => !data.owned).map(([, name]) => name);
}

function views(data: readonly TensorData[]): BufferView[] {
  return data.map((d) => d.view);
}

function overlaps(a: BufferView, b: BufferView): boolean {
  return (
    a.buffer === b.buffer &&
    a.length > 0 &&
    b.length > 0 &&
    a.byteOffset < b.byteOffset + b.length * 4 &&
    b.byteOffset < a.byteOffset + a.length * 4
  );
}

function sameView(a: BufferView, b: BufferView): boolean {
  return a.buffer === b.buffer && a.byteOffset === b.byteOffset && a.length === b.length;
}

function range(view: BufferView): string {
  return `${view.byteOffset}..${view.byteOffset + view.length * 4}`;
}
