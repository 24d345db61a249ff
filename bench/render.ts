// Everything the page draws from results: the adapter header, the results table, the edge-case table,
// the crossover summary and the uPlot charts. Built with DOM calls and textContent only (strict-CSP safe).

import uPlot from 'uplot';
import type { Float16Results } from './float16.ts';
import 'uplot/dist/uPlot.min.css';
import { OUR_TOLERANCE } from './accuracy.ts';
import { ACCURACY_IMPLEMENTATIONS, formatUlps, type OpAccuracy } from './accuracy-view.ts';
import {
  formatBytes,
  formatCount,
  formatError,
  formatGigabytesPerSecond,
  formatMs,
  formatPercent,
  formatRatio,
  formatValue,
} from './format.ts';
import { findOp } from './ops.ts';
import type { CopyBandwidth } from './resident.ts';
import {
  type AdapterReport,
  BACKENDS,
  type BenchResults,
  type CellResult,
  type Crossover,
  type EdgeResult,
  isUnavailable,
  type Unavailable,
} from './results.ts';
import type { UploadTiming } from './upload.ts';

type Child = Node | string;

/** A new element with attributes and children (strings become text nodes). */
export function element(tag: string, attributes: Record<string, string> = {}, ...children: Child[]): HTMLElement {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) node.setAttribute(name, value);
  node.append(...children);
  return node;
}

const BACKEND_COLORS: Record<string, string> = {
  webgpu: '#d62728',
  cpu: '#1f77b4',
  auto: '#9467bd',
  js: '#7f7f7f',
  'tfjs-webgpu': '#ff7f0e',
  'tfjs-cpu': '#2ca02c',
  'tfjs-wasm': '#8c564b',
  'ort-webgpu': '#17becf',
  'ort-wasm': '#bcbd22',
  'ort-webgpu-f16': '#0b6e79',
  'ort-wasm-f16': '#6b6b10',
};

/** The header: adapter, whether it is software, the features and limits that matter, the copy bandwidth. */
export function renderAdapter(
  container: HTMLElement,
  adapter: AdapterReport,
  copy: CopyBandwidth | Unavailable | undefined,
  uploads?: UploadTiming[] | Unavailable,
  kernelCopy?: CopyBandwidth | Unavailable,
): void {
  const rows: [string, string][] = [
    ['Adapter', adapter.available ? adapter.description : `none: ${adapter.engineReasons.webgpu}`],
    [
      'Software / fallback',
      adapter.software
        ? `yes${adapter.isFallbackAdapter ? ' (isFallbackAdapter)' : ''}: timings are CPU emulation, only ratios mean anything`
        : 'no',
    ],
    [
      'Features',
      `timestamp-query: ${adapter.features['timestamp-query'] ? 'yes (times the resident columns)' : 'no (resident columns timed by wall clock)'}, subgroups: ${adapter.features.subgroups ? 'granted, unused (the row reductions are a workgroup-memory tree)' : 'no'}`,
    ],
  ];
  if (adapter.limits) {
    rows.push([
      'Limits',
      `maxStorageBufferBindingSize ${formatBytes(adapter.limits.maxStorageBufferBindingSize)}, maxBufferSize ${formatBytes(adapter.limits.maxBufferSize)}, maxComputeWorkgroupsPerDimension ${adapter.limits.maxComputeWorkgroupsPerDimension}`,
    ]);
  }
  rows.push(['auto engine', `${adapter.engineReasons.auto} (GPU from ${adapter.autoMinGpuElements} elements)`]);
  if (copy) {
    rows.push([
      'Buffer-copy bandwidth',
      isUnavailable(copy)
        ? `unavailable: ${copy.unavailable}`
        : `${formatGigabytesPerSecond(copy.gigabytesPerSecond)} GB/s (copyBufferToBuffer of ${formatBytes(copy.bytes / 2)}, bytes read + written, ${copy.method})`,
    ]);
  }
  if (kernelCopy) {
    rows.push([
      'Copy-kernel bandwidth',
      isUnavailable(kernelCopy)
        ? `unavailable: ${kernelCopy.unavailable}`
        : `${formatGigabytesPerSecond(kernelCopy.gigabytesPerSecond)} GB/s (vec4 compute copy of ${formatBytes(kernelCopy.bytes / 2)}, bytes read + written, ${kernelCopy.method})`,
    ]);
  }
  if (uploads) {
    rows.push([
      'Upload, ms (writeBuffer / mappedAtCreation / mapped staging)',
      isUnavailable(uploads)
        ? `unavailable: ${uploads.unavailable}`
        : uploads
            .map(
              (upload) =>
                `${formatBytes(upload.bytes)}: ${formatMs(upload.writeBufferMs)} / ${formatMs(upload.mappedAtCreationMs)} / ${formatMs(upload.mappedStagingMs)}`,
            )
            .join('; '),
    ]);
  }
  container.replaceChildren(
    element(
      'dl',
      {},
      ...rows.flatMap(([term, description]) => [element('dt', {}, term), element('dd', { 'data-field': term }, description)]),
    ),
  );
}

