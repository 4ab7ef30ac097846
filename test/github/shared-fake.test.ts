import { Octokit } from '@octokit/rest';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DRIFT_LABEL, PLAN_COMMENT_MARKER, upsertDriftIssue, upsertStickyComment } from '../../src/github/index.js';
import { startFakeGitHub, type FakeGitHub } from '../helpers/fake-github.js';

/** The main flows again, against the fake GitHub the outcome pull requests are tested with. */

let github: FakeGitHub;
let octokit: Octokit;

beforeEach(async () => {
  github = await startFakeGitHub();
  octokit = new Octokit({ auth: github.token, baseUrl: github.url, log: { debug: () => {}, info: () => {}, warn: () => {}, error: () => {} } });
});

afterEach(async () => {
  await github.close();
});

async function openPullRequest(): Promise<number> {
  github.commitFiles({ 'experiments/a.yaml': 'experiment_key: a\n' }, { branch: 'change-a' });
  const { data } = await octokit.rest.pulls.create({ owner: github.owner, repo: github.repo, head: 'change-a', base: 'main', title: 'Change a' });
  github.clearRequests();
  return data.number;
}

describe('against test/helpers/fake-github.ts', () => {
  it('the first plan posts the comment, the second edits it: one comment in the end', async () => {
    const pr = await openPullRequest();
    const post = (body: string) => upsertStickyComment(octokit, { owner: github.owner, repo: github.repo, issueNumber: pr, marker: PLAN_COMMENT_MARKER, body });
    const first = await post(`${PLAN_COMMENT_MARKER}\nPlan: 1 to create`);
    const second = await post(`${PLAN_COMMENT_MARKER}\nPlan: 1 to create, 1 to update`);
    const third = await post(`${PLAN_COMMENT_MARKER}\nPlan: 1 to create, 1 to update`);
    expect([first.action, second.action, third.action]).toEqual(['created', 'updated', 'unchanged']);
    expect(second.id).toBe(first.id);
    expect(github.comments().map((c) => [c.issue_number, c.body])).toEqual([[pr, `${PLAN_COMMENT_MARKER}\nPlan: 1 to create, 1 to update`]]);
    expect(github.writes().map((r) => r.method)).toEqual(['POST', 'PATCH']);
  });

  it('the drift issue is opened once, updated, then closed with a comment', async () => {
    const run = (drift: boolean, body: string) =>
      upsertDriftIssue(octokit, { owner: github.owner, repo: github.repo, drift, title: 'Eppo drift', body, label: DRIFT_LABEL });
    expect(await run(true, 'plan 1')).toMatchObject({ action: 'created' });
    expect(await run(true, 'plan 1')).toMatchObject({ action: 'unchanged' });
    expect(await run(true, 'plan 2')).toMatchObject({ action: 'updated' });
    expect(github.issues()).toMatchObject([{ title: 'Eppo drift', body: 'plan 2', state: 'open', labels: [DRIFT_LABEL] }]);
    expect(await run(false, 'Eppo matches git again.')).toMatchObject({ action: 'closed' });
    expect(github.issues()).toMatchObject([{ state: 'closed' }]);
    expect(github.comments().map((c) => c.body)).toEqual(['Eppo matches git again.']);
    expect(await run(false, 'still fine')).toEqual({ action: 'none' });
  });
});
