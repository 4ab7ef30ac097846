/** A definition file as it stands at the head of the base branch. */
export interface DefinitionFile {
  /** path relative to the repository root, POSIX separators */
  path: string;
  text: string;
  /** the base branch commit the file was read at */
  commit: string;
}

/** What an outcome pull request records, read back from its hidden marker. */
export interface OutcomeMarker {
  experiment_id: number;
  outcome: string | null;
  winning_variant_key: string | null;
}

/** One file change proposed on its own branch (a pull request on GitHub). */
export interface Proposal {
  /** `eppo-gitops/outcome/<experiment_key>` */
  branch: string;
  /** the file to write, relative to the repository root */
  path: string;
  /** the whole new file content */
  text: string;
  /**
   * the base commit `text` was derived from (DefinitionFile.commit): the new
   * commit sits on it, so a base that moved meanwhile is never overwritten
   * with older content; default: the base head
   */
  baseCommit?: string;
  commitMessage: string;
  title: string;
  body: string;
  labels: string[];
  /** what the change records; a PR closed unmerged with the same marker is not re-proposed */
  marker: OutcomeMarker;
}

export interface PullRequestRef {
  number: number;
  url: string;
}

/**
 * What `propose` did. `created`: a new branch (and PR); `updated`: the branch
 * and/or the open PR changed; `unchanged`: the branch already holds exactly
 * this content (and the PR says so); `closed-unmerged` / `merged`: a PR for the
 * same outcome was closed or merged before, so nothing is done.
 */
export type ProposeResult =
  | { action: 'created'; branch: string; commit: string; pr?: PullRequestRef }
  | { action: 'updated'; branch: string; commit: string; pr?: PullRequestRef }
  | { action: 'unchanged'; branch: string; commit: string; pr?: PullRequestRef }
  | { action: 'closed-unmerged'; branch: string; pr: PullRequestRef }
  | { action: 'merged'; branch: string; pr: PullRequestRef };

/**
 * The git host port: reads definitions at the head of the base branch and
 * proposes a change on a branch. Adapters: `github` (REST API, pull requests)
 * and `local` (git CLI on a checkout, a branch without a PR).
 */
export interface GitHost {
  readonly kind: 'github' | 'local';
  /** the branch outcomes are proposed against */
  baseBranch(): Promise<string>;
  /**
   * `.yaml`/`.yml` files under `dir` at the base head (github: `dir` relative to
   * the repository root; local: relative to the host's cwd). With `only`, the
   * listing is filtered by path before any file is read.
   */
  readDefinitionFiles(dir: string, only?: (path: string) => boolean): Promise<DefinitionFile[]>;
  propose(proposal: Proposal): Promise<ProposeResult>;
}
