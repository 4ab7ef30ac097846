/** The step that refuses a live experiment, for the words of the refusal. */
export type LiveStep = 'plan' | 'import' | 'outcome';

/** What the step does not do, and what to run once Eppo is fixed. */
const STEPS: Record<LiveStep, { refused: string; then: string }> = {
  plan: { refused: 'nothing is planned for it', then: 'then plan again' },
  import: { refused: 'not imported', then: 'then import' },
  outcome: { refused: 'not recorded', then: 'then record it again' },
};

/**
 * Several live experiments share `key` (Eppo does not enforce unique keys):
 * plan, import and the outcome paths refuse to guess which one a file means,
 * and say so in these words.
 */
export function describeTwins(key: string, ids: readonly number[], step: LiveStep): string {
  const { refused, then } = STEPS[step];
  return `${ids.length} live experiments in Eppo share the key "${key}" (ids ${ids.join(', ')}); ${refused}: rename or archive all but one in Eppo, ${then}`;
}

/**
 * Eppo returned experiment `id` in a shape eppo-gitops cannot read (`detail`,
 * from describeMalformedExperiment): the words of every step that refuses it.
 */
export function describeUnreadableExperiment(id: number, detail: string, step: LiveStep): string {
  const { refused, then } = STEPS[step];
  return `Eppo returned experiment #${id} in a shape eppo-gitops cannot read (${detail}); ${refused}: fix it in Eppo, ${then}`;
}
