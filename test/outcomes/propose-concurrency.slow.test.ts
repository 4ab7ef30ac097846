import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { GitHost } from '../../src/git-host/index.js';
import { proposeOutcome } from '../../src/outcomes/index.js';
import type { FakeGitHub } from '../helpers/fake-github.js';
import { BRANCH, DEF_PATH, FLAG_PATH, GREEN, proposal, startProposalGitHub } from './proposals.js';

// Slow (seconds): twenty proposals at once, ten through one host and ten through hosts of their own.

describe('proposing one outcome concurrently on GitHub (fake GitHub API, real octokit)', () => {
  const REPO = '/repos/acme/experiments';
  let github: FakeGitHub;
  let host: GitHost;
  let newHost: () => GitHost;
  const changed = (branch: string): string[] => github.changedFiles(branch);

  beforeEach(async () => {
    ({ github, host, newHost } = await startProposalGitHub());
  });
  afterEach(async () => {
    await github.close();
  });

  it('ten concurrent deliveries in one process and ten across processes keep one pull request', async () => {
    const p = proposal(GREEN);
    for (const round of [1, 2]) {
      const results = await Promise.all([...Array.from({ length: 10 }, () => proposeOutcome(host, p)), ...Array.from({ length: 10 }, () => proposeOutcome(newHost(), p))]);
      expect(results.filter((r) => r.action === 'created')).toHaveLength(round === 1 ? 1 : 0);
      expect(results.every((r) => ['created', 'unchanged', 'updated'].includes(r.action))).toBe(true);
      expect(github.pulls()).toHaveLength(1);
      expect(github.writes().filter((r) => r.path === `${REPO}/pulls` && r.status === 201)).toHaveLength(1);
      expect(github.writes().filter((r) => r.path === `${REPO}/git/refs` && r.status === 201)).toHaveLength(1);
      expect(changed(BRANCH)).toEqual([DEF_PATH, FLAG_PATH]);
    }
  });
});
