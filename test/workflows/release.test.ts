import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { gitIn } from '../helpers/git-repo.js';

/**
 * Runs release.yml's tagging step as the runner would, in a clone of a local
 * bare repository standing in for GitHub: after a build, the version tag and
 * the major tag must name a commit that holds dist/ on top of the tagged source.
 */

type Step = { name?: string; run?: string };
const workflow = parse(readFileSync(join(import.meta.dirname, '..', '..', '.github', 'workflows', 'release.yml'), 'utf8')) as {
  jobs: { release: { steps: Step[] } };
};
const script = workflow.jobs.release.steps.find((s) => s.name?.startsWith('Point the version and major tags'))?.run ?? '';

let dir: string;
let origin: string;
let clone: string;
const env = { PATH: process.env.PATH, HOME: '', GIT_CONFIG_NOSYSTEM: '1', GIT_AUTHOR_NAME: 't', GIT_AUTHOR_EMAIL: 't@example.invalid', GIT_COMMITTER_NAME: 't', GIT_COMMITTER_EMAIL: 't@example.invalid' };
const git = (cwd: string, ...args: string[]) => gitIn(cwd, args, { home: env.HOME, env: { GIT_AUTHOR_NAME: 't', GIT_AUTHOR_EMAIL: 't@example.invalid', GIT_COMMITTER_NAME: 't', GIT_COMMITTER_EMAIL: 't@example.invalid' } });

function runTagStep(tag: string) {
  writeFileSync(join(dir, 'step.sh'), script);
  return spawnSync('bash', ['--noprofile', '--norc', '-eo', 'pipefail', join(dir, 'step.sh')], {
    cwd: clone,
    encoding: 'utf8',
    env: { ...env, TAG: tag, GITHUB_TOKEN: 'not-a-real-token' },
  });
}

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'eppo-gitops-release-'));
  env.HOME = dir;
  origin = join(dir, 'origin.git');
  clone = join(dir, 'clone');
  git(dir, 'init', '--quiet', '--bare', '--initial-branch=main', origin);
  git(dir, 'clone', '--quiet', origin, clone);
  writeFileSync(join(clone, '.gitignore'), 'dist/\n');
  writeFileSync(join(clone, 'action.yml'), 'name: x\n');
  git(clone, 'add', '.');
  git(clone, 'commit', '--quiet', '-m', 'first');
  git(clone, 'tag', 'v1');
  writeFileSync(join(clone, 'action.yml'), 'name: y\n');
  git(clone, 'commit', '--quiet', '-am', 'second');
  git(clone, 'tag', 'v1.2.0');
  git(clone, 'push', '--quiet', 'origin', 'main', 'v1', 'v1.2.0');
  git(clone, 'checkout', '--quiet', '--detach', 'v1.2.0');
  build();
});

/** What the workflow's build step leaves behind: an untracked (git-ignored) dist/. */
function build() {
  mkdirSync(join(clone, 'dist', 'cli'), { recursive: true });
  writeFileSync(join(clone, 'dist', 'cli', 'bin.js'), 'console.log("built")\n');
}

afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

describe('release.yml tagging step', () => {
  it('points the version tag and the major tag at a commit holding dist/ on top of the tagged source', () => {
    const source = git(origin, 'rev-parse', 'v1.2.0^{commit}');
    const run = runTagStep('v1.2.0');
    expect(run.status).toBe(0);
    expect(`${run.stdout}${run.stderr}`).not.toContain('not-a-real-token');
    const released = git(origin, 'rev-parse', 'v1.2.0^{commit}');
    expect(released).not.toBe(source);
    expect(git(origin, 'rev-parse', 'v1^{commit}')).toBe(released);
    expect(git(origin, 'rev-parse', `${released}^`)).toBe(source);
    expect(git(origin, 'ls-tree', '-r', '--name-only', released).split('\n')).toEqual(['.gitignore', 'action.yml', 'dist/cli/bin.js']);
    expect(git(origin, 'rev-parse', 'main')).toBe(source);
    expect(run.stdout).toContain(`v1.2.0 and v1 now point at ${released}, which holds dist/`);
  });

  it('can run again (a re-run of the job) and refuses to tag without a build', () => {
    expect(runTagStep('v1.2.0').status).toBe(0);
    git(clone, 'checkout', '--quiet', '--detach', 'HEAD^');
    build();
    expect(runTagStep('v1.2.0').status).toBe(0);
    expect(git(origin, 'rev-parse', 'v1^{commit}')).toBe(git(origin, 'rev-parse', 'v1.2.0^{commit}'));
    rmSync(join(clone, 'dist'), { recursive: true });
    const before = git(origin, 'rev-parse', 'v1^{commit}');
    expect(runTagStep('v1.2.0').status).not.toBe(0);
    expect(git(origin, 'rev-parse', 'v1^{commit}')).toBe(before);
  });
});
