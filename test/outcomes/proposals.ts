import { createGitHubHost, createOctokit, type GitHost } from '../../src/git-host/index.js';
import { renderOutcomeMarker, type OutcomeMarker, type Proposal } from '../../src/outcomes/index.js';
import { startFakeGitHub, type FakeGitHub } from '../helpers/fake-github.js';

// The proposals the propose tests make: one experiment (a), its definition and its flag.

export const BRANCH = 'eppo-gitops/outcome/a';
export const DEF_PATH = 'experiments/a.yaml';
export const FLAG_PATH = 'flags/a.flagd.json';
export const DEF = 'experiment_key: a\nname: A\n';
export const FLAG = '{"flags":{"a":{"defaultVariant":"blue"}}}\n';
export const GREEN: OutcomeMarker = { experiment_id: 7, outcome: 'POSITIVE', winning_variant_key: 'green' };
export const NONE: OutcomeMarker = { experiment_id: 7, outcome: 'NEUTRAL', winning_variant_key: null };

/** The proposal of a decision: the definition with its outcome, plus the flag rolled out to the winner when there is one. */
export function proposal(marker: OutcomeMarker, over: Partial<Proposal> = {}): Proposal {
  const winner = marker.winning_variant_key;
  return {
    branch: BRANCH,
    files: [
      { path: DEF_PATH, text: `${DEF}outcome:\n  outcome: ${marker.outcome}\n` },
      ...(winner ? [{ path: FLAG_PATH, text: `{"flags":{"a":{"defaultVariant":"${winner}"}}}\n` }] : []),
    ],
    commitMessage: `Record outcome of a: ${winner ?? 'no winner'}\n`,
    title: `Record outcome: A — ${winner ?? 'no winner'} (${marker.outcome})`,
    body: `Decision.\n\n${renderOutcomeMarker(marker)}\n`,
    labels: ['experiment-outcome'],
    marker,
    ...over,
  };
}

/** A fake GitHub with the definition and the flag on main, a host on it, and a way to open more hosts (other processes). */
export async function startProposalGitHub(): Promise<{ github: FakeGitHub; host: GitHost; newHost: () => GitHost }> {
  const github = await startFakeGitHub();
  github.commitFiles({ [DEF_PATH]: DEF, [FLAG_PATH]: FLAG, 'README.md': 'readme\n' });
  const newHost = (): GitHost => createGitHubHost({ octokit: createOctokit({ token: github.token, baseUrl: github.url, retryBaseMs: 1 }), owner: github.owner, repo: github.repo });
  return { github, host: newHost(), newHost };
}
