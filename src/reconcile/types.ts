import type { ExperimentWrite } from '../eppo/index.js';

/** One field that would change: `path` as in FORMAT.md (`variations[green].weight`). */
export interface FieldChange {
  path: string;
  before: unknown;
  after: unknown;
}

export interface CreateChange {
  action: 'create';
  experiment_key: string;
  file: string;
  /**
   * what the new experiment holds, for people: names instead of ids
   * (`before` is always null); absent in plans saved by older versions
   */
  fields?: FieldChange[];
  request: { method: 'POST'; path: '/experiments'; body: ExperimentWrite };
}

export interface UpdateChange {
  action: 'update';
  experiment_key: string;
  file: string;
  eppo_id: number;
  fields: FieldChange[];
  /** the live object merged with the managed fields (GET-merge-PUT) */
  request: { method: 'PUT'; path: string; body: ExperimentWrite };
  /** `sha256:<hex>` of the canonical JSON of the live object the plan was built on */
  live_fingerprint: string;
  notes?: string[];
}

export interface UnchangedChange {
  action: 'unchanged';
  experiment_key: string;
  file: string;
  eppo_id: number;
  /** what apply leaves as it is on purpose but a reader should know (a metric left attached) */
  notes?: string[];
}

export interface SkipChange {
  action: 'skip';
  experiment_key: string;
  file: string;
  eppo_id?: number;
  reason: string;
  /** the edits that are not applied */
  fields: FieldChange[];
  notes?: string[];
}

export interface ConflictChange {
  action: 'conflict';
  experiment_key: string;
  file: string;
  reason: string;
  eppo_ids: number[];
}

export type Change = CreateChange | UpdateChange | UnchangedChange | SkipChange | ConflictChange;
export type ChangeAction = Change['action'];

export interface UnmanagedExperiment {
  experiment_key: string;
  eppo_id: number;
  name: string;
}

export interface PlanSummary {
  create: number;
  update: number;
  unchanged: number;
  skip: number;
  conflict: number;
  unmanaged: number;
}

/** The plan, as printed by `plan --format json` and saved by `plan --out`. */
export interface Plan {
  format_version: 1;
  eppo_base_url: string;
  created_at: string;
  summary: PlanSummary;
  changes: Change[];
  unmanaged: UnmanagedExperiment[];
  /**
   * Keys of the flags that split traffic and have no experiment file (a note,
   * never an error: `eppo-gitops new <key>` starts one). Absent when there are none.
   */
  flags_without_experiment?: string[];
}

export type ApplyStatus = 'applied' | 'failed' | 'skipped';

export interface ApplyResultItem {
  experiment_key: string;
  action: ChangeAction;
  status: ApplyStatus;
  eppo_id?: number;
  /** why it failed */
  error?: string;
  /** why it was skipped */
  reason?: string;
}

/** `apply --format json` output. */
export interface ApplyResult {
  results: ApplyResultItem[];
  summary: { applied: number; failed: number; skipped: number };
}
