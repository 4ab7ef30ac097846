import type { OutcomeContextOptions } from '../outcomes/index.js';
import type { Io } from './io.js';

/** The environment block of the help of every command that talks to Eppo. */
export const EPPO_ENV_HELP = `  EPPO_API_KEY           Eppo API key (required unless --local; never printed)
  EPPO_BASE_URL          default https://eppo.cloud/api/v1 (plain http only for loopback)
  EPPO_TIMEOUT_SECONDS   seconds one Eppo request may take (default 30); a timed-out
                         read is retried, a timed-out create is looked up, never resent`;

/** Flags shared by `outcome`, `outcomes sync` and `serve`. */
export const OUTCOME_FLAGS = {
  dir: { type: 'string' },
  'git-host': { type: 'string' },
  local: { type: 'boolean', default: false },
  'base-url': { type: 'string' },
} as const;

export interface OutcomeFlags {
  dir?: string | undefined;
  'git-host'?: string | undefined;
  local?: boolean | undefined;
  'base-url'?: string | undefined;
}

/** The parsed OUTCOME_FLAGS as the options of `openOutcomeContext`. */
export function outcomeContextOptions(flags: OutcomeFlags, io: Io): OutcomeContextOptions {
  return { cwd: io.cwd, env: io.env, dir: flags.dir, gitHost: flags['git-host'], local: flags.local, baseUrl: flags['base-url'] };
}
