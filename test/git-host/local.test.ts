import { mkdtemp, readFile, rm, writeFile, symlink, chmod } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createLocalHost } from '../../src/git-host/index.js';
import type { FileChange, WriteBranchRequest } from '../../src/git-host/index.js';
import { fetchDefinitionFiles } from '../../src/outcomes/index.js';
import { GitHostError, InternalError } from '../../src/errors.js';
import { createGitRepo, type GitRepo } from '../helpers/git-repo.js';

let r: GitRepo;
let repo: string;
let env: Record<string, string | undefined>;
const git = (...args: string[]): string => r.git(...args);
/** a file's bytes at a revision, untrimmed */
const show = (rev: string, path: string): string => r.show(rev, path);

const DEF = 'experiment_key: a\r\nname: A   # keep me\r\n';
const BRANCH = 'eppo-gitops/outcome/a';
const FLAG_PATH = 'flags/a.flagd.json';

beforeEach(() => {
  r = createGitRepo({
    prefix: 'eppo-gitops-local-',
    files: {
      'experiments/a.yaml': DEF,
      'experiments/nested/b.yml': 'experiment_key: b\n',
      'experiments/notes.txt': 'not a definition\n',
      [FLAG_PATH]: '{"flags":{}}\n',
      'README.md': 'readme\n',
    },
  });
  repo = r.dir;
  env = r.env;
});
afterEach(() => {
  r.remove();
});

function write(files: FileChange[] | string, over: Partial<WriteBranchRequest> = {}): WriteBranchRequest {
  return {
    branch: BRANCH,
    base: git('rev-parse', 'main'),
    files: typeof files === 'string' ? [{ path: 'experiments/a.yaml', text: files }] : files,
    message: 'Record outcome of a: green (POSITIVE)\n\nbody\n',
    ...over,
  };
}

