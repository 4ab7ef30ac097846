import type { Definition, Variation } from '../definitions/index.js';
import { describeMalformedExperiment, describeTwins, describeUnreadableExperiment, groupExperimentsByKey, isConcluded, LOCAL_BASE_URL, type EppoExperiment, type EppoExperimentMetric, type EppoMetric, type EppoVariation, type ExperimentWrite, type Workspace } from '../eppo/index.js';
import { compareText, fingerprint } from './canonical.js';
import { resolveReferences, type Resolution, type ResolvedRefs } from './resolve.js';
import type { Change, FieldChange, Plan, PlanSummary, UnmanagedExperiment } from './types.js';

export interface BuildPlanOptions {
  /** the API base URL the workspace was read from (recorded in the plan) */
  baseUrl: string;
  /** ISO-8601 instant, passed in so the core reads no clock */
  createdAt: string;
  /** `resolveReferences(definitions, workspace)` when the caller already ran it */
  resolution?: Resolution;
}

/**
 * Fields Eppo computes or that only its decision flow writes: never sent back
 * in a PUT (the outcome in particular is Eppo's, FORMAT.md ownership). Unknown
 * fields are passed through untouched.
 */
export const READ_ONLY_FIELDS = [
  'id',
  'status',
  'winning_variant_key',
  'outcome',
  'created_date',
  'concluded_date',
  'results_url',
  'is_traffic_imbalanced',
] as const;

/** Numbers closer than this are equal (weights and traffic are fractions). */
export const NUMBER_TOLERANCE = 1e-9;

/**
 * Builds the plan: what apply would do to make Eppo match the definitions, for
 * the fields the files own only (FORMAT.md, ownership). Pure and
 * deterministic: identical inputs give byte-identical JSON.
 *
 * Definitions whose names do not resolve (see `resolveReferences`, which the
 * caller runs first to report them) become `conflict` changes, so apply never
 * acts on them.
 */
export function buildPlan(definitions: readonly Definition[], workspace: Workspace, options: BuildPlanOptions): Plan {
  const { refs } = options.resolution ?? resolveReferences(definitions, workspace);
  const byKey = groupExperimentsByKey(workspace.experiments);
  const names = {
    entity: new Map(workspace.entities.map((e) => [e.id, e.name])),
    source: new Map(workspace.assignmentSources.map((s) => [s.id, s.name])),
    metric: new Map(workspace.metrics.map((m) => [m.id, m.name])),
  };
  const metricsById = new Map(workspace.metrics.map((m) => [m.id, m]));
  // A plan made with --local: the commands it suggests must talk to the same embedded Eppo.
  const local = options.baseUrl === LOCAL_BASE_URL ? ' --local' : '';

  const managedKeys = new Set<string>();
  const changes: Change[] = definitions.map((def, i) => {
    managedKeys.add(def.experiment_key);
    const live = liveWithKey(byKey, def.experiment_key);
    const resolved = refs[i];
    const base = { experiment_key: def.experiment_key, file: def.file };
    if (live.length > 1) {
      return {
        action: 'conflict',
        ...base,
        reason: describeTwins(def.experiment_key, live.map((e) => e.id), 'plan'),
        eppo_ids: live.map((e) => e.id),
      };
    }
    if (resolved === undefined) {
      return {
        action: 'conflict',
        ...base,
        reason: 'a name in the file (entity, assignment source or metric) does not resolve in Eppo; see the reference problems',
        eppo_ids: live.map((e) => e.id),
      };
    }
    const current = live[0];
    if (current === undefined) {
      if (def.outcome !== undefined) {
        return { action: 'skip', ...base, reason: 'concluded: the file records an outcome, but Eppo has no experiment with this key; not re-created', fields: [] };
      }
      return { action: 'create', ...base, fields: createFields(def), request: { method: 'POST', path: '/experiments', body: buildCreateBody(def, resolved) } };
    }
    const malformed = describeMalformedExperiment(current);
    if (malformed !== undefined) {
      return {
        action: 'conflict',
        ...base,
        reason: describeUnreadableExperiment(current.id, malformed, 'plan'),
        eppo_ids: [current.id],
      };
    }
    const { fields, body } = diffExperiment(def, resolved, current, names);
    const left = leftAttached(def, resolved, current, metricsById);
    const notes = left.length === 0 ? {} : { notes: left };
    if (fields.length === 0) return { action: 'unchanged', experiment_key: def.experiment_key, file: def.file, eppo_id: current.id, ...notes };
    if (def.outcome !== undefined) {
      return { action: 'skip', ...base, eppo_id: current.id, reason: 'concluded: the file records an outcome, so edits are not applied', fields, ...notes };
    }
    if (isConcluded(current.status)) {
      return {
        action: 'skip',
        ...base,
        eppo_id: current.id,
        reason:
          `concluded in Eppo (status "${current.status}"); record its outcome instead of editing it: ` +
          `run "eppo-gitops outcome${local} --experiment-id ${current.id}" (or "eppo-gitops outcomes sync${local}" for every concluded experiment)`,
        fields,
        ...notes,
      };
    }
    return {
      action: 'update',
      ...base,
      eppo_id: current.id,
      fields,
      request: { method: 'PUT', path: `/experiments/${current.id}`, body },
      live_fingerprint: fingerprint(current),
      ...notes,
    };
  });
  changes.sort((a, b) => compareText(a.experiment_key, b.experiment_key) || compareText(a.file, b.file));

  const unmanaged: UnmanagedExperiment[] = workspace.experiments
    .filter((e) => !managedKeys.has(e.experiment_key))
    // Text only, so the plan file stays a plan apply can read back whatever Eppo sent.
    .map((e) => ({ experiment_key: asText(e.experiment_key), eppo_id: e.id, name: asText(e.name) }))
    .sort((a, b) => compareText(a.experiment_key, b.experiment_key) || a.eppo_id - b.eppo_id);

  return { format_version: 1, eppo_base_url: options.baseUrl, created_at: options.createdAt, summary: countChanges(changes, unmanaged.length), changes, unmanaged };
}

