import { createHash } from 'node:crypto';
import { ConfigError, GitHostError, InternalError } from '../errors.js';
import { parseTimeoutSeconds } from '../util/index.js';
import { checkFileSet } from './check-file-set.js';
import { createOctokit, type GitHubClient } from './github-client.js';
import { createKeyedLock } from './keyed-lock.js';
import { normaliseRepoPath } from './repo-path.js';
import type { BaseHead, GitHost, PullRequestContent, PullRequestRef, PullRequestSummary, SavePullRequestResult, TreeFile, WriteBranchRequest, WriteBranchResult } from './types.js';
import { wrapGitHubError } from './wrap-github-error.js';

export interface GitHubHostOptions {
  octokit: GitHubClient;
  owner: string;
  repo: string;
  /** default: the repository's default branch */
  baseBranch?: string;
}

interface TreeItem {
  path?: string;
  mode?: string;
  type?: string;
  sha?: string;
}

/** How many commit → tree answers a host remembers (commits never change). */
const TREE_CACHE = 64;

/**
 * Whole-repository listings a host remembers, by root tree (trees never
 * change either): one outcome job lists definitions, settings and flag files
 * at the same commit, with one request. Listings longer than
 * LISTING_CACHE_ENTRIES are not kept.
 */
const LISTING_CACHE = 2;
const LISTING_CACHE_ENTRIES = 20_000;

/**
 * The `github` git host, on the REST API only (no checkout): reads at the base
 * head with one recursive tree listing plus blob reads, writes a branch as one
 * commit made from git data (blobs, a tree on the base tree, a commit, the
 * ref), and keeps one pull request per branch. Races with other processes are
 * settled by GitHub's "already exists" answers (422), taken as the other
 * process's work and re-read; in a process, writes to one branch take turns.
 */
