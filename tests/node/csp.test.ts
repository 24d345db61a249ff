// The shipped bundle under a strict Content-Security-Policy: no eval, no new Function, no inline
// script. The library is built as it ships (vite's library build), served from 127.0.0.1 with the
// policy as a header, and run on WebGPU in Chromium; any violation report fails the test.
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright';
import { build } from 'vite';
import { afterAll, beforeAll, expect, it } from 'vitest';
// @ts-expect-error: a plain ESM script shared with the benchmark runner; it has no type declarations.
import { CHROMIUM_ARGS, requireBrowser } from '../../scripts/browser.mjs';

const POLICY = "default-src 'none'; script-src 'self'; connect-src 'self'";
const PAGE = `<!doctype html><meta charset="utf-8"><title>csp</title><script type="module" src="/main.js"></script>`;
const MAIN = `
import { createActivations } from '/webgpu-activations.js';
const violations = [];
document.addEventListener('securitypolicyviolation', (e) => violations.push(e.violatedDirective + ' ' + e.blockedURI));
const act = await createActivations({ backend: 'webgpu' });
const y = await act.sigmoid(new Float32Array([0, 1e6, -1e6]));
const p = await act.softmax(new Float32Array([1, 1, 1, 1]), { cols: 2 });
window.result = { backend: act.backend, y: Array.from(y), p: Array.from(p), violations };
act.destroy();
`;

let directory = '';
beforeAll(async () => {
  directory = mkdtempSync(join(tmpdir(), 'webgpu-activations-csp-'));
  await build({ logLevel: 'warn', build: { outDir: directory, emptyOutDir: true } });
}, 120_000);
afterAll(() => {
  if (directory) rmSync(directory, { recursive: true, force: true });
});

/** The built library's JavaScript files (one a module: the entry imports the rest), by their URL path. */
function builtModules(): Record<string, [string, string]> {
  const files: Record<string, [string, string]> = {};
  for (const file of readdirSync(directory, { recursive: true, encoding: 'utf8' })) {
    if (file.endsWith('.js')) files[`/${file.split('\\').join('/')}`] = [readFileSync(join(directory, file), 'utf8'), 'text/javascript'];
  }
  return files;
}

/** Serves the built bundle and `main` under `policy`, runs the page in Chromium, and returns what it put in window.result. */
async function runPage(policy: string, main: string): Promise<{ result: Record<string, unknown>; errors: string[] }> {
  const files: Record<string, [string, string]> = {
    ...builtModules(),
    '/': [PAGE, 'text/html'],
    '/main.js': [main, 'text/javascript'],
  };
  const server = createServer((request, response) => {
    const file = files[request.url ?? ''];
    response.writeHead(file ? 200 : 404, { 'content-type': file?.[1] ?? 'text/plain', 'content-security-policy': policy });
    response.end(file?.[0] ?? '');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const browser = await chromium.launch({ executablePath: await requireBrowser(), args: CHROMIUM_ARGS });
  try {
    const page = await browser.newPage();
    const errors: string[] = [];
    page.on('pageerror', (error) => errors.push(error.message));
    page.on('console', (message) => {
      if (message.type() === 'error') errors.push(message.text());
    });
    await page.goto(`http://127.0.0.1:${(server.address() as AddressInfo).port}/`);
    const handle = await page.waitForFunction(() => (window as unknown as { result?: unknown }).result, null, { timeout: 60_000 });
    return { result: (await handle.jsonValue()) as Record<string, unknown>, errors };
  } finally {
    await browser.close();
    server.close();
  }
}

it('runs on WebGPU under a strict Content-Security-Policy with no violation', async () => {
  const { result, errors } = await runPage(POLICY, MAIN);
  expect(errors).toEqual([]);
  expect(result.violations).toEqual([]);
  expect(result.backend).toBe('webgpu');
  expect(result.y).toEqual([0.5, 1, 0]);
  expect(result.p).toEqual([0.5, 0.5, 0.5, 0.5]);
}, 120_000);

// The CPU path compiles WebAssembly on first use: 'wasm-unsafe-eval' allows it; without it the
// JavaScript loops run, with the same results, and cpu.implementation says why.
const CPU_MAIN = `
import { cpu } from '/webgpu-activations.js';
const violations = [];
document.addEventListener('securitypolicyviolation', (e) => violations.push(e.violatedDirective));
const y = cpu.sigmoid(new Float32Array([0, 1e6, -1e6]));
const p = cpu.softmax(new Float32Array([1, 1, 1, 1]), { cols: 2 });
await new Promise((resolve) => setTimeout(resolve, 100)); // violation events are dispatched asynchronously
window.result = { implementation: cpu.implementation, y: Array.from(y), p: Array.from(p), violations };
`;

it("runs the WebAssembly CPU kernels under a strict policy that has 'wasm-unsafe-eval', with no violation", async () => {
  const { result, errors } = await runPage(POLICY.replace("script-src 'self'", "script-src 'self' 'wasm-unsafe-eval'"), CPU_MAIN);
  expect(errors).toEqual([]);
  expect(result.violations).toEqual([]);
  expect((result.implementation as { name: string }).name).toBe('wasm-simd');
  expect(result.y).toEqual([0.5, 1, 0]);
  expect(result.p).toEqual([0.5, 0.5, 0.5, 0.5]);
}, 120_000);

it("falls back to the JavaScript loops where the policy lacks 'wasm-unsafe-eval', and says why", async () => {
  const { result } = await runPage(POLICY, CPU_MAIN);
  const implementation = result.implementation as { name: string; reason: string };
  expect(implementation.name).toBe('js');
  expect(implementation.reason).toMatch(/wasm-unsafe-eval/);
  expect(result.y).toEqual([0.5, 1, 0]);
  expect(result.p).toEqual([0.5, 0.5, 0.5, 0.5]);
}, 120_000);

it('has no eval or Function constructor in its sources', () => {
  const modules = Object.entries(builtModules());
  expect(modules.map(([path]) => path)).toContain('/webgpu-activations.js');
  for (const [path, [code]] of modules) expect(code, path).not.toMatch(/\beval\s*\(|new\s+Function\s*\(|\bFunction\s*\(\s*['"`]/);
});
