// What a user installs: the `npm pack` tarball, installed offline into a fresh app (nothing of the
// repository but the packages the app links: the optional webgpu, @webgpu/types for tsc). It checks
// the published exports, types and files; that a plain Node script on the default functions exits by
// itself, on Dawn and, without the webgpu package, on the CPU; and that a browser app bundled with Vite
// neither contains webgpu nor an import of it.
import { execFile, spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);
const root = resolve(import.meta.dirname, '../..');
/** A script that has not exited by then is hung (an exiting one takes well under a few seconds). */
const EXIT_BOUND_MS = 60_000;

let work: string;
let tarball: string;

async function createApp(name: string, links: string[]): Promise<string> {
  const app = join(work, name);
  await mkdir(join(app, 'node_modules'), { recursive: true });
  await writeFile(join(app, 'package.json'), JSON.stringify({ name, private: true, type: 'module' }));
  await run('npm', ['install', tarball, '--offline', '--no-audit', '--no-fund', '--ignore-scripts', '--no-package-lock'], { cwd: app });
  for (const link of links) await symlink(join(root, 'node_modules', link), join(app, 'node_modules', link), 'dir');
  return app;
}

/** Runs `node <script>` in `app`; resolves with how it ended (killed after EXIT_BOUND_MS if it hangs). */
function runScript(app: string, script: string, environment: NodeJS.ProcessEnv = process.env) {
  return new Promise<{ code: number | null; killed: boolean; stdout: string; stderr: string }>((done) => {
    const child = spawn(process.execPath, [script], { cwd: app, env: environment });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => (stdout += chunk));
    child.stderr.on('data', (chunk) => (stderr += chunk));
    let killed = false;
    const timer = setTimeout(() => {
      killed = true;
      child.kill('SIGKILL');
    }, EXIT_BOUND_MS);
    child.on('close', (code) => {
      clearTimeout(timer);
      done({ code, killed, stdout, stderr });
    });
  });
}

// The default functions, never destroyed: the process must still exit once its work is done.
const DEFAULT_FUNCTIONS_SCRIPT = `
const before = new Set(Object.getOwnPropertyNames(globalThis));
const { sigmoid, softmax, getDefaultActivations } = await import('webgpu-activations');
const y = await sigmoid(new Float32Array(1 << 17).fill(0));
const p = await softmax([1, 1, 1, 1], { cols: 2 });
const act = await getDefaultActivations();
const big = await act.resident.sigmoid(act.upload(new Float32Array(8).fill(0))).read();
const added = Object.getOwnPropertyNames(globalThis).filter((name) => !before.has(name));
console.log(JSON.stringify({ backend: act.backend, reason: act.reason, y0: y[0], yLast: y[y.length - 1], p: Array.from(p), big: Array.from(big), added }));
`;

const DESTROY_SCRIPT = `
import { createActivations } from 'webgpu-activations';
const act = await createActivations({ backend: 'webgpu' });
const y = await act.sigmoid([0, 100]);
act.destroy();
console.log(JSON.stringify({ backend: act.backend, y: Array.from(y) }));
`;

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'webgpu-activations-package-'));
  await run('npm', ['run', '--silent', 'build'], { cwd: root });
  const { stdout } = await run('npm', ['pack', '--silent', '--pack-destination', work], { cwd: root });
  tarball = join(work, stdout.trim().split('\n').pop() as string);
}, 180_000);

afterAll(async () => {
  if (work) await rm(work, { recursive: true, force: true });
});