/** The table's header row: op, size, auto's choice, a column per backend, the resident columns, TF.js's resident columns. */
export function renderTableHead(thead: HTMLElement): void {
  thead.replaceChildren(
    element(
      'tr',
      {},
      element('th', {}, 'op'),
      element('th', {}, 'size / shape'),
      element('th', {}, 'auto ran on'),
      ...BACKENDS.map((backend) =>
        element('th', { 'data-backend': backend.id }, `${backend.label}`, element('br'), element('small', {}, 'ms/call · max rel. err')),
      ),
      element('th', {}, 'resident ms'),
      element('th', {}, 'resident GB/s'),
      element('th', { title: 'resident GB/s over copyBufferToBuffer GB/s' }, '% of copy'),
      element('th', { title: 'resident GB/s over the vec4 copy kernel GB/s: the ceiling of a compute kernel' }, '% of copy kernel'),
      element('th', { 'data-tf-resident': 'ms' }, 'TF.js webgpu resident ms'),
      element('th', { 'data-tf-resident': 'gbps' }, 'TF.js resident GB/s'),
      element('th', { 'data-tf-resident': 'ratio', title: 'our resident GB/s over TF.js webgpu resident GB/s' }, 'ours ÷ TF.js'),
    ),
  );
}

/** One row of the results table for a finished cell. */
export function appendCellRow(tbody: HTMLElement, cell: CellResult): void {
  const backendCells = BACKENDS.map((backend) => {
    const result = cell.endToEnd[backend.id];
    if (result === undefined || isUnavailable(result)) {
      // One of ours that failed is a defect, shown in red with its reason; anything else is just not measured.
      const failed = backend.ours && result?.unavailable.startsWith('failed');
      // A peer's cell that cannot run says why under its n/a (ORT's "no shader-f16", ...).
      return element(
        'td',
        { 'data-backend': backend.id, class: failed ? 'unavailable bad' : 'unavailable', title: result?.unavailable ?? 'not measured' },
        failed ? (result?.unavailable ?? 'failed') : element('span', { class: 'ms' }, 'n/a'),
        ...(failed || !result ? [] : [element('span', { class: 'error' }, shortUnavailable(result.unavailable))]),
      );
    }
    const bad = backend.ours && !(result.maxRelativeError <= OUR_TOLERANCE);
    return element(
      'td',
      { 'data-backend': backend.id, title: `${result.samples} samples of ${result.callsPerSample} calls` },
      element('span', { class: 'ms' }, formatMs(result.msPerCall)),
      element('span', { class: bad ? 'error bad' : 'error' }, formatError(result.maxRelativeError)),
    );
  });
  const resident = cell.resident;
  const residentCells = isUnavailable(resident)
    ? [element('td', { class: 'unavailable', colspan: '4', title: resident.unavailable, 'data-resident': 'n/a' }, 'n/a')]
    : [
        element(
          'td',
          {
            'data-resident': 'ms',
            ...(resident.maxRelativeError <= OUR_TOLERANCE ? {} : { class: 'bad' }),
            title: `${resident.method}, ${resident.samples} samples of ${resident.repeatsPerSample} dispatches; output max rel. err ${formatError(resident.maxRelativeError)}`,
          },
          formatMs(resident.ms),
        ),
        element('td', { 'data-resident': 'gbps' }, formatGigabytesPerSecond(resident.gigabytesPerSecond)),
        element('td', { 'data-resident': 'percent' }, formatPercent(resident.fractionOfCopy)),
        element(
          'td',
          { 'data-resident': 'kernel-percent' },
          resident.fractionOfKernelCopy === undefined ? 'n/a' : formatPercent(resident.fractionOfKernelCopy),
        ),
      ];
  const tf = cell.tfjsResident;
  const tensorFlowCells = isUnavailable(tf)
    ? [element('td', { class: 'unavailable', colspan: '3', title: tf.unavailable, 'data-tf-resident': 'n/a' }, 'n/a')]
    : [
        element(
          'td',
          {
            'data-tf-resident': 'ms',
            title: `${tf.method}, ${tf.samples} samples of ${tf.repeatsPerSample} applications; kernels ${tf.kernels.join(', ')}; tf.profile kernel time ${tf.profileKernelMs === null ? 'n/a' : formatMs(tf.profileKernelMs)} ms; output max rel. err ${formatError(tf.maxRelativeError)}`,
          },
          formatMs(tf.ms),
        ),
        element('td', { 'data-tf-resident': 'gbps' }, formatGigabytesPerSecond(tf.gigabytesPerSecond)),
        tf.oursOverTensorFlow === null
          ? element('td', { class: 'unavailable', 'data-tf-resident': 'ratio', title: 'our resident timing is unavailable' }, 'n/a')
          : element('td', { 'data-tf-resident': 'ratio' }, formatRatio(tf.oursOverTensorFlow)),
      ];
  tbody.append(
    element(
      'tr',
      { 'data-op': cell.op, 'data-size': cell.shapeLabel, class: cell.ourMismatch ? 'mismatch' : '' },
      element('td', {}, cell.label),
      element('td', {}, cell.shapeLabel),
      element('td', { 'data-auto': cell.autoChoice }, cell.autoChoice),
      ...backendCells,
      ...residentCells,
      ...tensorFlowCells,
    ),
  );
}

