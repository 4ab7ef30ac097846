import { relative, resolve } from 'node:path';
import type { Problem } from '../definitions/index.js';
import { isWithin, toPosix } from '../util/index.js';
import { compileGlob } from './glob.js';
import type { FlagSet } from './types.js';

/** Paths named on the command line, split into flag files and the rest. */
export interface FlagPaths {
  /** paths `flags.files` matches, relative to the root, POSIX separators */
  flagFiles: string[];
  /** every other path, as given */
  others: string[];
}

/**
 * Splits the paths given to `validate` (relative to `root`, or absolute) into
 * the flag files that `flags.files` names (`matches`: buildFlagFileMatcher) and the rest (definitions, or
 * folders of them), so a pre-commit hook or a user can pass a flag file and
 * have it checked as one. Pure.
 */
export function selectFlagPaths(options: { root: string; paths: readonly string[]; matches: (path: string) => boolean }): FlagPaths {
  const { matches } = options;
  const flagFiles: string[] = [];
  const others: string[] = [];
  for (const path of options.paths) {
    const absolute = resolve(options.root, path);
    const inside = absolute !== resolve(options.root) && isWithin(absolute, options.root);
    const posix = toPosix(relative(options.root, absolute));
    if (inside && matches(posix)) flagFiles.push(posix);
    else others.push(path);
  }
  return { flagFiles: [...new Set(flagFiles)], others };
}

/**
 * Whether `flags.files` names a path (relative to the root, POSIX
 * separators). A glob that does not compile matches nothing here:
 * loadFlagFiles reports it. Pure.
 */
export function buildFlagFileMatcher(files: readonly string[]): (path: string) => boolean {
  const globs = files.flatMap((pattern) => {
    try {
      return [compileGlob(pattern)];
    } catch {
      return [];
    }
  });
  return (path) => globs.some((g) => g.matches(path));
}

/**
 * The keys of the flags in `flagFiles` (the experiments to check with them),
 * and an `io` problem for each named flag file that was not found (a file
 * that was found but refused already has its `flag-file` problems in `set`).
 * Pure.
 */
export function findServedKeys(set: FlagSet, flagFiles: readonly string[]): { keys: Set<string>; problems: Problem[] } {
  const keys = new Set<string>();
  const problems: Problem[] = [];
  for (const file of flagFiles) {
    const read = set.files.find((f) => f.file === file);
    if (read !== undefined) for (const flag of read.flags) keys.add(flag.key);
    else if (!set.problems.some((p) => p.file === file)) {
      problems.push({ file, line: 1, col: 1, severity: 'error', rule: 'io', message: 'path not found: no such flag file' });
    }
  }
  return { keys, problems };
}
