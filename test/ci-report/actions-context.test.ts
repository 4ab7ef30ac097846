import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/errors.js';
import { readActionsContext, requirePullRequest, requireRepository, requireStepSummary } from '../../src/ci-report/index.js';

let dir: string;
const readUtf8 = (path: string) => readFile(path, 'utf8');

function eventFile(name: string, payload: unknown): string {
  const path = join(dir, name);
  writeFileSync(path, typeof payload === 'string' ? payload : JSON.stringify(payload));
  return path;
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'eppo-gitops-context-'));
});

afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

describe('readActionsContext', () => {
  it('reads a pull_request run: repository, PR number, summary path and run link', async () => {
    const env = {
      GITHUB_REPOSITORY: 'acme/experiments',
      GITHUB_EVENT_NAME: 'pull_request',
      GITHUB_EVENT_PATH: eventFile('pr.json', { action: 'synchronize', number: 42, pull_request: { number: 42, title: 'x' } }),
      GITHUB_STEP_SUMMARY: '/tmp/summary.md',
      GITHUB_SERVER_URL: 'https://github.example.com/',
      GITHUB_RUN_ID: '987',
      GITHUB_RUN_ATTEMPT: '1',
      GITHUB_API_URL: 'https://github.example.com/api/v3/',
    };
    const context = await readActionsContext(env, readUtf8);
    expect(context).toEqual({
      repository: { owner: 'acme', repo: 'experiments' },
      eventName: 'pull_request',
      pullRequestNumber: 42,
      stepSummaryPath: '/tmp/summary.md',
      runUrl: 'https://github.example.com/acme/experiments/actions/runs/987',
      apiUrl: 'https://github.example.com/api/v3',
    });
    expect(requirePullRequest(context, '--github-comment')).toEqual({ owner: 'acme', repo: 'experiments', issueNumber: 42 });
    expect(requireStepSummary(context, '--github-summary')).toBe('/tmp/summary.md');
  });

  it('reads the PR number of pull_request_target and of a comment on a pull request', async () => {
    const target = await readActionsContext(
      { GITHUB_EVENT_NAME: 'pull_request_target', GITHUB_EVENT_PATH: eventFile('target.json', { pull_request: { number: 7 } }) },
      readUtf8,
    );
    expect(target.pullRequestNumber).toBe(7);
    const comment = await readActionsContext(
      { GITHUB_EVENT_NAME: 'issue_comment', GITHUB_EVENT_PATH: eventFile('comment.json', { issue: { number: 9, pull_request: { url: 'u' } } }) },
      readUtf8,
    );
    expect(comment.pullRequestNumber).toBe(9);
    const issueComment = await readActionsContext(
      { GITHUB_EVENT_NAME: 'issue_comment', GITHUB_EVENT_PATH: eventFile('issue-comment.json', { issue: { number: 9 } }) },
      readUtf8,
    );
    expect(issueComment.pullRequestNumber).toBeUndefined();
  });

  it('links a re-run attempt and defaults the server and API URLs', async () => {
    const context = await readActionsContext({ GITHUB_REPOSITORY: 'acme/x', GITHUB_RUN_ID: '5', GITHUB_RUN_ATTEMPT: '3' }, readUtf8);
    expect(context.runUrl).toBe('https://github.com/acme/x/actions/runs/5/attempts/3');
    expect(context.apiUrl).toBe('https://api.github.com');
  });

  it('leaves what is absent undefined without reading any file', async () => {
    const reads: string[] = [];
    const context = await readActionsContext({ GITHUB_STEP_SUMMARY: ' ' }, (path) => {
      reads.push(path);
      return '';
    });
    expect(reads).toEqual([]);
    expect(context).toEqual({
      repository: undefined,
      eventName: undefined,
      pullRequestNumber: undefined,
      stepSummaryPath: undefined,
      runUrl: undefined,
      apiUrl: 'https://api.github.com',
    });
  });

  it('has no pull request on a push event', async () => {
    const env = { GITHUB_REPOSITORY: 'acme/x', GITHUB_EVENT_NAME: 'push', GITHUB_EVENT_PATH: eventFile('push.json', { ref: 'refs/heads/main', pull_request: { number: 3 } }) };
    const context = await readActionsContext(env, readUtf8);
    expect(context.pullRequestNumber).toBeUndefined();
    expect(() => requirePullRequest(context, '--github-comment')).toThrowError(
      new ConfigError(
        '--github-comment needs a pull request, but a "push" event has none (GITHUB_EVENT_PATH must point at a pull_request or pull_request_target event); run it from a workflow triggered by pull_request, or drop --github-comment',
      ),
    );
  });

  it.each([
    [{ GITHUB_REPOSITORY: 'no-slash' }, 'GITHUB_REPOSITORY is "no-slash", expected owner/repo (e.g. acme/experiments)'],
    [{ GITHUB_REPOSITORY: 'a/b/c' }, 'GITHUB_REPOSITORY is "a/b/c", expected owner/repo (e.g. acme/experiments)'],
  ])('rejects a malformed GITHUB_REPOSITORY %j', async (env, message) => {
    await expect(readActionsContext(env, readUtf8)).rejects.toThrowError(new ConfigError(message));
  });

  it('says which event file it cannot read or parse', async () => {
    const missing = join(dir, 'missing.json');
    const unreadable = readActionsContext({ GITHUB_EVENT_PATH: missing }, readUtf8);
    await expect(unreadable).rejects.toBeInstanceOf(ConfigError);
    await expect(unreadable).rejects.toThrow(`cannot read the event file GITHUB_EVENT_PATH=${missing}: ENOENT`);
    const broken = eventFile('broken.json', '{"pull_request": ');
    await expect(readActionsContext({ GITHUB_EVENT_PATH: broken }, readUtf8)).rejects.toThrow(
      `the event file GITHUB_EVENT_PATH=${broken} is not valid JSON; it should be the webhook payload GitHub Actions writes`,
    );
  });

  it('explains a missing repository and a missing summary file', async () => {
    const context = await readActionsContext({}, readUtf8);
    expect(() => requireRepository(context, '--github-drift-issue')).toThrowError(
      new ConfigError('--github-drift-issue needs GITHUB_REPOSITORY (owner/repo); it is set in GitHub Actions, elsewhere set it yourself'),
    );
    expect(() => requirePullRequest(context, '--github-comment')).toThrow('--github-comment needs GITHUB_REPOSITORY');
    expect(() => requireStepSummary(context, '--github-summary')).toThrowError(
      new ConfigError('--github-summary needs GITHUB_STEP_SUMMARY (the job summary file GitHub Actions provides); run it in GitHub Actions, or drop --github-summary'),
    );
  });
});