/** One op's special inputs and every backend's outputs, with errors against float64. */
export function appendEdge(container: HTMLElement, edge: EdgeResult): void {
  const header = element(
    'tr',
    {},
    element('th', {}, ''),
    ...edge.x.map((_, i) => element('th', {}, String(i))),
    element('th', {}, 'max rel. err'),
  );
  const valueRow = (label: string, values: number[], extra = '', className = '') =>
    element(
      'tr',
      { class: className },
      element('th', {}, label),
      ...values.map((value) => element('td', {}, formatValue(value))),
      element('td', {}, extra),
    );
  const rows = [valueRow(edge.shape.rows > 1 ? `x (${edge.shape.rows}x${edge.shape.cols})` : 'x', edge.x)];
  if (edge.dy) rows.push(valueRow('dy', edge.dy));
  rows.push(valueRow('float64 reference', edge.reference));
  for (const backend of BACKENDS) {
    const output = edge.outputs[backend.id];
    if (output === undefined || !Array.isArray(output)) {
      rows.push(
        element(
          'tr',
          {},
          element('th', {}, backend.label),
          element('td', { colspan: String(edge.x.length + 1), class: 'unavailable' }, output?.unavailable ?? 'n/a'),
        ),
      );
      continue;
    }
    const error = edge.maxRelativeError[backend.id] ?? Number.NaN;
    const bad = backend.ours && !(error <= OUR_TOLERANCE);
    rows.push(valueRow(backend.label, output, formatError(error), bad ? 'bad' : backend.ours ? '' : 'info'));
  }
  const note = findOp(edge.op)?.note;
  container.append(
    element('h3', {}, edge.label),
    ...(note ? [element('p', { class: 'note' }, note)] : []),
    element('table', { class: 'edge', 'data-op': edge.op }, element('thead', {}, header), element('tbody', {}, ...rows)),
  );
}

