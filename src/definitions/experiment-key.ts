/**
 * What an experiment_key may be (FORMAT.md; schemas/experiment.schema.json
 * holds the same pattern): a letter or digit, then letters, digits, `.`, `_`
 * and `-`, at most 128 in all. Such a key is safe as a file name and, with the
 * care buildOutcomeBranch takes, as a branch name.
 */
export const EXPERIMENT_KEY_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;

/** Whether `key` is an experiment_key the definition format allows. */
export function isValidExperimentKey(key: string): boolean {
  return EXPERIMENT_KEY_PATTERN.test(key);
}
