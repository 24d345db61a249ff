// Our CPU path against TF.js's wasm backend (XNNPACK, SIMD, one thread each), end to end as the
// benchmark times them (bench/ops.ts: arrays in, a fresh Float32Array out), calls interleaved: each
// round times a batch of our calls and a batch of TF.js's, in alternating order, and a cell's ratio is
// the median of TF.js's batches over the median of ours (above 1: ours is faster). Prints per op and
// size the ratio, then the geometric mean and the worst cell. Runs in Node (no GPU, no browser).
//   node scripts/compare-tfjs.mjs [--ops sigmoid,softmax | --ops all] [--sizes 16384,65536] [--shapes 1024x1024] [--rounds 9]
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const { values } = parseArgs({
  options: { ops: { type: 'string' }, sizes: { type: 'string' }, shapes: { type: 'string' }, rounds: { type: 'string' } },
});
// --ops all: every op of the benchmark that TF.js has (as one op or composed), in the benchmark's order.
const DEFAULT_OPS = ['sigmoid', 'sigmoidDerivative', 'sigmoidDerivativeFromOutput', 'sigmoidBackward', 'softmax'];
const opsArgument = values.ops?.split(',') ?? DEFAULT_OPS;
const SIZES = (values.sizes ?? '16384,65536,262144,1048576,4194304').split(',').map(Number);
const SHAPES = (values.shapes ?? '1x65536,1x1048576,1024x1024,65536x16,16x65536').split(',').map((text) => {
  const [rows, cols] = text.split('x').map(Number);
  return { rows, cols };
});
const rounds = Number(values.rounds ?? 15);

const tf = await import('@tensorflow/tfjs-core');
const wasm = await import('@tensorflow/tfjs-backend-wasm');
wasm.setWasmPaths(`${join(root, 'node_modules/@tensorflow/tfjs-backend-wasm/dist')}/`);
wasm.setThreadsCount(1);
tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', false);
if (!(await tf.setBackend('wasm'))) throw new Error("tf.setBackend('wasm') failed");
await tf.ready();
const simd = await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT');

const { createServer } = await import('vite');
const server = await createServer({
  root,
  configFile: join(root, 'vite.config.ts'),
  mode: 'bench',
  logLevel: 'warn',
  appType: 'custom',
  server: { middlewareMode: true, hmr: false, ws: false },
});
const { BENCH_OPS, tfjsEndToEnd } = await server.ssrLoadModule('/bench/ops.ts');
const OPS = opsArgument[0] === 'all' ? BENCH_OPS.filter((op) => op.tfjs).map((op) => op.id) : opsArgument;
const { createActivations, cpu } = await server.ssrLoadModule('/src/index.ts');
const act = await createActivations({ backend: 'cpu' });
console.log(
  `ours: ${cpu.implementation.name}; TF.js ${tf.version_core} ${tf.getBackend()}, SIMD ${simd}, 1 thread; Node ${process.version}`,
);

let seed = 20261203;
const random = () => {
  seed = (seed * 1103515245 + 12345) >>> 0;
  return seed / 2 ** 32;
};
const median = (samples) => samples.slice().sort((a, b) => a - b)[Math.floor(samples.length / 2)];
async function batchMs(run, calls) {
  const start = performance.now();
  for (let i = 0; i < calls; i++) await run();
  return (performance.now() - start) / calls;
}

const cells = [];
console.log(
  `${'op'.padEnd(30)}${'size'.padStart(11)}${'ours ms'.padStart(10)}${'tf ms'.padStart(10)}${'min ns/el'.padStart(11)}${'x tf'.padStart(7)}${'x tf min'.padStart(11)}`,
);
for (const id of OPS) {
  const op = BENCH_OPS.find((candidate) => candidate.id === id);
  if (!op) throw new Error(`no op ${id}`);
  const shapes = op.family === 'rows' ? SHAPES : SIZES.map((cols) => ({ rows: 1, cols }));
  for (const shape of shapes) {
    const inputs = op.inputs(random, shape);
    const elements = shape.rows * shape.cols;
    const runs = { ours: () => op.ours(act, inputs), tf: () => tfjsEndToEnd(tf, op, inputs) };
    // Warm-up (and tier-up), then the batch size that takes about 8 ms.
    let warm = 0;
    for (const run of Object.values(runs)) warm = Math.max(warm, await batchMs(run, 3));
    const calls = Math.max(1, Math.min(200, Math.round(8 / Math.max(warm, 1e-3))));
    const times = { ours: [], tf: [] };
    const ratios = [];
    for (let round = 0; round < rounds; round++) {
      for (const which of round % 2 ? ['tf', 'ours'] : ['ours', 'tf']) times[which].push(await batchMs(runs[which], calls));
      ratios.push((times.tf.at(-1) ?? 0) / (times.ours.at(-1) ?? 1));
    }
    const [ours, theirs] = [median(times.ours), median(times.tf)];
    const ratio = median(ratios);
    const fastest = { ours: Math.min(...times.ours), tf: Math.min(...times.tf) };
    const ratioOfMinima = fastest.tf / fastest.ours;
    const size = op.family === 'rows' ? `${shape.rows}x${shape.cols}` : String(elements);
    cells.push({ id, size, ratio, ratioOfMinima });
    console.log(
      `${id.padEnd(30)}${size.padStart(11)}${ours.toFixed(4).padStart(10)}${theirs.toFixed(4).padStart(10)}${((fastest.ours * 1e6) / elements).toFixed(2).padStart(11)}${ratio.toFixed(2).padStart(7)}${ratioOfMinima.toFixed(2).padStart(11)}`,
    );
  }
}
for (const key of ['ratio', 'ratioOfMinima']) {
  const geomean = Math.exp(cells.reduce((sum, cell) => sum + Math.log(cell[key]), 0) / cells.length);
  const worst = cells.reduce((a, b) => (b[key] < a[key] ? b : a));
  const name = key === 'ratio' ? 'x tf (median of paired rounds)' : 'x tf min (fastest batches)';
  console.log(
    `${name}: geometric mean ${geomean.toFixed(3)}, worst cell ${worst.id} ${worst.size} ${worst[key].toFixed(3)} (${rounds} rounds)`,
  );
}
act.destroy();
await server.close();
