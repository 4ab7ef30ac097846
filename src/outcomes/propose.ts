import { createKeyedLock, type FileChange, type GitHost, type KeyedLock, type PullRequestRef } from '../git-host/index.js';
import { parseOutcomeMarker, sameMarker, type OutcomeMarker } from './pull-request.js';

/** One outcome change, proposed on its own branch (a pull request on GitHub). */
export interface Proposal {
  /** `eppo-gitops/outcome/<experiment_key>` */
  branch: string;
  /** every file the change writes (whole contents, paths from the repository root); the branch holds exactly these */
  files: FileChange[];
  /**
   * the base commit the files were derived from (DefinitionFile.commit): the
   * new commit sits on it, so a base that moved meanwhile is never overwritten
   * with older content; default: the base head
   */
  baseCommit?: string;
  commitMessage: string;
  title: string;
  body: string;
  labels: string[];
  /** what the change records; a PR closed unmerged or merged with the same marker is not proposed again */
  marker: OutcomeMarker;
}

/**
 * What `proposeOutcome` did. `created`: a new pull request (on a host without
 * them: a new branch); `updated`: the branch and/or the open PR changed;
 * `unchanged`: the branch already holds exactly this change (and the PR says
 * so); `closed-unmerged` / `merged`: a PR for the same outcome was closed or
 * merged before, so nothing is done.
 */
export type ProposeResult =
  | { action: 'created'; branch: string; commit: string; pr?: PullRequestRef }
  | { action: 'updated'; branch: string; commit: string; pr?: PullRequestRef }
  | { action: 'unchanged'; branch: string; commit: string; pr?: PullRequestRef }
  | { action: 'closed-unmerged'; branch: string; pr: PullRequestRef }
  | { action: 'merged'; branch: string; pr: PullRequestRef };

const locks = new WeakMap<GitHost, KeyedLock>();

/**
 * Proposes an outcome change through the host's primitives, with the rules
 * that keep it to one pull request per experiment:
 * - no PR open from the branch, and one for the same outcome (marker) was
 *   closed unmerged or merged: nothing is done;
 * - otherwise the branch is made the base commit plus exactly these files
 *   (nothing written when it already is), and the open PR is brought up to
 *   date, or one is opened.
 * Proposals for one branch through one host take turns, so concurrent
 * deliveries in a process see each other's work; across processes the host
 * settles the races.
 */
export function proposeOutcome(host: GitHost, proposal: Proposal): Promise<ProposeResult> {
  let lock = locks.get(host);
  if (lock === undefined) {
    lock = createKeyedLock();
    locks.set(host, lock);
  }
  return lock(proposal.branch, () => propose(host, proposal));
}

async function propose(host: GitHost, proposal: Proposal): Promise<ProposeResult> {
  const { branch } = proposal;
  const base = await host.baseHead();
  const pulls = await host.findPullRequests(branch);
  const open = pulls.find((p) => p.state === 'open');
  if (open === undefined) {
    const closed = pulls.find((p) => p.state === 'closed' && !p.merged && sameMarker(parseOutcomeMarker(p.body), proposal.marker));
    if (closed) return { action: 'closed-unmerged', branch, pr: { number: closed.number, url: closed.url } };
    const merged = pulls.find((p) => p.merged && sameMarker(parseOutcomeMarker(p.body), proposal.marker));
    if (merged) return { action: 'merged', branch, pr: { number: merged.number, url: merged.url } };
  }

  const written = await host.writeBranch({ branch, base: proposal.baseCommit ?? base.commit, files: proposal.files, message: proposal.commitMessage });
  const saved = await host.savePullRequest({ branch, base: base.branch, title: proposal.title, body: proposal.body, labels: proposal.labels }, open);
  const { commit } = written;
  if (saved === undefined) return { action: written.action, branch, commit };
  if (saved.action === 'created') return { action: 'created', branch, commit, pr: saved.pr };
  const changed = written.action !== 'unchanged' || saved.action === 'updated';
  return { action: changed ? 'updated' : 'unchanged', branch, commit, pr: saved.pr };
}
