// Kernel time alone of the CPU path's WebAssembly exports, ns per element: two builds of the module
// interleaved in one run (the one at a git ref, from its src/cpu/wasm/binary.ts, and the working
// tree's source, compiled now), each export called on 16384 elements already in the module's memory.
//   node scripts/kernel-times.mjs [REF (default HEAD)] [rounds (default 15)] [export,export,...]
// (Exports named try_* in the new build, an experiment, are timed alone.)
import { execFileSync } from 'node:child_process';
import { compileKernels } from './build-wasm.mjs';

const [ref = 'HEAD', roundsArgument = '15', only] = process.argv.slice(2);
const rounds = Number(roundsArgument);
const base64 = (text) => (text.match(/'([A-Za-z0-9+/=]+)'/g) ?? []).map((part) => part.slice(1, -1)).join('');
const oldBytes = Buffer.from(base64(execFileSync('git', ['show', `${ref}:src/cpu/wasm/binary.ts`], { encoding: 'utf8' })), 'base64');
const newBytes = await compileKernels();
const N = 16384;

function instantiate(bytes) {
  const { exports } = new WebAssembly.Instance(new WebAssembly.Module(bytes), {});
  const base = exports.buffer_base();
  const memory = exports.memory.buffer;
  const x = new Float32Array(memory, base, N);
  const dy = new Float32Array(memory, base + 4 * N, N);
  let seed = 12345;
  const random = () => {
    seed = (seed * 1103515245 + 12345) >>> 0;
    return seed / 2 ** 32;
  };
  for (let i = 0; i < N; i++) {
    x[i] = random() * 20 - 10;
    dy[i] = random() * 2 - 1;
  }
  return { exports, x: base, dy: base + 4 * N, out: base + 8 * N, xView: x };
}
const modules = { old: instantiate(oldBytes), new: instantiate(newBytes) };

const elementwise = Object.keys(modules.new.exports).filter(
  (name) =>
    name.startsWith('try_') ||
    /_(forward|derivative|backward|derivative_from_output|backward_from_output|forward_and_derivative)$/.test(name),
);
const cases = elementwise.map((name) => [name, (m) => m.exports[name](m.x, m.dy, m.out, N, 0.01)]);
for (const cols of [16, 1024]) {
  cases.push([`softmax_rows ${cols}`, (m) => m.exports.softmax_rows(m.x, m.out, N / cols, cols)]);
  cases.push([`log_softmax_rows ${cols}`, (m) => m.exports.log_softmax_rows(m.x, m.out, N / cols, cols)]);
}
cases.push(['row_max', (m) => m.exports.row_max(m.x, N)]);
cases.push(['softmax_exp_sum', (m) => m.exports.softmax_exp_sum(m.x, m.out, N, 10, -10)]);
cases.push(['softmax_exp_sum shifted', (m) => m.exports.softmax_exp_sum(m.x, m.out, N, 60, -10)]);
cases.push(['scale', (m) => m.exports.scale(m.x, m.out, N, 0.001)]);
const wanted = only ? only.split(',') : undefined;
const time = (run, m) => {
  const start = performance.now();
  for (let i = 0; i < 20; i++) run(m);
  return ((performance.now() - start) / 20 / N) * 1e6;
};
console.log(`kernel ns/element, ${N} elements, fastest of ${rounds} interleaved rounds; old = ${ref}`);
console.log('export'.padEnd(40), 'old'.padStart(7), 'new'.padStart(7), 'new/old'.padStart(8));
for (const [name, run] of cases) {
  if (wanted && !wanted.some((w) => name.startsWith(w))) continue;
  // An export only the new build has is timed alone (the old column empty).
  const sides = modules.old.exports[name.split(' ')[0]] ? ['old', 'new'] : ['new'];
  for (const which of sides) for (let i = 0; i < 5; i++) run(modules[which]); // warm up, tier up
  const times = { old: [Number.NaN], new: [] };
  if (sides.length === 2) times.old = [];
  for (let round = 0; round < rounds; round++)
    for (const which of round % 2 ? sides : sides.slice().reverse()) times[which].push(time(run, modules[which]));
  // The fastest round of each: other processes on the shared cores only ever add time.
  const [a, b] = [Math.min(...times.old), Math.min(...times.new)];
  console.log(name.padEnd(40), a.toFixed(3).padStart(7), b.toFixed(3).padStart(7), (b / a).toFixed(3).padStart(8));
}
