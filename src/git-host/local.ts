import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, posix } from 'node:path';
import { GitHostError } from '../errors.js';
import { createKeyedLock } from './keyed-lock.js';
import type { DefinitionFile, GitHost, Proposal, ProposeResult } from './types.js';

export interface LocalHostOptions {
  /** a folder inside the checkout; `readDefinitionFiles(dir)` resolves `dir` against it */
  cwd: string;
  /** environment for git (PATH, HOME, identity); EPPO_GITOPS_BASE_BRANCH is read from it */
  env: Record<string, string | undefined>;
  /** default: EPPO_GITOPS_BASE_BRANCH, else the branch checked out */
  baseBranch?: string;
}

const DEFINITION_FILE = /\.ya?ml$/i;
const ZERO = '0'.repeat(40);
const FALLBACK_IDENTITY = { name: 'eppo-gitops', email: 'eppo-gitops@localhost' };

/**
 * The `local` git host: the git CLI on a checkout, no pull request. Reads the
 * definitions at the base branch head and commits a proposal on its branch
 * with plumbing only (hash-object, a temporary index, commit-tree,
 * update-ref), so the working tree and the current branch are never touched.
 */
export function createLocalHost(options: LocalHostOptions): GitHost {
  const lock = createKeyedLock();
  const baseEnv: Record<string, string> = {};
  for (const [k, v] of Object.entries(options.env)) if (v !== undefined && !k.startsWith('GIT_')) baseEnv[k] = v;
  baseEnv.GIT_TERMINAL_PROMPT = '0';
  let identity: Promise<Record<string, string>> | undefined;

  function git(args: string[], extra: { input?: string | Buffer; env?: Record<string, string>; allowFail?: boolean } = {}): Promise<{ code: number; stdout: Buffer; stderr: string }> {
    return new Promise((resolve, reject) => {
      const child = execFile(
        'git',
        args,
        { cwd: options.cwd, env: { ...baseEnv, ...extra.env }, encoding: 'buffer', maxBuffer: 256 * 1024 * 1024 },
        (error, stdout, stderr) => {
          const code = error ? (typeof (error as { code?: unknown }).code === 'number' ? ((error as { code: number }).code) : -1) : 0;
          const err = stderr.toString('utf8').trim();
          if (error && (code === -1 || !extra.allowFail)) {
            const first = err.split('\n')[0] || error.message;
            reject(new GitHostError(`git ${args[0]} failed in ${options.cwd}: ${first}`, { cause: error }));
            return;
          }
          resolve({ code, stdout, stderr: err });
        },
      );
      child.stdin?.on('error', () => undefined);
      if (extra.input !== undefined) child.stdin?.end(extra.input);
      else child.stdin?.end();
    });
  }
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

  async function currentBranch(): Promise<string | undefined> {
    const r = await git(['symbolic-ref', '--quiet', '--short', 'HEAD'], { allowFail: true });
    return r.code === 0 ? r.stdout.toString('utf8').trim() : undefined;
  }

  async function baseBranch(): Promise<string> {
    const configured = options.baseBranch ?? options.env.EPPO_GITOPS_BASE_BRANCH?.trim();
    if (configured) return configured;
    const current = await currentBranch();
    if (current === undefined) throw new GitHostError(`HEAD is detached in ${options.cwd}; check out the base branch or set EPPO_GITOPS_BASE_BRANCH`);
    return current;
  }

  async function baseCommit(): Promise<{ branch: string; sha: string }> {
    const branch = await baseBranch();
    const r = await git(['rev-parse', '--verify', '--quiet', `refs/heads/${branch}^{commit}`], { allowFail: true });
    if (r.code !== 0) throw new GitHostError(`the base branch "${branch}" has no commit in ${options.cwd}; commit the definitions first or set EPPO_GITOPS_BASE_BRANCH`);
    return { branch, sha: r.stdout.toString('utf8').trim() };
  }

  async function readDefinitionFiles(dir: string, only?: (path: string) => boolean): Promise<DefinitionFile[]> {
    const { sha } = await baseCommit();
    const prefix = await out(['rev-parse', '--show-prefix']);
    const repoDir = posix.normalize(posix.join(prefix, dir.replace(/\\/g, '/'))).replace(/\/+$/, '');
    const pathspec = repoDir === '.' || repoDir === '' ? [] : ['--', repoDir];
    const listing = (await git(['ls-tree', '-r', '-z', '--full-tree', sha, ...pathspec])).stdout.toString('utf8');
    const entries = listing
      .split('\0')
      .filter((line) => line.length > 0)
      .map((line) => {
        const tab = line.indexOf('\t');
        const [, type, object] = line.slice(0, tab).split(' ');
        return { type, object: object!, path: line.slice(tab + 1) };
      })
      .filter((e) => e.type === 'blob' && DEFINITION_FILE.test(e.path) && (only === undefined || only(e.path)));
    if (entries.length === 0) return [];
    const batch = (await git(['cat-file', '--batch'], { input: entries.map((e) => `${e.object}\n`).join('') })).stdout;
    const files: DefinitionFile[] = [];
    let at = 0;
    for (const e of entries) {
      const nl = batch.indexOf(0x0a, at);
      const size = Number(batch.subarray(at, nl).toString('utf8').split(' ')[2]);
      files.push({ path: e.path, text: batch.subarray(nl + 1, nl + 1 + size).toString('utf8'), commit: sha });
      at = nl + 1 + size + 1;
    }
    return files;
  }

  async function doPropose(proposal: Proposal): Promise<ProposeResult> {
    const { branch, path } = proposal;
    const base = await baseCommit();
    if ((await currentBranch()) === branch) {
      throw new GitHostError(`the branch ${branch} is checked out in ${options.cwd}; switch to the base branch so it can be updated without touching your working tree`);
    }
    const blob = await out(['hash-object', '-w', '--stdin'], { input: Buffer.from(proposal.text, 'utf8') });
    const existing = await git(['rev-parse', '--verify', '--quiet', `refs/heads/${branch}^{commit}`], { allowFail: true });
    const current = existing.code === 0 ? existing.stdout.toString('utf8').trim() : undefined;
    if (current !== undefined) {
      const there = await git(['rev-parse', '--verify', '--quiet', `${current}:${path}`], { allowFail: true });
      if (there.code === 0 && there.stdout.toString('utf8').trim() === blob) return { action: 'unchanged', branch, commit: current };
    }

    const parent = proposal.baseCommit ?? base.sha;
    const modeLine = await out(['ls-tree', '--full-tree', parent, '--', path]);
    const mode = /^(100644|100755) /.exec(modeLine)?.[1] ?? '100644';
    const scratch = await mkdtemp(join(tmpdir(), 'eppo-gitops-index-'));
    try {
      const indexEnv = { GIT_INDEX_FILE: join(scratch, 'index') };
      await git(['read-tree', parent], { env: indexEnv });
      await git(['update-index', '--add', '--cacheinfo', `${mode},${blob},${path}`], { env: indexEnv });
      const tree = await out(['write-tree'], { env: indexEnv });
      const commit = await out(['commit-tree', tree, '-p', parent, '-F', '-'], { input: proposal.commitMessage, env: await gitIdentity() });
      await git(['update-ref', '-m', `eppo-gitops: ${proposal.title}`, `refs/heads/${branch}`, commit, current ?? ZERO]);
      return { action: current === undefined ? 'created' : 'updated', branch, commit };
    } finally {
      await rm(scratch, { recursive: true, force: true });
    }
  }

  const wrap = async <T>(what: string, fn: () => Promise<T>): Promise<T> => {
    try {
      return await fn();
    } catch (error) {
      if (error instanceof GitHostError) throw error;
      throw new GitHostError(`${what} in ${options.cwd} failed: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
    }
  };
  return {
    kind: 'local',
    baseBranch: () => wrap('finding the base branch', baseBranch),
    readDefinitionFiles: (dir, only) => wrap(`reading definitions under ${dir}`, () => readDefinitionFiles(dir, only)),
    propose: (proposal) => lock(proposal.branch, () => wrap(`committing ${proposal.branch}`, () => doPropose(proposal))),
  };
}
