// The benchmark page and its headless runner, end to end: the page is built, served on 127.0.0.1 and
// driven in Chromium (SwiftShader gives it a real WebGPU adapter) the way a person uses it, and
// `node scripts/bench.mjs --quick` is run as `npm run bench -- --quick` runs it.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { Browser } from 'playwright';
import { describe, expect, it } from 'vitest';
import { formatShape, QUICK_SHAPES, QUICK_SIZES } from '../../bench/config.ts';
import { formatMs } from '../../bench/format.ts';
import { BENCH_OPS } from '../../bench/ops.ts';
import { BACKENDS } from '../../bench/results.ts';
// @ts-expect-error: a plain ESM script shared with `npm run bench`; it has no type declarations.
import { buildPage, launchBrowser, serveDirectory } from '../../scripts/bench.mjs';
import { temporaryDirectory } from '../support/temporary.ts';

const root = resolve(import.meta.dirname, '../..');

interface JsonCell {
  op: string;
  shapeLabel: string;
  endToEnd: Record<string, { msPerCall?: number; unavailable?: string }>;
}

describe('benchmark page', () => {
  it('runs from the Run button: progress advances, the table, charts and JSON download agree', async () => {
    const directory: string = await buildPage({ outDir: join(await temporaryDirectory('bench-page-'), 'dist') });
    const server: { url: string; close(): Promise<void> } = await serveDirectory(directory);
    const browser: Browser = await launchBrowser();
    try {
      const page = await browser.newPage({ acceptDownloads: true });
      const pageErrors: string[] = [];
      page.on('console', (message) => {
        if (message.type() === 'error') pageErrors.push(message.text());
      });
      page.on('pageerror', (error) => pageErrors.push(error.message));

      const ops = ['sigmoid', 'softmax'];
      const sizes = ['256', '1024'];
      const shapes = ['4x64'];
      await page.goto(`${server.url}/?ops=${ops.join(',')}&sizes=${sizes.join(',')}&shapes=${shapes.join(',')}&reps=2&budget=20`);
      await page.waitForSelector('body[data-state="ready"]', { timeout: 30_000 });
      expect(await page.locator('#ops input:checked').evaluateAll((boxes) => boxes.map((box) => (box as HTMLInputElement).value))).toEqual(
        ops,
      );

      await page.click('#run');
      const progress: { value: number; max: number }[] = [];
      for (let state = 'running'; state === 'running' || state === 'ready'; ) {
        const seen = await page.evaluate(() => {
          const bar = document.querySelector('progress') as HTMLProgressElement;
          return { value: bar.value, max: bar.max, state: document.body.dataset.state ?? '' };
        });
        progress.push({ value: seen.value, max: seen.max });
        state = seen.state;
        await new Promise((wake) => setTimeout(wake, 25));
      }
      expect(await page.evaluate(() => document.body.dataset.state)).toBe('done');
      const intermediate = new Set(progress.filter(({ value, max }) => value > 0 && value < max).map(({ value }) => value));
      expect(intermediate.size).toBeGreaterThanOrEqual(2);
      for (let i = 1; i < progress.length; i++) expect(progress[i]?.value).toBeGreaterThanOrEqual(progress[i - 1]?.value ?? 0);
      const last = progress.at(-1);
      expect(last?.value).toBe(last?.max);

      // A row per op and size, a cell per backend, each with a time or n/a.
      const rows = await page.locator('#results tbody tr').evaluateAll((trs) =>
        trs.map((tr) => ({
          op: tr.getAttribute('data-op') ?? '',
          size: tr.getAttribute('data-size') ?? '',
          backends: [...tr.querySelectorAll('td[data-backend]')].map((td) => ({
            id: td.getAttribute('data-backend') ?? '',
            ms: td.querySelector('.ms')?.textContent ?? td.textContent ?? '',
          })),
        })),
      );
      expect(rows.map((row) => `${row.op} ${row.size}`)).toEqual(['sigmoid 256', 'sigmoid 1024', 'softmax 4x64']);
      for (const row of rows) {
        expect(row.backends.map((cell) => cell.id)).toEqual(BACKENDS.map((backend) => backend.id));
        for (const cell of row.backends) expect(cell.ms).toMatch(/^(\d[\d.e+-]*|n\/a)$/);
        // Ours always runs: WebGPU on SwiftShader, and the CPU engines everywhere.
        for (const id of ['webgpu', 'cpu', 'auto']) expect(row.backends.find((cell) => cell.id === id)?.ms).not.toBe('n/a');
      }

      // Two charts per op, each canvas with something drawn.
      const canvases = await page.locator('#charts canvas').evaluateAll((elements) =>
        elements.map((element) => {
          const canvas = element as HTMLCanvasElement;
          const pixels = canvas.getContext('2d')?.getImageData(0, 0, canvas.width, canvas.height).data ?? new Uint8ClampedArray();
          let opaque = 0;
          for (let i = 3; i < pixels.length; i += 4) if ((pixels[i] ?? 0) > 0) opaque++;
          return { width: canvas.width, opaque };
        }),
      );
      expect(canvases.length).toBe(2 * ops.length);
      for (const canvas of canvases) expect(canvas.opaque).toBeGreaterThan(100);

      // The download holds what the table shows, and what the runner reads.
      const [download] = await Promise.all([page.waitForEvent('download'), page.click('#download')]);
      expect(download.suggestedFilename()).toBe('bench-results.json');
      const json = JSON.parse(await readFile(await download.path(), 'utf8')) as { cells: JsonCell[]; mismatch: boolean; state: string };
      expect(json).toEqual(await page.evaluate(() => window.__benchResults));
      expect(json.state).toBe('done');
      expect(json.mismatch).toBe(false);
      expect(json.cells.map((cell) => `${cell.op} ${cell.shapeLabel}`)).toEqual(rows.map((row) => `${row.op} ${row.size}`));
      for (const row of rows) {
        const cell = json.cells.find((candidate) => candidate.op === row.op && candidate.shapeLabel === row.size);
        for (const shown of row.backends) {
          const measured = cell?.endToEnd[shown.id];
          expect(shown.ms).toBe(measured?.msPerCall === undefined ? 'n/a' : formatMs(measured.msPerCall));
        }
      }

      // Cancel stops a long run between samples and still hands over what was measured.
      await page.fill('#sizes', '1048576,4194304,16777216');
      await page.click('#run');
      await page.waitForFunction(() => (document.querySelector('progress') as HTMLProgressElement).value >= 3, null, { timeout: 30_000 });
      await page.click('#cancel');
      await page.waitForSelector('body[data-state="cancelled"]', { timeout: 30_000 });
      expect(await page.evaluate(() => (window.__benchResults as { state: string }).state)).toBe('cancelled');
      expect(await page.isDisabled('#run')).toBe(false);

      expect(pageErrors).toEqual([]);
    } finally {
      await browser.close();
      await server.close();
    }
  }, 120_000);
});

