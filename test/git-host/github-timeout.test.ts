import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ConfigError, GitHostError } from '../../src/errors.js';
import { createGitHubHostFromEnv, fetchWithDeadline, GitHubTimeoutError, type GitHost } from '../../src/git-host/index.js';
import { DEFAULT_REQUEST_TIMEOUT_MS as DEFAULT_GITHUB_TIMEOUT_MS } from '../../src/util/index.js';
import { startFakeGitHub, type FakeGitHub } from '../helpers/fake-github.js';

let github: FakeGitHub;
let host: GitHost;
beforeEach(async () => {
  github = await startFakeGitHub();
  github.commitFiles({ 'experiments/a.yaml': 'experiment_key: a\n' });
  host = createGitHubHostFromEnv(
    { GITHUB_TOKEN: github.token, GITHUB_REPOSITORY: `${github.owner}/${github.repo}`, GITHUB_API_URL: github.url, GITHUB_TIMEOUT_SECONDS: '0.2' },
    { retryBaseMs: 1 },
  );
});
afterEach(async () => {
  vi.useRealTimers();
  await github.close();
});

describe('trust item 10: every GitHub call has a timeout', () => {
  it('trust item 10: a stalled call fails after GITHUB_TIMEOUT_SECONDS, once, with a message that says what to do', async () => {
    github.stallNext(1);
    const started = performance.now();
    const error = await host.baseHead().catch((e: unknown) => e);
    const took = performance.now() - started;
    expect(error).toBeInstanceOf(GitHostError);
    expect((error as Error).message).toBe(
      'GitHub: reading the head of the base branch in acme/experiments failed: no complete answer within 0.2 s; check GITHUB_API_URL and the network, or allow more time with GITHUB_TIMEOUT_SECONDS',
    );
    expect((error as GitHostError).status).toBeUndefined();
    expect(took).toBeGreaterThanOrEqual(190);
    expect(took).toBeLessThan(5_000);
    // Not sent again within the call: the job is what runs again, later.
    expect(github.requests.map((r) => `${r.method} ${r.path}`)).toEqual(['GET /repos/acme/experiments']);
    expect(github.stalled()).toBe(0);
    // The host is usable at once.
    expect((await host.baseHead()).branch).toBe('main');
  });

  it('trust item 10: the deadline covers the answer body too (headers sent, then a stall)', async () => {
    github.stallNext(1, (method, path) => method === 'GET' && path.includes('/git/ref/'), { headers: true });
    const error = await host.baseHead().catch((e: unknown) => e);
    expect((error as Error).message).toMatch(/^GitHub: reading the head of the base branch in acme\/experiments failed: no complete answer within 0\.2 s/);
  });

  it('trust item 10: writes time out the same way, and the error names the step', async () => {
    github.stallNext(1, (method) => method === 'POST');
    const error = await host
      .writeBranch({ branch: 'eppo-gitops/outcome/a', base: github.branchHead('main')!, files: [{ path: 'experiments/a.yaml', text: 'experiment_key: a\noutcome: x\n' }], message: 'm' })
      .catch((e: unknown) => e);
    expect((error as Error).message).toMatch(/^GitHub: writing the branch eppo-gitops\/outcome\/a in acme\/experiments failed: no complete answer within 0\.2 s/);
  });

  it('trust item 10: the default is 30 s, measured on the whole exchange (fake timers)', async () => {
    vi.useFakeTimers();
    let signal: AbortSignal | undefined;
    const never: typeof fetch = (_input, init) =>
      new Promise((_resolve, reject) => {
        signal = init?.signal ?? undefined;
        signal?.addEventListener('abort', () => reject(new DOMException('This operation was aborted', 'AbortError')));
      });
    const pending = fetchWithDeadline(DEFAULT_GITHUB_TIMEOUT_MS, never)('http://127.0.0.1:1/repos/acme/experiments');
    const settled = pending.then(
      () => 'answered',
      (e: unknown) => e,
    );
    await vi.advanceTimersByTimeAsync(29_999);
    expect(signal?.aborted).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    const error = await settled;
    expect(error).toBeInstanceOf(GitHubTimeoutError);
    expect((error as GitHubTimeoutError).timeoutMs).toBe(30_000);
    expect(DEFAULT_GITHUB_TIMEOUT_MS).toBe(30_000);
  });

  it.each(['0', '-1', 'soon', '3601'])('trust item 10: refuses GITHUB_TIMEOUT_SECONDS=%s with a ConfigError naming it', (value) => {
    const env = { GITHUB_TOKEN: github.token, GITHUB_REPOSITORY: 'acme/experiments', GITHUB_API_URL: github.url, GITHUB_TIMEOUT_SECONDS: value };
    expect(() => createGitHubHostFromEnv(env)).toThrow(ConfigError);
    expect(() => createGitHubHostFromEnv(env)).toThrow(/^GITHUB_TIMEOUT_SECONDS must be a number of seconds greater than 0 and at most 3600/);
  });
});

describe('trust item 6: the token goes to a GitHub API URL only over https, or to loopback', () => {
  it.each([
    ['http://api.github.com', /^refusing plain http for the GitHub API URL http:\/\/api\.github\.com: the token would travel unencrypted/],
    ['http://ghe.example.com/api/v3', /^refusing plain http for the GitHub API URL http:\/\/ghe\.example\.com/],
    ['ftp://api.github.com', /^the GitHub API URL must be https \(got ftp:\/\/\)/],
    ['https://x:y@api.github.com', /^the GitHub API URL must not contain credentials; put the token in GITHUB_TOKEN$/],
    ['not a url', /^the GitHub API URL "not a url" is not a valid URL; set GITHUB_API_URL/],
  ])('refuses GITHUB_API_URL=%s before any request', (url, message) => {
    const env = { GITHUB_TOKEN: github.token, GITHUB_REPOSITORY: 'acme/experiments', GITHUB_API_URL: url };
    expect(() => createGitHubHostFromEnv(env)).toThrow(ConfigError);
    expect(() => createGitHubHostFromEnv(env)).toThrow(message);
  });

  it('accepts https and plain http to loopback', () => {
    for (const url of ['https://ghe.example.com/api/v3', github.url, 'http://localhost:9/api']) {
      expect(() => createGitHubHostFromEnv({ GITHUB_TOKEN: github.token, GITHUB_REPOSITORY: 'acme/experiments', GITHUB_API_URL: url })).not.toThrow();
    }
    expect(github.requests).toEqual([]);
  });
});
