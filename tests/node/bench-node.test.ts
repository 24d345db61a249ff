// `npm run bench -- --node`: the benchmark in Node on Dawn, as on a GPU server without a browser or a
// network. The browser finder is pointed at a file that does not exist, so a run that looked for
// Chromium would fail. Also: what it says, and that it exits non-zero, when Dawn has no driver.
import { spawn } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { formatShape, QUICK_SHAPES, QUICK_SIZES } from '../../bench/config.ts';
import { temporaryDirectory } from '../support/temporary.ts';

const root = resolve(import.meta.dirname, '../..');

/** The environment a user's shell has: this process's, less what Vitest adds (vite.config.ts reads VITEST). */
const userEnvironment = Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith('VITEST') && name !== 'TEST'));

function bench(args: string[], environment: NodeJS.ProcessEnv): Promise<{ code: number | null; output: string }> {
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, ['scripts/bench.mjs', '--node', ...args], {
      cwd: root,
      env: { ...environment, WEBGPU_ACTIVATIONS_CHROMIUM: '/nonexistent/chromium' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk));
    child.on('error', fail);
    child.on('close', (code) => done({ code, output }));
  });
}

interface NodeResults {
  userAgent: string;
  mismatch: boolean;
  copyBandwidth: { gigabytesPerSecond?: number; method?: string };
  kernelCopyBandwidth: { gigabytesPerSecond?: number; method?: string };
  cells: {
    op: string;
    shapeLabel: string;
    endToEnd: Record<string, { msPerCall?: number; unavailable?: string }>;
    resident: { ms?: number; method?: string };
  }[];
  tfjs: { cpu: { available: boolean } };
  ort: { wasm: { available: boolean }; webgpu: { available: boolean; reason?: string } };
  accuracy: { op: string; maxUlps: Record<string, number | string | { unavailable: string }> }[];
}

describe('npm run bench -- --node', () => {
  it('runs on Dawn without a browser: adapter and driver, the table, bench-results.json', async () => {
    const out = await temporaryDirectory('bench-node-');
    const { code, output } = await bench(['--quick', '--ops', 'sigmoid,softmax', '--out', out], userEnvironment);
    expect(code, output).toBe(0);
    expect(output).toMatch(/^bench: adapter found by Dawn: .+; driver: .+; timestamp-query=(true|false) subgroups=(true|false)$/m);
    expect(output).toMatch(/^copy bandwidth: [\d.]+ GB\/s \(copyBufferToBuffer/m);
    expect(output).toMatch(/^copy kernel bandwidth: [\d.]+ GB\/s \(vec4 compute copy/m);
    expect(output).toMatch(/^host: Node\.js v\d+/m);
    for (const size of QUICK_SIZES) expect(output).toMatch(new RegExp(`^sigmoid\\s+${size}\\s+(cpu|webgpu)\\s`, 'm'));
    for (const shape of QUICK_SHAPES) expect(output).toMatch(new RegExp(`^softmax\\s+${formatShape(shape)}\\s+(cpu|webgpu)\\s`, 'm'));

    const results = JSON.parse(await readFile(join(out, 'bench-results.json'), 'utf8')) as NodeResults;
    expect(results.mismatch).toBe(false);
    expect(results.userAgent).toMatch(/^Node\.js v\d+/);
    expect(results.copyBandwidth.gigabytesPerSecond).toBeGreaterThan(0);
    expect(results.kernelCopyBandwidth.gigabytesPerSecond).toBeGreaterThan(0);
    expect(results.tfjs.cpu.available).toBe(true);
    expect(results.cells.length).toBe(QUICK_SIZES.length + QUICK_SHAPES.length);
    for (const cell of results.cells) {
      // ORT-web's wasm EP from its Node entry (not onnxruntime-node), float32 and float16.
      for (const id of ['webgpu', 'cpu', 'auto', 'js', 'tfjs-cpu', 'ort-wasm', 'ort-wasm-f16'])
        expect(cell.endToEnd[id]?.msPerCall, `${cell.op} ${cell.shapeLabel} ${id}`).toBeGreaterThan(0);
      expect(cell.endToEnd['ort-webgpu']?.unavailable).toMatch(/Node build has no WebGPU EP/);
      expect(cell.resident.ms, `${cell.op} ${cell.shapeLabel} resident`).toBeGreaterThan(0);
    }
    expect(results.ort.wasm.available).toBe(true);
    // The accuracy view in Node: every implementation there, ours exact to a few ulps on the CPU.
    expect(results.accuracy.map((item) => item.op)).toEqual(['sigmoid', 'softmax']);
    for (const item of results.accuracy) {
      expect(item.maxUlps.cpu, item.op).toBeLessThanOrEqual(4);
      expect(typeof item.maxUlps['ort-wasm'], item.op).toBe('number');
    }
    expect(output).toMatch(/^accuracy: max error in float32 ulps/m);
  }, 120_000);

  it('says which driver file is missing and how to point Dawn at one, and exits non-zero', async () => {
    const { code, output } = await bench(['--quick'], {
      ...process.env,
      VK_ICD_FILENAMES: '/nonexistent/vk_icd.json',
      VK_DRIVER_FILES: '',
    });
    expect(code).toBe(1);
    expect(output).toMatch(/FAILED: Dawn cannot reach a GPU: VK_ICD_FILENAMES names \/nonexistent\/vk_icd\.json, which does not exist/);
    expect(output).toMatch(/VK_ICD_FILENAMES=\/path\/to\/icd\.json \(VK_DRIVER_FILES/);
    expect(output).toMatch(/apt-get install libvulkan1/);
  }, 60_000);

  it('says so when the driver gives Dawn no adapter, and exits non-zero', async () => {
    // A well-formed manifest whose library does not exist: the loader finds no driver, Dawn no adapter.
    const directory = await temporaryDirectory('bench-node-icd-');
    const manifest = join(directory, 'broken_icd.json');
    await writeFile(
      manifest,
      JSON.stringify({ file_format_version: '1.0.0', ICD: { library_path: join(directory, 'libnothing.so'), api_version: '1.3.0' } }),
    );
    const { code, output } = await bench(['--quick'], { ...userEnvironment, VK_ICD_FILENAMES: manifest, VK_DRIVER_FILES: '' });
    expect(code).toBe(1);
    expect(output).toMatch(/FAILED: Dawn \(the webgpu package\) granted no WebGPU adapter/);
    expect(output).toContain(`Vulkan drivers tried (VK_ICD_FILENAMES): ${manifest}`);
    expect(output).toMatch(/Point Dawn at a driver with VK_ICD_FILENAMES/);
  }, 60_000);
});