describe('local git host (git CLI on a real repository)', () => {
  it('reads the base head: its commit, the listing with modes and blob ids, and blobs byte for byte', async () => {
    await chmod(join(repo, 'README.md'), 0o755);
    await symlink('a.yaml', join(repo, 'experiments', 'link.yaml'));
    git('add', '.');
    git('commit', '-q', '-m', 'an executable and a link');
    const host = createLocalHost({ cwd: repo, env });
    const head = git('rev-parse', 'main');
    for (const _round of [1, 2]) {
      expect(await host.baseBranch()).toBe('main');
      expect(await host.baseHead()).toEqual({ branch: 'main', commit: head });
      const listing = await host.listFiles(head, 'experiments');
      const blob = (path: string): string => git('rev-parse', `main:${path}`);
      expect(listing).toEqual([
        { path: 'experiments/a.yaml', mode: '100644', blob: blob('experiments/a.yaml') },
        { path: 'experiments/link.yaml', mode: '120000', blob: blob('experiments/link.yaml') },
        { path: 'experiments/nested/b.yml', mode: '100644', blob: blob('experiments/nested/b.yml') },
        { path: 'experiments/notes.txt', mode: '100644', blob: blob('experiments/notes.txt') },
      ]);
      expect((await host.listFiles(head, '')).map((f) => [f.path, f.mode])).toEqual([
        ['README.md', '100755'],
        ['experiments/a.yaml', '100644'],
        ['experiments/link.yaml', '120000'],
        ['experiments/nested/b.yml', '100644'],
        ['experiments/notes.txt', '100644'],
        [FLAG_PATH, '100644'],
      ]);
      expect(await host.readBlobs(listing.map((f) => f.blob))).toEqual([DEF, 'a.yaml', 'experiment_key: b\n', 'not a definition\n']);
      expect(await host.readBlobs([])).toEqual([]);
      expect(await host.listFiles(head, 'nowhere')).toEqual([]);
    }
  });

  it('reads definitions at the base head, byte for byte, from a subfolder cwd too (paths stay from the repository root)', async () => {
    const host = createLocalHost({ cwd: repo, env });
    const files = await fetchDefinitionFiles(host, 'experiments');
    const head = git('rev-parse', 'main');
    expect(files).toEqual([
      { path: 'experiments/a.yaml', text: DEF, commit: head },
      { path: 'experiments/nested/b.yml', text: 'experiment_key: b\n', commit: head },
    ]);
    await writeFile(join(repo, 'experiments', 'a.yaml'), 'uncommitted edit\n');
    const fromSub = createLocalHost({ cwd: join(repo, 'experiments'), env });
    expect((await fetchDefinitionFiles(fromSub, 'experiments')).map((f) => [f.path, f.text])).toEqual([
      ['experiments/a.yaml', DEF],
      ['experiments/nested/b.yml', 'experiment_key: b\n'],
    ]);
    const head2 = await fromSub.baseHead();
    expect((await fromSub.listFiles(head2.commit, 'experiments/nested')).map((f) => f.path)).toEqual(['experiments/nested/b.yml']);
    expect(await fromSub.listFiles(head2.commit, 'nested')).toEqual([]);
  });

  it('has no pull requests: none found, none saved', async () => {
    const host = createLocalHost({ cwd: repo, env });
    expect(await host.findPullRequests(BRANCH)).toEqual([]);
    expect(await host.savePullRequest({ branch: BRANCH, base: 'main', title: 't', body: 'b', labels: ['x'] })).toBeUndefined();
    expect(git('for-each-ref', '--format=%(refname)')).toBe('refs/heads/main');
  });

  it('writes the branch without touching the working tree, the index or the current branch; twice is once', async () => {
    await writeFile(join(repo, 'README.md'), 'dirty working tree\n');
    const statusBefore = git('status', '--porcelain');
    const mainBefore = git('rev-parse', 'main');
    const host = createLocalHost({ cwd: repo, env });
    const text = `${DEF}outcome:\r\n  status: Concluded\r\n`;
    const first = await host.writeBranch(write(text));
    expect(first).toEqual({ action: 'created', branch: BRANCH, commit: git('rev-parse', BRANCH) });
    const second = await host.writeBranch(write(text));
    expect(second).toEqual({ action: 'unchanged', branch: BRANCH, commit: first.commit });
    expect(git('rev-parse', BRANCH)).toBe(first.commit);
    expect(git('rev-list', '--count', `main..${BRANCH}`)).toBe('1');
    expect(git('rev-parse', `${BRANCH}^`)).toBe(mainBefore);
    expect(show(BRANCH, 'experiments/a.yaml')).toBe(text);
    expect(git('diff', '--name-only', 'main', BRANCH)).toBe('experiments/a.yaml');
    expect(git('log', '-1', '--format=%s%n%an', BRANCH)).toBe('Record outcome of a: green (POSITIVE)\nTest Person');
    expect(git('symbolic-ref', '--short', 'HEAD')).toBe('main');
    expect(git('rev-parse', 'main')).toBe(mainBefore);
    expect(git('status', '--porcelain')).toBe(statusBefore);
    expect(await readFile(join(repo, 'README.md'), 'utf8')).toBe('dirty working tree\n');
  });

  it('a new content moves the branch to one new commit on the given base', async () => {
    const host = createLocalHost({ cwd: repo, env });
    await host.writeBranch(write(`${DEF}outcome: 1\r\n`));
    await writeFile(join(repo, 'README.md'), 'moved on\n');
    git('commit', '-q', '-am', 'base moves');
    for (const round of [1, 2]) {
      const updated = await host.writeBranch(write(`${DEF}outcome: 2\r\n`));
      expect(updated.action).toBe(round === 1 ? 'updated' : 'unchanged');
      expect(git('rev-parse', `${BRANCH}^`)).toBe(git('rev-parse', 'main'));
      expect(show(BRANCH, 'experiments/a.yaml')).toBe(`${DEF}outcome: 2\r\n`);
      expect(git('diff', '--name-only', 'main', BRANCH)).toBe('experiments/a.yaml');
    }
  });

  it('a base that moved meanwhile: the commit sits on the commit the text came from, and later writes keep it', async () => {
    const host = createLocalHost({ cwd: repo, env });
    const readAt = git('rev-parse', 'main');
    await writeFile(join(repo, 'experiments', 'a.yaml'), `${DEF}name: renamed\r\n`);
    git('commit', '-q', '-am', 'someone edits the definition');
    const text = `${DEF}outcome: 1\r\n`;
    for (const round of [1, 2]) {
      const r = await host.writeBranch(write(text, { base: readAt }));
      expect(r.action).toBe(round === 1 ? 'created' : 'unchanged');
      expect(git('rev-parse', `${BRANCH}^`)).toBe(readAt);
      expect(show('main', 'experiments/a.yaml')).toBe(`${DEF}name: renamed\r\n`);
    }
    // The same change read again at the new head: the branch still holds exactly it, so nothing is written.
    expect((await host.writeBranch(write(text))).action).toBe('unchanged');
  });

  it('several files go in one commit; a later write with fewer files drops the extra one', async () => {
    const host = createLocalHost({ cwd: repo, env });
    const definition = { path: 'experiments/a.yaml', text: `${DEF}outcome: green\r\n` };
    const flag = { path: FLAG_PATH, text: '{"flags":{"a":{"defaultVariant":"green"}}}\n' };
    for (const round of [1, 2]) {
      const r = await host.writeBranch(write([definition, flag]));
      expect(r.action).toBe(round === 1 ? 'created' : 'unchanged');
      expect(git('rev-list', '--count', `main..${BRANCH}`)).toBe('1');
      expect(git('diff', '--name-only', 'main', BRANCH).split('\n')).toEqual(['experiments/a.yaml', FLAG_PATH]);
      expect(show(BRANCH, 'experiments/a.yaml')).toBe(definition.text);
      expect(show(BRANCH, FLAG_PATH)).toBe(flag.text);
    }
    // The same definition without the flag edit: the flag file goes back to the base's.
    for (const round of [1, 2]) {
      const r = await host.writeBranch(write([definition]));
      expect(r.action).toBe(round === 1 ? 'updated' : 'unchanged');
      expect(git('rev-list', '--count', `main..${BRANCH}`)).toBe('1');
      expect(git('rev-parse', `${BRANCH}^`)).toBe(git('rev-parse', 'main'));
      expect(git('diff', '--name-only', 'main', BRANCH)).toBe('experiments/a.yaml');
      expect(show(BRANCH, 'experiments/a.yaml')).toBe(definition.text);
      expect(show(BRANCH, FLAG_PATH)).toBe('{"flags":{}}\n');
    }
    // A file given with the text it has at the base is no change: the branch already holds exactly that.
    expect((await host.writeBranch(write([definition, { path: FLAG_PATH, text: '{"flags":{}}\n' }]))).action).toBe('unchanged');
  });

  it('a commit someone else added to the branch is replaced by exactly the change', async () => {
    const host = createLocalHost({ cwd: repo, env });
    const text = `${DEF}outcome: 1\r\n`;
    await host.writeBranch(write(text));
    git('checkout', '-q', BRANCH);
    await writeFile(join(repo, 'README.md'), 'edited on the outcome branch\n');
    git('commit', '-q', '-am', 'a hand-made change');
    git('checkout', '-q', 'main');
    for (const round of [1, 2]) {
      expect((await host.writeBranch(write(text))).action).toBe(round === 1 ? 'updated' : 'unchanged');
      expect(git('diff', '--name-only', 'main', BRANCH)).toBe('experiments/a.yaml');
      expect(git('rev-parse', `${BRANCH}^`)).toBe(git('rev-parse', 'main'));
    }
  });

  it('keeps an executable file executable', async () => {
    await chmod(join(repo, 'experiments', 'a.yaml'), 0o755);
    git('commit', '-q', '-am', 'executable');
    const host = createLocalHost({ cwd: repo, env });
    await host.writeBranch(write(`${DEF}x: 1\r\n`));
    expect(git('ls-tree', BRANCH, '--', 'experiments/a.yaml').split(' ')[0]).toBe('100755');
  });

  it('concurrent writes of one branch give one commit', async () => {
    const host = createLocalHost({ cwd: repo, env });
    const results = await Promise.all(Array.from({ length: 5 }, () => host.writeBranch(write(`${DEF}x: 1\r\n`))));
    expect(results.filter((r) => r.action === 'created')).toHaveLength(1);
    expect(results.filter((r) => r.action === 'unchanged')).toHaveLength(4);
    expect(new Set(results.map((r) => r.commit)).size).toBe(1);
  });

  it('uses EPPO_GITOPS_BASE_BRANCH and a fallback identity when git has none', async () => {
    git('branch', 'release');
    git('config', '--unset', 'user.name');
    git('config', '--unset', 'user.email');
    const host = createLocalHost({ cwd: repo, env: { ...env, HOME: repo, EPPO_GITOPS_BASE_BRANCH: 'release' } });
    expect(await host.baseBranch()).toBe('release');
    expect(await host.baseHead()).toEqual({ branch: 'release', commit: git('rev-parse', 'release') });
    const r = await host.writeBranch(write(`${DEF}y: 1\r\n`, { base: git('rev-parse', 'release') }));
    expect(r.action).toBe('created');
    expect(git('log', '-1', '--format=%an <%ae>', BRANCH)).toBe('eppo-gitops <eppo-gitops@localhost>');
  });

  it('refuses a file set no branch can hold, before writing anything', async () => {
    const host = createLocalHost({ cwd: repo, env });
    const text = 'x: 1\n';
    await expect(host.writeBranch(write([]))).rejects.toThrow(new InternalError('writeBranch was given no file to write'));
    await expect(host.writeBranch(write([{ path: 'a', text }, { path: 'a', text }]))).rejects.toThrow(/given a twice/);
    for (const path of ['/etc/passwd', '../x', 'a//b', 'a/./b', '']) {
      await expect(host.writeBranch(write([{ path, text }]))).rejects.toBeInstanceOf(InternalError);
    }
    expect(git('for-each-ref', '--format=%(refname)')).toBe('refs/heads/main');
  });

  it('fails with a GitHostError that says what to do', async () => {
    const notRepo = await mkdtemp(join(tmpdir(), 'eppo-gitops-norepo-'));
    try {
      const host = createLocalHost({ cwd: notRepo, env: { ...env, GIT_CEILING_DIRECTORIES: tmpdir() } });
      await expect(host.baseHead()).rejects.toThrow(GitHostError);
      await expect(fetchDefinitionFiles(host, 'experiments')).rejects.toThrow(GitHostError);
    } finally {
      await rm(notRepo, { recursive: true, force: true });
    }
    const missing = createLocalHost({ cwd: repo, env: { ...env, EPPO_GITOPS_BASE_BRANCH: 'nope' } });
    await expect(fetchDefinitionFiles(missing, 'experiments')).rejects.toThrow(/base branch "nope" has no commit/);
    await expect(missing.readBlobs(['0'.repeat(40)])).rejects.toThrow(/git has no blob 0{40}/);
    git('checkout', '-q', '-b', BRANCH);
    const onBranch = createLocalHost({ cwd: repo, env: { ...env, EPPO_GITOPS_BASE_BRANCH: 'main' } });
    await expect(onBranch.writeBranch(write('x: 1\n'))).rejects.toThrow(/is checked out/);
  });
});

describe('trust item 15: a folder that is not a git repository', () => {
  it('is named as such by check() and by every read, never as a detached HEAD', async () => {
    const outside = await mkdtemp(join(tmpdir(), 'eppo-gitops-not-a-repo-'));
    try {
      const host = createLocalHost({ cwd: outside, env });
      const message = `${outside} is not a git repository (nor is any folder above it); run this in a checkout of the repository that holds the definitions, or use --git-host github`;
      await expect(host.check()).rejects.toThrow(new GitHostError(message));
      await expect(host.baseBranch()).rejects.toThrow(new GitHostError(message));
      await expect(host.baseHead()).rejects.toThrow(new GitHostError(message));
      await expect(createLocalHost({ cwd: repo, env }).check()).resolves.toBeUndefined();
    } finally {
      await rm(outside, { recursive: true, force: true });
    }
  });
});
