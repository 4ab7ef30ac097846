/**
 * The Eppo REST API as the emulator serves it, written from the contract
 * (EPPO-API.md) and not from the client's types: a stand-in that shared the
 * client's idea of the wire could not catch the client's mistakes.
 */

/** An item of `GET /definitions/entities`. */
export interface ApiEntity {
  id: number;
  name: string;
}

/** An item of `GET /definitions/assignments`. */
export interface ApiAssignmentSource {
  id: number;
  name: string;
  sql: string;
  experiment_key_column: string;
  timestamp_column: string;
  entity_id: number;
  entity_join_column_name: string;
}

/** An item of `GET /metrics`. `is_guardrail` is the emulator's mark for the metrics Eppo attaches to every new experiment. */
export interface ApiMetric {
  id: number;
  name: string;
  type: string;
  entity_id: number;
  is_guardrail?: boolean;
}

/** A variation's writable fields: `variations[]` of a create/update body. */
export interface ApiVariationFields {
  name: string;
  variant_key: string;
  is_control: boolean;
  weighted_expected_traffic: number;
  is_active: boolean;
}

/** A variation as an experiment read returns it. */
export interface ApiVariation extends ApiVariationFields {
  id: number;
}

/** `metrics[]` of an experiment: a reference to a metric. */
export interface ApiMetricRef {
  metric_id: number;
  is_primary: boolean;
}

/** An experiment's writable fields, all present: a create body once validated and given its defaults. */
export interface ApiWritableFields {
  name: string;
  experiment_key: string;
  entity_id: number;
  assignment_source_id: number;
  assignments_start_date: string | null;
  assignments_end_date: string | null;
  hypothesis: string | null;
  traffic_allocation: number;
  variations: ApiVariationFields[];
  metrics: ApiMetricRef[];
}

/** An experiment as `GET /experiments/{id}` returns it: the writable fields plus what Eppo adds. */
export interface ApiExperiment extends Omit<ApiWritableFields, 'variations'> {
  id: number;
  variations: ApiVariation[];
  status: string;
  winning_variant_key: string | null;
  outcome: string | null;
  created_date: string;
  concluded_date: string | null;
  results_url: string | null;
  is_traffic_imbalanced: boolean;
}

/**
 * A create or update body as a client may send it (`POST /experiments`,
 * `PUT /experiments/{id}`): any writable field; read-only and unknown fields
 * are accepted and ignored.
 */
export interface ApiExperimentWrite {
  name?: string;
  experiment_key?: string;
  entity_id?: number;
  assignment_source_id?: number;
  assignments_start_date?: string | null;
  assignments_end_date?: string | null;
  hypothesis?: string | null;
  traffic_allocation?: number;
  variations?: ApiVariationFields[];
  metrics?: ApiMetricRef[];
  [key: string]: unknown;
}

/** The events Eppo posts to a webhook. */
export type WebhookEventName =
  | 'experiment.status.updated'
  | 'experiment.configuration.updated'
  | 'experiment.metric.updated'
  | 'experiment.calculated_metrics.updated'
  | 'flag.configuration.updated';

/** `data` of a webhook body. */
export interface WebhookData {
  experiment_id: number;
  experiment_key: string;
}