/** A plan's summary: its changes counted by action, and how many live experiments no file manages. Pure. */
export function countChanges(changes: readonly Change[], unmanaged: number): PlanSummary {
  const summary: PlanSummary = { create: 0, update: 0, unchanged: 0, skip: 0, conflict: 0, unmanaged };
  for (const change of changes) summary[change.action]++;
  return summary;
}

const NO_EXPERIMENTS: readonly EppoExperiment[] = [];

/** The live experiments with `key`, by id (the group itself when it has one). */
function liveWithKey(byKey: Map<string, EppoExperiment[]>, key: string): readonly EppoExperiment[] {
  const group = byKey.get(key);
  if (group === undefined) return NO_EXPERIMENTS;
  return group.length === 1 ? group : [...group].sort((a, b) => a.id - b.id);
}

/** True when the plan would write anything (create or update); read from the changes, which are what apply acts on. */
export function planHasChanges(plan: Plan): boolean {
  return plan.changes.some((c) => c.action === 'create' || c.action === 'update');
}

function asText(value: unknown): string {
  return typeof value === 'string' ? value : value === undefined || value === null ? '' : JSON.stringify(value);
}

/** The POST body for a new experiment: every field, defaults included. */
export function buildCreateBody(def: Definition, refs: ResolvedRefs): ExperimentWrite {
  const body: ExperimentWrite = {
    name: def.name,
    experiment_key: def.experiment_key,
    entity_id: refs.entity_id,
    assignment_source_id: refs.assignment_source_id,
    assignments_start_date: def.assignments_start_date,
  };
  if (def.assignments_end_date !== undefined) body.assignments_end_date = def.assignments_end_date;
  if (def.hypothesis !== undefined) body.hypothesis = def.hypothesis;
  body.traffic_allocation = def.traffic_allocation;
  body.variations = def.variations.map(variationBody);
  if (def.metrics !== undefined) {
    body.metrics = def.metrics.map((m, i) => ({ metric_id: refs.metric_ids[i]!, is_primary: m.is_primary }));
  }
  return body;
}

/**
 * What a create writes, as people read it: the names the file uses (entity,
 * assignment source, metrics), not the ids of the request body.
 */
function createFields(def: Definition): FieldChange[] {
  const fields: FieldChange[] = [];
  const add = (path: string, after: unknown): void => void fields.push({ path, before: null, after });
  add('name', def.name);
  if (def.hypothesis !== undefined) add('hypothesis', def.hypothesis);
  add('entity', def.entity);
  add('assignment_source', def.assignment_source);
  add('assignments_start_date', def.assignments_start_date);
  if (def.assignments_end_date !== undefined) add('assignments_end_date', def.assignments_end_date);
  add('traffic_allocation', def.traffic_allocation);
  for (const v of def.variations) add(`variations[${v.variant_key}]`, newVariation(v));
  for (const m of def.metrics ?? []) add(`metrics[${m.metric}]`, { is_primary: m.is_primary });
  return fields;
}

function newVariation(v: Variation): Record<string, unknown> {
  return { name: v.name, is_control: v.is_control, weight: v.weight, is_active: v.is_active };
}

/**
 * Metrics attached in Eppo that the file's `metrics` list leaves out (not the
 * guardrails Eppo attaches by itself): apply keeps them, since the file owns a
 * subset, and the plan says so instead of calling the experiment silently
 * unchanged. Nothing is noted when the file lists no metrics at all.
 */
