import { memoise } from './bounded-memo.js';
import { toIsoInput } from './rules.js';
import type { ExperimentSpec } from './spec.js';
import type { Definition, Outcome, SourcePos } from './types.js';
import type { YamlSource } from './types.js';

/**
 * Builds the normalised Definition from a spec that passed the schema and the
 * rules: defaults applied, dates as ISO-8601 UTC with milliseconds, the written
 * field paths in `owned` and source positions in `positions`. Pure.
 */
export function buildDefinition(file: string, spec: ExperimentSpec, source: YamlSource): Definition {
  const owned: string[] = [];
  const positions: Record<string, SourcePos> = { '': source.start };
  if (source.nodeList !== undefined) {
    const { pointers, refs } = source.nodeList;
    for (let i = 0; i < pointers.length; i++) {
      const label = labelOf(pointers[i]!);
      if (label !== null) positions[label] = refs[i]!.value;
    }
  } else {
    for (const [pointer, ref] of source.nodes) {
      const label = labelOf(pointer);
      if (label !== null) positions[label] = ref.value;
    }
  }
  for (const key of Object.keys(spec)) owned.push(key);
  for (const v of spec.variations) {
    for (const field of Object.keys(v)) owned.push(variationPath(v.variant_key, field));
  }

  const definition: Definition = {
    file,
    experiment_key: spec.experiment_key,
    name: spec.name,
    entity: spec.entity,
    assignment_source: spec.assignment_source,
    assignments_start_date: isoUtc(spec.assignments_start_date),
    traffic_allocation: spec.traffic_allocation ?? 1,
    variations: spec.variations.map((v) => ({
      variant_key: v.variant_key,
      name: v.name ?? v.variant_key,
      is_control: v.is_control ?? false,
      weight: v.weight,
      is_active: v.is_active ?? true,
    })),
    owned,
    positions,
  };
  if (spec.hypothesis !== undefined) definition.hypothesis = spec.hypothesis;
  if (spec.assignments_end_date !== undefined) definition.assignments_end_date = isoUtc(spec.assignments_end_date);
  if (spec.metrics !== undefined) {
    definition.metrics = spec.metrics.map((m) => ({ metric: m.metric, is_primary: m.is_primary ?? false }));
  }
  if (spec.outcome !== undefined) {
    const o = spec.outcome;
    const outcome: Outcome = { status: o.status };
    if (o.outcome !== undefined) outcome.outcome = o.outcome;
    if (o.winning_variant_key !== undefined) outcome.winning_variant_key = o.winning_variant_key;
    if (o.eppo_experiment_id !== undefined) outcome.eppo_experiment_id = o.eppo_experiment_id;
    if (o.recorded_at !== undefined) outcome.recorded_at = isoUtc(o.recorded_at);
    definition.outcome = outcome;
  }
  return definition;
}

/** `2026-01-05` → `2026-01-05T00:00:00.000Z`; a date-time is converted to UTC. */
export function isoUtc(value: string): string {
  if (value.length === 10) return `${value}T00:00:00.000Z`; // a date, already checked by the schema
  return dateTimeUtc(value);
}

// Thousands of files repeat the same few pointers, dates and variant keys:
// working each out once saves a good part of what a file costs, and the
// definitions share the strings.
const dateTimeUtc = memoise((value) => new Date(toIsoInput(value)).toISOString());

/** `positionLabel`, memoised; null for a pointer deeper than positions go. */
const labelOf = memoise((pointer) => positionLabel(pointer) ?? null);

/** One string for all the definitions that own the same path. */
const shared = memoise((path) => path);

/** `variations[<variant_key>].<field>`, shared. */
function variationPath(variantKey: string, field: string): string {
  return shared(`variations[${variantKey}].${field}`);
}

/** JSON pointer → the `positions` key (`/variations/1/weight` → `variations[1].weight`). */
function positionLabel(pointer: string): string | undefined {
  let out = '';
  let depth = 0;
  let start = 1;
  for (let i = 1; i <= pointer.length; i++) {
    if (i < pointer.length && pointer.charCodeAt(i) !== 47 /* / */) continue;
    const segment = pointer.slice(start, i);
    depth++;
    if (depth > 3) return undefined;
    const code = segment.charCodeAt(0);
    out += depth === 1 ? segment : code >= 48 && code <= 57 ? `[${segment}]` : `.${segment}`;
    start = i + 1;
  }
  return depth === 0 ? undefined : out;
}
