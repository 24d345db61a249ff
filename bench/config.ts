// What one run measures: ops, sizes, shapes, repetitions, time boxes. Read from the URL query so that
// the headless runner (scripts/bench.mjs) drives the page the same way a person does with the controls.
import type { RowStrategy } from '../src/gpu/row-plan.ts';
import { BENCH_OPS, type BenchShape } from './ops.ts';

const ROW_STRATEGIES: readonly RowStrategy[] = ['auto', 'thread', 'workgroup', 'split'];

export interface BenchConfig {
  /** Op ids from BENCH_OPS. */
  readonly ops: readonly string[];
  /** Element counts for the elementwise ops. */
  readonly sizes: readonly number[];
  /** rows x cols batches for the row ops (softmax). */
  readonly shapes: readonly BenchShape[];
  /** Most timed samples per cell (each sample batches calls to last at least `minSampleMs`). */
  readonly reps: number;
  /** Time box of one cell (one op, size and backend); a cell stops sampling once past it. */
  readonly cellBudgetMs: number;
  readonly quick: boolean;
  readonly autorun: boolean;
  /** The row kernels' strategy for our engines and the resident timing: `auto` (the library's choice) or one forced. */
  readonly rowStrategy: RowStrategy;
  /**
   * Threads of TF.js's wasm backend (XNNPACK's pool): 1 by default, the thread count of our CPU path, so
   * that the two compare like for like; more take effect only on a cross-origin isolated page.
   */
  readonly tensorFlowWasmThreads: number;
}

/**
 * The ops a full run takes when none are named: the sigmoid family and softmax, so that `npm run bench`
 * stays at a few minutes. The other ops run when named (`--ops relu,gelu`, `?ops=`, the checkboxes).
 * A quick run (`--quick`, small sizes, seconds per op) takes every op when none are named.
 */
export const DEFAULT_OPS: readonly string[] = ['sigmoid', 'sigmoidDerivative', 'sigmoidDerivativeFromOutput', 'sigmoidBackward', 'softmax'];

/** 2^4 .. 2^24, step x4: from where only the CPU makes sense to where only the GPU should (auto is judged on the whole range). */
export const DEFAULT_SIZES: readonly number[] = [4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24].map((power) => 2 ** power);
export const DEFAULT_SHAPES: readonly BenchShape[] = [
  { rows: 1, cols: 65536 },
  { rows: 1, cols: 1048576 },
  { rows: 1024, cols: 1024 },
  { rows: 65536, cols: 16 },
  { rows: 16, cols: 65536 },
];
export const QUICK_SIZES: readonly number[] = [256, 4096, 65536];
export const QUICK_SHAPES: readonly BenchShape[] = [
  { rows: 1, cols: 4096 },
  { rows: 256, cols: 64 },
];
export const DEFAULT_REPS = 10;
export const QUICK_REPS = 3;
export const DEFAULT_CELL_BUDGET_MS = 1000;
export const QUICK_CELL_BUDGET_MS = 60;

/** Formats a shape as the URL and the table write it: `1024x1024`. */
export function formatShape(shape: BenchShape): string {
  return `${shape.rows}x${shape.cols}`;
}

function parseShape(text: string): BenchShape | undefined {
  const match = /^(\d+)x(\d+)$/.exec(text.trim());
  if (!match) return undefined;
  const rows = Number(match[1]);
  const cols = Number(match[2]);
  return rows > 0 && cols > 0 ? { rows, cols } : undefined;
}

function parseList(text: string | null): string[] | undefined {
  if (text === null) return undefined;
  const items = text
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item.length > 0);
  return items.length > 0 ? items : undefined;
}

function parsePositiveIntegers(text: string | null): number[] | undefined {
  const numbers = parseList(text)
    ?.map(Number)
    .filter((n) => Number.isInteger(n) && n > 0);
  return numbers && numbers.length > 0 ? numbers : undefined;
}

function isFlagOn(value: string | null): boolean {
  return value !== null && value !== '0' && value !== 'false';
}

/**
 * The configuration in a URL query: `?ops=sigmoid,softmax&sizes=256,4096&shapes=1x4096,64x64&reps=3&budget=200&quick=1&autorun=1&rowStrategy=split&tfjsThreads=1`.
 * Unknown op ids are dropped; anything left out takes the default (or the quick default with `quick=1`;
 * for ops: {@link DEFAULT_OPS}, or every op with `quick=1`).
 */
export function configFromQuery(search: string): BenchConfig {
  const query = new URLSearchParams(search);
  const quick = isFlagOn(query.get('quick'));
  const ops = parseList(query.get('ops'))?.filter((id) => BENCH_OPS.some((op) => op.id === id));
  const shapes = parseList(query.get('shapes'))
    ?.map(parseShape)
    .filter((shape): shape is BenchShape => shape !== undefined);
  const reps = parsePositiveIntegers(query.get('reps'))?.[0];
  const budget = parsePositiveIntegers(query.get('budget'))?.[0];
  return {
    ops: ops && ops.length > 0 ? ops : quick ? BENCH_OPS.map((op) => op.id) : DEFAULT_OPS,
    sizes: parsePositiveIntegers(query.get('sizes')) ?? (quick ? QUICK_SIZES : DEFAULT_SIZES),
    shapes: shapes && shapes.length > 0 ? shapes : quick ? QUICK_SHAPES : DEFAULT_SHAPES,
    reps: reps ?? (quick ? QUICK_REPS : DEFAULT_REPS),
    cellBudgetMs: budget ?? (quick ? QUICK_CELL_BUDGET_MS : DEFAULT_CELL_BUDGET_MS),
    quick,
    autorun: isFlagOn(query.get('autorun')),
    rowStrategy: ROW_STRATEGIES.find((strategy) => strategy === query.get('rowStrategy')) ?? 'auto',
    tensorFlowWasmThreads: parsePositiveIntegers(query.get('tfjsThreads'))?.[0] ?? 1,
  };
}

/** The shapes one op runs over: its family decides between the elementwise sizes and the row shapes. */
export function shapesFor(family: 'elementwise' | 'rows', config: BenchConfig): BenchShape[] {
  return family === 'rows' ? [...config.shapes] : config.sizes.map((cols) => ({ rows: 1, cols }));
}
