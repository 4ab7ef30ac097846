import { parseArgs, type ParseArgsConfig } from 'node:util';
import { UsageError } from '../errors.js';
import { didYouMean } from '../util/index.js';

/** What a command declares; parsing is always strict. */
export type FlagConfig = Omit<ParseArgsConfig, 'args' | 'strict' | 'tokens'>;

/**
 * node:util parseArgs in strict mode, with every parse failure turned into a
 * UsageError (so main prints "Run eppo-gitops X --help") and a "did you mean"
 * for a mistyped option.
 */
export function parseFlags<const T extends FlagConfig>(
  args: string[],
  config: T,
): ReturnType<typeof parseArgs<T & { args: string[]; strict: true }>> {
  try {
    return parseArgs({ ...config, args, strict: true });
  } catch (error) {
    throw new UsageError(describeParseError(error, Object.keys(config.options ?? {})));
  }
}

function describeParseError(error: unknown, known: string[]): string {
  const message = error instanceof Error ? error.message : String(error);
  const unknown = /^Unknown option '--([^'=]+)'/.exec(message);
  if (unknown === null) return message;
  const guess = didYouMean(unknown[1]!, known);
  return guess === undefined ? message : message.replace(unknown[0], `${unknown[0]} (did you mean "--${guess}"?)`);
}

/** Most requests to Eppo in flight at once. */
export const MAX_PARALLELISM = 64;

/** `--parallelism N` (1..64), else the settings file's `parallelism`, else 4. */
export function parseParallelism(flag: string | undefined, fromConfig: number | undefined): number {
  if (flag === undefined) return fromConfig ?? 4;
  if (!/^\d+$/.test(flag) || Number(flag) < 1 || Number(flag) > MAX_PARALLELISM) {
    throw new UsageError(`--parallelism must be a whole number from 1 to ${MAX_PARALLELISM}, not "${flag}"`);
  }
  return Number(flag);
}
