import { execFileSync } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createLocalHost } from '../../src/git-host/index.js';
import type { Proposal } from '../../src/git-host/index.js';
import { GitHostError } from '../../src/errors.js';

let repo: string;
const env = { ...process.env, GIT_CONFIG_NOSYSTEM: '1', HOME: '' };
const git = (...args: string[]): string => execFileSync('git', args, { cwd: repo, env: { ...env, HOME: repo }, encoding: 'utf8' }).trim();

const DEF = 'experiment_key: a\r\nname: A   # keep me\r\n';

beforeEach(async () => {
  repo = await mkdtemp(join(tmpdir(), 'eppo-gitops-local-'));
  git('init', '-q', '-b', 'main');
  git('config', 'user.name', 'Test Person');
  git('config', 'user.email', 'test@example.com');
  git('config', 'core.autocrlf', 'false');
  await mkdir(join(repo, 'experiments', 'nested'), { recursive: true });
  await writeFile(join(repo, 'experiments', 'a.yaml'), DEF);
  await writeFile(join(repo, 'experiments', 'nested', 'b.yml'), 'experiment_key: b\n');
  await writeFile(join(repo, 'experiments', 'notes.txt'), 'not a definition\n');
  await writeFile(join(repo, 'README.md'), 'readme\n');
  git('add', '.');
  git('commit', '-q', '-m', 'definitions');
});
afterEach(async () => {
  await rm(repo, { recursive: true, force: true });
});

function proposal(text: string, over: Partial<Proposal> = {}): Proposal {
  return {
    branch: 'eppo-gitops/outcome/a',
    path: 'experiments/a.yaml',
    text,
    commitMessage: 'Record outcome of a: green (POSITIVE)\n\nbody\n',
    title: 'Record outcome: A — green (POSITIVE)',
    body: 'body',
    labels: ['experiment-outcome'],
    marker: { experiment_id: 1, outcome: 'POSITIVE', winning_variant_key: 'green' },
    ...over,
  };
}

