import { createHash } from 'node:crypto';
import { ConfigError, GitHostError } from '../errors.js';
import { parseOutcomeMarker, sameMarker } from '../outcomes/index.js';
import { createOctokit, type GitHubClient } from './github-client.js';
import { createKeyedLock } from './keyed-lock.js';
import type { DefinitionFile, GitHost, Proposal, ProposeResult, PullRequestRef } from './types.js';

export interface GitHubHostOptions {
  octokit: GitHubClient;
  owner: string;
  repo: string;
  /** default: the repository's default branch */
  baseBranch?: string;
}

interface PullSummary {
  number: number;
  html_url: string;
  state: string;
  title: string;
  body: string | null;
  merged_at: string | null;
  labels: Array<{ name?: string } | string>;
}

const DEFINITION_FILE = /\.ya?ml$/i;

interface TreeItem {
  path?: string;
  type?: string;
  sha?: string;
}

/**
 * The `github` git host: reads definitions at the base head with one recursive
 * tree listing plus blob reads (no checkout), and proposes each change as one
 * commit on its own branch with one pull request, updated in place, never
 * duplicated (in-process: a lock per branch; across replicas: "already exists"
 * answers are taken as someone else's work and re-read).
 */
export function createGitHubHost(options: GitHubHostOptions): GitHost {
  const { octokit, owner, repo } = options;
  const lock = createKeyedLock();
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

  async function baseHead(): Promise<{ branch: string; sha: string; tree: string }> {
    const branch = await baseBranch();
    const sha = await refSha(branch);
    if (sha === undefined) {
      throw new GitHostError(`the base branch "${branch}" does not exist in ${owner}/${repo}; set EPPO_GITOPS_BASE_BRANCH to an existing branch`);
    }
    const { data } = await octokit.rest.git.getCommit({ owner, repo, commit_sha: sha });
    return { branch, sha, tree: data.tree.sha };
  }

  async function readDefinitionFiles(dir: string, only?: (path: string) => boolean): Promise<DefinitionFile[]> {
    const prefix = normaliseDir(dir);
    const head = await baseHead();
    const { data } = await octokit.rest.git.getTree({ owner, repo, tree_sha: head.tree, recursive: 'true' });
    const listing = data.truncated ? await listSubtree(head.tree, prefix) : data.tree;
    const entries = listing.filter(
      (e) => e.type === 'blob' && typeof e.path === 'string' && typeof e.sha === 'string' && e.path.startsWith(prefix) && DEFINITION_FILE.test(e.path) && (only === undefined || only(e.path)),
    );
    return mapLimit(entries, 8, async (e) => {
      const blob = await octokit.rest.git.getBlob({ owner, repo, file_sha: e.sha! });
      return { path: e.path!, text: Buffer.from(blob.data.content, blob.data.encoding === 'base64' ? 'base64' : 'utf8').toString('utf8'), commit: head.sha };
    });
  }

  /**
   * A repository too large for one listing (GitHub truncates it): walk down to
   * `prefix` one folder at a time, then list only that subtree.
   */
  async function listSubtree(root: string, prefix: string): Promise<TreeItem[]> {
    let tree = root;
    const parts = prefix.split('/').filter((p) => p !== '');
    for (const part of parts) {
      const { data } = await octokit.rest.git.getTree({ owner, repo, tree_sha: tree });
      const entry = data.tree.find((e) => e.path === part && e.type === 'tree');
      if (entry?.sha === undefined) return [];
      tree = entry.sha;
    }
    const { data } = await octokit.rest.git.getTree({ owner, repo, tree_sha: tree, recursive: 'true' });
    if (data.truncated) {
      throw new GitHostError(`the folder ${prefix || '/'} of ${owner}/${repo} holds too many files for one listing; keep the definitions in a smaller folder`);
    }
    return data.tree.map((e) => ({ ...e, path: `${prefix}${e.path ?? ''}` }));
  }

  async function listPulls(branch: string): Promise<PullSummary[]> {
    const { data } = await octokit.rest.pulls.list({ owner, repo, state: 'all', head: `${owner}:${branch}`, per_page: 100 });
    return data as unknown as PullSummary[];
  }

  /** Whether the file at `path` in commit `sha` is the blob `blobSha` (walks the path, one tree per folder). */
  async function commitHasBlob(sha: string, path: string, blobSha: string): Promise<boolean> {
    const { data: commit } = await octokit.rest.git.getCommit({ owner, repo, commit_sha: sha });
    let tree = commit.tree.sha;
    const parts = path.split('/');
    for (let i = 0; i < parts.length; i++) {
      const { data } = await octokit.rest.git.getTree({ owner, repo, tree_sha: tree });
      const entry = data.tree.find((e) => e.path === parts[i]);
      if (entry?.sha === undefined) return false;
      if (i === parts.length - 1) return entry.type === 'blob' && entry.sha === blobSha;
      if (entry.type !== 'tree') return false;
      tree = entry.sha;
    }
    return false;
  }

  async function createCommit(parent: { sha: string; tree: string }, proposal: Proposal): Promise<string> {
    const blob = await octokit.rest.git.createBlob({ owner, repo, content: Buffer.from(proposal.text, 'utf8').toString('base64'), encoding: 'base64' });
    const tree = await octokit.rest.git.createTree({
      owner,
      repo,
      base_tree: parent.tree,
      tree: [{ path: proposal.path, mode: '100644', type: 'blob', sha: blob.data.sha }],
    });
    const commit = await octokit.rest.git.createCommit({ owner, repo, message: proposal.commitMessage, tree: tree.data.sha, parents: [parent.sha] });
    return commit.data.sha;
  }

  async function syncPull(open: PullSummary, proposal: Proposal): Promise<boolean> {
    let changed = false;
    if (open.title !== proposal.title || (open.body ?? '') !== proposal.body) {
      await octokit.rest.pulls.update({ owner, repo, pull_number: open.number, title: proposal.title, body: proposal.body });
      changed = true;
    }
    const have = new Set(open.labels.map((l) => (typeof l === 'string' ? l : l.name)));
    const missing = proposal.labels.filter((l) => !have.has(l));
    if (missing.length > 0) await octokit.rest.issues.addLabels({ owner, repo, issue_number: open.number, labels: missing });
    return changed;
  }

  async function doPropose(proposal: Proposal): Promise<ProposeResult> {
    const { branch } = proposal;
    const base = await baseHead();
    const pulls = await listPulls(branch);
    const open = pulls.find((p) => p.state === 'open');
    if (open === undefined) {
      const closed = pulls.find((p) => p.state === 'closed' && p.merged_at === null && sameMarker(parseOutcomeMarker(p.body), proposal.marker));
      if (closed) return { action: 'closed-unmerged', branch, pr: ref(closed) };
      const merged = pulls.find((p) => p.merged_at !== null && sameMarker(parseOutcomeMarker(p.body), proposal.marker));
      if (merged) return { action: 'merged', branch, pr: ref(merged) };
    }

    const blobSha = gitBlobSha(proposal.text);
    const current = await refSha(branch);
    let commit: string;
    let branchChanged = false;
    if (current !== undefined && (await commitHasBlob(current, proposal.path, blobSha))) {
      commit = current;
    } else {
      const parent =
        proposal.baseCommit === undefined || proposal.baseCommit === base.sha
          ? base
          : { sha: proposal.baseCommit, tree: (await octokit.rest.git.getCommit({ owner, repo, commit_sha: proposal.baseCommit })).data.tree.sha };
      commit = await createCommit(parent, proposal);
      branchChanged = true;
      if (current === undefined) {
        try {
          await octokit.rest.git.createRef({ owner, repo, ref: `refs/heads/${branch}`, sha: commit });
        } catch (error) {
          if (statusOf(error) !== 422) throw error;
          // Another replica created the branch meanwhile: keep its commit when it holds the same file.
          const theirs = await refSha(branch);
          if (theirs !== undefined && (await commitHasBlob(theirs, proposal.path, blobSha))) {
            commit = theirs;
            branchChanged = false;
          } else {
            await octokit.rest.git.updateRef({ owner, repo, ref: `heads/${branch}`, sha: commit, force: true });
          }
        }
      } else {
        await octokit.rest.git.updateRef({ owner, repo, ref: `heads/${branch}`, sha: commit, force: true });
      }
    }

    if (open !== undefined) {
      const prChanged = await syncPull(open, proposal);
      return { action: branchChanged || prChanged ? 'updated' : 'unchanged', branch, commit, pr: ref(open) };
    }
    try {
      const { data } = await octokit.rest.pulls.create({ owner, repo, head: branch, base: base.branch, title: proposal.title, body: proposal.body });
      await octokit.rest.issues.addLabels({ owner, repo, issue_number: data.number, labels: proposal.labels });
      return { action: 'created', branch, commit, pr: { number: data.number, url: data.html_url } };
    } catch (error) {
      if (statusOf(error) !== 422) throw error;
      const again = (await listPulls(branch)).find((p) => p.state === 'open');
      if (again === undefined) throw error;
      const prChanged = await syncPull(again, proposal);
      return { action: branchChanged || prChanged ? 'updated' : 'unchanged', branch, commit, pr: ref(again) };
    }
  }

  const where = `${owner}/${repo}`;
  return {
    kind: 'github',
    baseBranch: () => wrap(`reading the default branch of ${where}`, baseBranch),
    readDefinitionFiles: (dir, only) => wrap(`reading definitions under ${dir}/ in ${where}`, () => readDefinitionFiles(dir, only)),
    propose: (proposal) => lock(proposal.branch, () => wrap(`proposing ${proposal.branch} in ${where}`, () => doPropose(proposal))),
  };
}

