// Every elementwise op of the registry in float16 on the CPU backend, over all 65536 inputs, with
// Uint16Array bits and { dtype: 'float16' } (Node 20 has no Float16Array): on the WebAssembly SIMD
// kernels and on the JavaScript loops. At least 99.9% correctly rounded from float64, none beyond 1
// ulp, NaN/±Infinity/±0 as the float32 kernels give them. The figures are printed per op.

import { afterAll, describe, expect, it } from 'vitest';
import { cpu } from 'webgpu-activations';
import { useJavaScriptLoops } from '../../src/cpu/wasm/module.ts';
import { roundToFloat16Bits } from '../support/float16.ts';
import { allHalfValues, allHalves, type Float16Op, float16Ops, formatScore, scoreFloat16 } from '../support/float16-ops.ts';

const HALVES = allHalves();
const VALUES = allHalfValues();
const WIDENED = Float32Array.from(VALUES);

// The op on float16 bits through the public API, and on float32 (the float32 rules), rounded by the test.
function runOp(op: Float16Op, float16: boolean): Uint16Array | Float32Array {
  const from: 'input' | 'output' = op.kernel.endsWith('from_output') ? 'output' : 'input';
  const x = float16 ? HALVES : WIDENED;
  const options = float16 ? { dtype: 'float16' as const, from } : { from };
  let result: Float32Array | Uint16Array;
  if (op.kernel === 'forward') result = cpu.forward(op.activation, x, float16 ? { dtype: 'float16' } : {});
  else if (op.kernel.startsWith('derivative')) result = cpu.derivative(op.activation, x, options);
  else {
    const dy = float16
      ? new Uint16Array(x.length).fill(roundToFloat16Bits(op.dy as number))
      : new Float32Array(x.length).fill(op.dy as number);
    result = cpu.backward(op.activation, x, dy, options);
  }
  return result;
}

const OPS = float16Ops();

describe.each(['wasm-simd', 'js'] as const)('float16 on the CPU (%s), all 65536 inputs', (implementation) => {
  afterAll(() => useJavaScriptLoops(false));

  it.each(OPS.map((op) => [op.name, op] as const))('%s', (_, op) => {
    useJavaScriptLoops(implementation === 'js');
    expect(cpu.implementation.name).toBe(implementation);
    const got = runOp(op, true) as Uint16Array;
    const rule = runOp(op, false) as Float32Array;
    const score = scoreFloat16(op, `cpu ${implementation}`, VALUES, got, rule);
    console.log(formatScore(score));
    expect(score.specialMismatches, score.firstBad).toBe(0);
    expect(score.worstUlps, score.firstBad).toBeLessThanOrEqual(1);
    expect(score.correctlyRounded / score.total, score.firstBad).toBeGreaterThanOrEqual(0.999);
  });
});
