// What ships: the built bundle and declarations, made in a temporary directory as `npm run build`
// makes dist/. Class names survive minification, and every ```ts block of README.md type-checks
// against the built declarations (free variables such as x, dy, logits and act are declared, typed).

import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { inspect } from 'node:util';
import { build } from 'vite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const root = resolve(import.meta.dirname, '../..');
let directory = '';

beforeAll(async () => {
  directory = mkdtempSync(join(tmpdir(), 'webgpu-activations-dist-'));
  await build({ root, logLevel: 'warn', build: { outDir: join(directory, 'dist'), emptyOutDir: true } });
  const tsc = join(root, 'node_modules/.bin/tsc');
  execFileSync(tsc, ['-p', join(root, 'tsconfig.build.json'), '--outDir', join(directory, 'dist')], { cwd: root, stdio: 'pipe' });
  execFileSync(process.execPath, [join(root, 'scripts/finish-declarations.mjs'), join(directory, 'dist')], { stdio: 'pipe' });
}, 180_000);

afterAll(() => {
  if (directory) rmSync(directory, { recursive: true, force: true });
});

describe('the built bundle', () => {
  it('keeps class names (util.inspect shows ArgumentTypeError, not e [ArgumentTypeError])', async () => {
    const bundle = await import(join(directory, 'dist/webgpu-activations.js'));
    for (const name of ['ArgumentTypeError', 'ArgumentRangeError', 'EngineDestroyedError', 'WebGPUError', 'Tensor']) {
      expect(bundle[name].name, name).toBe(name);
    }
    const error = new bundle.ArgumentTypeError('x', 'bad');
    expect(inspect(error).split('\n')[0]).toBe('ArgumentTypeError: x: bad');
    expect(() => bundle.cpu.softmax([1], { col: 1 })).toThrow(/^options\.col: /);
  });
});

// Names the README's snippets use without defining them.
const AMBIENT = `import type { Activations } from 'webgpu-activations';
declare global {
  const act: Activations;
  const x: Float32Array;
  const y: Float32Array;
  const dy: Float32Array;
  const out: Float32Array;
  const logits: Float32Array;
  const dLossDy: Float32Array;
  const hiddenIn: Float32Array;
  const outputIn: Float32Array;
  const error: Float32Array;
  const back: Float32Array;
  const device: GPUDevice;
  const activations: GPUBuffer;
}
export {};
`;

describe('README.md', () => {
  it('has ts code blocks that type-check against dist/index.d.ts', () => {
    const readme = readFileSync(join(root, 'README.md'), 'utf8');
    const blocks = [...readme.matchAll(/^```ts\n([\s\S]*?)^```/gm)].map((match) => match[1] as string);
    expect(blocks.length).toBeGreaterThan(4);
    // Inside the repository, so that the snippets' other imports (TF.js, webgpu, @webgpu/types) resolve
    // from its node_modules as they would in a consumer's project.
    const project = join(root, 'node_modules/.cache', `readme-check-${process.pid}`);
    mkdirSync(project, { recursive: true });
    writeFileSync(join(project, 'ambient.d.ts'), AMBIENT);
    blocks.forEach((block, i) => {
      writeFileSync(join(project, `block-${i}.ts`), `${block}\nexport {};\n`);
    });
    writeFileSync(
      join(project, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: {
          target: 'ES2022',
          module: 'ESNext',
          moduleResolution: 'bundler',
          lib: ['ES2023', 'DOM'],
          // As a WebGPU consumer compiles: TypeScript's DOM lib and @webgpu/types (GPUBufferUsage and friends).
          types: ['@webgpu/types'],
          strict: true,
          noEmit: true,
          skipLibCheck: true,
          paths: { 'webgpu-activations': [join(directory, 'dist/index.d.ts')] },
        },
        files: ['ambient.d.ts', ...blocks.map((_, i) => `block-${i}.ts`)],
      }),
    );
    let output = '';
    try {
      execFileSync(join(root, 'node_modules/.bin/tsc'), ['-p', join(project, 'tsconfig.json')], { cwd: project, stdio: 'pipe' });
    } catch (failure) {
      output = String((failure as { stdout?: Buffer }).stdout ?? failure);
    } finally {
      rmSync(project, { recursive: true, force: true });
    }
    expect(output, 'tsc errors in README.md code blocks').toBe('');
  });
});

// A consumer of the float16 API, type-checked against the built declarations (skipLibCheck off, so
// that the declarations themselves are checked) with a lib that has no Float16Array and with one.
const FLOAT16_CONSUMER = `import { cpu, createActivations, type Dtype, type Tensor } from 'webgpu-activations';
const bits = new Uint16Array(4);
const halves: Uint16Array = cpu.sigmoid(bits, { dtype: 'float16' });
const values: Float32Array = cpu.sigmoid(new Float32Array(4));
const converted: Float32Array = cpu.softmax(bits, { dtype: 'float16', out: new Float32Array(4) });
const act = await createActivations({ backend: 'cpu' });
const tensor: Tensor<'float16'> = act.upload(bits, { dtype: 'float16' });
const dtype: Dtype = tensor.dtype;
const read: Uint16Array = await tensor.read({ bits: true });
const y: Tensor<'float16'> = act.resident.gelu(tensor);
const wide: Float32Array = await act.upload(new Float32Array(4)).read();
const rounded: Promise<Uint16Array> = act.silu(new Float32Array(4), { dtype: 'float16', out: new Uint16Array(4) });
export { halves, values, converted, dtype, read, y, wide, rounded };
`;

const WITH_FLOAT16_ARRAY = `import { cpu } from 'webgpu-activations';
const f: Float16Array = cpu.sigmoid(new Float16Array(4));
const g: Float16Array = cpu.softmax(new Float16Array(4), { cols: 2 });
export { f, g };
`;

describe('the published types', () => {
  it.each([
    ['ES2023 (no Float16Array)', ['ES2023', 'DOM'], [FLOAT16_CONSUMER]],
    ['ESNext (with Float16Array)', ['ESNext', 'DOM'], [FLOAT16_CONSUMER, WITH_FLOAT16_ARRAY]],
  ] as const)(
    'compile in a project whose lib is %s, declarations checked',
    (_, lib, sources) => {
      const project = join(root, 'node_modules/.cache', `float16-types-${process.pid}-${lib[0]}`);
      mkdirSync(project, { recursive: true });
      sources.forEach((source, i) => {
        writeFileSync(join(project, `consumer-${i}.ts`), source);
      });
      writeFileSync(
        join(project, 'tsconfig.json'),
        JSON.stringify({
          compilerOptions: {
            target: 'ES2022',
            module: 'ESNext',
            moduleResolution: 'bundler',
            lib,
            // The DOM lib of this TypeScript has the WebGPU types: @webgpu/types on top would clash once checked.
            types: [],
            strict: true,
            noEmit: true,
            skipLibCheck: false,
            paths: { 'webgpu-activations': [join(directory, 'dist/index.d.ts')] },
          },
          files: sources.map((_, i) => `consumer-${i}.ts`),
        }),
      );
      let output = '';
      try {
        execFileSync(join(root, 'node_modules/.bin/tsc'), ['-p', join(project, 'tsconfig.json')], { cwd: project, stdio: 'pipe' });
      } catch (failure) {
        output = String((failure as { stdout?: Buffer }).stdout ?? failure);
      } finally {
        rmSync(project, { recursive: true, force: true });
      }
      expect(output, 'tsc errors in the declarations or the consumer').toBe('');
    },
    60_000,
  );
});
