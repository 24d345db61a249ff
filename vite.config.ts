import { resolve } from 'node:path';
import { playwright } from '@vitest/browser-playwright';
import { defineConfig, type ViteUserConfig } from 'vitest/config';
// @ts-expect-error: a plain ESM script shared with the benchmark runner; it has no type declarations.
import { CHROMIUM_ARGS, requireBrowser } from './scripts/browser.mjs';
// @ts-expect-error: a plain ESM script shared with the benchmark runner and CI; it has no type declarations.
import { findSwiftShaderDriver } from './scripts/dawn.mjs';

const root = import.meta.dirname;
const ISOLATION_HEADERS = { 'Cross-Origin-Opener-Policy': 'same-origin', 'Cross-Origin-Embedder-Policy': 'require-corp' };

// One file for the three jobs Vite does here:
//   `vite build`                 the library: dist/webgpu-activations.js (ESM; types come from tsc)
//   `vite build --mode bench`    the benchmark page: dist-bench/
//   `vitest run`                 the tests: a `node` project (CPU path, validation, packaging), a
//                                `browser` project (both backends inside Chromium with WebGPU on), and
//                                `node-dawn`: the same browser tests in Node on Dawn (the webgpu package).
export default defineConfig(async ({ mode }): Promise<ViteUserConfig> => {
  const testing = mode === 'test' || process.env.VITEST !== undefined;
  const executablePath: string | undefined = testing ? await requireBrowser() : undefined;
  // Dawn's Vulkan driver for the tests, unless one is chosen: the SwiftShader that ships with the Chromium
  // found above (the browser project's adapter too). Without it the loader takes whatever is installed,
  // and Dawn refuses Mesa's lavapipe. Set here, before the test workers start, so they inherit it.
  if (testing && !process.env.VK_ICD_FILENAMES && !process.env.VK_DRIVER_FILES) {
    const swiftShader: string | undefined = findSwiftShaderDriver(executablePath);
    if (swiftShader) process.env.VK_ICD_FILENAMES = swiftShader;
  }
  return {
    // Tests in the browser cannot read process.env: hand them the two variables they use.
    define: testing ? { __TEST_ENVIRONMENT__: JSON.stringify({ CI: process.env.CI ?? '', TEST_SEED: process.env.TEST_SEED ?? '' }) } : {},
    resolve: { alias: { 'webgpu-activations': resolve(root, 'src/index.ts') } },
    // The benchmark page cross-origin isolated (as scripts/bench.mjs serves it), so TF.js wasm may run threads.
    server: { host: '127.0.0.1', ...(testing ? {} : { headers: ISOLATION_HEADERS }) },
    preview: { host: '127.0.0.1', headers: ISOLATION_HEADERS },
    build:
      mode === 'bench'
        ? // unminified: TF.js wasm's threaded build makes its workers from a function's source text
          { outDir: 'dist-bench', emptyOutDir: true, target: 'es2022', minify: false }
        : {
            outDir: 'dist',
            emptyOutDir: true,
            target: 'es2022',
            sourcemap: true,
            lib: {
              entry: resolve(root, 'src/index.ts'),
              formats: ['es'],
              fileName: () => 'webgpu-activations.js',
            },
            // Minified class names would print as `e [ArgumentTypeError]` in util.inspect and stack traces.
            rolldownOptions: { output: { keepNames: true } },
          },
    test: {
      projects: [
        {
          extends: true,
          // 60 s, not vitest's 5 s: CI shares 2 cores between the three projects, and a test that loops
          // 10,000 calls (cpu-wasm's fixed memory) took 4 to 8 s under that load and failed by chance.
          test: { name: 'node', environment: 'node', include: ['tests/node/**/*.test.ts'], testTimeout: 60_000 },
        },
        {
          extends: true,
          test: {
            name: 'browser',
            include: ['tests/browser/**/*.test.ts'],
            testTimeout: 120_000,
            hookTimeout: 120_000,
            browser: {
              enabled: true,
              headless: true,
              screenshotFailures: false,
              provider: playwright({ launchOptions: { ...(executablePath ? { executablePath } : {}), args: CHROMIUM_ARGS } }),
              instances: [{ browser: 'chromium' }],
            },
          },
        },
        {
          // One suite, two hosts: the browser tests again, in Node, on the webgpu package (Dawn). The setup
          // file fails every file when Dawn grants no adapter; it gives the tests a GPU, never globals.
          extends: true,
          test: {
            name: 'node-dawn',
            environment: 'node',
            include: ['tests/browser/**/*.test.ts'],
            setupFiles: ['tests/support/dawn-setup.ts'],
            testTimeout: 120_000,
            hookTimeout: 120_000,
          },
        },
      ],
    },
  };
});
