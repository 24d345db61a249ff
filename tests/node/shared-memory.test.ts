// A Float32Array over a SharedArrayBuffer is copied before writeBuffer: Node's webgpu package (Dawn)
// refuses such a view ("no overload matched for writeBuffer"), where Chromium takes it.

import { describe, expect, it } from 'vitest';
import { createActivations } from 'webgpu-activations';
import { uploadSource } from '../../src/gpu/upload-source.ts';

describe('uploadSource', () => {
  it('copies a view of a SharedArrayBuffer into an ArrayBuffer, values and length kept', () => {
    const shared = new Float32Array(new SharedArrayBuffer(64));
    shared.forEach((_, i) => {
      shared[i] = i - 3.5;
    });
    const view = shared.subarray(3, 11);
    const source = uploadSource(view);
    expect(source.buffer).toBeInstanceOf(ArrayBuffer);
    expect(Array.from(source)).toEqual(Array.from(view));
    expect(source.byteLength).toBe(view.byteLength);
  });

  it('hands a view of an ArrayBuffer through as it is', () => {
    const x = new Float32Array(8).subarray(2, 6);
    expect(uploadSource(x)).toBe(x);
  });
});

// Through Dawn itself: the failure the copy fixes. Dawn finds SwiftShader's Vulkan driver through
// VK_ICD_FILENAMES (Debian's Chromium ships it).
describe('an engine on Node’s webgpu package', () => {
  it('takes a Float32Array over a SharedArrayBuffer, in the array API and in upload()', async () => {
    process.env.VK_ICD_FILENAMES ??= '/usr/lib/chromium/vk_swiftshader_icd.json';
    const { create, globals } = await import('webgpu');
    Object.assign(globalThis, globals);
    const act = await createActivations({ backend: 'webgpu', gpu: create([]) });
    try {
      const x = new Float32Array(new SharedArrayBuffer(40));
      x.forEach((_, i) => {
        x[i] = i - 4;
      });
      expect(x.buffer).toBeInstanceOf(SharedArrayBuffer);
      const expected = Array.from(x, (v) => Math.fround(1 / (1 + Math.exp(-v))));
      expectCloseTo(await act.sigmoid(x), expected);
      expectCloseTo(await act.sigmoid(x.subarray(1, 9)), expected.slice(1, 9));
      const tensor = act.upload(x);
      expectCloseTo(await act.resident.sigmoid(tensor).read(), expected);
    } finally {
      act.destroy();
    }
  });
});

function expectCloseTo(actual: Float32Array, expected: number[]): void {
  expect(actual.length).toBe(expected.length);
  actual.forEach((v, i) => {
    expect(Math.abs(v - (expected[i] as number))).toBeLessThanOrEqual(1e-6 * Math.abs(expected[i] as number));
  });
}
