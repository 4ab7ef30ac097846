import { Octokit } from '@octokit/rest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GITHUB_BODY_LIMIT, upsertStickyComment } from '../../src/ci-report/index.js';
import { MARKDOWN_LIMIT, PLAN_COMMENT_MARKER, renderPlanMarkdown, type Plan } from '../../src/reconcile/index.js';
import { startFakeGitHub, type FakeGitHub } from '../helpers/fake-github.js';

let github: FakeGitHub;

beforeAll(async () => {
  github = await startFakeGitHub();
  github.addPull({ number: 3, title: 'Change 400 experiments' });
});

afterAll(async () => {
  await github.close();
});

function planWithUpdates(count: number): Plan {
  const changes: Plan['changes'] = Array.from({ length: count }, (_, i) => ({
    action: 'update',
    experiment_key: `experiment-${String(i).padStart(3, '0')}`,
    file: `experiments/experiment-${i}.yaml`,
    eppo_id: 1000 + i,
    fields: [{ path: 'hypothesis', before: `old hypothesis ${'a'.repeat(300)}`, after: `new hypothesis ${'b'.repeat(300)}` }],
    request: { method: 'PUT', path: `/experiments/${1000 + i}`, body: { hypothesis: `new hypothesis ${'b'.repeat(300)}` } },
    live_fingerprint: 'sha256:0',
  }));
  return {
    format_version: 1,
    eppo_base_url: 'http://127.0.0.1/api/v1',
    created_at: '2026-01-01T00:00:00.000Z',
    summary: { create: 0, update: count, unchanged: 0, skip: 0, conflict: 0, unmanaged: 0 },
    changes,
    unmanaged: [],
  };
}

describe('a plan comment rendered by renderPlanMarkdown', () => {
  it('uses the same marker and limit', () => {
    expect(renderPlanMarkdown(planWithUpdates(1)).split('\n')[0]).toBe(PLAN_COMMENT_MARKER);
    expect(GITHUB_BODY_LIMIT).toBe(MARKDOWN_LIMIT);
  });

  it('is posted cut at an experiment boundary when over the limit, then replaced by the next plan', async () => {
    const octokit = new Octokit({ auth: github.token, baseUrl: github.url });
    const long = renderPlanMarkdown(planWithUpdates(400));
    const first = await upsertStickyComment(octokit, { owner: 'acme', repo: 'experiments', issueNumber: 3, marker: PLAN_COMMENT_MARKER, body: long });
    expect(first.action).toBe('created');
    const posted = github.comments()[0]?.body ?? '';
    expect(posted).toBe(long);
    expect(posted.length).toBeLessThanOrEqual(GITHUB_BODY_LIMIT);
    const shown = posted.match(/<details>/g)?.length ?? 0;
    expect(shown).toBeGreaterThan(0);
    expect(shown).toBeLessThan(400);
    expect(posted).toContain(`**${400 - shown} more changes not shown**`);
    expect(posted.trimEnd().endsWith('.')).toBe(true);
    expect(posted.split('<details>').length).toBe(posted.split('</details>').length);

    const short = renderPlanMarkdown(planWithUpdates(2));
    expect(await upsertStickyComment(octokit, { owner: 'acme', repo: 'experiments', issueNumber: 3, marker: PLAN_COMMENT_MARKER, body: short })).toMatchObject({
      action: 'updated',
      id: first.id,
    });
    expect(github.comments().map((c) => c.body)).toEqual([short]);
  });
});
