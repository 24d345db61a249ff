// One test of what a software adapter is, shared by the library (row kernels) and the benchmark page.

import { describe, expect, it } from 'vitest';
import { isSoftwareAdapter } from '../../src/gpu/software-adapter.ts';

const device = (info: Partial<GPUAdapterInfo> & { isFallbackAdapter?: boolean }) => ({ adapterInfo: info }) as unknown as GPUDevice;

describe('isSoftwareAdapter', () => {
  it('knows SwiftShader, llvmpipe, lavapipe, WARP and a fallback adapter, by any field', () => {
    expect(isSoftwareAdapter(device({ vendor: 'google', architecture: 'swiftshader', description: '', device: '' }), undefined)).toBe(true);
    expect(
      isSoftwareAdapter(
        device({ vendor: 'mesa', architecture: '', description: 'llvmpipe (LLVM 15.0.6, 256 bits)', device: '' }),
        undefined,
      ),
    ).toBe(true);
    expect(
      isSoftwareAdapter(
        device({ vendor: 'microsoft', architecture: '', description: 'Microsoft Basic Render Driver (WARP)', device: '' }),
        undefined,
      ),
    ).toBe(true);
    expect(isSoftwareAdapter(device({ vendor: 'x', architecture: '', description: 'Software Rasterizer', device: '' }), undefined)).toBe(
      true,
    );
    expect(
      isSoftwareAdapter(device({ vendor: 'x', architecture: '', description: '', device: '', isFallbackAdapter: true }), undefined),
    ).toBe(true);
  });

  it('does not call a hardware adapter software, nor one without details', () => {
    expect(
      isSoftwareAdapter(
        device({ vendor: 'nvidia', architecture: 'ampere', description: 'NVIDIA GeForce RTX 3080', device: '' }),
        undefined,
      ),
    ).toBe(false);
    expect(isSoftwareAdapter({} as GPUDevice, undefined)).toBe(false);
  });
});
