import { Octokit } from '@octokit/rest';
import { retry } from '@octokit/plugin-retry';
import { throttling } from '@octokit/plugin-throttling';
import { checkSecretLength } from '../util/index.js';

export interface CreateOctokitOptions {
  token: string;
  /** REST API base, e.g. `https://api.github.com` or `https://ghe.example.com/api/v3` */
  baseUrl?: string;
  /** retries for 5xx and secondary rate limits (default 3) */
  retries?: number;
  /** unit of octokit's retry waits in ms (default 1000; tests use a few ms) */
  retryBaseMs?: number;
  /**
   * minimum spacing of write requests in ms. Default 0: writes still go one at
   * a time per client, but without the plugin's fixed 1 s (3 s for PRs and
   * comments) spacing, which is meant for bulk writers; an outcome PR is six writes.
   */
  writeSpacingMs?: number;
  /** receives warnings (rate limits); default silent */
  onWarning?: (message: string) => void;
}

const ThrottledOctokit: typeof Octokit = Octokit.plugin(retry, throttling);
export type GitHubClient = Octokit;

/**
 * An @octokit/rest client with the retry plugin (5xx) and the throttling
 * plugin (primary and secondary rate limits, honouring Retry-After).
 * Shared by everything that talks to GitHub (outcome PRs, PR comments).
 */
export function createOctokit(options: CreateOctokitOptions): GitHubClient {
  checkSecretLength('GITHUB_TOKEN', options.token);
  const retries = options.retries ?? 3;
  const base = options.retryBaseMs ?? 1000;
  const warn = options.onWarning ?? (() => {});
  const spacing = options.writeSpacingMs ?? 0;
  let lastWrite = 0;
  // Serialises writes like the plugin's default group, without its fixed 1 s spacing.
  let writeChain: Promise<unknown> = Promise.resolve();
  const writeGate = {
    key: () => ({
      schedule: <T>(_opts: unknown, fn: () => Promise<T>): Promise<T> => {
        const run = writeChain.then(async () => {
          const wait = lastWrite + spacing - Date.now();
          if (wait > 0) await new Promise((r) => setTimeout(r, wait));
          lastWrite = Date.now();
          return fn();
        });
        writeChain = run.catch(() => undefined);
        return run;
      },
    }),
  };
  return new ThrottledOctokit({
    auth: options.token,
    ...(options.baseUrl ? { baseUrl: options.baseUrl.replace(/\/+$/, '') } : {}),
    userAgent: 'eppo-gitops',
    log: { debug: () => {}, info: () => {}, warn: (m: string) => warn(m), error: (m: string) => warn(m) },
    retry: { retries, retryAfterBaseValue: base },
    throttle: {
      retryAfterBaseValue: base,
      fallbackSecondaryRateRetryAfter: 60,
      write: writeGate,
      notifications: writeGate,
      onRateLimit: (retryAfter: number, opts: { method: string; url: string }, _o: unknown, retryCount: number) => {
        warn(`GitHub rate limit reached on ${opts.method} ${opts.url}; retrying in ${retryAfter} s`);
        return retryCount < retries;
      },
      onSecondaryRateLimit: (retryAfter: number, opts: { method: string; url: string }, _o: unknown, retryCount: number) => {
        warn(`GitHub secondary rate limit on ${opts.method} ${opts.url}; retrying in ${retryAfter} s`);
        return retryCount < retries;
      },
    } as never,
  });
}
