import type { OutcomeContextOptions } from '../outcomes/index.js';
import type { Io } from './io.js';

/** The environment block of the help of every command that talks to Eppo. */
export const EPPO_ENV_HELP = `  EPPO_API_KEY           Eppo API key (required unless --local; never printed)
  EPPO_BASE_URL          beats eppo_base_url in eppo-gitops.yaml; default
                         https://eppo.cloud/api/v1 (plain http only for loopback)
  EPPO_TIMEOUT_SECONDS   seconds one Eppo request may take (default 30); a timed-out
                         read is retried, a timed-out create is looked up, never resent`;

/** What the outcome commit does to the flag file: the same paragraph in the help of `outcome`, `outcomes sync` and `serve`. */
export const ROLLOUT_HELP = `With flags in eppo-gitops.yaml (flags.files; rollout: winner, the default),
the same commit also rolls the winner out in its flagd flag file:
defaultVariant becomes the winner and the targeting goes, once flagd proves
every subject gets it. With rollout: off, no winner, or a flag that cannot be
edited safely, only the outcome is recorded and the pull request says why.
Its flags: settings and the flag files are read from the base branch.`;

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
