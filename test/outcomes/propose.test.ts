import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createLocalHost, gitBlobSha, type GitHost } from '../../src/git-host/index.js';
import { proposeOutcome, renderOutcomeMarker } from '../../src/outcomes/index.js';
import { createGitRepo, type GitRepo } from '../helpers/git-repo.js';
import type { FakeGitHub } from '../helpers/fake-github.js';

import { BRANCH, DEF, DEF_PATH, FLAG, FLAG_PATH, GREEN, NONE, proposal, startProposalGitHub } from './proposals.js';

describe('proposing an outcome on GitHub (fake GitHub API, real octokit)', () => {
  const REPO = '/repos/acme/experiments';
  let github: FakeGitHub;
  let host: GitHost;
  const writes = (): string[] => github.writes().map((r) => `${r.method} ${r.path}`);
  const changed = (branch: string): string[] => github.changedFiles(branch);

  beforeEach(async () => {
    ({ github, host } = await startProposalGitHub());
  });
  afterEach(async () => {
    await github.close();
  });

  it('two files in one commit and one pull request; a redelivery writes nothing', async () => {
    const main = github.branchHead('main')!;
    const p = proposal(GREEN);
    for (const round of [1, 2]) {
      github.clearRequests();
      const result = await proposeOutcome(host, p);
      const head = github.branchHead(BRANCH)!;
      const pr = { number: 1, url: 'https://github.test/acme/experiments/pull/1' };
      if (round === 1) {
        expect(result).toEqual({ action: 'created', branch: BRANCH, commit: head, pr });
        expect(writes()).toEqual([
          `POST ${REPO}/git/blobs`,
          `POST ${REPO}/git/blobs`,
          `POST ${REPO}/git/trees`,
          `POST ${REPO}/git/commits`,
          `POST ${REPO}/git/refs`,
          `POST ${REPO}/pulls`,
          `POST ${REPO}/issues/1/labels`,
        ]);
        const [, , tree, commit, , pull, labels] = github.writes().map((r) => r.body as Record<string, any>);
        expect(tree!.tree).toEqual(p.files.map((f) => ({ path: f.path, mode: '100644', type: 'blob', sha: gitBlobSha(f.text) })));
        expect(commit).toMatchObject({ message: p.commitMessage, parents: [main] });
        expect(pull).toEqual({ head: BRANCH, base: 'main', title: 'Record outcome: A — green (POSITIVE)', body: p.body });
        expect(labels).toEqual({ labels: ['experiment-outcome'] });
      } else {
        expect(result).toEqual({ action: 'unchanged', branch: BRANCH, commit: head, pr });
        expect(writes()).toEqual([]);
      }
      expect(changed(BRANCH)).toEqual([DEF_PATH, FLAG_PATH]);
      expect(github.files(BRANCH)[FLAG_PATH]).toBe('{"flags":{"a":{"defaultVariant":"green"}}}\n');
      expect(github.pulls().map((x) => [x.number, x.state, x.head, x.title])).toEqual([[1, 'open', BRANCH, 'Record outcome: A — green (POSITIVE)']]);
    }
  });

  it('a later decision with fewer files drops the earlier flag edit and updates the same pull request', async () => {
    await proposeOutcome(host, proposal(GREEN));
    const later = proposal(NONE);
    for (const round of [1, 2]) {
      github.clearRequests();
      const result = await proposeOutcome(host, later);
      expect(result.action).toBe(round === 1 ? 'updated' : 'unchanged');
      expect(writes()).toEqual(
        round === 1 ? [`POST ${REPO}/git/blobs`, `POST ${REPO}/git/trees`, `POST ${REPO}/git/commits`, `PATCH ${REPO}/git/refs/heads/${BRANCH}`, `PATCH ${REPO}/pulls/1`] : [],
      );
      if (round === 1) expect(github.writes()[4]!.body).toEqual({ title: 'Record outcome: A — no winner (NEUTRAL)', body: later.body });
      expect(changed(BRANCH)).toEqual([DEF_PATH]);
      expect(github.files(BRANCH)[FLAG_PATH]).toBe(FLAG);
      expect(github.commit(github.branchHead(BRANCH)!)!.parents).toEqual([github.branchHead('main')]);
      expect(github.pulls().map((x) => [x.number, x.state, x.body])).toEqual([[1, 'open', later.body]]);
    }
  });

  it('the same definition without the flag file: only the branch changes, the pull request stays', async () => {
    const both = proposal(GREEN);
    await proposeOutcome(host, both);
    const definitionOnly = { ...both, files: [both.files[0]!] };
    for (const round of [1, 2]) {
      github.clearRequests();
      expect((await proposeOutcome(host, definitionOnly)).action).toBe(round === 1 ? 'updated' : 'unchanged');
      expect(writes()).toEqual(round === 1 ? [`POST ${REPO}/git/blobs`, `POST ${REPO}/git/trees`, `POST ${REPO}/git/commits`, `PATCH ${REPO}/git/refs/heads/${BRANCH}`] : []);
      expect(changed(BRANCH)).toEqual([DEF_PATH]);
    }
  });

  it('deliveries in one process take turns per branch: the later ones see the first one\'s work, no race reaches GitHub', async () => {
    const results = await Promise.all(Array.from({ length: 10 }, () => proposeOutcome(host, proposal(GREEN))));
    expect(results.map((r) => r.action)).toEqual(['created', ...Array.from({ length: 9 }, () => 'unchanged')]);
    expect(github.requests.filter((r) => r.status === 422)).toEqual([]);
    expect(github.writes().filter((r) => r.method === 'POST' && r.path === `${REPO}/pulls`)).toHaveLength(1);
  });

  it('the same outcome closed unmerged, or merged, is not proposed again; another outcome is', async () => {
    await proposeOutcome(host, proposal(GREEN));
    github.closePull(1);
    for (const _round of [1, 2]) {
      github.clearRequests();
      expect(await proposeOutcome(host, proposal(GREEN))).toEqual({ action: 'closed-unmerged', branch: BRANCH, pr: { number: 1, url: 'https://github.test/acme/experiments/pull/1' } });
      expect(writes()).toEqual([]);
    }
    expect(await proposeOutcome(host, proposal(NONE))).toMatchObject({ action: 'created', pr: { number: 2 } });
    github.mergePull(2);
    for (const _round of [1, 2]) {
      github.clearRequests();
      expect(await proposeOutcome(host, proposal(NONE))).toEqual({ action: 'merged', branch: BRANCH, pr: { number: 2, url: 'https://github.test/acme/experiments/pull/2' } });
      expect(writes()).toEqual([]);
    }
    // GREEN was closed before, but NONE was merged since; a return to GREEN is still "closed unmerged", never reopened.
    expect((await proposeOutcome(host, proposal(GREEN))).action).toBe('closed-unmerged');
    expect(github.pulls().map((x) => [x.number, x.state, x.merged_at !== null])).toEqual([
      [1, 'closed', false],
      [2, 'closed', true],
    ]);
  });

  it('an open pull request is updated even when an earlier one for the same outcome was closed', async () => {
    github.addPull({ title: 'old', body: `x\n${renderOutcomeMarker(GREEN)}\n`, head: BRANCH, state: 'closed' });
    github.addPull({ title: 'someone else’s', body: 'no marker', head: BRANCH });
    for (const round of [1, 2]) {
      github.clearRequests();
      const result = await proposeOutcome(host, proposal(GREEN));
      expect(result).toMatchObject({ action: round === 1 ? 'updated' : 'unchanged', pr: { number: 2 } });
      expect(github.pulls().map((x) => [x.number, x.state, x.title])).toEqual([
        [1, 'closed', 'old'],
        [2, 'open', 'Record outcome: A — green (POSITIVE)'],
      ]);
      if (round === 2) expect(writes()).toEqual([]);
    }
  });
});

