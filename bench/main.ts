// The benchmark page: reads the configuration (controls, or the URL query for the headless runner),
// creates our engines, runs, and shows the results. `document.body.dataset.state` goes
// starting -> ready -> running -> done | cancelled | error; window.__benchResults / __benchDone are set
// when a run ends.
import { type BenchConfig, configFromQuery, formatShape } from './config.ts';
import { createEngines, destroyEngines } from './engines.ts';
import { BENCH_OPS } from './ops.ts';
import {
  appendCellRow,
  appendEdge,
  element,
  renderAccuracy,
  renderAdapter,
  renderCharts,
  renderCrossovers,
  renderFloat16,
  renderSpeedups,
  renderTableHead,
} from './render.ts';
import type { AdapterReport, BenchResults } from './results.ts';
import { resultsToJson } from './results.ts';
import { type Engines, runBenchmark } from './run.ts';

declare global {
  interface Window {
    __benchResults?: unknown;
    __benchDone?: boolean;
    __benchError?: string;
  }
}

function required<T extends HTMLElement>(selector: string): T {
  const found = document.querySelector<T>(selector);
  if (!found) throw new Error(`the page lacks ${selector}`);
  return found;
}

const controls = {
  ops: required<HTMLElement>('#ops'),
  sizes: required<HTMLInputElement>('#sizes'),
  shapes: required<HTMLInputElement>('#shapes'),
  reps: required<HTMLInputElement>('#reps'),
  budget: required<HTMLInputElement>('#budget'),
  run: required<HTMLButtonElement>('#run'),
  cancel: required<HTMLButtonElement>('#cancel'),
  download: required<HTMLButtonElement>('#download'),
  progress: required<HTMLProgressElement>('#progress'),
  status: required<HTMLElement>('#status'),
};
const views = {
  adapter: required<HTMLElement>('#adapter'),
  tableHead: required<HTMLElement>('#results thead'),
  tableBody: required<HTMLElement>('#results tbody'),
  crossovers: required<HTMLElement>('#crossovers'),
  charts: required<HTMLElement>('#charts'),
  accuracy: required<HTMLElement>('#accuracy'),
  speedups: required<HTMLElement>('#speedups'),
  edges: required<HTMLElement>('#edges'),
};

function setState(state: 'starting' | 'ready' | 'running' | 'done' | 'cancelled' | 'error'): void {
  document.body.dataset.state = state;
}

function showConfig(config: BenchConfig): void {
  controls.ops.replaceChildren(
    ...BENCH_OPS.map((op) => {
      const checkbox = element('input', { type: 'checkbox', value: op.id, name: 'op' }) as HTMLInputElement;
      checkbox.checked = config.ops.includes(op.id);
      return element('label', {}, checkbox, ` ${op.label}`);
    }),
  );
  controls.sizes.value = config.sizes.join(',');
  controls.shapes.value = config.shapes.map(formatShape).join(',');
  controls.reps.value = String(config.reps);
  controls.budget.value = String(config.cellBudgetMs);
}

/** The configuration the controls show now, in the URL query's terms so both go through one parser. */
function configFromControls(base: BenchConfig): BenchConfig {
  const query = new URLSearchParams();
  const ops = [...controls.ops.querySelectorAll<HTMLInputElement>('input[name=op]:checked')].map((box) => box.value);
  query.set('ops', ops.join(','));
  query.set('sizes', controls.sizes.value);
  query.set('shapes', controls.shapes.value);
  query.set('reps', controls.reps.value);
  query.set('budget', controls.budget.value);
  if (base.quick) query.set('quick', '1');
  query.set('rowStrategy', base.rowStrategy);
  query.set('tfjsThreads', String(base.tensorFlowWasmThreads));
  query.set('accuracy', base.accuracy);
  const config = configFromQuery(`?${query}`);
  return { ...config, ops: ops.length > 0 ? config.ops : [] };
}

let lastResults: BenchResults | undefined;
let running: AbortController | undefined;
let plots: { destroy(): void }[] = [];

async function run(base: BenchConfig, engines: Engines, adapter: AdapterReport): Promise<void> {
  if (running) return;
  const config = configFromControls(base);
  running = new AbortController();
  window.__benchDone = false;
  setState('running');
  controls.run.disabled = true;
  controls.cancel.disabled = false;
  controls.download.disabled = true;
  for (const plot of plots) plot.destroy();
  plots = [];
  views.tableBody.replaceChildren();
  views.edges.replaceChildren();
  views.crossovers.replaceChildren();
  views.charts.replaceChildren();
  views.accuracy.replaceChildren();
  views.speedups.replaceChildren();
  controls.progress.value = 0;
  try {
    const results = await runBenchmark(
      config,
      engines,
      adapter,
      {
        onProgress(done, total, status) {
          controls.progress.max = total;
          controls.progress.value = done;
          controls.status.textContent = status;
        },
        onCell: (cell) => appendCellRow(views.tableBody, cell),
        onEdge: (edge) => appendEdge(views.edges, edge),
      },
      running.signal,
    );
    lastResults = results;
    renderAdapter(views.adapter, adapter, results.copyBandwidth, results.uploads, results.kernelCopyBandwidth);
    renderCrossovers(views.crossovers, results.crossovers);
    views.crossovers.append(renderFloat16(results.float16));
    renderSpeedups(views.speedups, results);
    renderAccuracy(views.accuracy, results.accuracy);
    plots = renderCharts(views.charts, results);
    controls.status.textContent = `${results.state}: ${results.cells.length} cells${results.mismatch ? ', MISMATCH in our results' : ''}`;
    window.__benchResults = JSON.parse(resultsToJson(results));
    window.__benchDone = true;
    controls.download.disabled = false;
    setState(results.state);
  } catch (error) {
    const text = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    console.error(`[bench] the run failed: ${text}`);
    controls.status.textContent = `failed: ${text}`;
    window.__benchError = text;
    window.__benchDone = true;
    setState('error');
  } finally {
    running = undefined;
    controls.run.disabled = false;
    controls.cancel.disabled = true;
  }
}

function download(): void {
  if (!lastResults) return;
  const url = URL.createObjectURL(new Blob([resultsToJson(lastResults)], { type: 'application/json' }));
  const link = element('a', { href: url, download: 'bench-results.json' });
  link.click();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

async function start(): Promise<void> {
  setState('starting');
  const base = configFromQuery(location.search);
  showConfig(base);
  renderTableHead(views.tableHead);
  controls.status.textContent = 'requesting WebGPU devices';
  const { engines, adapter } = await createEngines(base.rowStrategy);
  window.addEventListener('pagehide', () => destroyEngines(engines));
  renderAdapter(views.adapter, adapter, undefined);
  controls.run.addEventListener('click', () => void run(base, engines, adapter));
  controls.cancel.addEventListener('click', () => running?.abort());
  controls.download.addEventListener('click', download);
  controls.run.disabled = false;
  controls.status.textContent = 'ready';
  setState('ready');
  if (base.autorun) await run(base, engines, adapter);
}

start().catch((error: unknown) => {
  const text = error instanceof Error ? error.message : String(error);
  console.error(`[bench] the page failed to start: ${text}`);
  window.__benchError = text;
  window.__benchDone = true;
  setState('error');
});
