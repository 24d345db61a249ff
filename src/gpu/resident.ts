import { ArgumentRangeError, ArgumentTypeError, WebGPUError } from '../errors.ts';
import type { BufferView, GpuExecutor, Recording } from './executor.ts';
import { BufferUsage } from './flags.ts';
import { padded } from './layout.ts';
import { UNIFORM_BYTES } from './uniforms.ts';

const TENSOR_USAGE = BufferUsage.STORAGE | BufferUsage.COPY_SRC | BufferUsage.COPY_DST;

/** The GPU side of a tensor: its view, who owns the buffer, and the outcome of the last op that wrote it. */
export interface TensorData {
  readonly view: BufferView;
  /** A pooled buffer of the engine's (returned on destroy), or a caller's (act.wrap: never pooled, destroyed or resized). */
  readonly owned: boolean;
  /** Settles with the error of the op that last wrote the tensor (or of one it depended on), or null. */
  error: Promise<Error | null>;
}

/** Where an op is recorded: the engine's own batch (submitted by the engine), or a caller's encoder. */
export type RecordTarget = 'engine' | GPUCommandEncoder;

interface PendingOp {
  readonly commandBuffer: GPUCommandBuffer;
  readonly label: string;
  readonly submitted: (error: Error | null) => void;
  readonly temporaries: GPUBuffer[];
}

/**
 * GPU-resident ops of one engine on one device. Each op is recorded through the device's
 * {@link GpuExecutor} into a command encoder of its own, inside its own error scopes, and submitted in
 * its own `submit()` (within scopes too) at the end of the current task, or earlier when a result is
 * read or its buffer taken: a failing op (a shader that does not compile, a destroyed buffer) rejects
 * its own results and those of the ops that read them, and every other op still runs. Ops recorded
 * into a caller's encoder (`with(encoder)`) run when the caller submits it.
 */
export class ResidentQueue {
  private pending: PendingOp[] = [];
  private afterSubmit: (() => void)[] = [];
  private scheduled = false;

  constructor(readonly executor: GpuExecutor) {}

  /** Uploads x into a new pooled buffer (one writeBuffer). */
  upload(x: Float32Array): TensorData {
    const data = this.allocate(x.length, 'x');
    this.executor.write(data.view.buffer, 0, x);
    return data;
  }

  /**
   * A new pooled tensor of `length` floats.
   * @throws {RangeError} more than the device's maxBufferSize.
   */
  allocate(length: number, argument: string): TensorData {
    const { device } = this.executor;
    const maxElements = Math.floor(device.limits.maxBufferSize / 4);
    if (length > maxElements) {
      throw new ArgumentRangeError(
        argument,
        `a tensor of ${length} elements (${length * 4} bytes) exceeds the device's maxBufferSize of ${device.limits.maxBufferSize} bytes (${maxElements} elements); use the array API, which splits`,
      );
    }
    const buffer = this.executor.pool.acquire(padded(Math.max(1, length)), TENSOR_USAGE, 'tensor');
    return { view: { buffer, byteOffset: 0, length }, owned: true, error: Promise.resolve(null) };
  }

  /**
   * A tensor over a caller's buffer. The synchronous checks are the caller's (see act.wrap); here a bind
   * group over it is made inside an error scope, which fails for a buffer of another device: that
   * error becomes the tensor's, so every op that reads it and its read() reject with it.
   */
  wrap(view: BufferView): TensorData {
    const { device, pipelines } = this.executor;
    let error: Promise<Error | null> = Promise.resolve(null);
    if (view.buffer.size - view.byteOffset >= 4) {
      device.pushErrorScope('validation');
      device.createBindGroup({
        label: 'webgpu-activations.wrap.probe',
        layout: pipelines.layouts.in_place,
        entries: [
          { binding: 2, resource: { buffer: view.buffer, offset: view.byteOffset, size: Math.max(4, view.length * 4) } },
          { binding: 4, resource: { buffer: this.executor.uniforms.buffer(new ArrayBuffer(UNIFORM_BYTES), false) } },
        ],
      });
      error = device.popErrorScope().then(
        (found) =>
          found
            ? new ArgumentTypeError(
                'buffer',
                `cannot be used on this engine's device (a GPUBuffer of another GPUDevice?): ${found.message}`,
              )
            : null,
        () => null,
      );
    }
    return { view, owned: false, error };
  }

  /** Gives a tensor's buffer back to the pool, after the pending submit if one may still use it; a caller's buffer is left alone. */
  release(data: TensorData): void {
    if (!data.owned) return;
    const { buffer } = data.view;
    if (this.pending.length > 0) this.afterSubmit.push(() => this.executor.pool.release(buffer));
    else this.executor.pool.release(buffer);
  }

