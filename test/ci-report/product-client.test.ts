import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createOctokit } from '../../src/git-host/github-client.js';
import { DRIFT_LABEL, upsertDriftIssue, upsertStickyComment } from '../../src/ci-report/index.js';
import { PLAN_COMMENT_MARKER } from '../../src/reconcile/index.js';
import { startFakeGitHub, type FakeGitHub } from '../helpers/fake-github.js';

/**
 * The functions take the client the CLI builds (retry + throttling plugins,
 * writes serialised); the behaviour itself is covered with the plain client.
 */

let github: FakeGitHub;

beforeAll(async () => {
  github = await startFakeGitHub();
  github.addPull({ number: 5, title: 'Change experiments' });
});

afterAll(async () => {
  await github.close();
});

describe('with the client from createOctokit', () => {
  it('upserts the sticky comment and reads the drift issues', async () => {
    const octokit = createOctokit({ token: github.token, baseUrl: github.url, retries: 0, retryBaseMs: 1 });
    github.addComment(5, `${PLAN_COMMENT_MARKER}\nsame plan`, 'github-actions[bot]');
    const comment = await upsertStickyComment(octokit, { owner: 'acme', repo: 'experiments', issueNumber: 5, marker: PLAN_COMMENT_MARKER, body: 'same plan' });
    expect(comment.action).toBe('unchanged');
    const issue = await upsertDriftIssue(octokit, { owner: 'acme', repo: 'experiments', drift: true, title: 'Eppo drift', body: 'plan', label: DRIFT_LABEL });
    expect(issue).toMatchObject({ action: 'created', number: 1 });
    expect(github.issues()).toMatchObject([{ title: 'Eppo drift', labels: [DRIFT_LABEL] }]);
    expect(github.requests.map((r) => `${r.method} ${r.path}`)).toEqual([
      'GET /repos/acme/experiments/issues/5/comments',
      'GET /repos/acme/experiments/issues',
      'POST /repos/acme/experiments/issues',
    ]);
  });
});
