import { Octokit } from '@octokit/rest';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { GitHostError, InternalError } from '../../src/errors.js';
import { buildStickyBody, GITHUB_BODY_LIMIT, upsertStickyComment } from '../../src/ci-report/index.js';
import { PLAN_COMMENT_MARKER } from '../../src/reconcile/index.js';
import { startFakeGitHub, type FakeGitHub } from '../helpers/fake-github.js';

let github: FakeGitHub;
// The plain client, so a failure is not retried; the product's client is covered in product-client.test.ts.
const client = () => new Octokit({ auth: github.token, baseUrl: github.url, log: quiet });
const quiet = { debug: () => {}, info: () => {}, warn: () => {}, error: () => {} };
const upsert = (body: string, issueNumber = 12) =>
  upsertStickyComment(client(), { owner: 'acme', repo: 'experiments', issueNumber, marker: PLAN_COMMENT_MARKER, body });

beforeEach(async () => {
  github = await startFakeGitHub();
  // Comments need an existing pull request: #12 (the one commented on) and #13.
  github.addPull({ number: 12, title: 'Change experiments', head: 'change-a' });
  github.addPull({ number: 13, title: 'Another change', head: 'change-b' });
});

afterEach(async () => {
  await github.close();
});

describe('upsertStickyComment', () => {
  it('creates the comment, then edits that one, then leaves an unchanged body alone', async () => {
    const first = await upsert('Plan: 1 to create');
    expect(first).toEqual({ action: 'created', id: 1000, url: 'https://github.test/acme/experiments/pull/12#issuecomment-1000' });
    expect(github.comments().map(({ id, issue_number, body, user }) => ({ id, issue_number, body, user: user.login }))).toEqual([
      { id: 1000, issue_number: 12, body: `${PLAN_COMMENT_MARKER}\nPlan: 1 to create`, user: 'github-actions[bot]' },
    ]);

    const second = await upsert('Plan: 2 to create');
    expect(second).toEqual({ action: 'updated', id: 1000, url: first.url });
    expect(github.comments().map((c) => c.body)).toEqual([`${PLAN_COMMENT_MARKER}\nPlan: 2 to create`]);

    const third = await upsert('Plan: 2 to create');
    expect(third).toEqual({ action: 'unchanged', id: 1000, url: first.url });

    expect(github.writes().map((r) => [r.method, r.path, r.body])).toEqual([
      ['POST', '/repos/acme/experiments/issues/12/comments', { body: `${PLAN_COMMENT_MARKER}\nPlan: 1 to create` }],
      ['PATCH', '/repos/acme/experiments/issues/comments/1000', { body: `${PLAN_COMMENT_MARKER}\nPlan: 2 to create` }],
    ]);
  });

  it("leaves other people's comments alone, including ones that only mention the marker", async () => {
    const review = github.addComment(12, 'Looks good to me', 'alice');
    const quoting = github.addComment(12, `Why does the bot write ${PLAN_COMMENT_MARKER}?`, 'bob');
    const otherPr = github.addComment(13, `${PLAN_COMMENT_MARKER}\nplan of another PR`, 'github-actions[bot]');

    const result = await upsert('Plan: no changes');
    expect(result.action).toBe('created');
    expect(github.comments().find((c) => c.id === review.id)?.body).toBe('Looks good to me');
    expect(github.comments().find((c) => c.id === quoting.id)?.body).toBe(`Why does the bot write ${PLAN_COMMENT_MARKER}?`);
    expect(github.comments().find((c) => c.id === otherPr.id)?.body).toBe(`${PLAN_COMMENT_MARKER}\nplan of another PR`);
    expect(github.comments().filter((c) => c.issue_number === 12)).toHaveLength(3);
  });

  it('never adopts a marked comment by an outsider: it posts its own and keeps editing that one', async () => {
    const planted = github.addComment(12, `${PLAN_COMMENT_MARKER}\nPlan: no changes (trust me)`, 'mallory');
    for (const [round, body] of [[1, 'Plan: 1 to create'], [2, 'Plan: 2 to create']] as const) {
      const result = await upsert(body);
      expect(result.action).toBe(round === 1 ? 'created' : 'updated');
      expect(result.id).not.toBe(planted.id);
    }
    expect(github.comments().map((c) => [c.user.login, c.body])).toEqual([
      ['mallory', `${PLAN_COMMENT_MARKER}\nPlan: no changes (trust me)`],
      ['github-actions[bot]', `${PLAN_COMMENT_MARKER}\nPlan: 2 to create`],
    ]);
    expect(github.writes().map((r) => r.method)).toEqual(['POST', 'PATCH']);
  });

  it('trust item 9: never adopts a marked comment by another bot (any app installed on the repository comments as one)', async () => {
    const planted = github.addComment(12, `${PLAN_COMMENT_MARKER}\nPlan: no changes (trust me)`, 'helpful-app[bot]');
    expect(github.comments()[0]!.user.type).toBe('Bot');
    const result = await upsert('Plan: 1 to create');
    expect(result.action).toBe('created');
    expect(result.id).not.toBe(planted.id);
    expect(github.comments().map((c) => [c.user.login, c.body])).toEqual([
      ['helpful-app[bot]', `${PLAN_COMMENT_MARKER}\nPlan: no changes (trust me)`],
      ['github-actions[bot]', `${PLAN_COMMENT_MARKER}\nPlan: 1 to create`],
    ]);
  });

  it('trust item 9: with botLogin set (an app token), trusts exactly that bot and no longer github-actions[bot]', async () => {
    await github.close();
    github = await startFakeGitHub({ login: 'eppo-plans[bot]' });
    github.addPull({ number: 12, title: 'Change experiments' });
    const actions = github.addComment(12, `${PLAN_COMMENT_MARKER}\nfrom the Actions token`, 'github-actions[bot]');
    const ours = github.addComment(12, `${PLAN_COMMENT_MARKER}\nold plan`, 'Eppo-Plans[bot]');
    const input = { owner: 'acme', repo: 'experiments', issueNumber: 12, marker: PLAN_COMMENT_MARKER, body: 'new plan', botLogin: 'eppo-plans[bot]' };
    expect(await upsertStickyComment(client(), input)).toMatchObject({ action: 'updated', id: ours.id });
    expect(github.comments().find((c) => c.id === actions.id)?.body).toBe(`${PLAN_COMMENT_MARKER}\nfrom the Actions token`);

    const fresh = await startFakeGitHub({ login: 'eppo-plans[bot]' });
    try {
      fresh.addPull({ number: 12, title: 'Change experiments' });
      const onlyActions = fresh.addComment(12, `${PLAN_COMMENT_MARKER}\nfrom the Actions token`, 'github-actions[bot]');
      const octokit = new Octokit({ auth: fresh.token, baseUrl: fresh.url, log: quiet });
      const result = await upsertStickyComment(octokit, input);
      expect(result.action).toBe('created');
      expect(result.id).not.toBe(onlyActions.id);
    } finally {
      await fresh.close();
    }
  });

  it('edits a marked comment by someone with write access (a personal token posts as its owner)', async () => {
    await github.close();
    github = await startFakeGitHub({ collaborators: ['carol'] });
    github.addPull({ number: 12, title: 'Change experiments' });
    const carols = github.addComment(12, `${PLAN_COMMENT_MARKER}\nold plan`, 'carol');
    expect(await upsert('new plan')).toMatchObject({ action: 'updated', id: carols.id });
    expect(github.comments().map((c) => c.body)).toEqual([`${PLAN_COMMENT_MARKER}\nnew plan`]);
  });

  it('finds its comment past the first page of 100 and stops reading there', async () => {
    for (let i = 0; i < 150; i++) github.addComment(12, `comment ${i}`, 'alice');
    const ours = github.addComment(12, `${PLAN_COMMENT_MARKER}\nold plan`, 'github-actions[bot]');
    for (let i = 0; i < 120; i++) github.addComment(12, `later ${i}`, 'alice');

    const result = await upsert('new plan');
    expect(result).toMatchObject({ action: 'updated', id: ours.id });
    expect(github.comments().find((c) => c.id === ours.id)?.body).toBe(`${PLAN_COMMENT_MARKER}\nnew plan`);
    const reads = github.requests.filter((r) => r.method === 'GET');
    expect(reads.map((r) => [r.query.per_page, r.query.page])).toEqual([
      ['100', undefined],
      ['100', '2'],
    ]);
    expect(github.writes()).toHaveLength(1);
  });

  it('creates a comment after reading every page when none is marked', async () => {
    for (let i = 0; i < 230; i++) github.addComment(12, `comment ${i}`, 'alice');
    expect((await upsert('plan')).action).toBe('created');
    expect(github.requests.filter((r) => r.method === 'GET')).toHaveLength(3);
  });

  it('counts a body GitHub returns with CRLF or without the final newline as unchanged', async () => {
    github.addComment(12, `${PLAN_COMMENT_MARKER}\r\nline one\r\nline two`, 'github-actions[bot]');
    expect((await upsert('line one\nline two\n')).action).toBe('unchanged');
    expect(github.writes()).toEqual([]);
  });

  it('refuses a body over 65,536 characters before calling GitHub: a caller\'s mistake, since the renderer cuts', async () => {
    const attempt = upsert('x'.repeat(GITHUB_BODY_LIMIT));
    await expect(attempt).rejects.toBeInstanceOf(InternalError);
    await expect(attempt).rejects.toThrow(`over GitHub's ${GITHUB_BODY_LIMIT}-character limit; cut it before posting`);
    expect(github.requests).toEqual([]);
  });

  it('refuses a marker that is not a single hidden HTML comment', async () => {
    const attempt = upsertStickyComment(client(), { owner: 'acme', repo: 'experiments', issueNumber: 1, marker: 'eppo-gitops:plan', body: 'x' });
    await expect(attempt).rejects.toBeInstanceOf(InternalError);
    await expect(attempt).rejects.toThrow('the sticky comment marker must be one hidden HTML comment like "<!-- name -->", got "eppo-gitops:plan"');
  });

  it('turns a 403 into advice about the job permissions', async () => {
    github.failWritesWith = 403;
    const attempt = upsert('plan');
    await expect(attempt).rejects.toBeInstanceOf(GitHostError);
    await expect(attempt).rejects.toThrow(
      /^GitHub: creating the plan comment on acme\/experiments#12 failed \(HTTP 403\): Resource not accessible by integration.*; the token lacks access; give the job "permissions: pull-requests: write"/,
    );
  });

  it('turns a bad token into advice about GITHUB_TOKEN', async () => {
    const octokit = new Octokit({ auth: 'wrong', baseUrl: github.url, log: quiet });
    const attempt = upsertStickyComment(octokit, { owner: 'acme', repo: 'experiments', issueNumber: 12, marker: PLAN_COMMENT_MARKER, body: 'x' });
    await expect(attempt).rejects.toThrow(/listing the comments of acme\/experiments#12 failed \(HTTP 401\).*check that GITHUB_TOKEN is set and still valid$/);
  });
});

describe('buildStickyBody', () => {
  it.each([
    ['plan', `${PLAN_COMMENT_MARKER}\nplan`],
    [`${PLAN_COMMENT_MARKER}\nplan`, `${PLAN_COMMENT_MARKER}\nplan`],
    [`plan\n${PLAN_COMMENT_MARKER}`, `${PLAN_COMMENT_MARKER}\nplan\n${PLAN_COMMENT_MARKER}`],
  ])('%j', (body, expected) => {
    expect(buildStickyBody(PLAN_COMMENT_MARKER, body)).toBe(expected);
  });
});