export interface GitHubEnvOptions {
  retries?: number;
  retryBaseMs?: number;
  onWarning?: (message: string) => void;
}

/**
 * The `github` host from the environment: GITHUB_TOKEN, GITHUB_REPOSITORY
 * (owner/repo), GITHUB_API_URL (GitHub Enterprise), EPPO_GITOPS_BASE_BRANCH.
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
  const octokit = createOctokit({
    token,
    ...(env.GITHUB_API_URL?.trim() ? { baseUrl: env.GITHUB_API_URL.trim() } : {}),
    ...(options.retries !== undefined ? { retries: options.retries } : {}),
    ...(options.retryBaseMs !== undefined ? { retryBaseMs: options.retryBaseMs } : {}),
    ...(options.onWarning ? { onWarning: options.onWarning } : {}),
  });
  return createGitHubHost({ octokit, owner: match[1]!, repo: match[2]!, ...(baseBranch ? { baseBranch } : {}) });
}

/** The git object id of a blob with this content (what `git hash-object` prints). */
export function gitBlobSha(text: string): string {
  const bytes = Buffer.from(text, 'utf8');
  return createHash('sha1').update(`blob ${bytes.length}\0`).update(bytes).digest('hex');
}

function ref(p: PullSummary): PullRequestRef {
  return { number: p.number, url: p.html_url };
}

function normaliseDir(dir: string): string {
  const clean = dir.replace(/\\/g, '/').replace(/^\.\/+/, '').replace(/\/+$/, '');
  return clean === '' || clean === '.' ? '' : `${clean}/`;
}

function statusOf(error: unknown): number | undefined {
  const status = (error as { status?: unknown } | null)?.status;
  return typeof status === 'number' ? status : undefined;
}

async function wrap<T>(what: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (error) {
    if (error instanceof GitHostError || error instanceof ConfigError) throw error;
    const status = statusOf(error);
    const detail = error instanceof Error ? error.message : String(error);
    throw new GitHostError(`GitHub: ${what} failed${status ? ` (HTTP ${status})` : ''}: ${detail}${hint(status)}`, {
      ...(status !== undefined ? { status } : {}),
      cause: error,
    });
  }
}

function hint(status: number | undefined): string {
  switch (status) {
    case 401:
      return '; check that GITHUB_TOKEN is valid';
    case 403:
      return '; the token needs contents:write and pull-requests:write on the repository';
    case 404:
      return '; check GITHUB_REPOSITORY and that the token can see the repository';
    default:
      return '';
  }
}

async function mapLimit<T, R>(items: T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
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
