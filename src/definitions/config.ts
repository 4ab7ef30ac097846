import { lstat, readFile, realpath } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { capProblems } from './cap-problems.js';
import { checkSchema } from './schema.js';
import { checkSettingsTrust } from './settings-trust.js';
import type { Config, Problem } from './types.js';
import { parseYamlSource } from './yaml-source.js';
import { isWithin } from '../util/index.js';

/** The settings file, at the repository root. */
export const CONFIG_FILE = 'eppo-gitops.yaml';

/** eppo-gitops.yaml, read: the settings (empty when the file has errors) and its problems. */
export interface ParsedSettings {
  config: Config;
  problems: Problem[];
  /**
   * The definitions folder the file names when the file has errors (so
   * `config` is empty) but its `dir` alone has none: only for reporting, as
   * a command that acts refuses a settings file with errors.
   */
  dir?: string;
}

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
export function parseConfig(text: Uint8Array | string, file: string = CONFIG_FILE): ParsedSettings {
  const settings = parseSettings(text, file);
  if (settings.ok) return { config: settings.config, problems: settings.problems };
  return { config: {}, problems: settings.problems, ...namedDir(settings.data, file) };
}

type SettingsRead = { ok: true; config: Config; problems: Problem[] } | { ok: false; problems: Problem[]; data?: unknown };

/** parseConfig's checks; a refused file keeps what it holds (`data`) for namedDir. */
function parseSettings(text: Uint8Array | string, file: string): SettingsRead {
  const parsed = parseYamlSource(file, text);
  if (!parsed.ok) return { ok: false, problems: parsed.problems };
  if (parsed.source.data === undefined) return { ok: true, config: {}, problems: parsed.problems };
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
  if (problems.some((p) => p.severity === 'error')) return { ok: false, problems, data: parsed.source.data };
  const untrusted = checkSettingsTrust(file, parsed.source);
  if (untrusted.length > 0) return { ok: false, problems: [...problems, ...untrusted], data: parsed.source.data };
  return { ok: true, config: { ...(parsed.source.data as Config) }, problems };
}

/**
 * The `dir` of a settings file with errors elsewhere, when that value alone
 * passes the same checks: validate then still checks the folder the file
 * names, instead of the default one, and lists the problems of both.
 */
function namedDir(data: unknown, file: string): { dir?: string } {
  if (typeof data !== 'object' || data === null || !('dir' in data) || typeof data.dir !== 'string') return {};
  const alone = parseSettings(JSON.stringify({ dir: data.dir }), file);
  return alone.ok && alone.problems.length === 0 && alone.config.dir !== undefined ? { dir: alone.config.dir } : {};
}

/**
 * Reads `eppo-gitops.yaml` from `cwd`; absent means an empty config. The file
 * comes with the pull request: a symbolic link whose target leaves `cwd` (a
 * file holding a token, /proc/self/environ) is an `io` problem and is never
 * read, so its text cannot reach a problem message, a log or a PR comment.
 */
export async function loadConfig(cwd: string): Promise<ParsedSettings> {
  const path = join(cwd, CONFIG_FILE);
  const problem = (message: string): ParsedSettings => ({
    config: {},
    problems: [{ file: CONFIG_FILE, line: 1, col: 1, severity: 'error', rule: 'io', message }],
  });
  let bytes: Uint8Array;
  try {
    if ((await lstat(path)).isSymbolicLink()) {
      const [target, root] = await Promise.all([realpath(path).catch(() => undefined), realpath(cwd).catch(() => resolve(cwd))]);
      if (target === undefined) return problem('the settings file is a symbolic link to nothing; put the settings file itself here instead of a link');
      if (!isWithin(target, root)) {
        return problem('the settings file is a symbolic link that leads outside its folder, so it is not read; put the settings file itself here instead of a link');
      }
    }
    bytes = await readFile(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return { config: {}, problems: [] };
    return problem(`cannot read the settings file (${code ?? String(error)})`);
  }
  return parseConfig(bytes);
}
