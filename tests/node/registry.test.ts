// The activation registry (src/ops/activations/list.ts) is complete: every activation has each piece
// that the engine, `cpu`, the WebAssembly kernels, wgslFunctions, the top-level exports and the tests
// read, and a missing one fails here with the activation's name and the piece (not later, as a silent
// fallback to a slower loop or an op no test runs).
import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import * as library from 'webgpu-activations';
import { ACTIVATIONS, type ElementwiseActivation, wgslFunctions } from 'webgpu-activations';
import { wasmKernels } from '../../src/cpu/wasm/module.ts';
import * as defaultEngine from '../../src/default-engine.ts';
import { namedMethodNames } from '../../src/ops/calls.ts';
import { ACTIVATION_CASES, casesOf, OP_CASES } from '../support/op-cases.ts';

const exported = library as unknown as Record<string, unknown>;
const root = new URL('../../', import.meta.url);

/** The kernels a definition has: the four of every activation, and the two from the output where it has that form. */
function kernelsOf(definition: ElementwiseActivation): string[] {
  const kernels = ['forward', 'derivative', 'backward', 'forward_and_derivative'];
  if (definition.derivativeFromOutput) kernels.push('derivative_from_output', 'backward_from_output');
  return kernels;
}

/** What `name` lacks, one line per missing piece, saying where it belongs. */
function missingPieces(name: string, activation: ElementwiseActivation): string[] {
  const missing: string[] = [];
  const module = `src/ops/activations/${name}.ts`;
  const wasmSource = `src/cpu/wasm/assembly/activations/${name}.ts`;
  if (!existsSync(new URL(module, root))) missing.push(`${name}: no module ${module}`);
  if (!existsSync(new URL(wasmSource, root))) missing.push(`${name}: no WebAssembly source ${wasmSource}`);
  if (activation.name !== name) missing.push(`${name}: its definition is named ${JSON.stringify(activation.name)}, not ${name}`);
  const definitions = [activation, ...Object.values(activation.approximations ?? {})];
  const kernels = wasmKernels();
  if (!kernels) missing.push('the WebAssembly module did not load');
  for (const definition of definitions) {
    const label = definition === activation ? name : `${name} (${definition.name})`;
    for (const fn of [
      'activation',
      'activation_derivative',
      ...(definition.derivativeFromOutput ? ['activation_derivative_from_output'] : []),
    ]) {
      if (!new RegExp(`\\bfn\\s+${fn}\\s*\\(`).test(definition.wgsl)) missing.push(`${label}: no WGSL function ${fn} (wgsl in ${module})`);
    }
    const loops = definition.loops;
    const loopNames: [string, unknown][] = [
      ['forward', loops?.forward],
      ['derivative', loops?.derivative],
      ['backward', loops?.backward],
      ...(definition.derivativeFromOutput
        ? ([
            ['fromOutput.derivative', loops?.fromOutput?.derivative],
            ['fromOutput.backward', loops?.fromOutput?.backward],
          ] as [string, unknown][])
        : []),
    ];
    for (const [loop, value] of loopNames) {
      if (typeof value !== 'function') missing.push(`${label}: no specialised JavaScript loop for ${loop} (loops.${loop} in ${module})`);
    }
    for (const kernel of kernelsOf(definition)) {
      const exportName = `${definition.name}_${kernel}`;
      if (kernels && !kernels.elementwise(exportName)) missing.push(`${label}: no WebAssembly export ${exportName} (in ${wasmSource})`);
    }
  }
  for (const method of [name, `${name}Derivative`, `${name}Backward`, `${name}WithDerivative`]) {
    if (typeof exported[method] !== 'function') missing.push(`${name}: no top-level export ${method} (one line in src/default-engine.ts)`);
  }
  try {
    if (!wgslFunctions([name as library.WgslFunctionName]).includes(`fn act_${name.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`)}(`)) {
      missing.push(`${name}: wgslFunctions does not write act_<name>`);
    }
  } catch (error) {
    missing.push(`${name}: wgslFunctions refused it (${(error as Error).message})`);
  }
  const cases = casesOf(name);
  const caseFile = `tests/activations/${name}.ts`;
  if (!cases) {
    missing.push(`${name}: no test cases (${caseFile} exporting cases)`);
  } else {
    if (typeof cases.reference?.forward !== 'function') missing.push(`${name}: no float64 reference forward (in ${caseFile})`);
    if (typeof cases.reference?.derivative !== 'function') missing.push(`${name}: no float64 reference derivative (in ${caseFile})`);
    if (activation.derivativeFromOutput && typeof cases.reference?.derivativeFromOutput !== 'function') {
      missing.push(`${name}: no float64 reference derivativeFromOutput (in ${caseFile})`);
    }
    for (const row of [name, `${name} derivative (from input)`, `${name} backward (from input)`, `${name}WithDerivative`]) {
      if (!OP_CASES.some((op) => op.name === row))
        missing.push(`${name}: no row ${JSON.stringify(row)} in the test table (made from ${caseFile})`);
    }
  }
  return missing;
}

describe('the activation registry', () => {
  for (const [name, activation] of Object.entries(ACTIVATIONS) as [string, ElementwiseActivation][]) {
    it(`${name} has its module, WGSL, JavaScript loops, WebAssembly exports, float64 reference, top-level exports and test rows`, () => {
      expect(missingPieces(name, activation)).toEqual([]);
    });
  }

  it("the default engine's static export list is the registry's named methods, no more and no fewer", () => {
    const rowOps = ['softmax', 'logSoftmax', 'softmaxBackward'];
    const listed = Object.entries(defaultEngine)
      .filter(([key, value]) => typeof value === 'function' && !rowOps.includes(key) && !/DefaultActivations$/.test(key))
      .map(([key]) => key)
      .sort();
    expect(listed).toEqual([...namedMethodNames()].sort());
  });

  it('every test-case file names an activation of the registry, once', () => {
    const named = ACTIVATION_CASES.map((cases) => cases.activation);
    expect(named.filter((name) => !(name in ACTIVATIONS))).toEqual([]);
    expect(new Set(named).size).toBe(named.length);
  });
});
