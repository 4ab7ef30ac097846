import type { Problem } from '../definitions/index.js';
import { FLAG_FILE_RULE } from './read-flag-file.js';
import type { Flag, FlagFile, FlagSet } from './types.js';

/**
 * Puts read flag files together: every file's problems, then an error for
 * each key defined in two files (naming both; the first file's flag is the
 * one checked). Pure.
 */
export function buildFlagSet(files: readonly FlagFile[], problems: readonly Problem[] = []): FlagSet {
  const byKey = new Map<string, Flag>();
  const duplicates: Problem[] = [];
  for (const file of files) {
    for (const flag of file.flags) {
      const first = byKey.get(flag.key);
      if (first === undefined) {
        byKey.set(flag.key, flag);
        continue;
      }
      duplicates.push({
        file: flag.file,
        line: flag.position.line,
        col: flag.position.col,
        severity: 'error',
        rule: FLAG_FILE_RULE,
        message: `flag "${flag.key}" is defined in both ${first.file}:${first.position.line} and ${flag.file}:${flag.position.line}; keep it in one file`,
      });
    }
  }
  return { files: [...files], byKey, problems: [...problems, ...files.flatMap((f) => f.problems), ...duplicates] };
}
