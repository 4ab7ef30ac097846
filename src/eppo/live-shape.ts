import { isObject } from '../util/index.js';

/** Deeper than this, a live experiment is not Eppo's data (ours nests three levels); canonical JSON and clones would overflow the stack. */
const MAX_DEPTH = 32;

const TEXT_FIELDS = ['name', 'status', 'winning_variant_key', 'outcome', 'concluded_date'] as const;

/** The lists read, and the key each item is read by. */
const LISTS = [
  { field: 'variations', key: 'variant_key', valid: (v: unknown) => typeof v === 'string', want: 'a string' },
  { field: 'metrics', key: 'metric_id', valid: (v: unknown) => Number.isInteger(v), want: 'an integer' },
] as const;

/**
 * What is wrong with an experiment Eppo returned, in the parts eppo-gitops
 * reads, or undefined when it can be read: `experiment_key` a string; `name`,
 * `status` and the decision fields strings or null; `variations` a list of
 * objects with a string `variant_key`; `metrics` a list of objects with an
 * integer `metric_id`; nested at most 32 levels. Anything else a plan shows
 * and fixes as a difference, or leaves alone. Pure.
 */
export function describeMalformedExperiment(value: unknown): string | undefined {
  if (!isObject(value)) return 'it is not a JSON object';
  if (typeof value['experiment_key'] !== 'string') return `experiment_key is ${describeValue(value['experiment_key'])}, not a string`;
  for (const field of TEXT_FIELDS) {
    const text = value[field];
    if (text !== undefined && text !== null && typeof text !== 'string') return `${field} is ${describeValue(text)}, not a string`;
  }
  for (const { field, key, valid, want } of LISTS) {
    const list = value[field];
    if (list === undefined || list === null) continue;
    if (!Array.isArray(list)) return `${field} is ${describeValue(list)}, not a list`;
    for (let i = 0; i < list.length; i++) {
      const item: unknown = list[i];
      if (!isObject(item)) return `${field}[${i}] is ${describeValue(item)}, not an object`;
      if (!valid(item[key])) return `${field}[${i}].${key} is ${describeValue(item[key])}, not ${want}`;
    }
  }
  if (deeperThan(value, MAX_DEPTH)) return `it is nested more than ${MAX_DEPTH} levels deep`;
  return undefined;
}

function describeValue(value: unknown): string {
  if (value === undefined) return 'missing';
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'an object';
  const shown = JSON.stringify(value) ?? String(value);
  return `${shown.length > 40 ? `${shown.slice(0, 40)}…` : shown} (a ${typeof value})`;
}

/**
 * The recursion stops one level below `max`, so the check itself cannot
 * overflow the stack it protects. Runs for every live experiment a plan
 * compares: it allocates nothing.
 */
function deeperThan(value: unknown, max: number, depth = 1): boolean {
  if (value === null || typeof value !== 'object') return false;
  if (depth > max) return true;
  for (const key in value) {
    if (!Object.hasOwn(value, key)) continue;
    const child = (value as Record<string, unknown>)[key];
    if (child !== null && typeof child === 'object' && deeperThan(child, max, depth + 1)) return true;
  }
  return false;
}
