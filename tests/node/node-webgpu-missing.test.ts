// Node without the optional `webgpu` package: createActivations() runs on the CPU and says why, and
// backend 'webgpu' is refused with the reason. The package is made unimportable for this file only
// (tests/node/package.test.ts checks the same on a real install without it).

import { describe, expect, it, vi } from 'vitest';
import { createActivations } from 'webgpu-activations';

vi.mock('webgpu', () => {
  throw new Error("Cannot find package 'webgpu' imported from webgpu-activations");
});

describe('Node without the webgpu package', () => {
  it('falls back to the CPU under auto, saying why', async () => {
    const act = await createActivations({ backend: 'auto' });
    expect(act.backend).toBe('cpu');
    expect(act.reason).toMatch(
      /^WebGPU is not available here \(navigator\.gpu is missing, and the optional webgpu package could not be loaded: .+\); running on the CPU$/,
    );
    expect(Array.from(await act.sigmoid([0]))).toEqual([0.5]);
    act.destroy();
  });

  it("refuses backend 'webgpu', with the reason", async () => {
    await expect(createActivations({ backend: 'webgpu' })).rejects.toThrow(
      /backend 'webgpu' was requested but WebGPU is not available here \(navigator\.gpu is missing, and the optional webgpu package could not be loaded/,
    );
  });
});