describe('the packed package', () => {
  it('ships the bundle, its declarations and the WGSL, and declares webgpu an optional peer', async () => {
    const { stdout } = await run('tar', ['-tzf', tarball]);
    const files = stdout.split('\n');
    for (const file of ['package/dist/webgpu-activations.js', 'package/dist/index.d.ts', 'package/README.md', 'package/package.json'])
      expect(files).toContain(file);
    expect(files.some((file) => file.startsWith('package/shaders/') && file.endsWith('.wgsl'))).toBe(true);
    const manifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
    expect(manifest.peerDependenciesMeta?.webgpu?.optional).toBe(true);
    expect(manifest.peerDependencies?.webgpu).toBeDefined();
    expect(manifest.dependencies).toBeUndefined();
  });

  it('type-checks a strict consumer against the published declarations', async () => {
    // TypeScript 7's lib.dom has the WebGPU types (with @webgpu/types too they would clash).
    const app = await createApp('types-app', []);
    await writeFile(
      join(app, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: {
          strict: true,
          noEmit: true,
          target: 'ES2022',
          module: 'NodeNext',
          moduleResolution: 'NodeNext',
          lib: ['ES2023', 'DOM'],
          types: [],
          exactOptionalPropertyTypes: true,
          noUncheckedIndexedAccess: true,
        },
        files: ['main.ts'],
      }),
    );
    await writeFile(
      join(app, 'main.ts'),
      `import { type Activations, createActivations, sigmoid } from 'webgpu-activations';
const act: Activations = await createActivations({ backend: 'auto' });
const reason: string = act.reason;
const y: Float32Array = await sigmoid([1, 2]);
// @ts-expect-error: backend takes 'auto' | 'webgpu' | 'cpu'
await createActivations({ backend: 'gpu' });
export { reason, y };
`,
    );
    const checked = await run(process.execPath, [join(root, 'node_modules/typescript/bin/tsc'), '-p', app]).then(
      () => '',
      (error: { stdout?: string }) => error.stdout ?? String(error),
    );
    expect(checked).toBe('');
  }, 120_000);

  it('runs on Dawn in a plain Node script using the default functions, which exits by itself', async () => {
    const app = await createApp('dawn-app', ['webgpu']);
    await writeFile(join(app, 'default.mjs'), DEFAULT_FUNCTIONS_SCRIPT);
    const result = await runScript(app, 'default.mjs');
    expect(result.killed, `the script did not exit within ${EXIT_BOUND_MS} ms`).toBe(false);
    expect(result.code, result.stderr).toBe(0);
    const output = JSON.parse(result.stdout);
    expect(output.backend).toBe('webgpu');
    expect(output.reason).toMatch(/from the webgpu package \(Dawn\)/);
    expect([output.y0, output.yLast, output.p, output.big]).toEqual([0.5, 0.5, [0.5, 0.5, 0.5, 0.5], new Array(8).fill(0.5)]);
    expect(output.added).toEqual([]);

    await writeFile(join(app, 'destroy.mjs'), DESTROY_SCRIPT);
    const destroyed = await runScript(app, 'destroy.mjs');
    expect(destroyed.killed, `the script did not exit within ${EXIT_BOUND_MS} ms after act.destroy()`).toBe(false);
    expect(destroyed.code, destroyed.stderr).toBe(0);
    expect(JSON.parse(destroyed.stdout)).toEqual({ backend: 'webgpu', y: [0.5, 1] });
  }, 180_000);

  it('runs on the CPU without the webgpu package, says why, and exits by itself', async () => {
    const app = await createApp('cpu-app', []);
    await writeFile(join(app, 'default.mjs'), DEFAULT_FUNCTIONS_SCRIPT);
    const result = await runScript(app, 'default.mjs');
    expect(result.killed).toBe(false);
    expect(result.code, result.stderr).toBe(0);
    const output = JSON.parse(result.stdout);
    expect(output.backend).toBe('cpu');
    expect(output.reason).toMatch(/the optional webgpu package could not be loaded: Cannot find package 'webgpu'/);
    expect([output.y0, output.p, output.added]).toEqual([0.5, [0.5, 0.5, 0.5, 0.5], []]);
  }, 180_000);

  it('bundles into a browser app with Vite without webgpu and without an import of it', async () => {
    const app = await createApp('browser-app', []);
    await writeFile(join(app, 'index.html'), '<!doctype html><script type="module" src="./main.js"></script>');
    await writeFile(
      join(app, 'main.js'),
      `import { createActivations, sigmoid } from 'webgpu-activations';
const act = await createActivations();
document.body.textContent = act.backend + ' ' + act.reason + ' ' + (await sigmoid([0]))[0];
`,
    );
    const warnings: string[] = [];
    const { build, createLogger } = await import('vite');
    const logger = createLogger('warn');
    const warn = logger.warn.bind(logger);
    logger.warn = (message, options) => {
      warnings.push(message);
      warn(message, options);
    };
    await build({ root: app, configFile: false, logLevel: 'warn', customLogger: logger, build: { outDir: 'dist', target: 'es2022' } });
    const built = readdirSync(join(app, 'dist'), { recursive: true, encoding: 'utf8' }).filter((file) => file.endsWith('.js'));
    expect(built.length).toBe(1); // the app's one chunk: no chunk for webgpu
    const code = readFileSync(join(app, 'dist', built[0] as string), 'utf8');
    // The library's code is in (the Node branch included), so the checks below could fail.
    expect(code).toContain('the webgpu package (Dawn)');
    expect(code).toContain('navigator.gpu');
    // ... but nothing of webgpu's own code, and no import of it a bundler or a browser would follow.
    expect(code).not.toMatch(/dawn\.node|createRequire|node:path/);
    expect(code).not.toMatch(/import\(\s*["'`]webgpu["'`]\s*\)|from\s*["'`]webgpu["'`]/);
    expect(warnings.filter((warning) => /webgpu/.test(warning))).toEqual([]);
  }, 180_000);
});

