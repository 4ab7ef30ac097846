import { Octokit } from '@octokit/rest';
import { retry } from '@octokit/plugin-retry';
import { throttling } from '@octokit/plugin-throttling';
import { ConfigError } from '../errors.js';
import { checkSecretLength, DEFAULT_REQUEST_TIMEOUT_MS, isLoopbackHost, redactValues } from '../util/index.js';

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
  /**
   * the longest one request may take, answer body included (default 30 000,
   * GITHUB_TIMEOUT_SECONDS); a request that takes longer fails with a
   * GitHubTimeoutError and is not tried again within the call
   */
  timeoutMs?: number;
  /**
   * once aborted, requests in flight are cancelled and every call fails with
   * a GitHubCancelledError (a server that stops cancels its jobs with it)
   */
  signal?: AbortSignal;
}

/**
 * A request to GitHub that got no complete answer in time. Named `AbortError`
 * because that is what @octokit/request passes through as it is (a timed-out
 * fetch is an abort), so the retry plugin does not send it again: a call that
 * stalled for the whole timeout fails, and the job that made it is what runs
 * again, later.
 */
export class GitHubTimeoutError extends Error {
  override readonly name = 'AbortError';

  constructor(
    readonly timeoutMs: number,
    readonly url: string,
  ) {
    super(`no complete answer from GitHub within ${timeoutMs / 1000} s`);
  }
}

/**
 * A request to GitHub cancelled by the client's signal: the caller no longer
 * wants the answer. Named `AbortError` so that the retry plugin does not send
 * it again.
 */
export class GitHubCancelledError extends Error {
  override readonly name = 'AbortError';

  constructor(readonly url: string) {
    super('cancelled before GitHub answered');
  }
}

/** Statuses whose answer has no body (a Response refuses one). */
const NULL_BODY = new Set([101, 103, 204, 205, 304]);

/**
 * `fetch` with a deadline for the whole exchange: the answer's body is read
 * within the same deadline (a server that sends headers and then trickles the
 * body cannot hold the call either), then handed to octokit from memory.
 */
export function fetchWithDeadline(timeoutMs: number, base: typeof fetch = globalThis.fetch, cancel?: AbortSignal): typeof fetch {
  return async (input, init) => {
    const url = input instanceof Request ? input.url : String(input);
    if (cancel?.aborted) throw new GitHubCancelledError(url);
    const deadline = new AbortController();
    const timer = setTimeout(() => deadline.abort(), timeoutMs);
    timer.unref();
    const signal = AbortSignal.any([deadline.signal, ...(init?.signal ? [init.signal] : []), ...(cancel ? [cancel] : [])]);
    try {
      const response = await base(input, { ...init, signal });
      const body = NULL_BODY.has(response.status) ? null : await response.arrayBuffer();
      const copy = new Response(body, { status: response.status, statusText: response.statusText, headers: response.headers });
      Object.defineProperty(copy, 'url', { value: response.url });
      return copy;
    } catch (error) {
      if (cancel?.aborted) throw new GitHubCancelledError(url);
      if (deadline.signal.aborted && init?.signal?.aborted !== true) throw new GitHubTimeoutError(timeoutMs, url);
      throw error;
    } finally {
      clearTimeout(timer);
    }
  };
}

/**
 * Refuses a GitHub API URL the token must not be sent to: one that cannot be
 * parsed, holds credentials, or is plain http to a host other than loopback
 * (the token would travel unencrypted). A ConfigError that says what to set.
 */
export function checkGitHubApiUrl(baseUrl: string): void {
  let url: URL;
  try {
    url = new URL(baseUrl);
  } catch {
    throw new ConfigError(`the GitHub API URL "${baseUrl}" is not a valid URL; set GITHUB_API_URL to e.g. https://api.github.com`);
  }
  if (url.username !== '' || url.password !== '') throw new ConfigError('the GitHub API URL must not contain credentials; put the token in GITHUB_TOKEN');
  if (url.protocol === 'https:' || (url.protocol === 'http:' && isLoopbackHost(url.hostname))) return;
  throw new ConfigError(
    url.protocol === 'http:'
      ? `refusing plain http for the GitHub API URL ${url.origin}: the token would travel unencrypted. Use https (plain http is allowed only for loopback: localhost, 127.0.0.0/8, ::1)`
      : `the GitHub API URL must be https (got ${url.protocol}//); e.g. https://api.github.com`,
  );
}

const ThrottledOctokit: typeof Octokit = Octokit.plugin(retry, throttling);
export type GitHubClient = Octokit;

/**
 * An @octokit/rest client with the retry plugin (5xx) and the throttling
 * plugin (primary and secondary rate limits, honouring Retry-After), and a
 * deadline on every request (`timeoutMs`). Shared by everything that talks to
 * GitHub (outcome PRs, PR comments, the drift issue).
 */
export function createOctokit(options: CreateOctokitOptions): GitHubClient {
  checkSecretLength('GITHUB_TOKEN', options.token);
  if (options.baseUrl) checkGitHubApiUrl(options.baseUrl);
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
  const octokit = new ThrottledOctokit({
    auth: options.token,
    request: { fetch: fetchWithDeadline(options.timeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS, globalThis.fetch, options.signal) },
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
  // A server (or a proxy) may echo the token in an error body: it never leaves this client in a message.
  octokit.hook.error('request', (error) => {
    if (error instanceof Error) error.message = redactValues(error.message, [options.token]);
    throw error;
  });
  return octokit;
}