  /**
   * Records one op. `encode` records its dispatches into the recording's encoder; `outputs` then hold
   * its results, and their `error` settles with the op's own error or that of an input. `callerBuffers`
   * names the arguments over a caller's buffers: a buffer destroyed before the op ran is reported as
   * theirs (a TypeError naming them), not as a GPU failure.
   */
  record(
    target: RecordTarget,
    label: string,
    inputs: readonly TensorData[],
    outputs: readonly TensorData[],
    encode: (recording: Recording) => void,
    callerBuffers: readonly string[] = [],
  ): void {
    const { executor } = this;
    const { device } = executor;
    const dependencies = inputs.map((input) => input.error);
    device.pushErrorScope('out-of-memory');
    device.pushErrorScope('validation');
    let scopes: Promise<[GPUError | null, GPUError | null]>;
    let submitted: Promise<Error | null> = Promise.resolve(null);
    try {
      if (target === 'engine') {
        const temporaries: GPUBuffer[] = [];
        const encoder = device.createCommandEncoder({ label: `webgpu-activations.${label}.encoder` });
        encode({
          encoder,
          temporary: (bytes, purpose) => {
            const buffer = executor.pool.acquire(bytes, TENSOR_USAGE, purpose);
            temporaries.push(buffer);
            return buffer;
          },
          callerOwned: false,
        });
        const commandBuffer = encoder.finish();
        submitted = new Promise<Error | null>((resolve) => {
          this.pending.push({ commandBuffer, label, submitted: (error) => resolve(blameDestroyed(error, callerBuffers)), temporaries });
        });
        this.schedule();
      } else {
        encode({ encoder: target, temporary: (bytes, purpose) => executor.callerTemporary(bytes, purpose), callerOwned: true });
      }
    } finally {
      const validation = device.popErrorScope();
      const outOfMemory = device.popErrorScope();
      scopes = Promise.all([validation, outOfMemory]);
    }
    const own = scopes.then(
      ([validation, outOfMemory]): Error | null => {
        const found = validation ?? outOfMemory;
        return found ? blameDestroyed(new WebGPUError(`${label}: ${found.message}`), callerBuffers) : null;
      },
      (error: unknown) => new WebGPUError(`${label}: ${String(error)}`),
    );
    // An input's error first: a tensor that was bad from the start (a foreign buffer) is the cause.
    const error = Promise.all([...dependencies, own, submitted]).then((found) => found.find((e) => e !== null) ?? null);
    // A rejection nobody reads is no unhandled rejection: the error is a value here.
    for (const output of outputs) output.error = error;
  }

  /** Submits every op recorded for the engine, each in its own submit and error scopes, in the order recorded. */
  flush(): void {
    const ops = this.pending;
    if (ops.length === 0) return;
    this.pending = [];
    const { device } = this.executor;
    for (const op of ops) {
      device.pushErrorScope('out-of-memory');
      device.pushErrorScope('validation');
      device.queue.submit([op.commandBuffer]);
      const validation = device.popErrorScope();
      const outOfMemory = device.popErrorScope();
      Promise.all([validation, outOfMemory]).then(
        ([found, oom]) => op.submitted(found || oom ? new WebGPUError(`${op.label}: ${(found ?? oom)?.message}`) : null),
        (error: unknown) => op.submitted(new WebGPUError(`${op.label}: ${String(error)}`)),
      );
      for (const buffer of op.temporaries) this.executor.pool.release(buffer);
    }
    const actions = this.afterSubmit;
    this.afterSubmit = [];
    for (const action of actions) action();
    this.executor.uniforms.pendingBatches = 0;
    this.scheduled = false;
    this.executor.uniforms.collectRetired();
  }

  /**
   * Submits what was recorded, then reads `data` back.
   * @throws the error of the op that wrote it (or of one it depended on).
   */
  async read(data: TensorData): Promise<Float32Array> {
    this.flush();
    const error = await data.error;
    if (error) throw error;
    return this.executor.read(data.view);
  }

  // Submits at the end of the current task: ops a caller issues together are recorded before any runs.
  private schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    this.executor.uniforms.pendingBatches = 1;
    queueMicrotask(() => this.flush());
  }
}

// WebGPU reports a destroyed buffer as a validation error of the submit (Dawn: "Destroyed buffer [...]
// used in a submit"); where the op used a caller's buffers, that is the caller's argument, not a GPU fault.
function blameDestroyed(error: Error | null, callerBuffers: readonly string[]): Error | null {
  if (!error || callerBuffers.length === 0 || !/destroyed/i.test(error.message)) return error;
  return new ArgumentTypeError(callerBuffers.join(' or '), `its GPUBuffer was destroyed before the op ran (${error.message.trim()})`);
}
