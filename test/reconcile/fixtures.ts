import type { EppoExperiment, ExperimentFields, Workspace } from '../../src/eppo/index.js';

/** The emulator's seed data (SEED.md), as a plain workspace. */
export function seedWorkspace(experiments: EppoExperiment[] = []): Workspace {
  return {
    entities: [
      { id: 1, name: 'user' },
      { id: 2, name: 'company' },
    ],
    assignmentSources: [
      { id: 1, name: 'User assignments', entity_id: 1 },
      { id: 2, name: 'Company assignments', entity_id: 2 },
      { id: 3, name: 'Mobile app assignments', entity_id: 1 },
    ],
    metrics: [
      { id: 1, name: 'Checkout conversion', entity_id: 1 },
      { id: 2, name: 'Revenue per user', entity_id: 1 },
      { id: 3, name: 'Orders per user', entity_id: 1 },
      { id: 4, name: 'Activation rate', entity_id: 1 },
      { id: 5, name: 'Session length', entity_id: 1 },
      { id: 6, name: 'Seats purchased', entity_id: 2 },
      { id: 7, name: 'Page load time', entity_id: 1, is_guardrail: true },
      { id: 8, name: 'Error rate', entity_id: 1, is_guardrail: true },
    ],
    experiments,
  };
}

/** The create body that `definitionText()` (test/eppo/helpers.ts) plans to, as POST /experiments receives it. */
export function definitionBody(over: Partial<ExperimentFields> = {}): ExperimentFields {
  return {
    name: 'Checkout button color',
    experiment_key: 'checkout-button-color',
    entity_id: 1,
    assignment_source_id: 1,
    assignments_start_date: '2026-01-05T00:00:00.000Z',
    assignments_end_date: null,
    hypothesis: 'A green checkout button raises checkout conversion.',
    traffic_allocation: 1,
    variations: [
      { name: 'Control', variant_key: 'control', is_control: true, weighted_expected_traffic: 0.5, is_active: true },
      { name: 'Green button', variant_key: 'green', is_control: false, weighted_expected_traffic: 0.5, is_active: true },
    ],
    metrics: [
      { metric_id: 1, is_primary: true },
      { metric_id: 2, is_primary: false },
    ],
    ...over,
  };
}

/** A live experiment matching `definitionText()` defaults, as Eppo would return it (guardrails attached). */
export function liveExperiment(over: Partial<EppoExperiment> = {}): EppoExperiment {
  const body = definitionBody();
  return {
    ...body,
    id: 4521,
    variations: body.variations.map((v, i) => ({ id: 11 + i, ...v })),
    metrics: [...body.metrics, { metric_id: 7, is_primary: false }, { metric_id: 8, is_primary: false }],
    status: 'Running',
    winning_variant_key: null,
    outcome: null,
    created_date: '2026-01-01T10:00:00.000Z',
    concluded_date: null,
    results_url: 'https://eppo.cloud/experiments/4521',
    is_traffic_imbalanced: false,
    ...over,
  };
}
