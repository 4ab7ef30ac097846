import { ConfigError } from '../errors.js';
import { CONFIG_FILE } from './config.js';
import type { Problem } from './types.js';

/**
 * The ConfigError for a settings file with errors, for the commands that
 * cannot report problems as data (outcome, outcomes sync, serve, new): it
 * names the first error at its file:line:col and says what to do. Undefined
 * when the settings have no error.
 */
export function settingsError(problems: readonly Problem[]): ConfigError | undefined {
  const errors = problems.filter((p) => p.severity === 'error');
  const first = errors[0];
  if (first === undefined) return undefined;
  const more = errors.length > 1 ? ` (and ${errors.length - 1} more)` : '';
  return new ConfigError(
    `${CONFIG_FILE} has errors: ${first.file}:${first.line}:${first.col}: ${first.message}${more}; fix ${errors.length > 1 ? 'them' : 'it'} ("eppo-gitops validate" lists every problem), then run again`,
  );
}
