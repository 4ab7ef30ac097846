import type { EmulatorState } from './types.js';

const ASSIGNMENT_SQL = (table: string, key: string) =>
  `SELECT ${key}, experiment_key, variant_key, assigned_at FROM analytics.${table}`;

/** The fixed seed workspace: two entities, three assignment sources, eight metrics, no experiments. */
export function buildSeedState(withData = true): EmulatorState {
  if (!withData) {
    return { version: 1, nextExperimentId: 1, nextVariationId: 1, entities: [], assignmentSources: [], metrics: [], experiments: [] };
  }
  return {
    version: 1,
    nextExperimentId: 1,
    nextVariationId: 1,
    entities: [
      { id: 1, name: 'user' },
      { id: 2, name: 'company' },
    ],
    assignmentSources: [
      source(1, 'User assignments', 1, 'user_assignments', 'user_id'),
      source(2, 'Company assignments', 2, 'company_assignments', 'company_id'),
      source(3, 'Mobile app assignments', 1, 'mobile_assignments', 'user_id'),
    ],
    metrics: [
      metric(1, 'Checkout conversion', 'conversion', 1),
      metric(2, 'Revenue per user', 'sum', 1),
      metric(3, 'Orders per user', 'count', 1),
      metric(4, 'Activation rate', 'conversion', 1),
      metric(5, 'Session length', 'mean', 1),
      metric(6, 'Seats purchased', 'sum', 2),
      metric(7, 'Page load time', 'mean', 1, true),
      metric(8, 'Error rate', 'conversion', 1, true),
    ],
    experiments: [],
  };
}

function source(id: number, name: string, entityId: number, table: string, key: string) {
  return {
    id,
    name,
    sql: ASSIGNMENT_SQL(table, key),
    experiment_key_column: 'experiment_key',
    timestamp_column: 'assigned_at',
    entity_id: entityId,
    entity_join_column_name: key,
  };
}

function metric(id: number, name: string, type: string, entityId: number, guardrail = false) {
  return { id, name, type, entity_id: entityId, is_guardrail: guardrail };
}
