import { EmulatorInputError } from '../errors.js';
import type { ApiExperiment, ApiVariation, ApiWritableFields } from './api-types.js';
import { buildSeedState } from './seed.js';
import type { EmulatorState, ExperimentInput, ExperimentRecord, StoredExperiment } from './types.js';
import { validateExperimentBody, type Validation } from './validate.js';

export interface ListQuery {
  experiment_key?: string;
  created_since?: Date;
  updated_since?: Date;
}

/**
 * Derives the lifecycle status from the assignment dates at `now`, unless a
 * decision fixed it: Draft (no start, or start in the future), Running, Wrap Up
 * (end date passed), Concluded.
 */
export function deriveStatus(exp: StoredExperiment, now: Date): string {
  if (exp.concluded_date !== null) return 'Concluded';
  const t = now.getTime();
  if (exp.assignments_start_date === null || Date.parse(exp.assignments_start_date) > t) return 'Draft';
  if (exp.assignments_end_date !== null && Date.parse(exp.assignments_end_date) < t) return 'Wrap Up';
  return 'Running';
}

/** The experiment as the API returns it. */
export function renderExperiment(exp: StoredExperiment, now: Date, origin: string): ApiExperiment {
  return { ...exp, status: deriveStatus(exp, now), results_url: `${origin}/experiments/${exp.id}` };
}

/** The emulated workspace in memory. Every mutation is synchronous, so requests never interleave inside one. */
export class EmulatorStore {
  #state: EmulatorState;
  #byId = new Map<number, ExperimentRecord>();
  readonly #now: () => Date;

  constructor(state: EmulatorState, now: () => Date) {
    this.#state = state;
    this.#now = now;
    this.#index();
  }

  get state(): EmulatorState {
    return this.#state;
  }

  get size(): number {
    return this.#state.experiments.length;
  }

  replace(state: EmulatorState): void {
    this.#state = state;
    this.#index();
  }

  reset(seed: boolean): void {
    this.replace(buildSeedState(seed));
  }

  validate(body: unknown, base?: StoredExperiment): Validation {
    return validateExperimentBody(body, this.#state, base);
  }

  get(id: number): ExperimentRecord | undefined {
    return this.#byId.get(id);
  }

  list(query: ListQuery, limit: number, offset: number): ExperimentRecord[] {
    const { experiment_key: key, created_since: created, updated_since: updated } = query;
    const all = this.#state.experiments;
    if (key === undefined && created === undefined && updated === undefined) return all.slice(offset, offset + limit);
    const createdMs = created?.getTime();
    const updatedMs = updated?.getTime();
    const out: ExperimentRecord[] = [];
    let skipped = 0;
    for (const record of all) {
      const exp = record.experiment;
      if (key !== undefined && exp.experiment_key !== key) continue;
      if (createdMs !== undefined && Date.parse(exp.created_date) < createdMs) continue;
      if (updatedMs !== undefined && Date.parse(record.updatedAt) < updatedMs) continue;
      if (skipped < offset) {
        skipped++;
        continue;
      }
      out.push(record);
      if (out.length === limit) break;
    }
    return out;
  }

  /** Creates from validated fields: new id, variation ids, guardrail metrics attached. */
  create(fields: ApiWritableFields): ExperimentRecord {
    const now = this.#now().toISOString();
    const guardrails = this.#state.metrics
      .filter((m) => m.is_guardrail === true && !fields.metrics.some((x) => x.metric_id === m.id))
      .map((m) => ({ metric_id: m.id, is_primary: false }));
    const experiment: StoredExperiment = {
      id: this.#state.nextExperimentId++,
      ...fields,
      variations: this.#variationIds(fields.variations, []),
      metrics: [...fields.metrics, ...guardrails],
      winning_variant_key: null,
      outcome: null,
      created_date: now,
      concluded_date: null,
      is_traffic_imbalanced: false,
    };
    const record = { experiment, updatedAt: now };
    this.#state.experiments.push(record);
    this.#byId.set(experiment.id, record);
    return record;
  }

  /** Applies validated (already merged) fields to an existing experiment. */
  update(record: ExperimentRecord, fields: ApiWritableFields): ExperimentRecord {
    const previous = record.experiment;
    record.experiment = { ...previous, ...fields, variations: this.#variationIds(fields.variations, previous.variations) };
    record.updatedAt = this.#now().toISOString();
    return record;
  }

  decide(record: ExperimentRecord, winningVariantKey: string | null, outcome: string, concludedDate?: string): ExperimentRecord {
    const now = this.#now().toISOString();
    record.experiment = { ...record.experiment, winning_variant_key: winningVariantKey, outcome, concluded_date: concludedDate ?? now };
    record.updatedAt = now;
    return record;
  }

  reopen(record: ExperimentRecord): ExperimentRecord {
    record.experiment = { ...record.experiment, winning_variant_key: null, outcome: null, concluded_date: null };
    record.updatedAt = this.#now().toISOString();
    return record;
  }

  /** Inserts full experiments directly; throws an EmulatorInputError with the validation message when one is invalid. */
  insert(items: ExperimentInput[]): ExperimentRecord[] {
    const records = items.map((item, i) => {
      const result = this.validate(item);
      if (!result.ok) throw new EmulatorInputError(`experiment ${i} (${String(item.experiment_key)}): ${result.message}`);
      if (item.id !== undefined && this.#byId.has(item.id)) throw new EmulatorInputError(`experiment ${i}: id ${item.id} is already taken`);
      const record = this.create(result.value);
      if (item.id !== undefined) {
        this.#byId.delete(record.experiment.id);
        this.#state.nextExperimentId = Math.max(this.#state.nextExperimentId - 1, item.id + 1);
        record.experiment.id = item.id;
        this.#byId.set(item.id, record);
      }
      const forced: Partial<StoredExperiment> = {};
      for (const key of ['created_date', 'concluded_date', 'winning_variant_key', 'outcome', 'is_traffic_imbalanced'] as const) {
        if (item[key] !== undefined) Object.assign(forced, { [key]: item[key] });
      }
      record.experiment = { ...record.experiment, ...forced };
      return record;
    });
    if (items.some((item) => item.id !== undefined)) this.#state.experiments.sort((a, b) => a.experiment.id - b.experiment.id);
    return records;
  }

  #index(): void {
    this.#byId = new Map(this.#state.experiments.map((r) => [r.experiment.id, r]));
  }

  #variationIds(variations: ApiWritableFields['variations'], previous: ApiVariation[]): ApiVariation[] {
    return variations.map((v) => {
      const same = previous.find((p) => p.variant_key === v.variant_key);
      return { id: same?.id ?? this.#state.nextVariationId++, ...v };
    });
  }
}
