import { isValidKey, type ExperimentSpec, type MetricSpec, type OutcomeSpec } from '../definitions/index.js';
import { describeMalformedExperiment, describeUnreadableExperiment, isConcluded, type EppoExperiment, type Workspace } from '../eppo/index.js';

export type ImportSpecResult = { ok: true; spec: ExperimentSpec; notes: string[] } | { ok: false; message: string };

/** `2026-01-05T00:00:00.000Z` → `2026-01-05`; other instants as ISO UTC. */
function writtenDate(value: string): string {
  const iso = new Date(value).toISOString();
  return iso.endsWith('T00:00:00.000Z') ? iso.slice(0, 10) : iso.replace('.000Z', 'Z');
}

/**
 * Turns a live experiment into the definition a person would write: ids
 * resolved back to names, every field Eppo holds written out (so the file owns
 * them and plan reports `unchanged`). Guardrail metrics Eppo attaches by itself
 * are left out. Pure.
 */
export function buildImportSpec(live: EppoExperiment, workspace: Workspace): ImportSpecResult {
  const notes: string[] = [];
  const malformed = describeMalformedExperiment(live);
  if (malformed !== undefined) {
    return { ok: false, message: describeUnreadableExperiment(live.id, malformed, 'import') };
  }
  if (!isValidKey(live.experiment_key)) {
    return { ok: false, message: `experiment key ${JSON.stringify(live.experiment_key)} (#${live.id}) is not safe as a file name (letters, digits, '.', '_', '-'; at most 128); rename it in Eppo first` };
  }
  const entity = workspace.entities.find((e) => e.id === live.entity_id);
  if (entity === undefined) return { ok: false, message: `${live.experiment_key} (#${live.id}): entity id ${live.entity_id} is not among Eppo's entities` };
  const source = workspace.assignmentSources.find((s) => s.id === live.assignment_source_id);
  if (source === undefined) {
    return { ok: false, message: `${live.experiment_key} (#${live.id}): assignment source id ${live.assignment_source_id} is not among Eppo's assignment sources` };
  }
  if (typeof live.assignments_start_date !== 'string' || Number.isNaN(Date.parse(live.assignments_start_date))) {
    return { ok: false, message: `${live.experiment_key} (#${live.id}) has no assignments_start_date in Eppo; set one there first` };
  }
  const spec: ExperimentSpec = {
    experiment_key: live.experiment_key,
    name: live.name,
    entity: entity.name,
    assignment_source: source.name,
    assignments_start_date: writtenDate(live.assignments_start_date),
    variations: (live.variations ?? []).map((v) => ({
      variant_key: v.variant_key,
      name: v.name,
      is_control: v.is_control === true,
      weight: v.weighted_expected_traffic,
      is_active: v.is_active !== false,
    })),
  };
  if (typeof live.hypothesis === 'string' && live.hypothesis !== '') spec.hypothesis = live.hypothesis;
  if (typeof live.assignments_end_date === 'string' && !Number.isNaN(Date.parse(live.assignments_end_date))) {
    spec.assignments_end_date = writtenDate(live.assignments_end_date);
  }
  if (typeof live.traffic_allocation === 'number') spec.traffic_allocation = live.traffic_allocation;

  const metricById = new Map(workspace.metrics.map((m) => [m.id, m]));
  const chosen: MetricSpec[] = [];
  let primaries = 0;
  for (const m of live.metrics ?? []) {
    const metric = metricById.get(m.metric_id);
    if (metric === undefined) {
      notes.push(`metric id ${m.metric_id} is not among Eppo's metrics; left out`);
      continue;
    }
    if (metric.is_guardrail === true && !m.is_primary) continue;
    if (m.is_primary) primaries++;
    chosen.push(m.is_primary ? { metric: metric.name, is_primary: true } : { metric: metric.name });
  }
  if (chosen.length > 0 && primaries === 1) spec.metrics = chosen;
  else if (chosen.length > 0) notes.push(`metrics left out: Eppo has ${primaries} primary metrics attached, a definition needs exactly one`);

  if (isConcluded(live.status)) {
    const outcome: OutcomeSpec = { status: live.status };
    if (typeof live.outcome === 'string' && live.outcome !== '') outcome.outcome = live.outcome;
    if (typeof live.winning_variant_key === 'string' && live.winning_variant_key !== '') outcome.winning_variant_key = live.winning_variant_key;
    outcome.eppo_experiment_id = live.id;
    if (typeof live.concluded_date === 'string' && !Number.isNaN(Date.parse(live.concluded_date))) {
      outcome.recorded_at = new Date(live.concluded_date).toISOString();
    }
    spec.outcome = outcome;
  }
  return { ok: true, spec, notes };
}
