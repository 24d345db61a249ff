// Node on Dawn (the `webgpu` package) without its globals: the library reads no GPUBufferUsage,
// GPUShaderStage or GPUMapMode global and sets none, with a caller's `GPU` and with the one it imports.
// Needs a Dawn adapter (vite.config.ts points VK_ICD_FILENAMES at SwiftShader): none fails, never skips.

import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { create } from 'webgpu';
import { createActivations } from 'webgpu-activations';
import { expectClose } from '../support/compare.ts';
import { createRandom, EDGE_VALUES, randomFloat32Array, SEED } from '../support/random.ts';
import { map64, sigmoid64, softmax64 } from '../support/reference.ts';

const WEBGPU_GLOBALS = ['GPUBufferUsage', 'GPUShaderStage', 'GPUMapMode', 'GPUDevice', 'GPU'];

describe('Node on Dawn, without webgpu globals', () => {
  it("computes on a caller's GPU from create([]), with no global read or set", async () => {
    for (const name of WEBGPU_GLOBALS) expect(name in globalThis, `${name} must not be a global for this test`).toBe(false);
    const before = new Set(Object.getOwnPropertyNames(globalThis));
    const act = await createActivations({ gpu: create([]), backend: 'webgpu' });
    try {
      expect(act.backend).toBe('webgpu');
      expect(act.reason).toMatch(/^WebGPU device granted \(.*, from the GPU object given by the caller\)/);
      const random = createRandom(SEED);
      const x = new Float32Array([...EDGE_VALUES, ...randomFloat32Array(random, 70_000)]);
      expectClose(await act.sigmoid(x), map64(x, sigmoid64), { relative: 1e-6 }, 'sigmoid on Dawn', [x]);
      const logits = randomFloat32Array(random, 64 * 300, 0);
      expectClose(await act.softmax(logits, { rows: 64, cols: 300 }), softmax64(logits, 64, 300), { relative: 1e-6 }, 'softmax on Dawn', [
        logits,
      ]);
      const tensor = act.upload(x);
      const y = act.resident.sigmoid(tensor);
      expectClose(await y.read(), map64(x, sigmoid64), { relative: 1e-6 }, 'resident sigmoid on Dawn', [x]);
      tensor.destroy();
      y.destroy();
    } finally {
      act.destroy();
    }
    const added = Object.getOwnPropertyNames(globalThis).filter((name) => !before.has(name));
    expect(added).toEqual([]);
  });

  it('uses the webgpu package by itself in Node, and says so', async () => {
    const act = await createActivations({ backend: 'webgpu' });
    try {
      expect(act.reason).toMatch(/^WebGPU device granted \(.*, from the webgpu package \(Dawn\)\)/);
      expect(Array.from(await act.sigmoid([0, 0]))).toEqual([0.5, 0.5]);
    } finally {
      act.destroy();
    }
    const auto = await createActivations();
    expect(auto.reason).toMatch(/from the webgpu package \(Dawn\)/);
    auto.destroy();
  });

  it("src/ reads none of WebGPU's flag globals (src/gpu/flags.ts has the values)", () => {
    const root = join(import.meta.dirname, '../../src');
    const files = readdirSync(root, { recursive: true, encoding: 'utf8' }).filter((file) => file.endsWith('.ts'));
    expect(files.length).toBeGreaterThan(10);
    const readers = files.filter((file) =>
      /\b(GPUBufferUsage|GPUShaderStage|GPUMapMode)\s*\./.test(readFileSync(join(root, file), 'utf8')),
    );
    expect(readers).toEqual([]);
  });
});
