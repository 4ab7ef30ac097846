// Shared measuring helpers for the benchmarks (they import the built dist/).
import { performance } from 'node:perf_hooks';

/** Peak resident set size of this process so far, in MB (from the kernel). */
export function peakRssMb() {
  return process.resourceUsage().maxRSS / 1024;
}

/** Runs fn, returns [result, milliseconds]. */
export async function timed(fn) {
  const start = performance.now();
  const result = await fn();
  return [result, performance.now() - start];
}

/** Percentile (0..100) of a list of numbers. */
export function percentile(values, p) {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const idx = Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1);
  return sorted[Math.max(0, idx)];
}

/** Prints one figure line: "name: value unit (target …) ok|MISSED". */
export function report(name, value, unit, target) {
  const met = target === undefined ? '' : value <= target ? `  (target < ${target} ${unit}: ok)` : `  (target < ${target} ${unit}: MISSED)`;
  console.log(`${name}: ${typeof value === 'number' ? value.toFixed(1) : value} ${unit}${met}`);
}
