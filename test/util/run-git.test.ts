import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { GitHostError } from '../../src/errors.js';
import { buildGitEnv, isGitMissing, runGit } from '../../src/util/index.js';
import { createGitRepo, type GitRepo } from '../helpers/git-repo.js';

const repos: GitRepo[] = [];
const repo = (): GitRepo => {
  const r = createGitRepo({ files: { 'README.md': 'readme\n' } });
  repos.push(r);
  return r;
};
afterEach(() => {
  while (repos.length > 0) repos.pop()!.remove();
});

describe('runGit: the one way eppo-gitops runs git', () => {
  it("never lets the caller's GIT_DIR, GIT_WORK_TREE or GIT_INDEX_FILE point it at another repository", async () => {
    const mine = repo();
    const victim = repo();
    const victimHead = victim.head();
    const env = { ...mine.env, GIT_DIR: join(victim.dir, '.git'), GIT_WORK_TREE: victim.dir, GIT_INDEX_FILE: join(victim.dir, '.git', 'index') };
    const top = await runGit(['rev-parse', '--show-toplevel'], { cwd: mine.dir, env });
    expect(top.stdout.toString('utf8').trim()).toBe(mine.git('rev-parse', '--show-toplevel'));
    await runGit(['commit', '-q', '--allow-empty', '-m', 'mine'], { cwd: mine.dir, env });
    expect(mine.git('log', '-1', '--format=%s')).toBe('mine');
    expect(victim.head()).toBe(victimHead);
  });

  it('builds its environment from the caller\'s, without any GIT_* variable, never prompting', () => {
    expect(buildGitEnv({ PATH: '/bin', HOME: '/h', GIT_DIR: '/x', git_work_tree: '/y', UNSET: undefined }, { GIT_INDEX_FILE: '/tmp/i' })).toEqual({
      PATH: '/bin',
      HOME: '/h',
      GIT_TERMINAL_PROMPT: '0',
      GIT_INDEX_FILE: '/tmp/i',
    });
  });

  it('a failing command is a GitHostError naming the command, the folder, what git said and what to do', async () => {
    const r = repo();
    const failure = await runGit(['rev-parse', '--verify', 'no-such-branch'], { cwd: r.dir, env: r.env }).catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(GitHostError);
    expect((failure as Error).message).toBe(`git rev-parse --verify no-such-branch failed in ${r.dir}: fatal: Needed a single revision; check the repository with "git status" in that folder, then run again`);
    // allowFail: the exit code is the answer
    expect(await runGit(['rev-parse', '--verify', '--quiet', 'no-such-branch'], { cwd: r.dir, env: r.env, allowFail: true })).toMatchObject({ code: 1 });
  });

  it('outside a repository, with git missing, or in a folder that does not exist: says which, and what to do', async () => {
    const outside = mkdtempSync(join(tmpdir(), 'eppo-gitops-no-repo-'));
    try {
      const env = { PATH: process.env.PATH, HOME: outside };
      const notRepo = (await runGit(['status'], { cwd: outside, env }).catch((e: unknown) => e)) as Error;
      expect(notRepo.message).toMatch(/^git status failed in .*: fatal: not a git repository .*; run this in a checkout of the repository that holds the definitions, or use --git-host github$/);

      const missing = await runGit(['status'], { cwd: outside, env: { PATH: join(outside, 'no-bin'), HOME: outside } }).catch((e: unknown) => e);
      expect(missing).toBeInstanceOf(GitHostError);
      expect((missing as Error).message).toBe(`cannot run git status in ${outside}: git is not installed or not on PATH; install git, or use --git-host github`);
      expect(isGitMissing(missing)).toBe(true);
      expect(isGitMissing(notRepo)).toBe(false);

      const gone = join(outside, 'gone');
      const noFolder = (await runGit(['status'], { cwd: gone, env }).catch((e: unknown) => e)) as Error;
      expect(noFolder.message).toBe(`cannot run git status: the folder ${gone} does not exist; run it in a checkout of the repository`);
      expect(isGitMissing(noFolder)).toBe(false);
    } finally {
      rmSync(outside, { recursive: true, force: true });
    }
  });
});
