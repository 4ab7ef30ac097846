import type { Definition } from '../definitions/index.js';
import { buildNewExperiment } from './build-new-experiment.js';
import { hasFractional } from './targeting.js';
import type { Flag, FlagSet } from './types.js';

export interface FlagsWithoutExperimentOptions {
  /** the plan's time: the flag checks `new` would run are evaluated at it (default: now) */
  at?: Date | number;
  /** `flags.rollout` (default `winner`) */
  rollout?: 'winner' | 'off';
  /**
   * How long the checks may take in all (default 2 s): a split under an `if`
   * is measured over 100,000 subjects. Once spent, the flags left are listed
   * unchecked, as `new` still says why it refuses one.
   */
  budgetMs?: number;
}

const NOTE_BUDGET_MS = 2_000;

/**
 * Keys of the enabled flags that split traffic (a `fractional` in their
 * targeting), have no experiment definition with their key, and that
 * `eppo-gitops new <key>` can start from (buildNewExperiment, the decision
 * `new` makes), sorted. The note tells the user to run `new` on these keys,
 * so it names none that `new` would refuse, within `budgetMs`. Pure but for
 * the clock that bounds it.
 */
export function findFlagsWithoutExperiment(flags: FlagSet, definitions: readonly Definition[], options: FlagsWithoutExperimentOptions = {}): string[] {
  const keys = new Set(definitions.map((d) => d.experiment_key));
  const at = options.at ?? Date.now();
  // The names, the date and the file do not change whether the file passes validate; new takes them from the user.
  const placeholders = { entity: 'user', assignmentSource: 'assignments', startDate: new Date(at).toISOString().slice(0, 10), schemaPath: 'experiment.schema.json' };
  const started = performance.now();
  const budgetMs = options.budgetMs ?? NOTE_BUDGET_MS;
  const startable = (flag: Flag): boolean =>
    performance.now() - started > budgetMs || buildNewExperiment(flag, flags, { ...placeholders, file: `${flag.key}.yaml`, at, rollout: options.rollout ?? 'winner' }).ok;
  return [...flags.byKey.values()]
    .filter((flag) => flag.state === 'ENABLED' && !keys.has(flag.key) && hasFractional(flag.targeting) && startable(flag))
    .map((flag) => flag.key)
    .sort();
}

/**
 * The note `plan` prints for flags that split traffic without an experiment
 * file (never an error), or undefined when there are none. Pure.
 */
export function buildFlagsWithoutExperimentNote(flags: FlagSet, definitions: readonly Definition[], options: FlagsWithoutExperimentOptions = {}): string | undefined {
  const keys = findFlagsWithoutExperiment(flags, definitions, options);
  return keys.length === 0 ? undefined : describeFlagsWithoutExperiment(keys);
}

/** The note for these flag keys (findFlagsWithoutExperiment), as plan prints it. Pure. */
export function describeFlagsWithoutExperiment(keys: readonly string[]): string {
  return `flags without an experiment: ${keys.join(', ')}; run eppo-gitops new <key>`;
}