describe('proposing an outcome on the local host (a branch, no pull request)', () => {
  let r: GitRepo;
  let repo: string;
  let host: GitHost;
  const git = (...args: string[]): string => r.git(...args);

  beforeEach(() => {
    r = createGitRepo({ prefix: 'eppo-gitops-propose-', files: { [DEF_PATH]: DEF, [FLAG_PATH]: FLAG } });
    repo = r.dir;
    host = createLocalHost({ cwd: repo, env: r.env });
  });
  afterEach(() => {
    r.remove();
  });

  it('two files in one commit; a later decision with fewer files drops the flag edit; each twice is once', async () => {
    const main = git('rev-parse', 'main');
    for (const round of [1, 2]) {
      const result = await proposeOutcome(host, proposal(GREEN));
      expect(result).toEqual({ action: round === 1 ? 'created' : 'unchanged', branch: BRANCH, commit: git('rev-parse', BRANCH) });
      expect(git('diff', '--name-only', 'main', BRANCH).split('\n')).toEqual([DEF_PATH, FLAG_PATH]);
      expect(git('show', `${BRANCH}:${FLAG_PATH}`)).toBe('{"flags":{"a":{"defaultVariant":"green"}}}');
      expect(git('rev-parse', `${BRANCH}^`)).toBe(main);
    }
    for (const round of [1, 2]) {
      const result = await proposeOutcome(host, proposal(NONE));
      expect(result).toEqual({ action: round === 1 ? 'updated' : 'unchanged', branch: BRANCH, commit: git('rev-parse', BRANCH) });
      expect(git('diff', '--name-only', 'main', BRANCH)).toBe(DEF_PATH);
      expect(git('rev-list', '--count', `main..${BRANCH}`)).toBe('1');
      expect(git('log', '-1', '--format=%s', BRANCH)).toBe('Record outcome of a: no winner');
    }
    expect(git('for-each-ref', '--format=%(refname)').split('\n')).toEqual([`refs/heads/${BRANCH}`, 'refs/heads/main']);
  });

  it('concurrent deliveries give one commit', async () => {
    const results = await Promise.all(Array.from({ length: 10 }, () => proposeOutcome(host, proposal(GREEN))));
    expect(results.filter((r) => r.action === 'created')).toHaveLength(1);
    expect(results.filter((r) => r.action === 'unchanged')).toHaveLength(9);
    expect(git('rev-list', '--count', `main..${BRANCH}`)).toBe('1');
  });

  it('with no pull requests the closed and merged rules never apply: a branch is always written', async () => {
    const first = await proposeOutcome(host, proposal(GREEN));
    git('branch', '-D', BRANCH);
    const again = await proposeOutcome(host, proposal(GREEN));
    expect([first.action, again.action]).toEqual(['created', 'created']);
    expect('pr' in again).toBe(false);
  });
});
