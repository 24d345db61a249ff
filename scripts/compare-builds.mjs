// Same-run A/B of the array API between two builds of the library (for example the commit before a
// change and after it): two engines on one Dawn device, calls interleaved, the median of each.
//   node scripts/compare-builds.mjs OLD/dist/webgpu-activations.js NEW/dist/webgpu-activations.js [rounds]
// Needs the webgpu package and a Vulkan driver (VK_ICD_FILENAMES; see README, On a GPU server).
import { resolve } from 'node:path';
import { create, globals } from 'webgpu';

const [oldPath, newPath, roundsArgument] = process.argv.slice(2);
if (!oldPath || !newPath) {
  console.error('usage: node scripts/compare-builds.mjs OLD.js NEW.js [rounds]');
  process.exit(2);
}
Object.assign(globalThis, globals); // builds before the Node work read WebGPU's globals
const libraries = { old: await import(resolve(oldPath)), new: await import(resolve(newPath)) };
// Kept in a variable for the whole run: a collected GPU object takes Dawn's instance with it.
const gpu = create([]);
const adapter = await gpu.requestAdapter();
if (!adapter) throw new Error('Dawn granted no adapter: set VK_ICD_FILENAMES to a Vulkan driver');
const device = await adapter.requestDevice({
  requiredLimits: { maxStorageBufferBindingSize: adapter.limits.maxStorageBufferBindingSize, maxBufferSize: adapter.limits.maxBufferSize },
});
const engines = {
  old: await libraries.old.createActivations({ device, backend: 'webgpu' }),
  new: await libraries.new.createActivations({ device, backend: 'webgpu' }),
};
const values = (n) => new Float32Array(n).map((_, i) => ((i * 7919) % 2001) / 100 - 10);
const cases = [];
for (const n of [4096, 65536, 1 << 20]) {
  const x = values(n);
  const y = x.map((v) => 1 / (1 + Math.exp(-v)));
  const dy = x.map((v) => v / 10);
  cases.push([`sigmoid ${n}`, (act) => act.sigmoid(x)]);
  cases.push([`sigmoidBackward ${n}`, (act) => act.sigmoidBackward(y, dy)]);
  cases.push([`sigmoidWithDerivative ${n}`, (act) => act.sigmoidWithDerivative(x)]);
}
for (const [rows, cols] of [
  [64, 1024],
  [1024, 1024],
  [65536, 16],
]) {
  const x = values(rows * cols);
  cases.push([`softmax ${rows}x${cols}`, (act) => act.softmax(x, { rows, cols })]);
}
const median = (samples) => samples.slice().sort((a, b) => a - b)[Math.floor(samples.length / 2)];
const rounds = Number(roundsArgument ?? 21);
console.log('case'.padEnd(30), 'old ms'.padStart(9), 'new ms'.padStart(9), 'new/old'.padStart(8));
const ratios = [];
for (const [name, run] of cases) {
  const times = { old: [], new: [] };
  for (const which of ['old', 'new']) await run(engines[which]); // pipelines compiled before timing
  for (let round = 0; round < rounds; round++) {
    for (const which of round % 2 ? ['old', 'new'] : ['new', 'old']) {
      const start = performance.now();
      await run(engines[which]);
      times[which].push(performance.now() - start);
    }
  }
  const [before, after] = [median(times.old), median(times.new)];
  ratios.push(after / before);
  console.log(name.padEnd(30), before.toFixed(3).padStart(9), after.toFixed(3).padStart(9), (after / before).toFixed(3).padStart(8));
}
console.log('geometric mean new/old', Math.exp(ratios.reduce((sum, r) => sum + Math.log(r), 0) / ratios.length).toFixed(3));
for (const engine of Object.values(engines)) engine.destroy();
device.destroy();
process.exit(0);
