import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GitHostError, InternalError } from '../errors.js';
import { checkFileSet } from './check-file-set.js';
import { createKeyedLock } from './keyed-lock.js';
import { normaliseRepoPath } from './repo-path.js';
import { gitExitError, runGit, type GitRun, type RunGitOptions } from '../util/index.js';
import type { BaseHead, GitHost, TreeFile, WriteBranchRequest, WriteBranchResult } from './types.js';

export interface LocalHostOptions {
  /** a folder inside the checkout (git runs there); paths are from the repository root whatever the folder */
  cwd: string;
  /** environment for git (PATH, HOME, identity); EPPO_GITOPS_BASE_BRANCH is read from it */
  env: Record<string, string | undefined>;
  /** default: EPPO_GITOPS_BASE_BRANCH, else the branch checked out */
  baseBranch?: string;
  /** once aborted, git commands in flight are stopped and new ones fail (a server that stops cancels its jobs with it) */
  signal?: AbortSignal;
}

const ZERO = '0'.repeat(40);
/** Writers that may move one branch between a read and a write before this one gives up. */
const MAX_REF_RACES = 5;
const FALLBACK_IDENTITY = { name: 'eppo-gitops', email: 'eppo-gitops@localhost' };

/**
 * The `local` git host: the git CLI on a checkout, no pull request. Reads
 * commits with plumbing (`ls-tree`, one `cat-file --batch` for the blobs) and
 * writes a branch with plumbing only (hash-object, a temporary index,
 * commit-tree, update-ref against the old value), so the working tree, the
 * index and the branch checked out are never touched.
 */
