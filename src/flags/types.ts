import type { Problem, SourcePos } from '../definitions/index.js';

/** A flag as flagd sees it: after `$ref`s to `$evaluators` are replaced. */
export interface FlagdFlag {
  state: 'ENABLED' | 'DISABLED';
  variants: Record<string, unknown>;
  defaultVariant?: string | null;
  targeting?: unknown;
  metadata?: Record<string, unknown>;
  [field: string]: unknown;
}

/** One flag of a flag file that flagd-core accepted. */
export interface Flag {
  key: string;
  /** the flag file, relative to the root, POSIX separators */
  file: string;
  state: 'ENABLED' | 'DISABLED';
  /** undefined when absent or null (flagd then serves the caller's default) */
  defaultVariant: string | undefined;
  /** variant names in file order */
  variants: string[];
  /** the targeting rule, `$ref`s replaced; undefined when absent or `{}` */
  targeting: unknown;
  /** flagd-core's content hash of the flag (its definition and metadata) */
  hash: string;
  /** where the flag's key stands in its file */
  position: SourcePos;
  /** the flag as handed to flagd (`$ref`s replaced) */
  definition: FlagdFlag;
}

/** A flag file, read and checked. */
export interface FlagFile {
  /** relative to the root, POSIX separators */
  file: string;
  format: 'json' | 'yaml';
  /** the file's text as read (a byte-order mark kept), for edits */
  text: string;
  /** the flags in file order; empty when the file has an error */
  flags: Flag[];
  problems: Problem[];
}

/** All flag files of a repository, with flag keys unique across them. */
export interface FlagSet {
  files: FlagFile[];
  /** the first flag seen for each key, in file order */
  byKey: Map<string, Flag>;
  /** every problem of every file, then keys found in two files */
  problems: Problem[];
}

/**
 * The split a flag serves: the share of all subjects that get each variant.
 * `computed` shares come exactly from the weights of a single `fractional`;
 * `measured` shares from evaluating `subjects` subjects with flagd-core.
 */
export interface ServedSplit {
  method: 'computed' | 'measured';
  /** subjects evaluated (0 when computed; below 100,000 when the evaluations ran out of time) */
  subjects: number;
  /** variant → share of all subjects (0..1); variants never served are left out */
  shares: Record<string, number>;
  /** share of subjects that got no variant (an evaluation error, or no defaultVariant) */
  none: number;
}