function leftAttached(def: Definition, refs: ResolvedRefs, live: EppoExperiment, byId: ReadonlyMap<number, EppoMetric>): string[] {
  if (def.metrics === undefined || !Array.isArray(live.metrics)) return [];
  const listed = new Set(refs.metric_ids);
  const notes: string[] = [];
  for (const attached of live.metrics) {
    if (listed.has(attached.metric_id)) continue;
    const metric = byId.get(attached.metric_id);
    if (metric?.is_guardrail === true) continue;
    const label = typeof metric?.name === 'string' ? metric.name : `#${attached.metric_id}`;
    notes.push(`metrics[${label}]: left attached: git manages a subset (the file does not list it; detach it in Eppo to remove it)`);
  }
  return notes;
}

function variationBody(v: Variation): EppoVariation {
  return { name: v.name, variant_key: v.variant_key, is_control: v.is_control, weighted_expected_traffic: v.weight, is_active: v.is_active };
}

interface NameMaps {
  entity: Map<number, string>;
  source: Map<number, string>;
  metric: Map<number, string>;
}

function owns(def: Definition, path: string): boolean {
  return def.owned.includes(path);
}

function sameNumber(a: unknown, b: number): boolean {
  return typeof a === 'number' && Math.abs(a - b) <= NUMBER_TOLERANCE;
}

/** Dates compare as instants: `2026-01-05` equals `2026-01-05T00:00:00.000Z`. */
function sameInstant(live: unknown, wanted: string | undefined): boolean {
  if (wanted === undefined) return live === null || live === undefined;
  if (typeof live !== 'string') return false;
  if (live === wanted) return !Number.isNaN(Date.parse(wanted));
  const a = Date.parse(live);
  const b = Date.parse(wanted);
  return !Number.isNaN(a) && a === b;
}

/**
 * Compares the owned fields of a definition with a live experiment; returns the
 * changed fields and the PUT body (the live object with the owned fields merged
 * in, read-only fields dropped). The body is only built when something changed.
 */
export function diffExperiment(
  def: Definition,
  refs: ResolvedRefs,
  live: EppoExperiment,
  names: NameMaps,
): { fields: FieldChange[]; body: ExperimentWrite } {
  const fields: FieldChange[] = [];
  const patch: ExperimentWrite = {};

  if (live.name !== def.name) {
    fields.push({ path: 'name', before: live.name ?? null, after: def.name });
    patch.name = def.name;
  }
  if ((live.hypothesis ?? null) !== (def.hypothesis ?? null) && owns(def, 'hypothesis')) {
    fields.push({ path: 'hypothesis', before: live.hypothesis ?? null, after: def.hypothesis ?? null });
    patch.hypothesis = def.hypothesis ?? null;
  }
  if (live.entity_id !== refs.entity_id) {
    fields.push({ path: 'entity', before: nameOf(names.entity, live.entity_id), after: def.entity });
    patch.entity_id = refs.entity_id;
  }
  if (live.assignment_source_id !== refs.assignment_source_id) {
    fields.push({ path: 'assignment_source', before: nameOf(names.source, live.assignment_source_id), after: def.assignment_source });
    patch.assignment_source_id = refs.assignment_source_id;
  }
  if (!sameInstant(live.assignments_start_date, def.assignments_start_date)) {
    fields.push({ path: 'assignments_start_date', before: live.assignments_start_date ?? null, after: def.assignments_start_date });
    patch.assignments_start_date = def.assignments_start_date;
  }
  if (owns(def, 'assignments_end_date') && !sameInstant(live.assignments_end_date, def.assignments_end_date)) {
    fields.push({ path: 'assignments_end_date', before: live.assignments_end_date ?? null, after: def.assignments_end_date ?? null });
    patch.assignments_end_date = def.assignments_end_date ?? null;
  }
  if (!sameNumber(live.traffic_allocation, def.traffic_allocation) && owns(def, 'traffic_allocation')) {
    fields.push({ path: 'traffic_allocation', before: live.traffic_allocation ?? null, after: def.traffic_allocation });
    patch.traffic_allocation = def.traffic_allocation;
  }
  const variations = diffVariations(def, live, fields);
  const metrics = def.metrics === undefined ? undefined : diffMetrics(def, refs, live, names, fields);
  if (fields.length === 0) return { fields, body: {} };

  const body = structuredClone(live) as ExperimentWrite;
  for (const field of READ_ONLY_FIELDS) delete body[field];
  Object.assign(body, patch);
  body.variations = structuredClone(variations);
  if (metrics !== undefined) body.metrics = structuredClone(metrics);
  return { fields, body };
}

