import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import type { EppoExperiment } from '../../src/eppo/types.js';
import { buildOutcome, buildOutcomePullRequest, parseOutcomeMarker, renderOutcomeMarker } from '../../src/outcomes/index.js';
import { escapeMarkdown } from '../../src/util/index.js';
import { parseWebhookEvent, unwrapDispatchEvent } from '../../src/outcomes/event.js';

const EXP: EppoExperiment = {
  id: 4521,
  name: 'Checkout button color',
  experiment_key: 'checkout-button-color',
  entity_id: 1,
  assignment_source_id: 1,
  assignments_start_date: '2026-01-05T00:00:00.000Z',
  assignments_end_date: null,
  hypothesis: null,
  traffic_allocation: 1,
  variations: [],
  metrics: [],
  status: 'Concluded',
  winning_variant_key: 'green',
  outcome: 'POSITIVE',
  created_date: '2026-01-01T00:00:00.000Z',
  concluded_date: '2026-02-10T12:00:00.000Z',
  results_url: 'https://eppo.cloud/experiments/4521',
  is_traffic_imbalanced: false,
};

describe('outcome pull request', () => {
  it('renders branch, title, body, commit message and label as CLI.md says', () => {
    const pr = buildOutcomePullRequest(EXP, 'experiments/checkout-button-color.yaml');
    expect(pr.branch).toBe('eppo-gitops/outcome/checkout-button-color');
    expect(pr.labels).toEqual(['experiment-outcome']);
    expect(pr.title).toBe('Record outcome: Checkout button color — green (POSITIVE)');
    expect(pr.body).toMatchInlineSnapshot(`
      "Eppo reports that experiment \`checkout-button-color\` is concluded. This pull request records the decision in \`experiments/checkout-button-color.yaml\`.

      | | |
      |---|---|
      | Experiment | \`checkout-button-color\` — Checkout button color |
      | Eppo id | 4521 |
      | Status | Concluded |
      | Outcome | POSITIVE |
      | Winning variant | \`green\` |
      | Concluded | 2026-02-10T12:00:00.000Z |
      | Results | [Open the results in Eppo](https://eppo.cloud/experiments/4521) |

      Merge it to keep the outcome in git. Opened by eppo-gitops; a later decision in Eppo updates this pull request.

      <!-- eppo-gitops:outcome {"experiment_id":4521,"outcome":"POSITIVE","winning_variant_key":"green"} -->
      "
    `);
    expect(pr.commitMessage).toBe('Record outcome of checkout-button-color: green (POSITIVE)\n\nEppo experiment 4521 concluded on 2026-02-10T12:00:00.000Z.\n');
    expect(parseOutcomeMarker(pr.body)).toEqual(pr.marker);
  });

  it('keeps branch names valid refs whatever the key', async () => {
    const { buildOutcomeBranch } = await import('../../src/outcomes/index.js');
    expect(buildOutcomeBranch('checkout-button-color')).toBe('eppo-gitops/outcome/checkout-button-color');
    expect(buildOutcomeBranch('a b:c~d^e..f')).toBe('eppo-gitops/outcome/a-b-c-d-e.f');
    expect(buildOutcomeBranch('.hidden.lock')).toBe('eppo-gitops/outcome/hidden');
  });

  it('gives every valid key its own branch, and one git accepts, even keys with "..", a trailing "." or ".lock"', async () => {
    const { buildOutcomeBranch } = await import('../../src/outcomes/index.js');
    const keys = ['a..b', 'a.b', 'x.lock', 'x', 'x.', 'x.LOCK', 'v1..2', 'v1.2', 'a...', 'a.-b', 'a_b-c.d'];
    const branches = keys.map(buildOutcomeBranch);
    expect(new Set(branches).size).toBe(keys.length);
    expect(branches.slice(0, 2)).toEqual(['eppo-gitops/outcome/a==b', 'eppo-gitops/outcome/a.b']);
    expect(buildOutcomeBranch('x.lock')).toBe('eppo-gitops/outcome/x=lock');
    expect(buildOutcomeBranch('a_b-c.d')).toBe('eppo-gitops/outcome/a_b-c.d');
    for (const branch of branches) expect(() => execFileSync('git', ['check-ref-format', '--branch', branch], { stdio: 'ignore' }), branch).not.toThrow();
  });

  it('keeps the title and the commit subject on one line whatever Eppo sends', () => {
    for (const brk of ['\n', '\r\n', '\u2028', '\u0085', '\v']) {
      const pr = buildOutcomePullRequest({ ...EXP, outcome: `POSITIVE${brk}@team`, winning_variant_key: `green${brk}x` }, 'experiments/a.yaml');
      expect(pr.title).toBe('Record outcome: Checkout button color — green x (POSITIVE @\u200bteam)');
      expect(pr.commitMessage.split('\n')[0]).toBe('Record outcome of checkout-button-color: green x (POSITIVE @\u200bteam)');
    }
  });

  it('defuses references in the title and the commit message: Eppo text closes no issue, mentions nobody, links nowhere', () => {
    const pr = buildOutcomePullRequest(
      { ...EXP, name: 'Checkout, fixes #1', winning_variant_key: 'closes #2', outcome: 'resolves acme/other#3 https://evil.example www.evil.example', concluded_date: '2026-02-10 @team' },
      'experiments/a.yaml',
      { rollout: { action: 'leave', flagKey: 'checkout', reason: 'unknown-winner', detail: 'the winner closes #4 @team is not a variant' } },
    );
    for (const text of [pr.title, pr.commitMessage]) {
      // GitHub reads "#N" and "owner/repo#N" as references (after a closing keyword, a merged commit closes them).
      expect(text).not.toMatch(/#\d|@\w|:\/\/|www\./);
    }
    expect(pr.title).toBe('Record outcome: Checkout, fixes #\u200b1 — closes #\u200b2 (resolves acme/other#\u200b3 https:\u200b//evil.example www\u200b.evil.example)');
    expect(pr.commitMessage).toContain('Flag checkout left as it is: the winner closes #\u200b4 @\u200bteam is not a variant.');
  });

  it('builds the outcome block from Eppo, with recorded_at = concluded_date', () => {
    expect(buildOutcome(EXP)).toEqual({ status: 'Concluded', outcome: 'POSITIVE', winning_variant_key: 'green', eppo_experiment_id: 4521, recorded_at: '2026-02-10T12:00:00.000Z' });
    expect(buildOutcome({ ...EXP, outcome: null, winning_variant_key: null, concluded_date: null })).toEqual({ status: 'Concluded', eppo_experiment_id: 4521 });
  });

  it('escapes hostile text from Eppo: no HTML, no mentions, no links but the Eppo one', () => {
    const hostile = {
      ...EXP,
      name: '<img src=x onerror=alert(1)> @octocat [click](https://evil.example) www.evil.example | x\nnew line',
      outcome: 'POSITIVE -->',
      results_url: 'javascript:alert(1)',
    };
    const pr = buildOutcomePullRequest(hostile, 'experiments/a.yaml');
    expect(pr.body).not.toMatch(/<img/);
    expect(pr.body).not.toMatch(/@octocat/);
    expect(pr.body).not.toMatch(/\]\(https:\/\/evil/);
    expect(pr.body).not.toMatch(/https:\/\/evil/);
    expect(pr.body).not.toMatch(/www\.evil/);
    expect(pr.body).not.toMatch(/javascript:/);
    expect(pr.body).not.toMatch(/Results/);
    expect(pr.body.match(/-->/g)).toHaveLength(1);
    expect(parseOutcomeMarker(pr.body)).toEqual({ experiment_id: 4521, outcome: 'POSITIVE -->', winning_variant_key: 'green' });
    expect(pr.title).not.toContain('\n');
    expect(pr.title).not.toContain('@octocat');
    expect(escapeMarkdown('a|b @x <b>')).toBe('a\\|b @\u200Bx &lt;b&gt;');
  });

  it('shows a file name exactly, backticks and pipes included, in code spans it cannot close', () => {
    const pr = buildOutcomePullRequest({ ...EXP, winning_variant_key: 'gr|een' }, 'experiments/we`ird ``name``.yaml');
    expect(pr.body).toContain('records the decision in ```experiments/we`ird ``name``.yaml```.');
    // In the table a pipe is escaped (GitHub reads \| in a cell as |); in prose it is not.
    expect(pr.body).toContain('| Winning variant | `gr\\|een` |');
    expect(pr.body).not.toContain("we'ird");
  });

  it('says in the commit message why the flag was left alone: on the local git host there is no pull request to say it', () => {
    const pr = buildOutcomePullRequest(EXP, 'experiments/checkout-button-color.yaml', {
      rollout: { action: 'leave', reason: 'rollout-off', flagKey: 'checkout-button-color', detail: 'rollout is off in eppo-gitops.yaml (flags.rollout: off)' },
    });
    expect(pr.commitMessage).toBe(
      'Record outcome of checkout-button-color: green (POSITIVE)\n\nEppo experiment 4521 concluded on 2026-02-10T12:00:00.000Z.\nFlag checkout-button-color left as it is: rollout is off in eppo-gitops.yaml (flags.rollout: off).\n',
    );
  });

  it('reads back markers and ignores malformed ones', () => {
    expect(parseOutcomeMarker(renderOutcomeMarker({ experiment_id: 1, outcome: null, winning_variant_key: null }))).toEqual({ experiment_id: 1, outcome: null, winning_variant_key: null });
    expect(parseOutcomeMarker('no marker')).toBeUndefined();
    expect(parseOutcomeMarker('<!-- eppo-gitops:outcome {nope} -->')).toBeUndefined();
    expect(parseOutcomeMarker('<!-- eppo-gitops:outcome {"experiment_id":"1","outcome":null,"winning_variant_key":null} -->')).toBeUndefined();
    expect(parseOutcomeMarker(null)).toBeUndefined();
  });
});

describe('webhook events', () => {
  it.each([
    [{ event: 'experiment.status.updated', data: { experiment_id: 7, experiment_key: 'k' } }, { kind: 'outcome', event: 'experiment.status.updated', experimentId: 7, experimentKey: 'k' }],
    [{ event: 'experiment.metric.updated', data: { experiment_id: 7 } }, { kind: 'ignored', event: 'experiment.metric.updated', reason: 'not an experiment status change' }],
    [{ event: 'something.new', data: {} }, { kind: 'ignored', event: 'something.new', reason: 'not an experiment status change' }],
    [{ event: 'experiment.status.updated', data: { experiment_id: -1 } }, { kind: 'invalid', reason: '"data.experiment_id" is not a positive integer' }],
    [{ event: 'experiment.status.updated' }, { kind: 'invalid', reason: 'the body has no "data" object' }],
    [{ data: {} }, { kind: 'invalid', reason: 'the body has no "event" string' }],
    [[1], { kind: 'invalid', reason: 'the body is not a JSON object' }],
  ])('%j', (body, expected) => {
    expect(parseWebhookEvent(body)).toEqual(expected);
  });

  it('unwraps a repository_dispatch event file', () => {
    const eppo = { event: 'experiment.status.updated', data: { experiment_id: 1 } };
    expect(unwrapDispatchEvent({ action: 'eppo', client_payload: eppo, repository: {} })).toBe(eppo);
    expect(unwrapDispatchEvent(eppo)).toBe(eppo);
  });
});