describe('local git host (git CLI on a real repository)', () => {
  it('reads definitions at the base head, byte for byte, from a subfolder cwd too', async () => {
    const host = createLocalHost({ cwd: repo, env });
    expect(await host.baseBranch()).toBe('main');
    const files = await host.readDefinitionFiles('experiments');
    const head = git('rev-parse', 'main');
    expect(files).toEqual([
      { path: 'experiments/a.yaml', text: DEF, commit: head },
      { path: 'experiments/nested/b.yml', text: 'experiment_key: b\n', commit: head },
    ]);
    await writeFile(join(repo, 'experiments', 'a.yaml'), 'uncommitted edit\n');
    const fromSub = createLocalHost({ cwd: join(repo, 'experiments'), env });
    expect((await fromSub.readDefinitionFiles('.')).map((f) => [f.path, f.text])).toEqual([
      ['experiments/a.yaml', DEF],
      ['experiments/nested/b.yml', 'experiment_key: b\n'],
    ]);
  });

  it('commits on the outcome branch without touching the working tree, the index or the current branch; twice is once', async () => {
    await writeFile(join(repo, 'README.md'), 'dirty working tree\n');
    const statusBefore = git('status', '--porcelain');
    const mainBefore = git('rev-parse', 'main');
    const host = createLocalHost({ cwd: repo, env });
    const text = `${DEF}outcome:\r\n  status: Concluded\r\n`;
    const first = await host.propose(proposal(text));
    expect(first).toMatchObject({ action: 'created', branch: 'eppo-gitops/outcome/a' });
    const second = await host.propose(proposal(text));
    expect(second).toEqual({ action: 'unchanged', branch: 'eppo-gitops/outcome/a', commit: (first as { commit: string }).commit });
    expect(git('rev-parse', 'eppo-gitops/outcome/a')).toBe((first as { commit: string }).commit);
    expect(git('rev-list', '--count', 'main..eppo-gitops/outcome/a')).toBe('1');
    expect(git('rev-parse', 'eppo-gitops/outcome/a^')).toBe(mainBefore);
    expect(git('show', 'eppo-gitops/outcome/a:experiments/a.yaml')).toBe(text.trim());
    expect(execFileSync('git', ['show', 'eppo-gitops/outcome/a:experiments/a.yaml'], { cwd: repo }).toString('utf8')).toBe(text);
    expect(git('diff', '--name-only', 'main', 'eppo-gitops/outcome/a')).toBe('experiments/a.yaml');
    expect(git('log', '-1', '--format=%s%n%an', 'eppo-gitops/outcome/a')).toBe('Record outcome of a: green (POSITIVE)\nTest Person');
    expect(git('symbolic-ref', '--short', 'HEAD')).toBe('main');
    expect(git('rev-parse', 'main')).toBe(mainBefore);
    expect(git('status', '--porcelain')).toBe(statusBefore);
    expect(await readFile(join(repo, 'README.md'), 'utf8')).toBe('dirty working tree\n');
  });

  it('a new content moves the branch to one new commit on the current base head', async () => {
    const host = createLocalHost({ cwd: repo, env });
    await host.propose(proposal(`${DEF}outcome: 1\r\n`));
    await writeFile(join(repo, 'README.md'), 'moved on\n');
    git('commit', '-q', '-am', 'base moves');
    const updated = await host.propose(proposal(`${DEF}outcome: 2\r\n`));
    expect(updated.action).toBe('updated');
    expect(git('rev-parse', 'eppo-gitops/outcome/a^')).toBe(git('rev-parse', 'main'));
    expect(git('show', 'eppo-gitops/outcome/a:experiments/a.yaml')).toBe(`${DEF}outcome: 2`.replace(/\r?\n$/, ''));
  });

  it('concurrent proposals of one branch give one commit', async () => {
    const host = createLocalHost({ cwd: repo, env });
    const results = await Promise.all(Array.from({ length: 5 }, () => host.propose(proposal(`${DEF}x: 1\r\n`))));
    expect(results.filter((r) => r.action === 'created')).toHaveLength(1);
    expect(results.filter((r) => r.action === 'unchanged')).toHaveLength(4);
  });

  it('uses EPPO_GITOPS_BASE_BRANCH and a fallback identity when git has none', async () => {
    git('branch', 'release');
    git('config', '--unset', 'user.name');
    git('config', '--unset', 'user.email');
    const host = createLocalHost({ cwd: repo, env: { ...env, HOME: repo, EPPO_GITOPS_BASE_BRANCH: 'release' } });
    expect(await host.baseBranch()).toBe('release');
    const r = await host.propose(proposal(`${DEF}y: 1\r\n`));
    expect(r.action).toBe('created');
    expect(git('log', '-1', '--format=%an <%ae>', 'eppo-gitops/outcome/a')).toBe('eppo-gitops <eppo-gitops@localhost>');
  });

  it('fails with a GitHostError that says what to do', async () => {
    const notRepo = await mkdtemp(join(tmpdir(), 'eppo-gitops-norepo-'));
    try {
      const host = createLocalHost({ cwd: notRepo, env: { ...env, GIT_CEILING_DIRECTORIES: tmpdir() } });
      await expect(host.readDefinitionFiles('experiments')).rejects.toThrow(GitHostError);
    } finally {
      await rm(notRepo, { recursive: true, force: true });
    }
    const missing = createLocalHost({ cwd: repo, env: { ...env, EPPO_GITOPS_BASE_BRANCH: 'nope' } });
    await expect(missing.readDefinitionFiles('experiments')).rejects.toThrow(/base branch "nope" has no commit/);
    git('checkout', '-q', '-b', 'eppo-gitops/outcome/a');
    const onBranch = createLocalHost({ cwd: repo, env: { ...env, EPPO_GITOPS_BASE_BRANCH: 'main' } });
    await expect(onBranch.propose(proposal('x: 1\n'))).rejects.toThrow(/is checked out/);
  });
});
