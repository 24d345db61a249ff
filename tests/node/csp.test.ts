// The shipped bundle under a strict Content-Security-Policy: no eval, no new Function, no inline
// script. The library is built as it ships (vite's library build), served from 127.0.0.1 with the
// policy as a header, and run on WebGPU in Chromium; any violation report fails the test.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
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

it('runs on WebGPU under a strict Content-Security-Policy with no violation', async () => {
  const files: Record<string, [string, string]> = {
    '/': [PAGE, 'text/html'],
    '/main.js': [MAIN, 'text/javascript'],
    '/webgpu-activations.js': [readFileSync(join(directory, 'webgpu-activations.js'), 'utf8'), 'text/javascript'],
  };
  const server = createServer((request, response) => {
    const file = files[request.url ?? ''];
    response.writeHead(file ? 200 : 404, { 'content-type': file?.[1] ?? 'text/plain', 'content-security-policy': POLICY });
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
    const result = await page.waitForFunction(() => (window as unknown as { result?: unknown }).result, null, { timeout: 60_000 });
    const { backend, y, p, violations } = (await result.jsonValue()) as { backend: string; y: number[]; p: number[]; violations: string[] };
    expect(errors).toEqual([]);
    expect(violations).toEqual([]);
    expect(backend).toBe('webgpu');
    expect(y).toEqual([0.5, 1, 0]);
    expect(p).toEqual([0.5, 0.5, 0.5, 0.5]);
  } finally {
    await browser.close();
    server.close();
  }
}, 120_000);

it('has no eval or Function constructor in its sources', () => {
  const bundle = readFileSync(join(directory, 'webgpu-activations.js'), 'utf8');
  expect(bundle).not.toMatch(/\beval\s*\(|new\s+Function\s*\(|\bFunction\s*\(\s*['"`]/);
});
