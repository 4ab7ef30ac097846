/** Wire types of the Eppo REST API (../shared/design/EPPO-API.md). */

export interface EppoEntity {
  id: number;
  name: string;
  [key: string]: unknown;
}

export interface EppoAssignmentSource {
  id: number;
  name: string;
  sql?: string;
  experiment_key_column?: string;
  timestamp_column?: string;
  entity_id?: number;
  entity_join_column_name?: string;
  [key: string]: unknown;
}

export interface EppoMetric {
  id: number;
  name: string;
  type?: string;
  entity_id?: number;
  is_guardrail?: boolean;
  [key: string]: unknown;
}

/** The named fields of a variation, as a create/update body sends them. */
export type EppoVariationFields = {
  name: string;
  variant_key: string;
  is_control: boolean;
  weighted_expected_traffic: number;
  is_active: boolean;
};

export interface EppoVariation extends EppoVariationFields {
  id?: number;
  [key: string]: unknown;
}

export interface EppoExperimentMetric {
  metric_id: number;
  is_primary: boolean;
  [key: string]: unknown;
}

/**
 * The writable fields of an experiment, all present: a complete create body.
 * The one contract shared by the client and the emulator.
 */
export type ExperimentFields = {
  name: string;
  experiment_key: string;
  entity_id: number;
  assignment_source_id: number;
  assignments_start_date: string | null;
  assignments_end_date: string | null;
  hypothesis: string | null;
  traffic_allocation: number;
  variations: EppoVariationFields[];
  metrics: EppoExperimentMetric[];
};

/** The named fields of an experiment as GET returns it: the writable ones plus what Eppo adds. */
export interface EppoExperimentFields extends ExperimentFields {
  id: number;
  variations: EppoVariation[];
  status: string;
  winning_variant_key: string | null;
  outcome: string | null;
  created_date: string;
  concluded_date: string | null;
  results_url: string | null;
  is_traffic_imbalanced: boolean;
}

/** An experiment as GET returns it. Unknown fields are kept as they are. */
export interface EppoExperiment extends EppoExperimentFields {
  [key: string]: unknown;
}

/** Create/update body (POST /experiments, PUT /experiments/{id}). */
export interface ExperimentWrite {
  name?: string;
  experiment_key?: string;
  entity_id?: number;
  assignment_source_id?: number;
  assignments_start_date?: string | null;
  assignments_end_date?: string | null;
  hypothesis?: string | null;
  traffic_allocation?: number;
  variations?: EppoVariation[];
  metrics?: EppoExperimentMetric[];
  [key: string]: unknown;
}

export interface ListExperimentsFilter {
  experiment_key?: string;
  created_since?: string;
  updated_since?: string;
}

/**
 * The port through which everything talks to Eppo. The real adapter is the
 * undici client in `client.ts`; tests point it at the embedded emulator.
 */
export interface EppoApi {
  /** The API base URL, e.g. `https://eppo.cloud/api/v1` (never contains the token). */
  readonly baseUrl: string;
  listEntities(): Promise<EppoEntity[]>;
  listAssignmentSources(): Promise<EppoAssignmentSource[]>;
  /** All pages. */
  listMetrics(): Promise<EppoMetric[]>;
  /** All pages. */
  listExperiments(filter?: ListExperimentsFilter): Promise<EppoExperiment[]>;
  getExperiment(id: number): Promise<EppoExperiment>;
  createExperiment(body: ExperimentWrite): Promise<EppoExperiment>;
  updateExperiment(id: number, body: ExperimentWrite): Promise<EppoExperiment>;
  close(): Promise<void>;
}

/** The live state a plan is built on. */
export interface Workspace {
  entities: EppoEntity[];
  assignmentSources: EppoAssignmentSource[];
  metrics: EppoMetric[];
  experiments: EppoExperiment[];
}