/** Per op: where our WebGPU engine starts to win over our CPU engine, and what auto did. */
export function renderCrossovers(container: HTMLElement, items: readonly Crossover[]): void {
  container.replaceChildren(
    element(
      'ul',
      {},
      ...items.map((item) => {
        const from =
          item.webgpuFasterFromShape === null
            ? 'none in range'
            : `from ${item.webgpuFasterFromShape} (${item.webgpuFasterFromElements} elements) on`;
        const auto = item.autoChoices.map((choice) => `${choice.shapeLabel}→${choice.choice}`).join(', ');
        return element(
          'li',
          { 'data-op': item.op },
          element('strong', {}, item.label),
          `: WebGPU beats CPU end to end ${from}. auto chose: ${auto}.`,
          ...(item.autoWorst
            ? [` At worst auto took ${formatRatio(item.autoWorst.ratio)} the time of the faster backend (${item.autoWorst.shapeLabel}).`]
            : []),
        );
      }),
    ),
  );
}

/** A log axis for elementwise sizes, an index axis labelled with the shapes for row ops (their sizes repeat). */
function xAxisFor(cells: readonly CellResult[]): { x: number[]; scale: uPlot.Scale; axis: uPlot.Axis } {
  const family = findOp(cells[0]?.op ?? '')?.family ?? 'elementwise';
  if (family === 'elementwise') {
    return {
      x: cells.map((cell) => cell.elements),
      scale: { time: false, distr: 3, log: 2 },
      // uPlot passes null for the log scale's ticks it leaves unlabelled.
      axis: { label: 'elements', values: (_plot, splits) => splits.map((split) => (split === null ? null : formatCount(split))) },
    };
  }
  const indices = cells.map((_, i) => i);
  return {
    x: indices,
    scale: { time: false, range: [-0.5, cells.length - 0.5] },
    axis: { label: 'rows x cols', splits: () => indices, values: (_plot, splits) => splits.map((split) => cells[split]?.shapeLabel ?? '') },
  };
}

const CHART_WIDTH = 420;
const CHART_HEIGHT = 300;

/**
 * Two charts per op: end-to-end time per call against size (log-log, a line per backend), and our
 * resident throughput and TF.js webgpu's against the buffer-copy bandwidth. Returns the plots so the caller can destroy them.
 */
export function renderCharts(container: HTMLElement, results: BenchResults): uPlot[] {
  const plots: uPlot[] = [];
  container.replaceChildren();
  const copy = results.copyBandwidth;
  const copyGigabytesPerSecond = isUnavailable(copy) ? null : copy.gigabytesPerSecond;
  const ops = [...new Set(results.cells.map((cell) => cell.op))];
  for (const op of ops) {
    const cells = results.cells.filter((cell) => cell.op === op).sort((a, b) => a.elements - b.elements || a.shape.rows - b.shape.rows);
    const { x, scale, axis } = xAxisFor(cells);
    const times = BACKENDS.map((backend) =>
      cells.map((cell) => {
        const result = cell.endToEnd[backend.id];
        return result === undefined || isUnavailable(result) ? null : result.msPerCall;
      }),
    );
    const label = cells[0]?.label ?? op;
    const figure = element('div', { class: 'chart-pair', 'data-op': op });
    container.append(figure);
    plots.push(
      new uPlot(
        {
          title: `${label}: end-to-end time per call`,
          legend: { live: false },
          width: CHART_WIDTH,
          height: CHART_HEIGHT,
          scales: { x: scale, y: { distr: 3 } },
          axes: [axis, { label: 'ms per call', size: 70 }],
          series: [
            { label: 'size' },
            ...BACKENDS.map((backend) => ({
              label: backend.label,
              stroke: BACKEND_COLORS[backend.id] ?? '#000',
              width: 2,
              points: { show: true, size: 6 },
            })),
          ],
        },
        [x, ...times],
        figure,
      ),
    );
    const throughput = cells.map((cell) => (isUnavailable(cell.resident) ? null : cell.resident.gigabytesPerSecond));
    const tensorFlowThroughput = cells.map((cell) => (isUnavailable(cell.tfjsResident) ? null : cell.tfjsResident.gigabytesPerSecond));
    plots.push(
      new uPlot(
        {
          title: `${label}: resident throughput (ours, TF.js) vs copy ceiling`,
          legend: { live: false },
          width: CHART_WIDTH,
          height: CHART_HEIGHT,
          scales: { x: scale, y: { distr: 3 } },
          axes: [axis, { label: 'GB/s', size: 60 }],
          series: [
            { label: 'size' },
            { label: 'ours resident', stroke: BACKEND_COLORS.webgpu ?? '#000', width: 2, points: { show: true, size: 6 } },
            {
              label: 'TF.js webgpu resident',
              stroke: BACKEND_COLORS['tfjs-webgpu'] ?? '#000',
              width: 2,
              points: { show: true, size: 6 },
            },
            { label: 'buffer copy', stroke: '#000', width: 1, dash: [6, 4] },
          ],
        },
        [x, throughput, tensorFlowThroughput, cells.map(() => copyGigabytesPerSecond)],
        figure,
      ),
    );
    const accuracy = results.accuracy.find((item) => item.op === op);
    if (accuracy) plots.push(accuracyChart(accuracy, figure));
  }
  // Ops measured for accuracy only (no timed cells): their chart alone.
  for (const accuracy of results.accuracy.filter((item) => !ops.includes(item.op))) {
    const figure = element('div', { class: 'chart-pair', 'data-op': accuracy.op });
    container.append(figure);
    plots.push(accuracyChart(accuracy, figure));
  }
  return plots;
}

