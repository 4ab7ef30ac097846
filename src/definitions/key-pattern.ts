/**
 * What an experiment_key or a variant_key may be (FORMAT.md; the `key` of
 * schemas/experiment.schema.json holds the same pattern): a letter or digit,
 * then letters, digits, `.`, `_` and `-`, at most 128 in all. Such a key is
 * safe as a file name and, with the care buildOutcomeBranch takes, as a
 * branch name.
 */
export const KEY_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;

/** Whether `key` is an experiment_key (or variant_key) the definition format allows. */
export function isValidKey(key: string): boolean {
  return KEY_PATTERN.test(key);
}
