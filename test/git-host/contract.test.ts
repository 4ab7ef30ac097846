import { chmodSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { GitHostError } from '../../src/errors.js';
import { createGitHubHost, createLocalHost, createOctokit, gitBlobSha, type GitHost, type WriteBranchRequest } from '../../src/git-host/index.js';
import { startFakeGitHub, type FakeGitHub } from '../helpers/fake-github.js';
import { createGitRepo, createGitWrapper, type GitRepo, type GitWrapper } from '../helpers/git-repo.js';

// One contract, both adapters: what src/outcomes relies on must not depend on
// which git host runs it.

const FILES: Record<string, string> = {
  'experiments/a.yaml': 'experiment_key: a\r\nname: A   # keep me\r\n',
  'experiments/nested/b.yml': 'experiment_key: b\n',
  'tools/run.sh': '#!/bin/sh\necho run\n',
  'README.md': 'readme\n',
};
const LINK = 'experiments/link.yaml';
const BRANCH = 'eppo-gitops/outcome/a';

/** What a test needs of one adapter, and of the repository behind it. */
interface Adapter {
  host: GitHost;
  /** another host on the same repository, as in another process (no lock shared) */
  replica(): GitHost;
  /** a host whose base branch does not exist */
  withBase(branch: string): GitHost;
  /** a host that cannot reach the repository at all */
  unreachable(): GitHost;
  /** the commit a branch is at */
  headOf(branch: string): string | undefined;
  /** path → mode at a branch */
  modes(branch: string): Record<string, string>;
  /** path → text at a branch */
  files(branch: string): Record<string, string>;
  /** the parents of a commit */
  parents(commit: string): string[];
  /**
   * Arranges that another writer writes `theirs` to its branch after the next
   * writeBranch looked at the branch (and found none) and before it writes.
   */
  raceNextWrite(theirs: WriteBranchRequest): Promise<void>;
  close(): Promise<void>;
}

async function githubAdapter(): Promise<Adapter> {
  const github: FakeGitHub = await startFakeGitHub();
  github.commitFiles({ ...FILES, [LINK]: 'a.yaml' }, { modes: { 'tools/run.sh': '100755', [LINK]: '120000' }, message: 'definitions' });
  const build = (over: { repo?: string; baseBranch?: string } = {}): GitHost =>
    createGitHubHost({
      octokit: createOctokit({ token: github.token, baseUrl: github.url, retries: 0 }),
      owner: github.owner,
      repo: over.repo ?? github.repo,
      ...(over.baseBranch === undefined ? {} : { baseBranch: over.baseBranch }),
    });
  return {
    host: build(),
    replica: () => build(),
    withBase: (baseBranch) => build({ baseBranch }),
    unreachable: () => build({ repo: 'no-such-repository' }),
    headOf: (branch) => github.branchHead(branch),
    modes: (branch) => github.modes(branch),
    files: (branch) => github.files(branch),
    parents: (commit) => github.commit(commit)?.parents ?? [],
    async raceNextWrite(theirs) {
      await build().writeBranch(theirs);
      // This host's look at the branch happened before theirs was created.
      github.failNext(1, 404, (method, path) => method === 'GET' && path.endsWith(`/git/ref/heads/${theirs.branch}`));
    },
    close: () => github.close(),
  };
}

async function localAdapter(): Promise<Adapter> {
  const repo: GitRepo = createGitRepo({ prefix: 'eppo-gitops-contract-' });
  repo.write(FILES);
  chmodSync(join(repo.dir, 'tools/run.sh'), 0o755);
  repo.link({ [LINK]: 'a.yaml' });
  repo.commit('definitions');
  const wrapper: GitWrapper = createGitWrapper();
  // Run from a sub-folder: paths still are from the repository root.
  const build = (env: Record<string, string | undefined> = {}, cwd = join(repo.dir, 'experiments', 'nested')): GitHost =>
    createLocalHost({ cwd, env: { ...repo.env, PATH: wrapper.path, ...env } });
  const lines = (text: string): string[] => text.split('\n').filter((l) => l !== '');
  return {
    host: build(),
    replica: () => build(),
    withBase: (branch) => build({ EPPO_GITOPS_BASE_BRANCH: branch }),
    unreachable: () => build({}, '/'),
    headOf: (branch) => repo.git('for-each-ref', '--format=%(objectname)', `refs/heads/${branch}`) || undefined,
    modes: (branch) => Object.fromEntries(lines(repo.git('ls-tree', '-r', branch)).map((l) => [l.slice(l.indexOf('\t') + 1), l.split(' ')[0]!])),
    files: (branch) => Object.fromEntries(lines(repo.git('ls-tree', '-r', '--name-only', branch)).map((path) => [path, repo.show(branch, path)])),
    parents: (commit) => repo.git('rev-list', '--parents', '-n', '1', commit).split(' ').slice(1),
    async raceNextWrite(theirs) {
      const scratch = `${theirs.branch}-theirs`;
      const made = await build().writeBranch({ ...theirs, branch: scratch });
      repo.git('update-ref', '-d', `refs/heads/${scratch}`);
      wrapper.before('update-ref', repo.dir, ['update-ref', `refs/heads/${theirs.branch}`, made.commit]);
    },
    async close() {
      wrapper.remove();
      repo.remove();
    },
  };
}

describe.each([
  ['github (REST API on a fake GitHub)', githubAdapter],
  ['local (git CLI in a temporary repository)', localAdapter],
])('git host contract: %s', (_name, start) => {
  let a: Adapter;
  beforeEach(async () => {
    a = await start();
  });
  afterEach(async () => {
    await a.close();
  });

  const write = (files: Record<string, string>, over: Partial<WriteBranchRequest> = {}): WriteBranchRequest => ({
    branch: BRANCH,
    base: a.headOf('main')!,
    files: Object.entries(files).map(([path, text]) => ({ path, text })),
    message: 'Record outcome of a: green (POSITIVE)\n\nWhy, in the body.\n',
    ...over,
  });

  it('dir is a path from the repository root, however it is spelt and wherever the local host runs', async () => {
    const head = await a.host.baseHead();
    expect(head).toEqual({ branch: 'main', commit: a.headOf('main') });
    const blob = (path: string): string => gitBlobSha(path === LINK ? 'a.yaml' : FILES[path]!);
    const experiments = [
      { path: 'experiments/a.yaml', mode: '100644', blob: blob('experiments/a.yaml') },
      { path: LINK, mode: '120000', blob: blob(LINK) },
      { path: 'experiments/nested/b.yml', mode: '100644', blob: blob('experiments/nested/b.yml') },
    ];
    for (const dir of ['experiments', './experiments/', 'experiments//', '/experiments']) expect(await a.host.listFiles(head.commit, dir), dir).toEqual(experiments);
    expect(await a.host.listFiles(head.commit, 'experiments/nested')).toEqual([experiments[2]]);
    expect(await a.host.listFiles(head.commit, 'experiments/a.yaml')).toEqual([experiments[0]]);
    // Relative to the local host's folder, these would name something: from the root, they do not.
    expect(await a.host.listFiles(head.commit, 'b.yml')).toEqual([]);
    expect(await a.host.listFiles(head.commit, 'nowhere')).toEqual([]);
    for (const root of ['', '.']) {
      expect((await a.host.listFiles(head.commit, root)).map((f) => [f.path, f.mode])).toEqual([
        ['README.md', '100644'],
        ['experiments/a.yaml', '100644'],
        [LINK, '120000'],
        ['experiments/nested/b.yml', '100644'],
        ['tools/run.sh', '100755'],
      ]);
    }
    expect(await a.host.readBlobs(experiments.map((f) => f.blob))).toEqual([FILES['experiments/a.yaml'], 'a.yaml', FILES['experiments/nested/b.yml']]);
  });

  it('modes: an executable stays executable; a symbolic link or a new file becomes a plain file', async () => {
    const result = await a.host.writeBranch(write({ 'tools/run.sh': '#!/bin/sh\necho changed\n', [LINK]: 'experiment_key: link\n', 'experiments/new.yaml': 'experiment_key: new\n' }));
    expect(result).toEqual({ action: 'created', branch: BRANCH, commit: a.headOf(BRANCH) });
    const modes = a.modes(BRANCH);
    expect([modes['tools/run.sh'], modes[LINK], modes['experiments/new.yaml'], modes['experiments/a.yaml']]).toEqual(['100755', '100644', '100644', '100644']);
    expect(a.files(BRANCH)[LINK]).toBe('experiment_key: link\n');
    expect(a.parents(result.commit)).toEqual([a.headOf('main')]);
    // Written again: nothing to do.
    expect(await a.host.writeBranch(write({ 'tools/run.sh': '#!/bin/sh\necho changed\n', [LINK]: 'experiment_key: link\n', 'experiments/new.yaml': 'experiment_key: new\n' }))).toEqual({
      action: 'unchanged',
      branch: BRANCH,
      commit: result.commit,
    });
  });

  it('the branch race: another writer creating the branch first is settled, never an error', async () => {
    const change = { 'experiments/a.yaml': 'experiment_key: a\noutcome: {}\n' };
    // Theirs holds the same change: their commit is kept.
    await a.raceNextWrite(write(change));
    const same = await a.host.writeBranch(write(change));
    expect(same).toEqual({ action: 'unchanged', branch: BRANCH, commit: a.headOf(BRANCH) });
    expect(a.files(BRANCH)['experiments/a.yaml']).toBe(change['experiments/a.yaml']);

    // Theirs holds another change: this write wins, as one commit on the base.
    const other = `${BRANCH}-2`;
    await a.raceNextWrite(write({ 'README.md': 'theirs\n' }, { branch: other }));
    const mine = await a.host.writeBranch(write(change, { branch: other }));
    expect(mine).toEqual({ action: 'updated', branch: other, commit: a.headOf(other) });
    expect(a.files(other)['README.md']).toBe(FILES['README.md']);
    expect(a.files(other)['experiments/a.yaml']).toBe(change['experiments/a.yaml']);
    expect(a.parents(mine.commit)).toEqual([a.headOf('main')]);
  });

  it('concurrent writes of one branch by replicas end with one branch holding the change, and no error', async () => {
    const change = { 'experiments/a.yaml': 'experiment_key: a\noutcome: {}\n' };
    const results = await Promise.all(Array.from({ length: 4 }, () => a.replica().writeBranch(write(change))));
    const head = a.headOf(BRANCH);
    expect(results.filter((r) => r.action === 'created')).toHaveLength(1);
    expect(results.every((r) => r.branch === BRANCH)).toBe(true);
    expect(a.files(BRANCH)['experiments/a.yaml']).toBe(change['experiments/a.yaml']);
    expect(a.parents(head!)).toEqual([a.headOf('main')]);
  });

  it('check() at start: passes on a usable repository; says what to do when there is none, or no base branch', async () => {
    await expect(a.host.check()).resolves.toBeUndefined();
    const unreachable = await a.unreachable().check().catch((e: unknown) => e);
    expect(unreachable).toBeInstanceOf(GitHostError);
    expect((unreachable as Error).message).toMatch(/(GITHUB_REPOSITORY|is not a git repository)/);

    const noBase = await a.withBase('release-9').check().catch((e: unknown) => e);
    expect(noBase).toBeInstanceOf(GitHostError);
    expect((noBase as Error).message).toMatch(/the base branch "release-9" (does not exist|has no commit) in .*; .*set EPPO_GITOPS_BASE_BRANCH/);
  });

  it('messages: every failure is a GitHostError that says what failed, where, and what to do next', async () => {
    const failures = [
      await a.withBase('release-9').baseHead().catch((e: unknown) => e),
      await a.host.readBlobs(['0'.repeat(40)]).catch((e: unknown) => e),
      await a.unreachable().baseHead().catch((e: unknown) => e),
    ];
    for (const failure of failures) {
      expect(failure).toBeInstanceOf(GitHostError);
      const message = (failure as Error).message;
      // what and where, then "; " and the next step
      expect(message, message).toMatch(/^.*(acme\/experiments|no-such-repository|\/tmp\/|\/ ).*; (check|set|run|commit|read|use|give|install|wait)[^;]*$/);
    }
  });
});
