import { ConfigError } from '../errors.js';
import { createGitHubHostFromEnv, type GitHubEnvOptions } from './github.js';
import { createLocalHost } from './local.js';
import type { GitHost } from './types.js';

export type * from './types.js';
export { createGitHubHost, createGitHubHostFromEnv, gitBlobSha, type GitHubHostOptions, type GitHubEnvOptions } from './github.js';
export { createOctokit, fetchWithDeadline, GitHubTimeoutError } from './github-client.js';
export { createLocalHost, type LocalHostOptions } from './local.js';
export { createKeyedLock, type KeyedLock } from './keyed-lock.js';
export { wrapGitHubError } from './wrap-github-error.js';
export { normaliseRepoPath } from './repo-path.js';
export { isSymbolicLink } from './tree-file.js';

export type GitHostKind = 'github' | 'local';

export interface SelectGitHostOptions {
  /** the --git-host flag; default: github when GITHUB_TOKEN and GITHUB_REPOSITORY are set, else local */
  kind?: string;
  cwd: string;
  env: Record<string, string | undefined>;
  github?: GitHubEnvOptions;
  /** cancels the host's requests and git commands in flight once aborted */
  signal?: AbortSignal | undefined;
}

/** Picks and builds the git host for the CLI and the server. */
export function selectGitHost(options: SelectGitHostOptions): GitHost {
  const kind = options.kind ?? (options.env.GITHUB_TOKEN?.trim() && options.env.GITHUB_REPOSITORY?.trim() ? 'github' : 'local');
  const signal = options.signal;
  if (kind === 'github') return createGitHubHostFromEnv(options.env, { ...options.github, ...(signal ? { signal } : {}) });
  if (kind === 'local') return createLocalHost({ cwd: options.cwd, env: options.env, ...(signal ? { signal } : {}) });
  throw new ConfigError(`unknown git host "${kind}": use --git-host github or --git-host local`);
}
