import { Octokit } from '@octokit/rest';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DRIFT_LABEL, GITHUB_BODY_LIMIT, upsertDriftIssue, type DriftIssueInput } from '../../src/ci-report/index.js';
import { InternalError } from '../../src/errors.js';
import { startFakeGitHub, type FakeGitHub } from '../helpers/fake-github.js';

let github: FakeGitHub;
// The plain client, so a failure is not retried; the product's client is covered in product-client.test.ts.
const client = () => new Octokit({ auth: github.token, baseUrl: github.url, log: quiet });
const quiet = { debug: () => {}, info: () => {}, warn: () => {}, error: () => {} };
const drift = (input: Partial<DriftIssueInput> & { drift: boolean }) =>
  upsertDriftIssue(client(), { owner: 'acme', repo: 'experiments', title: 'Eppo drift: 1 experiment differs from git', body: 'plan 1', label: DRIFT_LABEL, ...input });
const openDrift = () => github.issues().filter((i) => i.state === 'open' && i.labels.includes(DRIFT_LABEL));

beforeEach(async () => {
  github = await startFakeGitHub();
});

afterEach(async () => {
  await github.close();
});

describe('upsertDriftIssue', () => {
  it('opens one issue, updates it, leaves it when unchanged, then comments and closes it', async () => {
    expect(await drift({ drift: false })).toEqual({ action: 'none' });
    expect(github.writes()).toEqual([]);

    const opened = await drift({ drift: true });
    expect(opened).toEqual({ action: 'created', number: 1, url: 'https://github.test/acme/experiments/issues/1' });
    expect(openDrift()).toMatchObject([{ number: 1, title: 'Eppo drift: 1 experiment differs from git', body: 'plan 1', labels: ['eppo-drift'] }]);

    expect(await drift({ drift: true })).toEqual({ action: 'unchanged', number: 1, url: opened.action === 'created' ? opened.url : '' });

    const updated = await drift({ drift: true, title: 'Eppo drift: 2 experiments differ from git', body: 'plan 2' });
    expect(updated).toMatchObject({ action: 'updated', number: 1 });
    expect(openDrift()).toMatchObject([{ number: 1, title: 'Eppo drift: 2 experiments differ from git', body: 'plan 2' }]);

    const closed = await drift({ drift: false, body: 'Eppo matches git again.' });
    expect(closed).toEqual({ action: 'closed', closed: [{ number: 1, url: 'https://github.test/acme/experiments/issues/1' }] });
    expect(github.issues()).toMatchObject([{ number: 1, state: 'closed', state_reason: 'completed' }]);
    expect(github.comments()).toMatchObject([{ issue_number: 1, body: 'Eppo matches git again.' }]);

    expect(github.writes().map((r) => [r.method, r.path, r.body])).toEqual([
      ['POST', '/repos/acme/experiments/issues', { title: 'Eppo drift: 1 experiment differs from git', body: 'plan 1', labels: ['eppo-drift'] }],
      ['PATCH', '/repos/acme/experiments/issues/1', { title: 'Eppo drift: 2 experiments differ from git', body: 'plan 2' }],
      ['POST', '/repos/acme/experiments/issues/1/comments', { body: 'Eppo matches git again.' }],
      ['PATCH', '/repos/acme/experiments/issues/1', { state: 'closed', state_reason: 'completed' }],
    ]);

    const again = await drift({ drift: true, body: 'plan 3' });
    expect(again).toMatchObject({ action: 'created', number: 2 });
    expect(openDrift().map((i) => i.number)).toEqual([2]);
  });

  it('ignores closed issues, issues without the label and pull requests with it', async () => {
    github.addIssue({ title: 'old drift', labels: [DRIFT_LABEL], state: 'closed' });
    github.addIssue({ title: 'a bug', labels: ['bug'] });
    github.addPull({ title: 'a PR', labels: [DRIFT_LABEL] });
    const result = await drift({ drift: true });
    expect(result).toMatchObject({ action: 'created', number: 4 });
    expect(await drift({ drift: false, body: 'gone' })).toMatchObject({ action: 'closed', closed: [{ number: 4 }] });
    expect(github.issues().map((i) => [i.number, i.title, i.state])).toEqual([
      [1, 'old drift', 'closed'],
      [2, 'a bug', 'open'],
      [4, 'Eppo drift: 1 experiment differs from git', 'closed'],
    ]);
    expect(github.pulls().map((p) => [p.number, p.title, p.state, p.labels])).toEqual([[3, 'a PR', 'open', [DRIFT_LABEL]]]);
  });

  it('updates the oldest of several open drift issues and closes all of them when drift is gone', async () => {
    // Opened by hand by a maintainer (the repository's owner), and by the bot.
    const oldest = github.addIssue({ title: 'drift (by hand)', labels: [DRIFT_LABEL, 'triage'], user: 'acme' });
    const newer = github.addIssue({ title: 'drift again', labels: [DRIFT_LABEL], user: github.botLogin });
    expect(await drift({ drift: true })).toMatchObject({ action: 'updated', number: oldest.number });
    expect(github.issues().find((i) => i.number === newer.number)?.title).toBe('drift again');
    const closed = await drift({ drift: false, body: 'fixed' });
    expect(closed).toMatchObject({ action: 'closed', closed: [{ number: oldest.number }, { number: newer.number }] });
    expect(openDrift()).toEqual([]);
  });

  it('finds the open issue among more than 100 labelled ones', async () => {
    for (let i = 0; i < 130; i++) github.addIssue({ title: `drift ${i}`, labels: [DRIFT_LABEL], state: i === 0 ? 'open' : 'closed', user: github.botLogin });
    for (let i = 0; i < 105; i++) github.addPull({ title: `other ${i}`, labels: [DRIFT_LABEL] });
    expect(await drift({ drift: true, title: 'drift 0' })).toMatchObject({ action: 'updated', number: 1 });
    const lists = github.requests.filter((r) => r.method === 'GET');
    expect(lists.map((r) => [r.query.state, r.query.labels, r.query.direction, r.query.page])).toEqual([
      ['open', 'eppo-drift', 'asc', undefined],
      ['open', 'eppo-drift', 'asc', '2'],
    ]);
  });

  it('trusts only issues by a maintainer or by the bot the token posts as: anyone else\'s labelled issue is never adopted nor closed', async () => {
    // An issue template can put the label on anyone's issue.
    const planted = github.addIssue({ title: 'Eppo drift: 1 experiment differs from git', body: 'plan 1', labels: [DRIFT_LABEL], user: 'mallory' });
    const otherBot = github.addIssue({ title: 'drift', labels: [DRIFT_LABEL], user: 'some-app[bot]' });
    const opened = await drift({ drift: true });
    expect(opened).toMatchObject({ action: 'created', number: 3 });
    expect(github.issues().find((i) => i.number === planted.number)).toMatchObject({ body: 'plan 1', state: 'open' });
    // With another bot login configured (a GitHub App), that app's issue is the one kept in step.
    expect(await drift({ drift: true, body: 'plan 2', botLogin: 'some-app[bot]' })).toMatchObject({ action: 'updated', number: otherBot.number });
    const closed = await drift({ drift: false, body: 'fixed' });
    expect(closed).toMatchObject({ action: 'closed', closed: [{ number: 3 }] });
    expect(github.issues().filter((i) => i.state === 'open').map((i) => i.number)).toEqual([planted.number, otherBot.number]);
    expect(github.comments().map((c) => c.issue_number)).toEqual([3]);
  });

  it('refuses a body over GitHub\'s limit before calling it, as a caller\'s mistake: the renderer cuts plans to fit', async () => {
    const attempt = drift({ drift: true, body: 'x'.repeat(GITHUB_BODY_LIMIT + 1) });
    await expect(attempt).rejects.toBeInstanceOf(InternalError);
    await expect(attempt).rejects.toThrow(`over GitHub's ${GITHUB_BODY_LIMIT}-character limit`);
    expect(github.requests).toEqual([]);
  });

  it('explains a missing issues permission', async () => {
    github.failWritesWith = 403;
    await expect(drift({ drift: true })).rejects.toThrow(
      /^GitHub: opening the "eppo-drift" issue in acme\/experiments failed \(HTTP 403\).*give the job "permissions: issues: write"/,
    );
  });
});
