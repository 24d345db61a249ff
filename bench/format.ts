// How numbers are written in the page's table (and checked by tests/node/bench-page.test.ts): one place,
// so that the table and the downloaded JSON can be compared digit for digit.

/** Milliseconds with three significant digits, without exponents above a microsecond. */
export function formatMs(ms: number): string {
  if (!Number.isFinite(ms)) return String(ms);
  if (ms >= 1000) return ms.toFixed(0);
  if (ms >= 0.001) return ms.toPrecision(3);
  return ms.toExponential(2);
}

/** A relative error: `0`, `∞` (NaN or infinity mismatch), or two significant digits. */
export function formatError(error: number): string {
  if (error === 0) return '0';
  if (!Number.isFinite(error)) return '∞';
  return error.toExponential(1);
}

export function formatGigabytesPerSecond(gigabytesPerSecond: number): string {
  return gigabytesPerSecond >= 100 ? gigabytesPerSecond.toFixed(0) : gigabytesPerSecond.toPrecision(3);
}

/** An element count for a chart axis: `256`, `4K`, `16M` (powers of two: K = 1024, M = 1024^2). */
export function formatCount(count: number): string {
  if (count >= 2 ** 20 && count % 2 ** 20 === 0) return `${count / 2 ** 20}M`;
  if (count >= 2 ** 10 && count % 2 ** 10 === 0) return `${count / 2 ** 10}K`;
  return String(count);
}

/** A ratio such as ours over TF.js: `1.52x`, `0.087x`. */
export function formatRatio(ratio: number): string {
  if (!Number.isFinite(ratio)) return String(ratio);
  return `${ratio >= 10 ? ratio.toFixed(1) : ratio.toPrecision(3)}x`;
}

export function formatPercent(fraction: number): string {
  return `${(fraction * 100).toFixed(fraction >= 0.1 ? 0 : 1)}%`;
}

export function formatBytes(bytes: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${Number.isInteger(value) ? value : value.toFixed(1)} ${units[unit]}`;
}

/** An edge-case value: NaN and infinities spelled out, others with four significant digits. */
export function formatValue(value: number): string {
  if (Number.isNaN(value)) return 'NaN';
  if (!Number.isFinite(value)) return value > 0 ? '+Inf' : '-Inf';
  if (value === 0) return '0';
  const magnitude = Math.abs(value);
  return magnitude >= 1e-3 && magnitude < 1e5 ? String(Number(value.toPrecision(4))) : value.toExponential(3);
}