/** The name of an id in a workspace list, `#id` when the list lacks it. */
function nameOf(map: Map<number, string>, id: unknown): unknown {
  return typeof id === 'number' ? (map.get(id) ?? `#${id}`) : (id ?? null);
}

/**
 * The variation list is owned as a whole (weights must sum to 1): variations are
 * matched by variant_key, live ones missing from the file are removed, and per
 * variation only the written fields (plus is_control, which the one-control
 * rule fixes for every variation) are compared.
 */
function diffVariations(def: Definition, live: EppoExperiment, fields: FieldChange[]): EppoVariation[] {
  const liveList: EppoVariation[] = Array.isArray(live.variations) ? live.variations : [];
  const merged: EppoVariation[] = [];
  for (const v of def.variations) {
    const current = lastWithKey(liveList, v.variant_key);
    const at = `variations[${v.variant_key}]`;
    if (current === undefined) {
      fields.push({ path: at, before: null, after: newVariation(v) });
      merged.push(variationBody(v));
      continue;
    }
    // Copied on the first change only: the body deep-copies the merged list anyway.
    let next = current;
    if (current.name !== v.name && (current.name === undefined || owns(def, `${at}.name`))) {
      fields.push({ path: `${at}.name`, before: current.name ?? null, after: v.name });
      next = { ...next, name: v.name };
    }
    if (current.is_control !== v.is_control) {
      fields.push({ path: `${at}.is_control`, before: current.is_control ?? null, after: v.is_control });
      next = { ...next, is_control: v.is_control };
    }
    if (!sameNumber(current.weighted_expected_traffic, v.weight)) {
      fields.push({ path: `${at}.weight`, before: current.weighted_expected_traffic ?? null, after: v.weight });
      next = { ...next, weighted_expected_traffic: v.weight };
    }
    if (current.is_active !== v.is_active && (current.is_active === undefined || owns(def, `${at}.is_active`))) {
      fields.push({ path: `${at}.is_active`, before: current.is_active ?? null, after: v.is_active });
      next = { ...next, is_active: v.is_active };
    }
    merged.push(next);
  }
  for (const v of liveList) {
    if (!def.variations.some((w) => w.variant_key === v.variant_key)) {
      fields.push({ path: `variations[${v.variant_key}]`, before: { name: v.name, weight: v.weighted_expected_traffic }, after: null });
    }
  }
  return merged;
}

/** The last live variation with this key (as a Map keyed by variant_key would keep it). */
function lastWithKey(list: readonly EppoVariation[], key: string): EppoVariation | undefined {
  for (let i = list.length - 1; i >= 0; i--) if (list[i]!.variant_key === key) return list[i];
  return undefined;
}

/**
 * Subset semantics: each listed metric must be attached with the given
 * is_primary; metrics Eppo or people attached are kept, except that another
 * primary is demoted when the file names the primary.
 */
function diffMetrics(
  def: Definition,
  refs: ResolvedRefs,
  live: EppoExperiment,
  names: NameMaps,
  fields: FieldChange[],
): EppoExperimentMetric[] {
  const metrics = def.metrics ?? [];
  const liveList: EppoExperimentMetric[] = Array.isArray(live.metrics) ? live.metrics.map((m) => ({ ...m })) : [];
  const wanted = new Map<number, boolean>();
  metrics.forEach((m, i) => wanted.set(refs.metric_ids[i]!, m.is_primary));
  const fileHasPrimary = metrics.some((m) => m.is_primary);
  const label = (id: number): string => names.metric.get(id) ?? `#${id}`;
  for (const m of liveList) {
    const want = wanted.get(m.metric_id);
    const target = want ?? (fileHasPrimary && m.is_primary ? false : m.is_primary);
    if (m.is_primary !== target) {
      fields.push({ path: `metrics[${label(m.metric_id)}].is_primary`, before: m.is_primary ?? null, after: target });
      m.is_primary = target;
    }
  }
  const attached = new Set(liveList.map((m) => m.metric_id));
  metrics.forEach((m, i) => {
    const id = refs.metric_ids[i]!;
    if (attached.has(id)) return;
    attached.add(id);
    fields.push({ path: `metrics[${m.metric}]`, before: null, after: { is_primary: m.is_primary } });
    liveList.push({ metric_id: id, is_primary: m.is_primary });
  });
  return liveList;
}

/** A plan with nothing in it: what the PR comment renders when validation stopped before a plan. */
export function emptyPlan(): Plan {
  return {
    format_version: 1,
    eppo_base_url: '',
    created_at: '',
    summary: { create: 0, update: 0, unchanged: 0, skip: 0, conflict: 0, unmanaged: 0 },
    changes: [],
    unmanaged: [],
  };
}
