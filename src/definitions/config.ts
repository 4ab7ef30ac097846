import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { capProblems } from './cap-problems.js';
import { checkSchema } from './schema.js';
import { checkSettingsTrust } from './settings-trust.js';
import type { Config, Problem } from './types.js';
import { parseYamlSource } from './yaml-source.js';

/** The settings file, at the repository root. */
export const CONFIG_FILE = 'eppo-gitops.yaml';

const SECRETS: Record<string, string> = {
  api_key: 'EPPO_API_KEY',
  eppo_api_key: 'EPPO_API_KEY',
  github_token: 'GITHUB_TOKEN',
  token: 'GITHUB_TOKEN',
  webhook_secret: 'EPPO_WEBHOOK_SECRET',
  eppo_webhook_secret: 'EPPO_WEBHOOK_SECRET',
};

/**
 * Parses and validates the text of `eppo-gitops.yaml`: the schema, then the
 * trust rules (the file comes with the pull request: `dir` and flag globs stay
 * inside its folder, and a URL that receives a secret names that service's own
 * host or loopback). Pure. An empty file is an empty config; any error leaves
 * the config empty.
 */
export function parseConfig(text: Uint8Array | string, file: string = CONFIG_FILE): { config: Config; problems: Problem[] } {
  const parsed = parseYamlSource(file, text);
  if (!parsed.ok) return { config: {}, problems: parsed.problems };
  if (parsed.source.data === undefined) return { config: {}, problems: parsed.problems };
  const problems = capProblems([
    ...parsed.problems,
    ...checkSchema('config', file, parsed.source, {
      topLabel: `${file}`,
      unknownKeyHint: (key) => {
        const variable = SECRETS[key.toLowerCase()] ?? (/(key|token|secret|password)/i.test(key) ? 'the environment' : undefined);
        if (variable === undefined) return undefined;
        return `secrets never belong in ${file} (it is committed); set ${variable === 'the environment' ? 'them in the environment' : variable} instead`;
      },
    }),
  ]);
  if (problems.some((p) => p.severity === 'error')) return { config: {}, problems };
  const untrusted = checkSettingsTrust(file, parsed.source);
  if (untrusted.length > 0) return { config: {}, problems: [...problems, ...untrusted] };
  return { config: { ...(parsed.source.data as Config) }, problems };
}

/** Reads `eppo-gitops.yaml` from `cwd`; absent means an empty config. */
export async function loadConfig(cwd: string): Promise<{ config: Config; problems: Problem[] }> {
  let bytes: Uint8Array;
  try {
    bytes = await readFile(join(cwd, CONFIG_FILE));
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return { config: {}, problems: [] };
    return {
      config: {},
      problems: [{ file: CONFIG_FILE, line: 1, col: 1, severity: 'error', rule: 'io', message: `cannot read the settings file (${code ?? String(error)})` }],
    };
  }
  return parseConfig(bytes);
}
