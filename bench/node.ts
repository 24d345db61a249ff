// The benchmark in Node on Dawn (the `webgpu` package): the page's measurements (bench/run.ts) without
// the page. scripts/bench.mjs --node loads this module through Vite (the library's sources, WGSL as
// text), prints the same table and writes the same bench-results.json. Nothing is downloaded: Dawn,
// TF.js's cpu backend and Vite all come from node_modules.
import { create } from 'webgpu';
import { configFromQuery } from './config.ts';
import { createEngines, destroyEngines } from './engines.ts';
import { resultsToJson } from './results.ts';
import { runBenchmark } from './run.ts';

/** What `npm run bench -- --node` passes on. */
export interface NodeBenchOptions {
  /** The configuration as the page's URL query (`?quick=1&ops=sigmoid`), so that both hosts parse it alike. */
  readonly query: string;
  /** Dawn's flags, from `--adapter NAME` (`adapter=NAME`) and `--dawn FLAG` (`backend=vulkan`, `enable-dawn-features=...`). */
  readonly dawnFlags: readonly string[];
  readonly log: (line: string) => void;
}

/** Dawn granted no adapter (or refused the flags): the runner adds what the driver setup lacks. */
export class NoAdapterError extends Error {
  override name = 'NoAdapterError';
}

/** The adapter in words for the console: names, driver, fallback or not, the features the benchmark uses. */
function describeFound(adapter: GPUAdapter): string {
  const info = adapter.info;
  const names = [info.vendor, info.architecture, info.device].filter((part) => part.length > 0).join(' ');
  const features = ['timestamp-query', 'subgroups'].map((feature) => `${feature}=${adapter.features.has(feature)}`).join(' ');
  const fallback = info.isFallbackAdapter ? ', fallback (software) adapter' : '';
  return `${names || 'unnamed adapter'}; driver: ${info.description || 'not given'}${fallback}; ${features}`;
}

/**
 * Runs the benchmark in Node on Dawn and returns the results as the page hands them to the runner
 * (the JSON form: infinities as strings). Throws NoAdapterError when Dawn grants no adapter.
 */
export async function runInNode(options: NodeBenchOptions): Promise<unknown> {
  const config = configFromQuery(options.query);
  const gpu = create([...options.dawnFlags]);
  let found: GPUAdapter | null;
  try {
    found = await gpu.requestAdapter({ powerPreference: 'high-performance' });
  } catch (error) {
    // Dawn throws for an adapter= or backend= it does not have, listing the ones it has.
    throw new NoAdapterError(
      `Dawn refused the flags ${JSON.stringify(options.dawnFlags)}: ${error instanceof Error ? error.message : String(error)}`,
    );
  }
  if (!found) throw new NoAdapterError('Dawn (the webgpu package) granted no WebGPU adapter: requestAdapter() returned null');
  options.log(`adapter found by Dawn: ${describeFound(found)}`);

  const { engines, adapter } = await createEngines(config.rowStrategy, gpu);
  try {
    if (!engines.webgpu) throw new NoAdapterError(`our webgpu engine got no device: ${adapter.engineReasons.webgpu}`);
    const results = await runBenchmark(
      config,
      engines,
      adapter,
      { onProgress: () => {}, onCell: () => {}, onEdge: () => {} }, // run.ts logs each cell itself
      new AbortController().signal,
    );
    return JSON.parse(resultsToJson(results));
  } finally {
    destroyEngines(engines);
  }
}