/** The dtype dimension (bench/float16.ts): per op, path and size, float32 and float16 side by side. */
export function renderFloat16(results: Float16Results | undefined): HTMLElement {
  if (!results) return element('div');
  if ('unavailable' in results) return element('p', {}, `float16 vs float32: unavailable (${results.unavailable})`);
  const header = ['op', 'path', 'elements', 'dtype', 'ms', 'bytes/element', 'Melements/s', '× float32'];
  return element(
    'section',
    { id: 'float16' },
    element('h3', {}, 'float16 vs float32 (same run)'),
    element(
      'table',
      {},
      element('thead', {}, element('tr', {}, ...header.map((cell) => element('th', {}, cell)))),
      element(
        'tbody',
        {},
        ...results.rows.map((row) =>
          element(
            'tr',
            { 'data-op': row.op, 'data-dtype': row.dtype },
            ...[
              row.op,
              row.path,
              formatCount(row.elements),
              row.dtype,
              row.ms.toPrecision(3),
              String(row.bytesPerElement),
              (row.elementsPerSecond / 1e6).toPrecision(3),
              row.overFloat32 === undefined ? '' : formatRatio(row.overFloat32),
            ].map((cell) => element('td', {}, cell)),
          ),
        ),
      ),
    ),
    ...results.notes.map((note) => element('p', {}, note)),
  );
}

/** Where the log axis puts an exact result (0 ulps) and a NaN or infinity off (Infinity ulps). */
const EXACT_ULPS = 0.01;
const OFF_ULPS = 1e12;

/** The error against x chart of one op: the largest ulps in each x bin, a line per implementation. */
function accuracyChart(accuracy: OpAccuracy, figure: HTMLElement): uPlot {
  const present = ACCURACY_IMPLEMENTATIONS.filter(({ id }) => accuracy.chart.ulps[id] !== undefined);
  const series = present.map(({ id }) =>
    (accuracy.chart.ulps[id] ?? []).map((ulps) => (ulps === null ? null : Math.min(OFF_ULPS, Math.max(EXACT_ULPS, ulps)))),
  );
  return new uPlot(
    {
      title: `${accuracy.label}: max error in float32 ulps vs ${accuracy.family === 'rows' ? 'x (rows in [-30, 30])' : 'x in [-100, 100]'}`,
      legend: { live: false },
      width: CHART_WIDTH,
      height: CHART_HEIGHT,
      scales: { x: { time: false }, y: { distr: 3, range: [EXACT_ULPS, OFF_ULPS] } },
      axes: [
        { label: 'x (largest error in each of 240 bins)', values: (_plot, splits) => splits.map((split) => formatAxisNumber(split)) },
        {
          label: 'ulps (0 at 0.01, NaN/inf off at 1e12)',
          size: 70,
          values: (_plot, splits) => splits.map((split) => formatAxisNumber(split)),
        },
      ],
      series: [
        { label: 'x' },
        ...present.map(({ id, label }) => ({ label, stroke: BACKEND_COLORS[id] ?? '#000', width: 1.5, points: { show: false } })),
      ],
    },
    [accuracy.chart.x, ...series],
    figure,
  );
}

