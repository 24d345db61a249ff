// Setup of the `node-dawn` project (vite.config.ts): the GPU tests of tests/browser/ run in Node on the
// webgpu package (Dawn). It gives the tests Dawn's GPU for their own adapter requests, and sets no
// globals: the library must find WebGPU in Node by itself (createActivations() imports webgpu).
// A missing adapter fails every test file here, with what to install; it never skips.
import { create } from 'webgpu';
// @ts-expect-error: a plain ESM script shared with the benchmark runner and CI; it has no type declarations.
import { DRIVER_HELP, describeMissingVulkan } from '../../scripts/dawn.mjs';
import { provideGpu } from './host.ts';

const gpu = create([]);
const adapter = await gpu.requestAdapter();
if (!adapter) {
  const missing: string | undefined = describeMissingVulkan();
  throw new Error(
    `node-dawn: Dawn granted no WebGPU adapter (VK_ICD_FILENAMES=${process.env.VK_ICD_FILENAMES ?? 'unset'}; ${missing ?? 'the driver was refused'}).\n${DRIVER_HELP}`,
  );
}
provideGpu(gpu);
