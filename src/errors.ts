/**
 * Errors thrown at the public boundary. Each extends the standard type a caller would catch
 * (`TypeError`, `RangeError`, `Error`) and carries the name of the offending argument.
 */

/** An argument of the wrong type: not an array of numbers, a detached buffer, a shape that is not a number. */
export class ArgumentTypeError extends TypeError {
  override name = 'ArgumentTypeError';
  /** The name of the argument, as in the TSDoc of the function that threw. */
  readonly argument: string;
  constructor(argument: string, message: string) {
    super(`${argument}: ${message}`);
    this.argument = argument;
  }
}

/** An argument of the right type but outside what is allowed: a shape that does not match the length, a negative size, an array larger than the device can hold. */
export class ArgumentRangeError extends RangeError {
  override name = 'ArgumentRangeError';
  /** The name of the argument, as in the TSDoc of the function that threw. */
  readonly argument: string;
  constructor(argument: string, message: string) {
    super(`${argument}: ${message}`);
    this.argument = argument;
  }
}

/** A call on an engine after its `destroy()`. */
export class EngineDestroyedError extends TypeError {
  override name = 'EngineDestroyedError';
  constructor(operation: string) {
    super(`${operation}: this Activations engine was destroyed; create a new one with createActivations()`);
  }
}

/** WebGPU was asked for (`backend: 'webgpu'`) but cannot be used, or the GPU reported an error during a call. */
export class WebGPUError extends Error {
  override name = 'WebGPUError';
}
