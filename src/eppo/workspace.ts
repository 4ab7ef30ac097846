import type { EppoApi, Workspace } from './types.js';

/** Reads entities, assignment sources, metrics and experiments in parallel. */
export async function fetchWorkspace(api: EppoApi): Promise<Workspace> {
  const [entities, assignmentSources, metrics, experiments] = await Promise.all([
    api.listEntities(),
    api.listAssignmentSources(),
    api.listMetrics(),
    api.listExperiments(),
  ]);
  return { entities, assignmentSources, metrics, experiments };
}
