/** The base branch and the commit at its head. */
export interface BaseHead {
  branch: string;
  commit: string;
}

/** A file in a commit: a blob entry of its tree. */
export interface TreeFile {
  /** path from the repository root, POSIX separators */
  path: string;
  /** git's mode: `100644` a file, `100755` an executable, `120000` a symbolic link (the blob holds the target path) */
  mode: string;
  /** the blob's object id */
  blob: string;
}

/** A whole file to write, path from the repository root. */
export interface FileChange {
  path: string;
  text: string;
}

/** What `writeBranch` makes true: `branch` is `base` plus exactly `files`. */
export interface WriteBranchRequest {
  branch: string;
  /**
   * the commit the files were derived from, usually the base head they were
   * read at: the new commit sits on it, so a base that moved meanwhile is never
   * overwritten with older content
   */
  base: string;
  /** at least one file, each path once */
  files: FileChange[];
  message: string;
}

/**
 * What `writeBranch` did: `created` the branch, moved it (`updated`, forced) to
 * a new commit, or found it already holding exactly that change (`unchanged`:
 * nothing written).
 */
export interface WriteBranchResult {
  action: 'created' | 'updated' | 'unchanged';
  branch: string;
  commit: string;
}

export interface PullRequestRef {
  number: number;
  url: string;
}

/** A pull request as `findPullRequests` lists it. */
export interface PullRequestSummary extends PullRequestRef {
  state: 'open' | 'closed';
  merged: boolean;
  title: string;
  /** '' when GitHub has none */
  body: string;
  labels: string[];
}

/** What a pull request from `branch` into `base` should say. */
export interface PullRequestContent {
  branch: string;
  base: string;
  title: string;
  body: string;
  /** labels to add; labels already there stay */
  labels: string[];
}

/** What `savePullRequest` did. */
export interface SavePullRequestResult {
  action: 'created' | 'updated' | 'unchanged';
  pr: PullRequestRef;
}

/**
 * The git host port: primitives to read the base branch and to put a change
 * on a branch, with a pull request where the host has them. It holds no rule
 * about what to propose (src/outcomes decides). Adapters: `github` (REST API,
 * pull requests) and `local` (git CLI on a checkout, a branch without a PR).
 */
export interface GitHost {
  readonly kind: 'github' | 'local';
  /**
   * Checks, once when a command starts, what the host needs and can check
   * without writing, so a server finds out before its first delivery that it
   * cannot commit anywhere: for `local`, that the folder is in a git
   * repository and the base branch has a commit; for `github`, that the token
   * can read the repository (and, where GitHub tells, push to it) and that the
   * base branch exists. Throws GitHostError saying what to do.
   */
  check(): Promise<void>;
  /** the branch changes are proposed against */
  baseBranch(): Promise<string>;
  /** the base branch and its head commit */
  baseHead(): Promise<BaseHead>;
  /**
   * Every blob entry (files, executables, symbolic links; no submodules) under
   * the folder `dir` in `commit`. `dir` and the paths listed are from the
   * repository root on every host (a local host run in a sub-folder too);
   * `''` or `.` is everything; a `dir` naming a file lists that file alone.
   */
  listFiles(commit: string, dir: string): Promise<TreeFile[]>;
  /** the contents of these blobs as UTF-8 text, in the order asked */
  readBlobs(blobs: readonly string[]): Promise<string[]>;
  /** the pull requests from `branch`, open and closed, newest first; none on a host without pull requests */
  findPullRequests(branch: string): Promise<PullRequestSummary[]>;
  /**
   * Makes `branch` a commit on `base` holding exactly `files` (a file of an
   * earlier proposal that is not in `files` is dropped). Nothing is written
   * when the branch's change against the base branch already is exactly those
   * files with that content. Concurrent calls for one branch, in a process or
   * across processes, end with one branch holding the change.
   */
  writeBranch(request: WriteBranchRequest): Promise<WriteBranchResult>;
  /**
   * Opens the pull request, or brings `open` (the one already open from the
   * branch) up to date: title, body, missing labels. A pull request opened by
   * someone else meanwhile is found and updated, never duplicated. `undefined`
   * on a host without pull requests.
   */
  savePullRequest(content: PullRequestContent, open?: PullRequestSummary): Promise<SavePullRequestResult | undefined>;
}
