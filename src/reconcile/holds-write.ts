import type { EppoExperiment, ExperimentWrite } from '../eppo/index.js';
import { canonicalJson } from './canonical.js';
import { NUMBER_TOLERANCE } from './build-plan.js';
import { isObject } from '../util/index.js';

/**
 * The fields a create or update writes (EPPO-API.md); what else a PUT body carries is passed through, not written by the plan.
 * The emulator keeps its own copy (WRITABLE_FIELDS) on purpose: it stands alone, checked against the API text, not against us.
 */
const WRITABLE = [
  'name',
  'experiment_key',
  'entity_id',
  'assignment_source_id',
  'assignments_start_date',
  'assignments_end_date',
  'hypothesis',
  'traffic_allocation',
  'variations',
  'metrics',
] as const;

const DATES = new Set<string>(['assignments_start_date', 'assignments_end_date']);

/**
 * Whether a live experiment already holds every writable field of a planned
 * request `body`: what apply would have produced. Variations compare by
 * `variant_key` (an id Eppo gave a new one is not in the body); metrics as a
 * set, where a create allows the non-primary metrics Eppo attaches by itself.
 * Dates compare as instants, numbers within NUMBER_TOLERANCE. Pure.
 */
export function holdsWrite(live: EppoExperiment, body: ExperimentWrite, kind: 'create' | 'update'): boolean {
  const record = live as Record<string, unknown>;
  for (const field of WRITABLE) {
    if (!Object.hasOwn(body, field)) continue;
    const want = body[field];
    const have = record[field];
    if (field === 'variations') {
      if (!sameVariations(have, want)) return false;
    } else if (field === 'metrics') {
      if (!sameMetrics(have, want, kind)) return false;
    } else if (DATES.has(field)) {
      if (!sameInstant(have, want)) return false;
    } else if (!sameValue(have, want)) {
      return false;
    }
  }
  return true;
}

function sameVariations(have: unknown, want: unknown): boolean {
  if (!Array.isArray(have) || !Array.isArray(want) || have.length !== want.length) return false;
  const byKey = new Map<unknown, unknown>();
  for (const v of have) if (isObject(v)) byKey.set(v['variant_key'], v);
  return want.every((v) => isObject(v) && holdsFields(byKey.get(v['variant_key']), v));
}

function sameMetrics(have: unknown, want: unknown, kind: 'create' | 'update'): boolean {
  if (!Array.isArray(want)) return want === undefined || want === null ? have === undefined || have === null || (Array.isArray(have) && have.length === 0) : false;
  if (!Array.isArray(have)) return false;
  const byId = new Map<unknown, unknown>();
  for (const m of have) if (isObject(m)) byId.set(m['metric_id'], m);
  if (!want.every((m) => isObject(m) && holdsFields(byId.get(m['metric_id']), m))) return false;
  const wanted = new Set(want.map((m) => (isObject(m) ? m['metric_id'] : undefined)));
  const extra = have.filter((m) => !isObject(m) || !wanted.has(m['metric_id']));
  return kind === 'create' ? extra.every((m) => isObject(m) && m['is_primary'] !== true) : extra.length === 0;
}

/** Every field of `want` has the same value in `have` (fields only `have` has, such as a new id, are ignored). */
function holdsFields(have: unknown, want: Record<string, unknown>): boolean {
  if (!isObject(have)) return false;
  return Object.entries(want).every(([key, value]) => value === undefined || sameValue(have[key], value));
}

function sameValue(have: unknown, want: unknown): boolean {
  if (typeof want === 'number') return typeof have === 'number' && Math.abs(have - want) <= NUMBER_TOLERANCE;
  return canonicalJson(have ?? null) === canonicalJson(want ?? null);
}

function sameInstant(have: unknown, want: unknown): boolean {
  if (want === null || want === undefined) return have === null || have === undefined;
  if (typeof have !== 'string' || typeof want !== 'string') return false;
  const a = Date.parse(have);
  return !Number.isNaN(a) && a === Date.parse(want);
}