describe('npm run bench -- --quick', () => {
  it('builds, runs headless, prints the table and writes bench-results.json and .png', async () => {
    const out = await temporaryDirectory('bench-quick-');
    const { code, output } = await new Promise<{ code: number | null; output: string }>((done, fail) => {
      const child = spawn(process.execPath, ['scripts/bench.mjs', '--quick', '--out', out], {
        cwd: root,
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let output = '';
      child.stdout.on('data', (chunk: Buffer) => (output += chunk));
      child.stderr.on('data', (chunk: Buffer) => (output += chunk));
      child.on('error', fail);
      child.on('close', (exitCode) => done({ code: exitCode, output }));
    });
    expect(code, output).toBe(0);
    expect(existsSync(join(out, 'bench-results.json'))).toBe(true);
    expect((await stat(join(out, 'bench-results.png'))).size).toBeGreaterThan(10_000);
    const results = JSON.parse(await readFile(join(out, 'bench-results.json'), 'utf8')) as { cells: JsonCell[]; mismatch: boolean };
    expect(results.mismatch).toBe(false);

    expect(output).toMatch(/^copy bandwidth: [\d.]+ GB\/s/m);
    expect(output).toMatch(/tf-webgpu ms\s+tf-cpu ms/);
    for (const op of BENCH_OPS) {
      const sizes = op.family === 'rows' ? QUICK_SHAPES.map(formatShape) : QUICK_SIZES.map(String);
      for (const size of sizes) expect(output).toMatch(new RegExp(`^${op.id}\\s+${size}\\s+(cpu|webgpu)\\s`, 'm'));
    }
    expect(results.cells.length).toBe(
      BENCH_OPS.reduce((count, op) => count + (op.family === 'rows' ? QUICK_SHAPES.length : QUICK_SIZES.length), 0),
    );
  }, 300_000); // every op of the table at three sizes, on a machine that may be loaded
});