/** What each import may weigh, bundled by Vite (minified) into a browser app: gzipped bytes of its JavaScript. */
const BUNDLE_BUDGETS = [
  // The WGSL strings alone: no engine, no CPU path.
  {
    name: 'wgsl',
    source: "import { wgslFunctions } from 'webgpu-activations'; console.log(wgslFunctions(['sigmoid']));",
    maxGzipBytes: 8 * 1024,
  },
  {
    name: 'wgsl-subpath',
    source: "import { wgslFunctions } from 'webgpu-activations/wgsl'; console.log(wgslFunctions(['gelu']));",
    maxGzipBytes: 8 * 1024,
  },
  // The CPU path: its WebAssembly (about 43 KB gzipped of base64, 194 KB of wasm, since issue 19's kernels: two vectors a
  // step and a checked second pass, unrolled per kernel; 15 KB before) and loops, none of the WebGPU engine.
  { name: 'cpu', source: "import { cpu } from 'webgpu-activations'; console.log(cpu.sigmoid([1]));", maxGzipBytes: 64 * 1024 },
  // A module-level op: the whole engine, both backends.
  { name: 'sigmoid', source: "import { sigmoid } from 'webgpu-activations'; console.log(await sigmoid([1]));", maxGzipBytes: 96 * 1024 },
] as const;

/** The WebGPU engine's own calls: present in a bundle only when the engine is. */
const WEBGPU_CODE = /requestAdapter|createComputePipeline|navigator\.gpu|createBindGroup/;

describe('tree-shaking: each import bundled from the packed tarball with Vite', () => {
  it('holds the budgets: wgslFunctions at most 8 KB gzipped, cpu without WebGPU code, sigmoid with the engine', async () => {
    const app = await createApp('bundle-app', []);
    const { build } = await import('vite');
    const sizes: Record<string, { gzipBytes: number; webgpu: boolean }> = {};
    for (const { name, source } of BUNDLE_BUDGETS) {
      const root = join(app, name);
      await mkdir(root, { recursive: true });
      await writeFile(join(root, 'index.html'), '<!doctype html><script type="module" src="./main.js"></script>');
      await writeFile(join(root, 'main.js'), source);
      await build({ root, configFile: false, logLevel: 'error', build: { outDir: 'dist', target: 'es2022' } });
      const code = readdirSync(join(root, 'dist'), { recursive: true, encoding: 'utf8' })
        .filter((file) => file.endsWith('.js'))
        .map((file) => readFileSync(join(root, 'dist', file), 'utf8'))
        .join('\n');
      sizes[name] = { gzipBytes: gzipSync(code).length, webgpu: WEBGPU_CODE.test(code) };
    }
    console.log(
      `bundle sizes (gzipped): ${Object.entries(sizes)
        .map(([name, { gzipBytes }]) => `${name} ${(gzipBytes / 1024).toFixed(1)} KB`)
        .join(', ')}`,
    );
    for (const { name, maxGzipBytes } of BUNDLE_BUDGETS) expect(sizes[name]?.gzipBytes, name).toBeLessThanOrEqual(maxGzipBytes);
    expect(sizes.wgsl?.webgpu).toBe(false);
    expect(sizes.cpu?.webgpu, 'import { cpu } carries no WebGPU code').toBe(false);
    // The check above can fail: the engine's bundle has those calls.
    expect(sizes.sigmoid?.webgpu, 'import { sigmoid } gets the engine').toBe(true);
    expect(sizes.sigmoid?.gzipBytes).toBeGreaterThan(3 * (sizes.wgsl?.gzipBytes ?? 0));
  }, 180_000);
});
