import { createHash } from 'node:crypto';

/** JSON with object keys sorted at every depth, so equal data gives equal text. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(sortKeys(value));
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(value).sort()) {
      const v = (value as Record<string, unknown>)[key];
      if (v !== undefined) out[key] = sortKeys(v);
    }
    return out;
  }
  return value;
}

/**
 * `sha256:<hex>` over the canonical JSON of a live Eppo experiment. The
 * `results_url` link is left out: it is derived from where the API is served
 * (the embedded emulator moves port on every run), not experiment state.
 */
export function fingerprint(value: unknown): string {
  let subject = value;
  if (value !== null && typeof value === 'object' && !Array.isArray(value) && 'results_url' in value) {
    const { results_url: _link, ...rest } = value as Record<string, unknown>;
    subject = rest;
  }
  return `sha256:${createHash('sha256').update(canonicalJson(subject)).digest('hex')}`;
}

/** Locale-independent string order (code units), for deterministic output. */
export function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
