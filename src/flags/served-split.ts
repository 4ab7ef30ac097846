import type { FeatureFlag } from '@openfeature/flagd-core';
import { atFixedTime, buildFeatureFlag, collectingLogger } from './flagd.js';
import { contentOf, featureFlagOf } from './read-flag-file.js';
import { fractionalShares, readsTimestamp } from './targeting.js';
import type { Flag, ServedSplit } from './types.js';

/** Subjects evaluated when a split must be measured: `subject-0` … `subject-99999`. */
export const SIMULATED_SUBJECTS = 100_000;

/** Longest a measurement may take; a targeting slower than that is reported as not measurable. */
export const MEASURE_BUDGET_MS = 5_000;

/** Measured splits by flag key, content hash and (for rules on `$flagd.timestamp`) the second. */
const cache = new Map<string, ServedSplit>();
const CACHE_LIMIT = 10_000;

/** Computed splits by flag content (contentOf): ten thousand flags often share a handful of rules. */
let computedSplits = new WeakMap<object, ServedSplit>();

let contexts: Array<{ targetingKey: string }> | undefined;

/** The evaluation contexts of the simulated subjects: `targetingKey` and nothing else. */
export function simulatedSubjects(): ReadonlyArray<{ targetingKey: string }> {
  contexts ??= Array.from({ length: SIMULATED_SUBJECTS }, (_, i) => ({ targetingKey: `subject-${i}` }));
  return contexts;
}

/**
 * The split a flag serves. When its targeting is a single `fractional` over
 * its variants the shares are computed exactly from the weights; a flag with
 * no targeting serves its defaultVariant to everyone; otherwise flagd-core's
 * evaluator runs over 100,000 subjects (`targetingKey` = `subject-<i>`, no
 * other attribute) at the fixed time `at`, so rules on `$flagd.timestamp`
 * give the same answer on every run. Measured results are cached for the
 * process by flag key and content hash (and the second, for rules that read
 * the time); computed ones by flag content, for flags read by readFlagFile
 * (contentOf). A targeting so slow that the evaluations take longer than
 * `budgetMs` (default 5 s) stops early: `subjects` is then below 100,000.
 * The flag's `state` is not considered: see the flag-disabled rule.
 */
export function buildServedSplit(flag: Flag, at: Date | number, options: { budgetMs?: number } = {}): ServedSplit {
  const content = contentOf(flag);
  const known = content === undefined ? undefined : computedSplits.get(content);
  if (known !== undefined) return known;
  const computed = computedSplit(flag);
  if (computed !== undefined) {
    if (content !== undefined) computedSplits.set(content, computed);
    return computed;
  }
  const ms = typeof at === 'number' ? at : at.getTime();
  const key = `${flag.key}\u0000${flag.hash}${readsTimestamp(flag.targeting) ? `\u0000${Math.floor(ms / 1000)}` : ''}`;
  const cached = cache.get(key);
  if (cached !== undefined) return cached;
  const measured = measure(featureFlagOf(flag) ?? buildFeatureFlag(flag.key, flag.definition), ms, options.budgetMs ?? MEASURE_BUDGET_MS);
  if (cache.size >= CACHE_LIMIT) cache.delete(cache.keys().next().value!);
  cache.set(key, measured);
  return measured;
}

/** The split of a flag with no targeting or a plain fractional, which needs no evaluation; undefined for any other. */
function computedSplit(flag: Flag): ServedSplit | undefined {
  if (flag.targeting === undefined) {
    return flag.defaultVariant === undefined
      ? { method: 'computed', subjects: 0, shares: {}, none: 1 }
      : { method: 'computed', subjects: 0, shares: { [flag.defaultVariant]: 1 }, none: 0 };
  }
  const shares = fractionalShares(flag);
  return shares === undefined ? undefined : { method: 'computed', subjects: 0, shares, none: 0 };
}

function measure(feature: FeatureFlag, ms: number, budgetMs: number): ServedSplit {
  const logger = collectingLogger();
  const subjects = simulatedSubjects();
  const counts = new Map<string, number>();
  let none = 0;
  let evaluated = 0;
  const started = performance.now();
  atFixedTime(ms, () => {
    for (; evaluated < subjects.length; evaluated++) {
      // A targeting written to be slow must not hold a plan for minutes: past the budget the measurement stops.
      if (evaluated % 1000 === 0 && evaluated > 0 && performance.now() - started > budgetMs) break;
      const result = feature.evaluate(subjects[evaluated]!, logger);
      const variant = result.reason === 'ERROR' || result.value === undefined ? undefined : result.variant;
      if (variant === undefined) none++;
      else counts.set(variant, (counts.get(variant) ?? 0) + 1);
    }
  });
  const shares: Record<string, number> = {};
  for (const [variant, count] of counts) shares[variant] = count / evaluated;
  return { method: 'measured', subjects: evaluated, shares, none: none / evaluated };
}

/** Empties the caches of measured and computed splits (for benchmarks). */
export function clearServedSplitCache(): void {
  cache.clear();
  computedSplits = new WeakMap();
}
