// The registry of built-in elementwise activations: one line each, one module each beside this file.
// Everything else (the engine's and `cpu`'s named methods, the WebAssembly kernels' names, wgslFunctions,
// the test and benchmark tables) is derived from this list; tests/node/registry.test.ts checks that each
// entry has every piece.
export { elu } from './elu.ts';
export { gelu } from './gelu.ts';
export { hardSigmoid } from './hardSigmoid.ts';
export { hardSwish } from './hardSwish.ts';
export { leakyRelu } from './leakyRelu.ts';
export { relu } from './relu.ts';
export { sigmoid } from './sigmoid.ts';
export { silu } from './silu.ts';
export { softplus } from './softplus.ts';
export { tanh } from './tanh.ts';