export function createLocalHost(options: LocalHostOptions): GitHost {
  const lock = createKeyedLock();
  let identity: Promise<Record<string, string>> | undefined;

  const git = (args: string[], extra: Pick<RunGitOptions, 'input' | 'extraEnv' | 'allowFail'> = {}): Promise<GitRun> =>
    runGit(args, { ...extra, cwd: options.cwd, env: options.env, ...(options.signal ? { signal: options.signal } : {}) });
  const out = async (args: string[], extra: Parameters<typeof git>[1] = {}): Promise<string> => (await git(args, extra)).stdout.toString('utf8').trim();

  async function gitIdentity(): Promise<Record<string, string>> {
    identity ??= (async () => {
      const name = await git(['config', 'user.name'], { allowFail: true });
      const email = await git(['config', 'user.email'], { allowFail: true });
      const env: Record<string, string> = {};
      if (name.code !== 0 || name.stdout.length === 0) Object.assign(env, { GIT_AUTHOR_NAME: FALLBACK_IDENTITY.name, GIT_COMMITTER_NAME: FALLBACK_IDENTITY.name });
      if (email.code !== 0 || email.stdout.length === 0) Object.assign(env, { GIT_AUTHOR_EMAIL: FALLBACK_IDENTITY.email, GIT_COMMITTER_EMAIL: FALLBACK_IDENTITY.email });
      return env;
    })();
    return identity;
  }

  /** Throws when `cwd` is not in a git repository, rather than letting a later step call HEAD detached. */
  async function checkRepository(): Promise<void> {
    const r = await git(['rev-parse', '--git-dir'], { allowFail: true });
    if (r.code === 0) return;
    if (/not a git repository/i.test(r.stderr)) {
      throw new GitHostError(`${options.cwd} is not a git repository (nor is any folder above it); run this in a checkout of the repository that holds the definitions, or use --git-host github`);
    }
    throw gitExitError(['rev-parse', '--git-dir'], options.cwd, r);
  }

  async function currentBranch(): Promise<string | undefined> {
    const r = await git(['symbolic-ref', '--quiet', '--short', 'HEAD'], { allowFail: true });
    if (r.code === 0) return r.stdout.toString('utf8').trim();
    // exit 1 is "HEAD is not a symbolic ref" (detached); anything else is git failing outright
    if (r.code !== 1) await checkRepository();
    return undefined;
  }

  const configuredBase = (options.baseBranch ?? options.env.EPPO_GITOPS_BASE_BRANCH?.trim()) || undefined;

  async function baseBranch(): Promise<string> {
    return configuredBase ?? baseBranchGiven(await currentBranch());
  }

  /** The base branch, given the branch checked out. */
  function baseBranchGiven(checkedOut: string | undefined): string {
    if (configuredBase) return configuredBase;
    if (checkedOut === undefined) throw new GitHostError(`HEAD is detached in ${options.cwd}; check out the base branch or set EPPO_GITOPS_BASE_BRANCH`);
    return checkedOut;
  }

  async function baseHead(): Promise<BaseHead> {
    const branch = await baseBranch();
    const commit = await commitOf(branch);
    if (commit === undefined) throw new GitHostError(`the base branch "${branch}" has no commit in ${options.cwd}; commit the definitions first or set EPPO_GITOPS_BASE_BRANCH`);
    return { branch, commit };
  }

  async function commitOf(branch: string): Promise<string | undefined> {
    const r = await git(['rev-parse', '--verify', '--quiet', `refs/heads/${branch}^{commit}`], { allowFail: true });
    return r.code === 0 ? r.stdout.toString('utf8').trim() : undefined;
  }

  /** The `ls-tree` entries of `commit`: everything, or only `paths`; with `recursive`, every blob below them. */
  async function lsTree(commit: string, paths: string[], recursive: boolean): Promise<Array<{ mode: string; type: string; object: string; path: string }>> {
    const args = ['ls-tree', ...(recursive ? ['-r'] : []), '-z', '--full-tree', commit, ...(paths.length > 0 ? ['--', ...paths] : [])];
    return (await git(args)).stdout
      .toString('utf8')
      .split('\0')
      .filter((line) => line.length > 0)
      .map((line) => {
        const tab = line.indexOf('\t');
        const [mode, type, object] = line.slice(0, tab).split(' ');
        return { mode: mode!, type: type!, object: object!, path: line.slice(tab + 1) };
      });
  }

  async function listFiles(commit: string, dir: string): Promise<TreeFile[]> {
    const repoDir = normaliseRepoPath(dir);
    const entries = await lsTree(commit, repoDir === '' ? [] : [repoDir], true);
    return entries.filter((e) => e.type === 'blob').map((e) => ({ path: e.path, mode: e.mode, blob: e.object }));
  }

  async function readBlobs(blobs: readonly string[]): Promise<string[]> {
    if (blobs.length === 0) return [];
    const batch = (await git(['cat-file', '--batch'], { input: blobs.map((b) => `${b}\n`).join('') })).stdout;
    const texts: string[] = [];
    let at = 0;
    for (const blob of blobs) {
      const nl = batch.indexOf(0x0a, at);
      const [, type, size] = batch.subarray(at, nl).toString('utf8').split(' ');
      if (type !== 'blob') throw new GitHostError(`git has no blob ${blob} in ${options.cwd}; read the files again from a new listing (that one may have been pruned)`);
      const end = nl + 1 + Number(size);
      texts.push(batch.subarray(nl + 1, end).toString('utf8'));
      at = end + 1;
    }
    return texts;
  }

  /**
   * Whether `head`'s change against the base branch (from their merge base) is
   * exactly the files in `wanted` (path → blob).
   */
  async function holdsExactly(head: string, wanted: Map<string, string>, base: string): Promise<boolean> {
    const mergeBase = await git(['merge-base', `refs/heads/${base}`, head], { allowFail: true });
    if (mergeBase.code !== 0) return false;
    const from = mergeBase.stdout.toString('utf8').trim();
    // -z raw output: ":<old mode> <new mode> <old blob> <new blob> <status>", then the path.
    const raw = (await git(['diff-tree', '-r', '-z', '--no-renames', from, head])).stdout.toString('utf8').split('\0');
    const changed = new Map<string, string | undefined>();
    for (let i = 0; i + 1 < raw.length && raw[i]!.startsWith(':'); i += 2) {
      const [, , , blob, status] = raw[i]!.slice(1).split(' ');
      changed.set(raw[i + 1]!, status === 'D' ? undefined : blob);
    }
    for (const path of changed.keys()) if (!wanted.has(path)) return false;
    // A wanted file the branch does not change must already have that content at the merge base.
    const unchanged = [...wanted.keys()].filter((path) => !changed.has(path));
    const kept = unchanged.length === 0 ? [] : await lsTree(head, unchanged, false);
    const have = new Map([...changed, ...kept.filter((e) => e.type === 'blob').map((e): [string, string] => [e.path, e.object])]);
    return [...wanted].every(([path, blob]) => have.get(path) === blob);
  }

  async function writeBranch(request: WriteBranchRequest): Promise<WriteBranchResult> {
    checkFileSet(request.files);
    const { branch } = request;
    const checkedOut = await currentBranch();
    if (checkedOut === branch) {
      throw new GitHostError(`the branch ${branch} is checked out in ${options.cwd}; switch to the base branch so it can be updated without touching your working tree`);
    }
    const base = baseBranchGiven(checkedOut);
    const wanted = new Map<string, string>();
    for (const file of request.files) wanted.set(file.path, await out(['hash-object', '-w', '--stdin'], { input: Buffer.from(file.text, 'utf8') }));
    const current = await commitOf(branch);
    if (current !== undefined && (await holdsExactly(current, wanted, base))) return { action: 'unchanged', branch, commit: current };

    // An executable stays executable; anything else (a new file, a symbolic link) becomes a plain file.
    const modes = new Map((await lsTree(request.base, [...wanted.keys()], false)).map((e) => [e.path, e.mode]));
    const scratch = await mkdtemp(join(tmpdir(), 'eppo-gitops-index-'));
    try {
      const indexEnv = { GIT_INDEX_FILE: join(scratch, 'index') };
      await git(['read-tree', request.base], { extraEnv: indexEnv });
      const cacheinfo = [...wanted].flatMap(([path, blob]) => ['--cacheinfo', `${modes.get(path) === '100755' ? '100755' : '100644'},${blob},${path}`]);
      await git(['update-index', '--add', ...cacheinfo], { extraEnv: indexEnv });
      const tree = await out(['write-tree'], { extraEnv: indexEnv });
      const commit = await out(['commit-tree', tree, '-p', request.base, '-F', '-'], { input: request.message, extraEnv: await gitIdentity() });
      return await moveRef(branch, commit, current, request.message, (theirs) => holdsExactly(theirs, wanted, base));
    } finally {
      await rm(scratch, { recursive: true, force: true });
    }
  }

  /**
   * Points `branch` at `commit` if it still is at `expected` (compare and
   * swap). Another process that moved it meanwhile is settled as on GitHub:
   * its commit is kept when it holds the same change, and replaced otherwise.
   */
  async function moveRef(branch: string, commit: string, expected: string | undefined, message: string, holdsChange: (theirs: string) => Promise<boolean>): Promise<WriteBranchResult> {
    const ref = `refs/heads/${branch}`;
    let old = expected;
    for (let attempt = 1; ; attempt++) {
      const args = ['update-ref', '-m', `eppo-gitops: ${message.split('\n')[0]}`, ref, commit, old ?? ZERO];
      const run = await git(args, { allowFail: true });
      if (run.code === 0) return { action: old === undefined ? 'created' : 'updated', branch, commit };
      const theirs = await commitOf(branch);
      // The ref did not move: git failed for another reason, which is what to report.
      if (theirs === old || attempt >= MAX_REF_RACES) throw gitExitError(args, options.cwd, run);
      if (theirs !== undefined && (await holdsChange(theirs))) return { action: 'unchanged', branch, commit: theirs };
      old = theirs;
    }
  }

  const wrap = async <T>(what: string, fn: () => Promise<T>): Promise<T> => {
    try {
      return await fn();
    } catch (error) {
      if (error instanceof GitHostError || error instanceof InternalError) throw error;
      throw new GitHostError(`${what} in ${options.cwd} failed: ${error instanceof Error ? error.message : String(error)}; check that the repository and the temporary folder are writable, then run again`, { cause: error });
    }
  };
  return {
    kind: 'local',
    async check() {
      await checkRepository();
      await wrap('reading the head of the base branch', baseHead);
    },
    baseBranch: () => wrap('finding the base branch', baseBranch),
    baseHead: () => wrap('reading the head of the base branch', baseHead),
    listFiles: (commit, dir) => wrap(`listing ${dir} at ${commit.slice(0, 12)}`, () => listFiles(commit, dir)),
    readBlobs: (blobs) => wrap('reading files', () => readBlobs(blobs)),
    findPullRequests: async () => [],
    writeBranch: (request) => lock(request.branch, () => wrap(`committing ${request.branch}`, () => writeBranch(request))),
    savePullRequest: async () => undefined,
  };
}
