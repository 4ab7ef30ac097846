import { parseDefinition } from '../../src/definitions/index.js';
import type { Definition, Problem } from '../../src/definitions/index.js';
import { buildFlagSet, readFlagFile } from '../../src/flags/index.js';
import type { FlagSet } from '../../src/flags/index.js';

export const show = (p: Problem): string => `${p.file}:${p.line}:${p.col} ${p.severity} [${p.rule}] ${p.message}`;

/** A flagd JSON file (two-space indentation, final newline) holding `flags`. */
export const flagdJson = (flags: Record<string, unknown>, extra: Record<string, unknown> = {}): string => `${JSON.stringify({ ...extra, flags }, null, 2)}\n`;

/** An enabled string flag with variants `names` (value = name) and `targeting`. */
export const stringFlag = (names: string[], defaultVariant: string | null, targeting?: unknown): Record<string, unknown> => ({
  state: 'ENABLED',
  variants: Object.fromEntries(names.map((n) => [n, n])),
  defaultVariant,
  ...(targeting === undefined ? {} : { targeting }),
});

/** A flag set from files given as path → text; throws when a file has problems (tests of valid input). */
export function flagSetOf(files: Record<string, string>): FlagSet {
  const read = Object.entries(files).map(([path, text]) => readFlagFile(path, text));
  const set = buildFlagSet(read);
  if (set.problems.length > 0) throw new Error(set.problems.map(show).join('\n'));
  return set;
}

/** A definition parsed from YAML; throws when it has errors. */
export function definitionOf(text: string, file = 'experiments/checkout.yaml'): Definition {
  const parsed = parseDefinition(file, text);
  if (parsed.definition === undefined) throw new Error(parsed.problems.map(show).join('\n'));
  return parsed.definition;
}

/** A definition file for experiment `checkout` with `variations` lines and `extra` top-level lines. */
export const checkoutYaml = (variations: Array<[string, number]>, extra = ''): string =>
  [
    'experiment_key: checkout',
    'name: Checkout',
    'entity: user',
    'assignment_source: User assignments',
    'assignments_start_date: 2026-01-05',
    extra.trimEnd(),
    'variations:',
    ...variations.flatMap(([key, weight], i) => [`  - variant_key: ${key}`, ...(i === 0 ? ['    is_control: true'] : []), `    weight: ${weight}`]),
    '',
  ]
    .filter((line, i, all) => line !== '' || i === all.length - 1)
    .join('\n');
