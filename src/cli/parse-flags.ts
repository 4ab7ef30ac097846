import { parseArgs, type ParseArgsConfig } from 'node:util';
import { ConfigError, UsageError } from '../errors.js';
import { DEFAULT_PARALLELISM, didYouMean, MAX_PARALLELISM } from '../util/index.js';

/** What a command declares; parsing is always strict. */
export type FlagConfig = Omit<ParseArgsConfig, 'args' | 'strict' | 'tokens'>;

/**
 * node:util parseArgs in strict mode. Every parse failure becomes a UsageError
 * in our own words (so main prints "Run eppo-gitops X --help"): an unknown
 * option with a "did you mean" (prefixes, short and single-dash forms too), a missing
 * value, a value given to a switch, an unexpected argument. Whether flags
 * agree with each other (`--local` with `--base-url`) is the library's to say.
 */
export function parseFlags<const T extends FlagConfig>(
  args: string[],
  config: T,
): ReturnType<typeof parseArgs<T & { args: string[]; strict: true }>> {
  try {
    return parseArgs({ ...config, args, strict: true });
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    // Anything else is a mistake in a command's declaration, not in what the user typed.
    if (typeof code !== 'string' || !code.startsWith('ERR_PARSE_ARGS_')) throw error;
    throw new UsageError(describeParseFailure(args, config, error as Error));
  }
}

/** The first thing wrong with `args`, found by reading them again leniently, token by token. */
function describeParseFailure(args: string[], config: FlagConfig, error: Error): string {
  const options = config.options ?? {};
  const known = Object.keys(options);
  const { tokens } = parseArgs({ ...config, args, strict: false, allowPositionals: true, tokens: true });
  for (const token of tokens) {
    if (token.kind === 'positional') {
      if (config.allowPositionals !== true) return `unexpected argument "${token.value}": this command takes options only${suggestFor(token.value, known)}`;
      continue;
    }
    if (token.kind !== 'option') continue;
    const declared = known.includes(token.name) ? token.name : Object.entries(options).find(([, o]) => o.short === token.name)?.[0];
    if (declared === undefined) return `unknown option "${token.rawName}"${suggestOption(token.rawName, args[token.index] ?? token.rawName, config)}`;
    const shown = `--${declared}`;
    if (options[declared]!.type === 'boolean') {
      if (token.inlineValue === true) return `${shown} is a switch and takes no value (got "${args[token.index]}"); write just ${shown}`;
      continue;
    }
    if (token.value === undefined) return `${shown} needs a value: ${shown} VALUE`;
    if (token.inlineValue !== true && token.value.startsWith('-')) {
      return `${shown} needs a value, but the next word "${token.value}" looks like an option; for a value that starts with "-", write ${shown}=${token.value}`;
    }
  }
  // parseArgs found something the lenient reading did not: say what it said, first line only.
  return `cannot read the command line: ${error.message.split('\n')[0]}`;
}

/**
 * " (did you mean …?)" for an unknown option: the start of long ones
 * (`--detailed` for `--detailed-exitcode`), a typo of a long one, a long
 * option written with one dash (`-yes`), or a short one (`-y` for `--yes`).
 */
function suggestOption(rawName: string, word: string, config: FlagConfig): string {
  const options = config.options ?? {};
  const known = Object.keys(options);
  const quote = (names: string[]): string => ` (did you mean ${names.map((n) => `"--${n}"`).join(' or ')}?)`;
  if (rawName.startsWith('--')) {
    const typed = rawName.slice(2);
    const starting = typed.length >= 2 ? known.filter((name) => name.startsWith(typed)) : [];
    if (starting.length > 0 && starting.length <= 3) return quote(starting);
    const guess = didYouMean(typed, known);
    return guess === undefined ? '' : quote([guess]);
  }
  // A single dash: `-yes` reads as -y -e -s; the word as typed says what was meant.
  const spelled = word.replace(/^-+/, '').split('=')[0]!;
  if (spelled.length > 1) {
    const guess = known.includes(spelled) ? spelled : didYouMean(spelled, known);
    if (guess !== undefined) return quote([guess]);
  }
  const letter = rawName.slice(1);
  const starting = known.filter((name) => name.startsWith(letter));
  return starting.length > 0 && starting.length <= 3 ? quote(starting) : '';
}

/** A positional that is an option name without its dashes (`plan yes`). */
function suggestFor(value: string, known: string[]): string {
  return known.includes(value) ? ` (did you mean "--${value}"?)` : '';
}

/** `--parallelism N` (1..64), else the settings file's `parallelism`, else DEFAULT_PARALLELISM. */
export function parseParallelism(flag: string | undefined, fromConfig: number | undefined): number {
  if (flag === undefined) return fromConfig ?? DEFAULT_PARALLELISM;
  if (!/^\d+$/.test(flag) || Number(flag) < 1 || Number(flag) > MAX_PARALLELISM) {
    throw new UsageError(`--parallelism must be a whole number from 1 to ${MAX_PARALLELISM}, not "${flag}"`);
  }
  return Number(flag);
}

/**
 * A port number 0..65535 (0 picks a free one) from a flag (`--port`: a
 * UsageError when it is not one) or an environment variable (`PORT`: a
 * ConfigError).
 */
export function parsePort(text: string, name: string): number {
  if (/^\d+$/.test(text) && Number(text) <= 65535) return Number(text);
  const message = `${name} must be a port number from 0 to 65535 (0 picks a free one), not "${text}"`;
  throw name.startsWith('-') ? new UsageError(message) : new ConfigError(message);
}

/** `--format`: one of the formats a command prints, a UsageError naming them otherwise. */
export function parseFormat<const T extends string>(value: string | undefined, formats: readonly T[]): T {
  if ((formats as readonly (string | undefined)[]).includes(value)) return value as T;
  throw new UsageError(`--format must be one of ${formats.join(', ')}, not "${value}"`);
}
