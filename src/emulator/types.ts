import type { ApiAssignmentSource, ApiEntity, ApiExperiment, ApiExperimentWrite, ApiMetric } from './api-types.js';

/** An experiment as the emulator keeps it: every read field but the derived `status` and `results_url`. */
export type StoredExperiment = Omit<ApiExperiment, 'status' | 'results_url'>;

export interface ExperimentRecord {
  experiment: StoredExperiment;
  /** Internal last-change time for `updated_since` (Eppo exposes no such field). */
  updatedAt: string;
}

/** The whole emulated workspace; this is what the state file holds. */
export interface EmulatorState {
  version: 1;
  nextExperimentId: number;
  nextVariationId: number;
  entities: ApiEntity[];
  assignmentSources: ApiAssignmentSource[];
  metrics: ApiMetric[];
  experiments: ExperimentRecord[];
}

/**
 * An experiment to insert directly (benchmarks, tests): a create body, plus any
 * read field to force (`id`, `created_date`, a decision…).
 */
export type ExperimentInput = ApiExperimentWrite & {
  id?: number;
  created_date?: string;
  concluded_date?: string | null;
  winning_variant_key?: string | null;
  outcome?: string | null;
  is_traffic_imbalanced?: boolean;
};

export interface WebhookReceiver {
  url: string;
  secret: string;
}

/** The timers the emulator waits with (latency, webhook retries and holds); tests pass their own. */
export interface EmulatorTimers {
  /** schedules `callback` once after `ms` */
  setTimeout(callback: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

/** Node's timers. */
export const nodeTimers: EmulatorTimers = {
  setTimeout: (callback, ms) => setTimeout(callback, ms),
  clearTimeout: (handle) => clearTimeout(handle as NodeJS.Timeout),
};