export function createGitHubHost(options: GitHubHostOptions): GitHost {
  const { octokit, owner, repo } = options;
  const where = `${owner}/${repo}`;
  const lock = createKeyedLock();
  const trees = new Map<string, string>();
  const listings = new Map<string, TreeItem[]>();
  let defaultBranch: Promise<string> | undefined;

  async function baseBranch(): Promise<string> {
    if (options.baseBranch) return options.baseBranch;
    defaultBranch ??= octokit.rest.repos.get({ owner, repo }).then((r) => r.data.default_branch);
    try {
      return await defaultBranch;
    } catch (error) {
      defaultBranch = undefined;
      throw error;
    }
  }

  async function refSha(branch: string): Promise<string | undefined> {
    try {
      const { data } = await octokit.rest.git.getRef({ owner, repo, ref: `heads/${branch}` });
      return data.object.sha;
    } catch (error) {
      if (statusOf(error) === 404) return undefined;
      throw error;
    }
  }

  async function baseHead(): Promise<BaseHead> {
    const branch = await baseBranch();
    const commit = await refSha(branch);
    if (commit === undefined) {
      throw new GitHostError(`the base branch "${branch}" does not exist in ${where}; set EPPO_GITOPS_BASE_BRANCH to an existing branch`);
    }
    return { branch, commit };
  }

  async function treeOf(commit: string): Promise<string> {
    const known = trees.get(commit);
    if (known !== undefined) return known;
    const { data } = await octokit.rest.git.getCommit({ owner, repo, commit_sha: commit });
    if (trees.size >= TREE_CACHE) trees.delete(trees.keys().next().value!);
    trees.set(commit, data.tree.sha);
    return data.tree.sha;
  }

  async function listFiles(commit: string, dir: string): Promise<TreeFile[]> {
    const prefix = normaliseDir(dir);
    const root = await treeOf(commit);
    let listing = listings.get(root);
    if (listing === undefined) {
      const { data } = await octokit.rest.git.getTree({ owner, repo, tree_sha: root, recursive: 'true' });
      if (data.truncated) listing = await listSubtree(root, prefix);
      else {
        listing = data.tree;
        if (listing.length <= LISTING_CACHE_ENTRIES) {
          if (listings.size >= LISTING_CACHE) listings.delete(listings.keys().next().value!);
          listings.set(root, listing);
        }
      }
    }
    // A `dir` naming a file lists that file, as `git ls-tree` does on the local host.
    const exact = prefix.slice(0, -1);
    const files: TreeFile[] = [];
    for (const e of listing) {
      if (e.type !== 'blob' || typeof e.path !== 'string' || typeof e.sha !== 'string' || typeof e.mode !== 'string') continue;
      if (!e.path.startsWith(prefix) && (exact === '' || e.path !== exact)) continue;
      files.push({ path: e.path, mode: e.mode, blob: e.sha });
    }
    return files;
  }

  /**
   * A repository too large for one listing (GitHub truncates it): walk down to
   * `prefix` one folder at a time, then list only that subtree.
   */
  async function listSubtree(root: string, prefix: string): Promise<TreeItem[]> {
    let tree = root;
    const parts = prefix.split('/').filter((p) => p !== '');
    for (const [i, part] of parts.entries()) {
      const { data } = await octokit.rest.git.getTree({ owner, repo, tree_sha: tree });
      const entry = data.tree.find((e) => e.path === part && (e.type === 'tree' || (e.type === 'blob' && i === parts.length - 1)));
      if (entry?.sha === undefined) return [];
      if (entry.type === 'blob') return [{ ...entry, path: parts.join('/') }];
      tree = entry.sha;
    }
    const { data } = await octokit.rest.git.getTree({ owner, repo, tree_sha: tree, recursive: 'true' });
    if (data.truncated) {
      throw new GitHostError(`the folder ${prefix || '/'} of ${where} holds too many files for one listing; keep the files read from it in a smaller folder`);
    }
    return data.tree.map((e) => ({ ...e, path: `${prefix}${e.path ?? ''}` }));
  }

  async function readBlobs(blobs: readonly string[]): Promise<string[]> {
    return mapLimit(blobs, 8, async (sha) => {
      const { data } = await octokit.rest.git.getBlob({ owner, repo, file_sha: sha });
      return Buffer.from(data.content, data.encoding === 'base64' ? 'base64' : 'utf8').toString('utf8');
    });
  }

  /** The blob entry at `path` in `commit` (from a listing already read, else one tree per folder); undefined when there is none. */
  async function blobEntryAt(commit: string, path: string): Promise<TreeItem | undefined> {
    let tree = await treeOf(commit);
    const listing = listings.get(tree);
    if (listing !== undefined) return listing.find((e) => e.path === path && e.type === 'blob');
    const parts = path.split('/');
    for (let i = 0; i < parts.length; i++) {
      const { data } = await octokit.rest.git.getTree({ owner, repo, tree_sha: tree });
      const entry = data.tree.find((e) => e.path === parts[i]);
      if (entry?.sha === undefined) return undefined;
      if (i === parts.length - 1) return entry.type === 'blob' ? { ...entry, path } : undefined;
      if (entry.type !== 'tree') return undefined;
      tree = entry.sha;
    }
    return undefined;
  }

  async function blobAt(commit: string, path: string): Promise<string | undefined> {
    return (await blobEntryAt(commit, path))?.sha;
  }

  /**
   * Whether `head`'s change against the base branch (what its pull request
   * shows: from the merge base) is exactly the files in `wanted` (path → blob).
   */
  async function holdsExactly(head: string, wanted: Map<string, string>): Promise<boolean> {
    const base = await baseHead();
    let comparison;
    try {
      comparison = (await octokit.rest.repos.compareCommitsWithBasehead({ owner, repo, basehead: `${base.commit}...${head}` })).data;
    } catch (error) {
      if (statusOf(error) === 404) return false; // no common history with the base: rewrite the branch
      throw error;
    }
    const changed = new Map<string, { status: string; sha: string | null }>();
    for (const f of comparison.files ?? []) {
      changed.set(f.filename, { status: f.status, sha: f.sha });
      if (f.previous_filename !== undefined) changed.set(f.previous_filename, { status: 'removed', sha: null });
    }
    for (const path of changed.keys()) if (!wanted.has(path)) return false;
    for (const [path, blob] of wanted) {
      const change = changed.get(path);
      if (change?.status === 'removed') return false;
      // Listed with its blob, or unchanged from the merge base (or a mode-only change, listed without one): read it.
      const have = change?.sha ? change.sha : await blobAt(head, path);
      if (have !== blob) return false;
    }
    return true;
  }

  async function createCommit(request: WriteBranchRequest): Promise<string> {
    const baseTree = await treeOf(request.base);
    const entries: Array<{ path: string; mode: '100644' | '100755'; type: 'blob'; sha: string }> = [];
    for (const file of request.files) {
      // An executable stays executable; anything else (a new file, a symbolic link) becomes a plain file, as on the local host.
      const mode = (await blobEntryAt(request.base, file.path))?.mode === '100755' ? '100755' : '100644';
      const blob = await octokit.rest.git.createBlob({ owner, repo, content: Buffer.from(file.text, 'utf8').toString('base64'), encoding: 'base64' });
      entries.push({ path: file.path, mode, type: 'blob', sha: blob.data.sha });
    }
    const tree = await octokit.rest.git.createTree({ owner, repo, base_tree: baseTree, tree: entries });
    const commit = await octokit.rest.git.createCommit({ owner, repo, message: request.message, tree: tree.data.sha, parents: [request.base] });
    return commit.data.sha;
  }

  async function writeBranch(request: WriteBranchRequest): Promise<WriteBranchResult> {
    checkFileSet(request.files);
    const { branch } = request;
    const wanted = new Map(request.files.map((f) => [f.path, gitBlobSha(f.text)]));
    const current = await refSha(branch);
    if (current !== undefined && (await holdsExactly(current, wanted))) return { action: 'unchanged', branch, commit: current };
    const commit = await createCommit(request);
    if (current !== undefined) {
      await octokit.rest.git.updateRef({ owner, repo, ref: `heads/${branch}`, sha: commit, force: true });
      return { action: 'updated', branch, commit };
    }
    try {
      await octokit.rest.git.createRef({ owner, repo, ref: `refs/heads/${branch}`, sha: commit });
      return { action: 'created', branch, commit };
    } catch (error) {
      if (statusOf(error) !== 422) throw error;
      // Another process created the branch meanwhile: keep its commit when it holds the same change.
      const theirs = await refSha(branch);
      if (theirs !== undefined && (await holdsExactly(theirs, wanted))) return { action: 'unchanged', branch, commit: theirs };
      await octokit.rest.git.updateRef({ owner, repo, ref: `heads/${branch}`, sha: commit, force: true });
      return { action: 'updated', branch, commit };
    }
  }

  async function findPullRequests(branch: string): Promise<PullRequestSummary[]> {
    const { data } = await octokit.rest.pulls.list({ owner, repo, state: 'all', head: `${owner}:${branch}`, per_page: 100 });
    return data.map((p) => ({
      number: p.number,
      url: p.html_url,
      state: p.state === 'open' ? 'open' : 'closed',
      merged: typeof p.merged_at === 'string',
      title: p.title,
      body: p.body ?? '',
      labels: (p.labels as Array<{ name?: string } | string>).map((l) => (typeof l === 'string' ? l : (l.name ?? ''))).filter((l) => l !== ''),
    }));
  }

  /** Brings an open pull request up to date; true when anything was written. */
  async function syncPull(open: PullRequestSummary, content: PullRequestContent): Promise<boolean> {
    let changed = false;
    if (open.title !== content.title || open.body !== content.body) {
      await octokit.rest.pulls.update({ owner, repo, pull_number: open.number, title: content.title, body: content.body });
      changed = true;
    }
    const have = new Set(open.labels);
    const missing = content.labels.filter((l) => !have.has(l));
    if (missing.length > 0) await octokit.rest.issues.addLabels({ owner, repo, issue_number: open.number, labels: missing });
    return changed;
  }

  async function savePullRequest(content: PullRequestContent, open: PullRequestSummary | undefined): Promise<SavePullRequestResult> {
    if (open !== undefined) return { action: (await syncPull(open, content)) ? 'updated' : 'unchanged', pr: ref(open) };
    try {
      const { data } = await octokit.rest.pulls.create({ owner, repo, head: content.branch, base: content.base, title: content.title, body: content.body });
      if (content.labels.length > 0) await octokit.rest.issues.addLabels({ owner, repo, issue_number: data.number, labels: content.labels });
      return { action: 'created', pr: { number: data.number, url: data.html_url } };
    } catch (error) {
      if (statusOf(error) !== 422) throw error;
      // Opened by another process meanwhile ("A pull request already exists"): update that one.
      const again = (await findPullRequests(content.branch)).find((p) => p.state === 'open');
      if (again === undefined) throw error;
      return { action: (await syncPull(again, content)) ? 'updated' : 'unchanged', pr: ref(again) };
    }
  }

  /**
   * Once at start: the repository can be read (token, GITHUB_REPOSITORY,
   * GITHUB_API_URL), the token may push to it where GitHub says so, and the
   * base branch exists; so a server finds out before its first delivery.
   */
  async function check(): Promise<void> {
    const repository = await guard(`reading the repository ${where}`, 'contents: read', () => octokit.rest.repos.get({ owner, repo }));
    defaultBranch ??= Promise.resolve(repository.data.default_branch);
    if (repository.data.permissions?.push === false) {
      throw new GitHostError(
        `GitHub: the token can read ${where} but not write to it; outcome branches and pull requests need "permissions: contents: write, pull-requests: write", or a token with that access to the repository`,
      );
    }
    await guard(`reading the head of the base branch in ${where}`, 'contents: read', baseHead);
  }

  /** One error path: every failure leaves as a GitHostError naming the call, the repository and the access it needs. */
  async function guard<T>(doing: string, permission: string, fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (error) {
      if (error instanceof ConfigError || error instanceof InternalError) throw error;
      throw wrapGitHubError(error, doing, permission);
    }
  }

  return {
    kind: 'github',
    check,
    baseBranch: () => guard(`reading the default branch of ${where}`, 'contents: read', baseBranch),
    baseHead: () => guard(`reading the head of the base branch in ${where}`, 'contents: read', baseHead),
    listFiles: (commit, dir) => guard(`listing ${normaliseDir(dir) || '/'} at ${commit.slice(0, 12)} in ${where}`, 'contents: read', () => listFiles(commit, dir)),
    readBlobs: (blobs) => guard(`reading ${blobs.length === 1 ? 'a file' : `${blobs.length} files`} in ${where}`, 'contents: read', () => readBlobs(blobs)),
    findPullRequests: (branch) => guard(`listing the pull requests from ${branch} in ${where}`, 'pull-requests: read', () => findPullRequests(branch)),
    writeBranch: (request) => lock(request.branch, () => guard(`writing the branch ${request.branch} in ${where}`, 'contents: write', () => writeBranch(request))),
    savePullRequest: (content, open) =>
      guard(`${open ? `updating pull request #${open.number}` : `opening a pull request for ${content.branch}`} in ${where}`, 'pull-requests: write', () => savePullRequest(content, open)),
  };
}

export interface GitHubEnvOptions {
  retries?: number;
  retryBaseMs?: number;
  onWarning?: (message: string) => void;
  /** cancels every request in flight once aborted (createOctokit's `signal`) */
  signal?: AbortSignal;
}

/**
 * The `github` host from the environment: GITHUB_TOKEN, GITHUB_REPOSITORY
 * (owner/repo), GITHUB_API_URL (GitHub Enterprise), EPPO_GITOPS_BASE_BRANCH,
 * GITHUB_TIMEOUT_SECONDS (default 30).
 */
export function createGitHubHostFromEnv(env: Record<string, string | undefined>, options: GitHubEnvOptions = {}): GitHost {
  const token = env.GITHUB_TOKEN?.trim();
  if (!token) throw new ConfigError('GITHUB_TOKEN is not set: the github git host needs a token with contents:write and pull-requests:write (or use --git-host local)');
  const repository = env.GITHUB_REPOSITORY?.trim() ?? '';
  const match = /^([A-Za-z0-9_.-]+)\/([A-Za-z0-9_.-]+)$/.exec(repository);
  if (!match) {
    throw new ConfigError(`GITHUB_REPOSITORY must be "owner/repo"${repository ? ` (got "${repository}")` : ' and is not set'}`);
  }
  const baseBranch = env.EPPO_GITOPS_BASE_BRANCH?.trim();
  const timeoutMs = parseTimeoutSeconds('GITHUB_TIMEOUT_SECONDS', env.GITHUB_TIMEOUT_SECONDS);
  const octokit = createOctokit({
    token,
    ...(timeoutMs !== undefined ? { timeoutMs } : {}),
    ...(env.GITHUB_API_URL?.trim() ? { baseUrl: env.GITHUB_API_URL.trim() } : {}),
    ...(options.retries !== undefined ? { retries: options.retries } : {}),
    ...(options.retryBaseMs !== undefined ? { retryBaseMs: options.retryBaseMs } : {}),
    ...(options.onWarning ? { onWarning: options.onWarning } : {}),
    ...(options.signal ? { signal: options.signal } : {}),
  });
  return createGitHubHost({ octokit, owner: match[1]!, repo: match[2]!, ...(baseBranch ? { baseBranch } : {}) });
}

/** The git object id of a blob with this content (what `git hash-object` prints). */
export function gitBlobSha(text: string): string {
  const bytes = Buffer.from(text, 'utf8');
  return createHash('sha1').update(`blob ${bytes.length}\0`).update(bytes).digest('hex');
}

function ref(p: PullRequestRef): PullRequestRef {
  return { number: p.number, url: p.url };
}

/** `dir` as a prefix of paths: `''` for the root, else ending in `/`. */
function normaliseDir(dir: string): string {
  const clean = normaliseRepoPath(dir);
  return clean === '' ? '' : `${clean}/`;
}

function statusOf(error: unknown): number | undefined {
  const status = (error as { status?: unknown } | null)?.status;
  return typeof status === 'number' ? status : undefined;
}

async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}
