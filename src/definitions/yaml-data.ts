import type { Problem } from './types.js';
import { parseYamlSource } from './yaml-source.js';
import type { ParsedYaml } from './yaml-source.js';

/** Messages of `parseYamlSource` that speak of definitions, and their wording for other YAML files. */
const GENERAL_WORDING: ReadonlyArray<[string, string]> = [
  ['the file holds several YAML documents (---); keep one experiment per file', 'the file holds several YAML documents (---); keep one document per file'],
  ['the file nests too deeply to read; a definition is only a few levels deep', 'the file nests too deeply to read'],
];

/**
 * Parses a YAML file that is not a definition (a flag file) into plain data
 * with positions, with the same bounds as definition files (size, alias
 * expansions, nesting) and messages that do not speak of experiments. Pure.
 * Problems have rule `yaml`; the caller may re-label them.
 */
export function parseYamlData(file: string, input: Uint8Array | string): ParsedYaml {
  const parsed = parseYamlSource(file, input);
  const reword = (p: Problem): Problem => {
    const general = GENERAL_WORDING.find(([specific]) => specific === p.message);
    return general === undefined ? p : { ...p, message: general[1] };
  };
  return parsed.ok ? { ...parsed, problems: parsed.problems.map(reword) } : { ok: false, problems: parsed.problems.map(reword) };
}
