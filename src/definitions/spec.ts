/** The shape of a definition file as written (after the schema check), before normalisation. */
export interface VariationSpec {
  variant_key: string;
  name?: string;
  is_control?: boolean;
  weight: number;
  is_active?: boolean;
}

export interface MetricSpec {
  metric: string;
  is_primary?: boolean;
}

export interface OutcomeSpec {
  status: string;
  outcome?: string;
  winning_variant_key?: string;
  eppo_experiment_id?: number;
  recorded_at?: string;
}

export interface ExperimentSpec {
  experiment_key: string;
  name: string;
  hypothesis?: string;
  entity: string;
  assignment_source: string;
  assignments_start_date: string;
  assignments_end_date?: string;
  traffic_allocation?: number;
  variations: VariationSpec[];
  metrics?: MetricSpec[];
  outcome?: OutcomeSpec;
}
