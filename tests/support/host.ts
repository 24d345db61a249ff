// Where a test runs: in Chromium (the `browser` project) or in Node on Dawn (`node-dawn`). The GPU tests
// are written once for both; what differs between the hosts lives here.
import { it } from 'vitest';

/** `'browser'` inside Chromium, `'node'` under Node (the `node-dawn` and `node` projects). */
export const HOST: 'browser' | 'node' = typeof window !== 'undefined' && typeof document !== 'undefined' ? 'browser' : 'node';

let providedGpu: GPU | undefined;

/** Called by tests/support/dawn-setup.ts with the `GPU` of the webgpu package, once it granted an adapter. */
export function provideGpu(gpu: GPU): void {
  providedGpu = gpu;
}

/**
 * The `GPU` a test asks for adapters directly: `navigator.gpu` in the browser, Dawn's under Node.
 * Throws when there is none (a missing adapter fails the run; it never skips).
 */
export function testGpu(): GPU {
  const gpu = globalThis.navigator?.gpu ?? providedGpu;
  if (!gpu) throw new Error(`no WebGPU here (${HOST}): in Node, tests/support/dawn-setup.ts must run first`);
  return gpu;
}

/** A granted adapter of {@link testGpu}; throws when none is granted. */
export async function testAdapter(): Promise<GPUAdapter> {
  const adapter = await testGpu().requestAdapter();
  if (!adapter) throw new Error(`no WebGPU adapter was granted (${HOST})`);
  return adapter;
}

/**
 * A test that needs the browser itself (the DOM, TF.js's webgpu backend, the benchmark page): run in
 * the `browser` project, reported as skipped under Node with the reason in its name.
 * @example `itInBrowser('the page renders', 'the DOM', async () => { ... });`
 */
export function itInBrowser(name: string, needs: string, test: () => Promise<void> | void, timeout?: number): void {
  if (HOST === 'browser') it(name, test, timeout);
  else it.skip(`${name} [browser only: ${needs}]`, test, timeout);
}
