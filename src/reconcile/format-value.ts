import { escapeText } from '../util/index.js';

/** One-line display of a plan value: JSON for strings and objects, `(none)` for null; safe in a terminal or CI log. */
export function formatValue(value: unknown): string {
  if (value === null || value === undefined) return '(none)';
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return escapeText(JSON.stringify(value));
}