function formatAxisNumber(value: number | null): string {
  if (value === null) return '';
  if (value === 0) return '0';
  const magnitude = Math.abs(value);
  return magnitude >= 1e4 || magnitude < 1e-2 ? value.toExponential(0) : String(Number(value.toPrecision(3)));
}

/**
 * The accuracy tables: every op's largest error in float32 ulps per implementation over the dense sweep,
 * then what each returns on the special cases, marked where it differs from float64.
 */
export function renderAccuracy(container: HTMLElement, accuracy: readonly OpAccuracy[]): void {
  const head = element(
    'tr',
    {},
    element('th', {}, 'op'),
    element('th', {}, 'sweep'),
    ...ACCURACY_IMPLEMENTATIONS.map(({ label }) => element('th', {}, label)),
  );
  const rows = accuracy.map((item) =>
    element(
      'tr',
      { 'data-op': item.op },
      element('td', {}, item.label),
      element('td', {}, formatCount(item.sweepElements)),
      ...ACCURACY_IMPLEMENTATIONS.map(({ id }) => {
        const ulps = item.maxUlps[id];
        if (ulps === undefined || typeof ulps !== 'number') {
          return element('td', { class: 'unavailable', title: ulps?.unavailable ?? 'not measured' }, 'n/a');
        }
        const grade = !Number.isFinite(ulps) ? 'ulps-off' : ulps <= 1 ? 'ulps-exact' : ulps <= 64 ? 'ulps-close' : 'ulps-far';
        const where = item.worstX[id];
        const away = item.maxUlpsAwayFromUnderflow[id];
        return element(
          'td',
          { class: grade, title: where === undefined ? '' : `worst at x = ${where}` },
          element('span', { class: 'ms' }, formatUlps(ulps)),
          element('span', { class: 'error' }, away === undefined ? '' : formatUlps(away)),
        );
      }),
    ),
  );
  const summary = element('table', { class: 'accuracy', id: 'accuracy-table' }, element('thead', {}, head), element('tbody', {}, ...rows));

  const specialHead = element(
    'tr',
    {},
    element('th', {}, 'op'),
    element('th', {}, 'input'),
    element('th', {}, 'float64'),
    ...ACCURACY_IMPLEMENTATIONS.map(({ label }) => element('th', {}, label)),
  );
  // The cases where every implementation gives float64's answer are counted, not listed: the table stays short.
  const cases = accuracy.flatMap((item) => item.specialCases.map((special) => ({ item, special })));
  const listed = cases.filter(({ special }) =>
    Object.values(special.outputs).some((output) => output && 'differs' in output && output.differs),
  );
  const specialRows = listed.map(({ item, special }) =>
    element(
      'tr',
      { 'data-op': item.op },
      element('td', {}, item.label),
      element('td', {}, special.label),
      element('td', {}, special.reference),
      ...ACCURACY_IMPLEMENTATIONS.map(({ id }) => {
        const result = special.outputs[id];
        if (result === undefined || 'unavailable' in result) {
          return element(
            'td',
            { class: 'unavailable', title: result?.unavailable ?? '' },
            result ? shortUnavailable(result.unavailable) : 'n/a',
          );
        }
        return element('td', { class: result.differs ? 'differs' : '' }, result.text);
      }),
    ),
  );
  const specials = element(
    'table',
    { class: 'accuracy special', id: 'special-cases' },
    element('thead', {}, specialHead),
    element('tbody', {}, ...specialRows),
  );
  container.replaceChildren(
    element('h3', {}, 'Largest error in float32 ulps of the float64 result, over a dense sweep (small: away from underflow, |f| ≥ 1e-30)'),
    element(
      'p',
      { class: 'note' },
      "Elementwise: a grid over [-100, 100] (65536 points; 4096 in a quick run), the tails to ±3.4e38, every float32 near 0 (subnormals) and near each activation's kinks and derivative zeros; backward ops with dy = 1. Rows: random rows in [-30, 30] of 16, 1024 and 65536 (quick: 16 and 1024). Below the smallest normal float32, in units of the smallest subnormal (a GPU that flushes subnormals shows there). inf: a NaN or infinity where float64 has none, or the reverse.",
    ),
    summary,
    element(
      'h3',
      {},
      `Special cases (red: differs from float64: a NaN, infinity or signed zero, or off by 1e-5); ${cases.length - listed.length} of ${cases.length} cases where all agree are not listed`,
    ),
    specials,
  );
}

