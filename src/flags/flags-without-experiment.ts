import type { Definition } from '../definitions/index.js';
import { hasFractional } from './targeting.js';
import type { FlagSet } from './types.js';

/**
 * Keys of the enabled flags that split traffic (a `fractional` in their
 * targeting) and have no experiment definition with their key, sorted. Pure.
 */
export function findFlagsWithoutExperiment(flags: FlagSet, definitions: readonly Definition[]): string[] {
  const keys = new Set(definitions.map((d) => d.experiment_key));
  return [...flags.byKey.values()]
    .filter((flag) => flag.state === 'ENABLED' && !keys.has(flag.key) && hasFractional(flag.targeting))
    .map((flag) => flag.key)
    .sort();
}

/**
 * The note `plan` prints for flags that split traffic without an experiment
 * file (never an error), or undefined when there are none. Pure.
 */
export function buildFlagsWithoutExperimentNote(flags: FlagSet, definitions: readonly Definition[]): string | undefined {
  const keys = findFlagsWithoutExperiment(flags, definitions);
  return keys.length === 0 ? undefined : describeFlagsWithoutExperiment(keys);
}

/** The note for these flag keys (findFlagsWithoutExperiment), as plan prints it. Pure. */
export function describeFlagsWithoutExperiment(keys: readonly string[]): string {
  return `flags without an experiment: ${keys.join(', ')}; run eppo-gitops new <key>`;
}
