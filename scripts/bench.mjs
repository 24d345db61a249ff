// `npm run bench`: builds the benchmark page (vite build --mode bench), serves it on 127.0.0.1, runs it
// in headless Chromium, prints the results table, and writes bench-results.json and bench-results.png.
// `npm run bench -- --node`: the same measurements in Node on Dawn (the webgpu package), no browser and
// no network: prints the adapter and driver found, the same table, and writes bench-results.json (no
// chart: it is drawn by the page). Exits non-zero when one of our backends is off the float64
// reference, the page logged an error, or (--node) Dawn found no Vulkan loader, driver or adapter.
//
//   node scripts/bench.mjs [--ops sigmoid,softmax] [--sizes 256,65536] [--shapes 1x4096,64x64]
//                          [--reps N] [--budget MS] [--quick] [--out DIR]
//                          [--row-strategy auto|thread|workgroup|split]   (the row kernels, forced)
//                          [--node [--adapter NAME] [--dawn FLAG ...]]    (Node on Dawn; Dawn's flags)
//                          [--tfjs-threads N]   (TF.js wasm's threads; default 1, as our CPU path)
//                          [--float16 SIZES]    (float16 vs float32 sizes; default 1048576 quick, 1048576,4194304 full; 0: none)
//                          [--accuracy full|quick|off]   (the accuracy view's sweep; quick with --quick)
import { createReadStream } from 'node:fs';
import { mkdir, stat, writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import { extname, join, normalize, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { CHROMIUM_ARGS, ensureBrowser, requireBrowser } from './browser.mjs';
import { DRIVER_HELP, describeMissingVulkan, ensureRuntimeDirectory, findVulkanDrivers, findVulkanLoader } from './dawn.mjs';

const root = resolve(fileURLToPath(import.meta.url), '../..');

/**
 * Generous: the full default run (every op, 2^14..2^22, thirteen columns) took 23 min on this repository's
 * 2-core machine with other work on it, and past 30 min once (bench/NOTES.md); a hung page still ends.
 */
const RUN_TIMEOUT_MS = 90 * 60 * 1000;

const CONTENT_TYPES = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.wasm': 'application/wasm',
};

/**
 * Cross-origin isolation (COOP + COEP), so that the page may share memory with workers: TF.js's wasm
 * backend runs its threaded build there (with the thread count asked, --tfjs-threads; 1 by default).
 */
export const ISOLATION_HEADERS = { 'cross-origin-opener-policy': 'same-origin', 'cross-origin-embedder-policy': 'require-corp' };

/**
 * Builds the page with Vite (`--mode bench`) into `outDir` (default dist-bench/).
 * @param {{ outDir?: string }} [options]
 */
export async function buildPage(options = {}) {
  const { build } = await import('vite');
  await build({
    root,
    configFile: join(root, 'vite.config.ts'),
    mode: 'bench',
    logLevel: 'warn',
    // TF.js, the comparison point, is a single chunk of a few MB: the size warning would be noise.
    build: { chunkSizeWarningLimit: 8192, ...(options.outDir ? { outDir: options.outDir, emptyOutDir: true } : {}) },
  });
  return options.outDir ?? join(root, 'dist-bench');
}

/**
 * Serves `directory` on 127.0.0.1 (a free port): GET only, no directory listing, nothing outside it.
 * @param {string} directory
 * @returns {Promise<{ url: string, close: () => Promise<void> }>}
 */
export async function serveDirectory(directory) {
  const base = resolve(directory);
  const server = createServer(async (request, response) => {
    let path;
    try {
      path = decodeURIComponent(new URL(request.url ?? '/', 'http://127.0.0.1').pathname);
    } catch {
      response.writeHead(400).end(); // a malformed escape: no such file
      return;
    }
    const file = normalize(join(base, path.endsWith('/') ? `${path}index.html` : path));
    if (request.method !== 'GET' || (file !== base && !file.startsWith(base + sep))) {
      response.writeHead(404).end();
      return;
    }
    try {
      if (!(await stat(file)).isFile()) throw new Error('not a file');
      response.writeHead(200, { 'content-type': CONTENT_TYPES[extname(file)] ?? 'application/octet-stream', ...ISOLATION_HEADERS });
      createReadStream(file).pipe(response);
    } catch {
      response.writeHead(404).end();
    }
  });
  await new Promise((done) => server.listen(0, '127.0.0.1', done));
  const address = server.address();
  if (!address || typeof address === 'string') throw new Error('the static server has no port');
  return {
    url: `http://127.0.0.1:${address.port}`,
    close: () => new Promise((done) => server.close(() => done())),
  };
}

/** Launches headless Chromium with WebGPU, through the project's browser finder. */
export async function launchBrowser() {
  const executablePath = await requireBrowser();
  const { chromium } = await import('playwright');
  return chromium.launch({ executablePath, headless: true, args: CHROMIUM_ARGS });
}

const BACKEND_COLUMNS = [
  ['webgpu', 'webgpu'],
  ['cpu', 'cpu'],
  ['auto', 'auto'],
  ['js', 'js loop'],
  ['tfjs-webgpu', 'tf-webgpu'],
  ['tfjs-cpu', 'tf-cpu'],
  ['tfjs-wasm', 'tf-wasm'],
  ['ort-webgpu', 'ort-webgpu'],
  ['ort-wasm', 'ort-wasm'],
  ['ort-webgpu-f16', 'ort-webgpu-f16'],
  ['ort-wasm-f16', 'ort-wasm-f16'],
];

/**
 * Like for like, peer's ms / ours end to end: our WebGPU engine against the peers' GPU backends, our
 * CPU engine against their CPU ones. [label, our backend, peer backend].
 */
const SPEEDUP_COLUMNS = [
  ['gpu x tf-webgpu', 'webgpu', 'tfjs-webgpu'],
  ['gpu x ort-webgpu', 'webgpu', 'ort-webgpu'],
  ['cpu x tf-wasm', 'cpu', 'tfjs-wasm'],
  ['cpu x tf-cpu', 'cpu', 'tfjs-cpu'],
  ['cpu x ort-wasm', 'cpu', 'ort-wasm'],
];

/** @param {unknown} value */
function isAvailable(value) {
  return typeof value === 'object' && value !== null && !('unavailable' in value);
}

/**
 * A figure of the JSON as text, whatever it holds: a cell timed 0 ms makes ratios over it Infinity, which
 * the JSON spells "Infinity" (and null where it cannot), and the report prints what was measured.
 * @param {unknown} value @param {(n: number) => string} format
 */
function figure(value, format) {
  return typeof value === 'number' && Number.isFinite(value) ? format(value) : String(value);
}

/** @param {number | string} ms */
function formatMs(ms) {
  if (typeof ms !== 'number' || !Number.isFinite(ms)) return String(ms);
  if (ms >= 1000) return ms.toFixed(0);
  if (ms >= 0.001) return ms.toPrecision(3);
  return ms.toExponential(2);
}

/** @param {number | string} error  the JSON spells Infinity and NaN as strings */
function formatError(error) {
  if (typeof error === 'string') return error === 'Infinity' ? 'inf' : error;
  if (typeof error !== 'number') return String(error);
  return error === 0 ? '0' : error.toExponential(1);
}

/** How many times faster `ours` is than `other` end to end (other's ms / ours): `3.10x`, or n/a. */
function speedup(other, ours) {
  return isAvailable(other) && isAvailable(ours) ? `${(other.msPerCall / ours.msPerCall).toFixed(2)}x` : 'n/a';
}

/** @param {string[][]} rows */
function alignColumns(rows) {
  const widths = rows[0].map((_, column) => Math.max(...rows.map((row) => row[column].length)));
  return rows
    .map((row) => row.map((text, column) => (column < 2 ? text.padEnd(widths[column]) : text.padStart(widths[column]))).join('  '))
    .join('\n');
}

/**
 * The results as plain aligned columns: ms per call for every backend, resident ms, GB/s and % of copy,
 * TF.js webgpu's resident ms and GB/s with ours over it (`x tf`: our resident GB/s / TF.js's), our worst
 * error and TF.js's, then the copy bandwidth and the crossovers.
 * @param {any} results  window.__benchResults
 */
export function formatTable(results) {
  const lines = [];
  const adapter = results.adapter;
  lines.push(`adapter: ${adapter.description}${adapter.software ? ' (software: only ratios mean anything)' : ''}`);
  if (results.config.rowStrategy && results.config.rowStrategy !== 'auto') lines.push(`row kernels forced: ${results.config.rowStrategy}`);
  lines.push(`features granted: timestamp-query=${adapter.features['timestamp-query']} subgroups=${adapter.features.subgroups}`);
  if (results.userAgent) lines.push(`host: ${results.userAgent}`);
  const copy = results.copyBandwidth;
  lines.push(
    isAvailable(copy)
      ? `copy bandwidth: ${figure(copy.gigabytesPerSecond, (v) => v.toFixed(2))} GB/s (copyBufferToBuffer ${copy.bytes / 2 / 1048576} MiB, read+write, ${copy.method})`
      : `copy bandwidth: unavailable (${copy.unavailable})`,
  );
  const kernelCopy = results.kernelCopyBandwidth;
  if (kernelCopy) {
    lines.push(
      isAvailable(kernelCopy)
        ? `copy kernel bandwidth: ${kernelCopy.gigabytesPerSecond.toFixed(2)} GB/s (vec4 compute copy ${kernelCopy.bytes / 2 / 1048576} MiB, read+write, ${kernelCopy.method})`
        : `copy kernel bandwidth: unavailable (${kernelCopy.unavailable})`,
    );
  }
  const uploads = results.uploads;
  if (Array.isArray(uploads)) {
    const sizes = uploads.map(
      (u) => `${u.bytes / 1024} KiB ${formatMs(u.writeBufferMs)} / ${formatMs(u.mappedAtCreationMs)} / ${formatMs(u.mappedStagingMs)}`,
    );
    lines.push(`upload ms (writeBuffer / mappedAtCreation / mapped staging): ${sizes.join('; ')}`);
  } else if (uploads) {
    lines.push(`upload: unavailable (${uploads.unavailable})`);
  }
  if (results.tfjs) {
    const status = (s) => (s.available ? 'ok' : `unavailable: ${s.reason}`);
    lines.push(`TF.js ${results.tfjs.version}: webgpu ${status(results.tfjs.webgpu)}; cpu ${status(results.tfjs.cpu)}`);
  }
  if (results.ort) {
    const status = (s) => (s.available ? s.detail : `unavailable: ${s.reason}`);
    lines.push(`ONNX Runtime Web ${results.ort.version}: webgpu ${status(results.ort.webgpu)}; wasm ${status(results.ort.wasm)}`);
    // A cell an EP cannot run says why once here, not in every row.
    const reasons = new Map();
    for (const cell of results.cells) {
      for (const id of ['ort-webgpu', 'ort-wasm', 'ort-webgpu-f16', 'ort-wasm-f16']) {
        const result = cell.endToEnd[id];
        if (result && !isAvailable(result))
          reasons.set(`${id}: ${result.unavailable}`, [...(reasons.get(`${id}: ${result.unavailable}`) ?? []), cell.op]);
      }
    }
    for (const [reason, ops] of reasons) lines.push(`  n/a ${reason} (${[...new Set(ops)].join(', ')})`);
  }
  const tensorFlowMethods = [
    ...new Set(
      results.cells
        .map((cell) => cell.tfjsResident)
        .filter(isAvailable)
        .map((timing) => timing.method),
    ),
  ];
  if (tensorFlowMethods.length > 0) {
    lines.push(
      `tf resident: ${tensorFlowMethods.join(', ')} (inputs uploaded once, results disposed unread; x tf = our resident GB/s / TF.js's)`,
    );
  }
  lines.push('');
  const header = [
    'op',
    'size',
    'auto',
    ...BACKEND_COLUMNS.map(([, label]) => `${label} ms`),
    'resident ms',
    'GB/s',
    '%copy',
    '%kcopy',
    'tf res ms',
    'tf GB/s',
    'x tf',
    'err ours',
    'err tf-gpu',
    'err tf-cpu',
    'err tf-wasm',
    'err ort-gpu',
    'err ort-wasm',
    'cpu x js',
    ...SPEEDUP_COLUMNS.map(([label]) => label),
  ];
  const rows = [header];
  for (const cell of results.cells) {
    const e2e = cell.endToEnd;
    const ms = BACKEND_COLUMNS.map(([id]) => (isAvailable(e2e[id]) ? formatMs(e2e[id].msPerCall) : 'n/a'));
    const ourErrors = ['webgpu', 'cpu', 'auto'].filter((id) => isAvailable(e2e[id])).map((id) => e2e[id].maxRelativeError);
    if (isAvailable(cell.resident)) ourErrors.push(cell.resident.maxRelativeError);
    const worst = ourErrors.some((error) => typeof error === 'string') ? 'Infinity' : Math.max(0, ...ourErrors);
    const resident = cell.resident;
    const residentColumns = isAvailable(resident)
      ? [
          formatMs(resident.ms),
          figure(resident.gigabytesPerSecond, (v) => v.toPrecision(3)),
          figure(resident.fractionOfCopy, (v) => `${(v * 100).toFixed(1)}%`),
          resident.fractionOfKernelCopy === undefined ? 'n/a' : figure(resident.fractionOfKernelCopy, (v) => `${(v * 100).toFixed(1)}%`),
        ]
      : ['n/a', 'n/a', 'n/a', 'n/a'];
    const tf = cell.tfjsResident;
    const tensorFlowColumns = isAvailable(tf)
      ? [
          formatMs(tf.ms),
          figure(tf.gigabytesPerSecond, (v) => v.toPrecision(3)),
          tf.oursOverTensorFlow === null ? 'n/a' : figure(tf.oursOverTensorFlow, (v) => `${v.toFixed(2)}x`),
        ]
      : ['n/a', 'n/a', 'n/a'];
    const tfError = (id) => (isAvailable(e2e[id]) ? formatError(e2e[id].maxRelativeError) : 'n/a');
    rows.push([
      cell.op,
      cell.shapeLabel,
      cell.autoChoice,
      ...ms,
      ...residentColumns,
      ...tensorFlowColumns,
      `${formatError(worst)}${cell.ourMismatch ? ' MISMATCH' : ''}`,
      tfError('tfjs-webgpu'),
      tfError('tfjs-cpu'),
      tfError('tfjs-wasm'),
      tfError('ort-webgpu'),
      tfError('ort-wasm'),
      speedup(e2e.js, e2e.cpu),
      ...SPEEDUP_COLUMNS.map(([, ours, peer]) => speedup(e2e[peer], e2e[ours])),
    ]);
  }
  lines.push(alignColumns(rows));
  lines.push('');
  for (const item of results.crossovers) {
    const from = item.webgpuFasterFromShape === null ? 'none in range' : `from ${item.webgpuFasterFromShape} on`;
    const auto = item.autoChoices.map((choice) => `${choice.shapeLabel}:${choice.choice}`).join(' ');
    const worst = item.autoWorst
      ? `; auto at worst ${figure(item.autoWorst.ratio, (v) => `${v.toFixed(2)}x`)} the faster backend (${item.autoWorst.shapeLabel})`
      : '';
    lines.push(`crossover ${item.op}: webgpu beats cpu end to end ${from}; auto chose ${auto}${worst}`);
  }
  lines.push(...formatFloat16(results.float16));
  for (const edge of results.edges) {
    const errors = Object.entries(edge.maxRelativeError)
      .map(([id, error]) => `${id}=${formatError(error)}`)
      .join(' ');
    lines.push(`edge ${edge.op}: max rel. error ${errors}${edge.ourMismatch ? ' MISMATCH' : ''}`);
  }
  lines.push(...formatSpeedups(results));
  lines.push(...formatAccuracy(results.accuracy ?? []));
  lines.push(...formatAutoSummary(results.autoSummary));
  return lines.join('\n');
}

/** Cells above the target named in the summary; the rest are counted (all are in bench-results.json). */
const AUTO_CELLS_NAMED = 8;

/**
 * auto's summary (bench/results.ts, autoSummary), last in the report so that a run's worst cell can be
 * quoted from the console: the worst cell from 4096 elements up with the figure it is judged on (the
 * median over rounds of auto's sample over the faster backend's in the same round, plus what its
 * tries of the slower backend cost at that backend's median) and the summed samples' ratio beside it,
 * which backend that was and where auto's calls ran, then how many cells are above the target.
 * @param {any} summary  results.autoSummary; absent in results from before it
 * @returns {string[]}
 */
export function formatAutoSummary(summary) {
  if (!summary) return [];
  // results from before `judged` was kept: the median alone
  const judgedOf = (cell) => cell.judged ?? cell.ratio;
  const ratio = (value) => figure(value, (v) => `${v.toFixed(2)}x`);
  const from = `from ${summary.fromElements} elements`;
  const lines = [''];
  const worst = summary.worst;
  if (worst) {
    const how =
      worst.pairedRounds > 0
        ? `median of ${worst.pairedRounds} paired rounds ${ratio(worst.ratio)} + tries ${ratio(worst.tries ?? 0)}; summed samples ${ratio(worst.meanRatio)}`
        : `no paired rounds: ratio of the medians ${ratio(worst.ratio)} + tries ${ratio(worst.tries ?? 0)}`;
    const ran = Object.entries(worst.autoCalls ?? {})
      .filter(([, calls]) => calls > 0)
      .map(([id, calls]) => `${id} ${calls} calls`)
      .join(', ');
    lines.push(
      `auto worst cell (${from}): ${worst.op} ${worst.shapeLabel} ${ratio(judgedOf(worst))} the faster backend (${worst.faster}) (${how}); auto ran ${ran || 'no counted calls'}`,
    );
  } else {
    lines.push(`auto worst cell (${from}): none measured`);
  }
  const above = summary.cellsAbove;
  const named = above
    .slice(0, AUTO_CELLS_NAMED)
    .map((cell) => `${cell.op} ${cell.shapeLabel} ${ratio(judgedOf(cell))}`)
    .join(', ');
  const more = above.length > AUTO_CELLS_NAMED ? `, and ${above.length - AUTO_CELLS_NAMED} more` : '';
  lines.push(
    `auto cells above ${summary.limit.toFixed(2)}x (${from}): ${above.length} of ${summary.cellsJudged}${above.length > 0 ? `: ${named}${more}` : ''}`,
  );
  if (summary.unjudged.length > 0) {
    lines.push(
      `auto cells not judged (${from}; a backend failed or read 0 ms): ${summary.unjudged.map((cell) => `${cell.op} ${cell.shapeLabel}`).join(', ')}`,
    );
  }
  return lines;
}

/**
 * The dtype dimension of a run (bench/float16.ts): per op, path (resident kernel time, the CPU engine's
 * WebAssembly, the array API with Float16Array) and size, float32 and float16 side by side, with
 * bytes per element, elements per second and float16's ratio to float32.
 * @returns {string[]} lines for the console (none for results from before the comparison existed)
 */
export function formatFloat16(float16) {
  if (!float16) return [];
  if (!isAvailable(float16)) return [`float16 vs float32: unavailable (${float16.unavailable})`];
  const rows = [['op', 'path', 'elements', 'dtype', 'ms', 'B/elem', 'Melem/s', 'x float32']];
  for (const row of float16.rows) {
    rows.push([
      row.op,
      row.path,
      String(row.elements),
      row.dtype,
      formatMs(row.ms),
      String(row.bytesPerElement),
      figure(row.elementsPerSecond / 1e6, (v) => v.toPrecision(3)),
      row.overFloat32 === undefined ? '' : figure(row.overFloat32, (v) => `${v.toFixed(2)}x`),
    ]);
  }
  return [
    '',
    'float16 vs float32, same run (resident: kernel time; cpu-wasm: the CPU engine on tensors; array: end to end, Float16Array in):',
    alignColumns(rows),
    ...float16.notes.map((note) => `float16: ${note}`),
  ];
}

/**
 * Per op at 2^16 and 2^20 elements (row ops: the single row of that length, else the first shape of it),
 * the like-for-like speed-ups of SPEEDUP_COLUMNS: the peer's ms / ours end to end.
 * @param {any} results
 */
export function formatSpeedups(results) {
  const sizes = [
    [65536, '2^16'],
    [1048576, '2^20'],
  ];
  const ops = [...new Set(results.cells.map((cell) => cell.op))];
  const rows = [['op', 'elements', ...SPEEDUP_COLUMNS.map(([label]) => label)]];
  for (const op of ops) {
    for (const [size, label] of sizes) {
      const matching = results.cells.filter((cell) => cell.op === op && cell.elements === size);
      const cell = matching.find((candidate) => candidate.shape.rows === 1) ?? matching[0];
      if (cell)
        rows.push([
          op,
          `${label} (${cell.shapeLabel})`,
          ...SPEEDUP_COLUMNS.map(([, ours, peer]) => speedup(cell.endToEnd[peer], cell.endToEnd[ours])),
        ]);
    }
  }
  if (rows.length === 1) return ['', 'speed-ups at 2^16 and 2^20 elements: neither size in this run'];
  return [
    '',
    "speed-ups at 2^16 and 2^20 elements, the peer's ms / ours end to end (gpu: our WebGPU engine; cpu: our CPU engine):",
    alignColumns(rows),
  ];
}

const ACCURACY_COLUMNS = [
  ['webgpu', 'ours webgpu'],
  ['cpu', 'ours cpu'],
  ['tfjs-webgpu', 'tf-webgpu'],
  ['tfjs-wasm', 'tf-wasm'],
  ['tfjs-cpu', 'tf-cpu'],
  ['ort-webgpu', 'ort-webgpu'],
  ['ort-wasm', 'ort-wasm'],
  ['js', 'js loop'],
];

/** @param {number | string} ulps  the JSON spells Infinity as a string */
function formatUlps(ulps) {
  if (typeof ulps !== 'number' || !Number.isFinite(ulps)) return 'inf';
  if (ulps < 10) return String(Number(ulps.toPrecision(2)));
  if (ulps < 1e5) return ulps.toFixed(0);
  return ulps.toExponential(1);
}

/**
 * The accuracy view as text: max error in float32 ulps per op and implementation, then every special case
 * where an implementation differs from float64 (what it gave against what float64 gives).
 * @param {any[]} accuracy  results.accuracy
 */
export function formatAccuracy(accuracy) {
  if (accuracy.length === 0) return [];
  const rows = [['op', 'sweep', ...ACCURACY_COLUMNS.map(([, label]) => label)]];
  for (const item of accuracy) {
    rows.push([
      item.op,
      String(item.sweepElements),
      ...ACCURACY_COLUMNS.map(([id]) => {
        const ulps = item.maxUlps[id];
        return ulps === undefined || (typeof ulps === 'object' && ulps !== null) ? 'n/a' : formatUlps(ulps);
      }),
    ]);
  }
  const lines = [
    '',
    'accuracy: max error in float32 ulps of float64 over the dense sweep (inf: a NaN or infinity off)',
    alignColumns(rows),
    '',
  ];
  for (const item of accuracy) {
    for (const special of item.specialCases) {
      const off = ACCURACY_COLUMNS.filter(([id]) => special.outputs[id]?.differs).map(
        ([id, label]) => `${label}=${special.outputs[id].text}`,
      );
      if (off.length > 0) lines.push(`special ${item.op} ${special.label}: float64 ${special.reference}; differs: ${off.join('; ')}`);
    }
  }
  return lines;
}

/**
 * `--node`: the benchmark in Node on Dawn. bench/node.ts runs through Vite's SSR loader (the library's
 * TypeScript and WGSL as the page gets them), from node_modules only: no browser, nothing downloaded.
 * @returns {Promise<number>} the exit code
 */
async function benchInNode(values, outDir) {
  const started = performance.now();
  const elapsed = () => `${((performance.now() - started) / 1000).toFixed(1)}s`;
  const missing = describeMissingVulkan();
  const drivers = findVulkanDrivers();
  if (process.platform === 'linux') {
    const listed = drivers.files.map((file) => file.path + (file.exists ? '' : ' (missing)')).join(', ') || 'none';
    console.log(`bench: Vulkan loader: ${findVulkanLoader() ?? 'missing'}`);
    console.log(
      `bench: Vulkan drivers (${drivers.variable ?? 'no VK_ICD_FILENAMES / VK_DRIVER_FILES: the default directories'}): ${listed}`,
    );
  }
  if (missing) {
    console.error(`bench: FAILED: Dawn cannot reach a GPU: ${missing}.\n${DRIVER_HELP}`);
    return 1;
  }
  const dawnFlags = [...(values.adapter ? [`adapter=${values.adapter}`] : []), ...(values.dawn ?? [])];
  const { createServer } = await import('vite');
  const server = await createServer({
    root,
    configFile: join(root, 'vite.config.ts'),
    mode: 'bench',
    logLevel: 'warn',
    appType: 'custom',
    server: { middlewareMode: true, hmr: false, ws: false },
  });
  try {
    const { runInNode } = await server.ssrLoadModule('/bench/node.ts');
    console.log(`bench: running in Node ${process.version} on Dawn${dawnFlags.length > 0 ? ` with ${dawnFlags.join(' ')}` : ''} ...`);
    let results;
    try {
      results = await runInNode({ query: `?${queryFrom(values)}`, dawnFlags, log: (line) => console.log(`bench: ${line}`) });
    } catch (error) {
      if (error?.name !== 'NoAdapterError') throw error;
      console.error(`bench: FAILED: ${error.message}.`);
      console.error(
        `  Vulkan drivers tried (${drivers.variable ?? 'default directories'}): ${drivers.files.map((file) => file.path).join(', ') || 'none'}` +
          ' (Dawn refuses some, e.g. Mesa\'s lavapipe: "shaderUniform*ArrayDynamicIndexing required").',
      );
      console.error(DRIVER_HELP);
      return 1;
    }
    console.log(`\n${formatTable(results)}\n`);
    const jsonPath = join(outDir, 'bench-results.json');
    await writeFile(jsonPath, `${JSON.stringify(results, null, 2)}\n`);
    console.log(`bench: wrote ${jsonPath} (${elapsed()}; no chart in Node: the page draws it)`);
    if (results.mismatch) {
      console.error(`bench: FAILED: our results are off the float64 reference:\n  ${results.errors.join('\n  ')}`);
      return 1;
    }
    return 0;
  } finally {
    await server.close();
  }
}

/** Turns command-line flags into the page's URL query. */
function queryFrom(values) {
  const query = new URLSearchParams({ autorun: '1' });
  if (values.quick) query.set('quick', '1');
  if (values.ops) query.set('ops', values.ops);
  if (values.sizes) query.set('sizes', values.sizes);
  if (values.shapes) query.set('shapes', values.shapes);
  if (values.reps) query.set('reps', values.reps);
  if (values.budget) query.set('budget', values.budget);
  if (values['row-strategy']) query.set('rowStrategy', values['row-strategy']);
  if (values['tfjs-threads']) query.set('tfjsThreads', values['tfjs-threads']);
  if (values.float16) query.set('float16', values.float16);
  if (values.accuracy) query.set('accuracy', values.accuracy);
  return query;
}

async function main() {
  const { values } = parseArgs({
    options: {
      ops: { type: 'string' },
      sizes: { type: 'string' },
      shapes: { type: 'string' },
      reps: { type: 'string' },
      budget: { type: 'string' },
      'row-strategy': { type: 'string' },
      'tfjs-threads': { type: 'string' },
      float16: { type: 'string' },
      accuracy: { type: 'string' },
      quick: { type: 'boolean', default: false },
      out: { type: 'string', default: root },
      node: { type: 'boolean', default: false },
      adapter: { type: 'string' },
      dawn: { type: 'string', multiple: true },
    },
  });
  const outDir = resolve(values.out);
  await mkdir(outDir, { recursive: true });
  // Dawn's "XDG_RUNTIME_DIR is invalid or not set" on every device, silenced (--node; Chromium inherits it too).
  ensureRuntimeDirectory();
  if (values.node) {
    process.exitCode = await benchInNode(values, outDir);
    return;
  }
  // Fail before the build when there is no browser and none can be installed: the finder says what to install.
  await ensureBrowser();

  const started = performance.now();
  const elapsed = () => `${((performance.now() - started) / 1000).toFixed(1)}s`;
  console.log('bench: building the page (vite build --mode bench) ...');
  const directory = await buildPage();
  const server = await serveDirectory(directory);
  const browser = await launchBrowser();
  const pageErrors = [];
  let failed = false;
  try {
    const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
    page.on('console', (message) => {
      const text = message.text();
      if (message.type() === 'error') {
        pageErrors.push(text);
        console.log(`bench: page error: ${text}`);
      } else if (text.startsWith('[bench]')) {
        console.log(`${elapsed().padStart(7)} ${text.slice('[bench] '.length)}`);
      }
    });
    page.on('pageerror', (error) => {
      pageErrors.push(error.message);
      console.log(`bench: uncaught page error: ${error.message}`);
    });
    const url = `${server.url}/?${queryFrom(values)}`;
    console.log(`bench: running ${url}`);
    await page.goto(url);
    await page.waitForFunction(() => window.__benchDone === true, null, { timeout: RUN_TIMEOUT_MS, polling: 500 });
    const error = await page.evaluate(() => window.__benchError);
    if (error) throw new Error(`the page failed: ${error}`);
    const results = await page.evaluate(() => window.__benchResults);

    console.log(`\n${formatTable(results)}\n`);
    const jsonPath = join(outDir, 'bench-results.json');
    const pngPath = join(outDir, 'bench-results.png');
    const chartsPath = join(outDir, 'bench-charts.png');
    await writeFile(jsonPath, `${JSON.stringify(results, null, 2)}\n`);
    // Two pictures: the summary against the peers (speed-ups, the accuracy tables) at a size that reads
    // at a glance, and every op's charts (time, throughput, error against x), tall with 18 ops.
    await page.locator('#figures').screenshot({ path: pngPath });
    await page.locator('#charts').screenshot({ path: chartsPath });
    console.log(`bench: wrote ${jsonPath}, ${pngPath} and ${chartsPath} (${elapsed()})`);

    if (results.mismatch) {
      failed = true;
      console.error(`bench: FAILED: our results are off the float64 reference:\n  ${results.errors.join('\n  ')}`);
    }
    if (pageErrors.length > 0) {
      failed = true;
      console.error(`bench: FAILED: the page logged ${pageErrors.length} error(s):\n  ${pageErrors.join('\n  ')}`);
    }
  } finally {
    await browser.close();
    await server.close();
  }
  process.exitCode = failed ? 1 : 0;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === resolve(process.argv[1])) {
  main().catch((error) => {
    console.error(`bench: ${error instanceof Error ? error.message : String(error)}`);
    process.exitCode = 1;
  });
}