/** Like for like, peer's ms / ours end to end: our WebGPU engine against the peers' GPU backends, our CPU engine against their CPU ones. */
export const SPEEDUPS = [
  { label: 'gpu x TF.js webgpu', ours: 'webgpu', peer: 'tfjs-webgpu' },
  { label: 'gpu x ORT webgpu', ours: 'webgpu', peer: 'ort-webgpu' },
  { label: 'cpu x TF.js wasm', ours: 'cpu', peer: 'tfjs-wasm' },
  { label: 'cpu x TF.js cpu', ours: 'cpu', peer: 'tfjs-cpu' },
  { label: 'cpu x ORT wasm', ours: 'cpu', peer: 'ort-wasm' },
] as const;

/** The summary's sizes: 2^16 and 2^20 elements (for row ops the single row of that length, else any shape of it). */
export const SUMMARY_ELEMENTS = [65536, 1048576] as const;

/** The cell of `op` with `elements` elements: a single row first (row ops), else the first of that size. */
export function summaryCell(cells: readonly CellResult[], op: string, elements: number): CellResult | undefined {
  const matching = cells.filter((cell) => cell.op === op && cell.elements === elements);
  return matching.find((cell) => cell.shape.rows === 1) ?? matching[0];
}

/**
 * The speed summary: per op at 2^16 and 2^20 elements, how many times faster ours is than each peer end to
 * end (greater than 1: ours faster), like for like.
 */
export function renderSpeedups(container: HTMLElement, results: BenchResults): void {
  const ops = [...new Set(results.cells.map((cell) => cell.op))];
  const head = element(
    'tr',
    {},
    element('th', {}, 'op'),
    ...SUMMARY_ELEMENTS.flatMap((elements) => SPEEDUPS.map(({ label }) => element('th', {}, `${formatCount(elements)}: ${label}`))),
  );
  const rows = ops.map((op) =>
    element(
      'tr',
      { 'data-op': op },
      element('td', {}, results.cells.find((cell) => cell.op === op)?.label ?? op),
      ...SUMMARY_ELEMENTS.flatMap((elements) => {
        const cell = summaryCell(results.cells, op, elements);
        return SPEEDUPS.map(({ ours, peer }) => {
          const mine = cell?.endToEnd[ours];
          const theirs = cell?.endToEnd[peer];
          if (!cell || !mine || !theirs || isUnavailable(mine) || isUnavailable(theirs)) {
            const reason = theirs && isUnavailable(theirs) ? theirs.unavailable : cell ? 'not measured' : 'size not in this run';
            return element('td', { class: 'unavailable', title: reason }, 'n/a');
          }
          const ratio = theirs.msPerCall / mine.msPerCall;
          return element('td', { class: ratio >= 1 ? 'faster' : 'slower', title: `${cell.shapeLabel}` }, formatRatio(ratio));
        });
      }),
    ),
  );
  container.replaceChildren(
    element('h3', {}, "Speed: the peer's ms / ours, end to end (above 1: ours faster); our WebGPU vs GPU peers, our CPU vs CPU peers"),
    element('table', { class: 'accuracy speedups', id: 'speedups-table' }, element('thead', {}, head), element('tbody', {}, ...rows)),
  );
}

/** An unavailable cell's reason, short enough for the table (the full reason is its title). */
function shortUnavailable(reason: string): string {
  return reason.length > 24 ? `${reason.slice(0, 22)}…` : reason;
}
