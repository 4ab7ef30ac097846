import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { copyCheckout, exec, NPM_ENV, root } from '../package/helpers.js';

/**
 * The pre-commit hook installed the way pre-commit installs a `language: node`
 * hook: `npm install -g --prefix <env> --install-links git+file://<repo>@<rev>`
 * (pre-commit 3.x, languages/node.py), from a release commit, the one a
 * release tag names (release.yml: the tagged source plus the built dist/).
 * npm prepares a git dependency by running `npm install` in a temporary clone,
 * which runs the package's lifecycle scripts; with `-g` the dev dependencies
 * are out of reach there, so building must not be attempted.
 */

type Hook = { id: string; entry: string; files: string };
const hook = (parse(readFileSync(join(root, '.pre-commit-hooks.yaml'), 'utf8')) as Hook[]).find((h) => h.id === 'eppo-gitops-validate')!;

let work: string;
let release: string;
let prefix: string;
let install: { code: number; out: string; err: string };
const gitEnv = { ...process.env, GIT_AUTHOR_NAME: 't', GIT_AUTHOR_EMAIL: 't@example.invalid', GIT_COMMITTER_NAME: 't', GIT_COMMITTER_EMAIL: 't@example.invalid', GIT_CONFIG_NOSYSTEM: '1' };
const git = (cwd: string, ...args: string[]) => execFileSync('git', args, { cwd, env: gitEnv, encoding: 'utf8' }).trim();

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'eppo-gitops-hook-install-'));
  const repo = join(work, 'eppo-gitops');
  await copyCheckout(repo);
  git(repo, 'init', '--quiet', '--initial-branch=main');
  git(repo, 'add', '--all');
  git(repo, 'commit', '--quiet', '-m', 'source');
  // The release commit: the source with its built dist/ on top, as release.yml makes it.
  symlinkSync(join(root, 'node_modules'), join(repo, 'node_modules'), 'dir');
  const build = await exec('npm', ['run', 'build'], { cwd: repo });
  if (build.code !== 0) throw new Error(`npm run build failed:\n${build.err}`);
  unlinkSync(join(repo, 'node_modules'));
  git(repo, 'add', '--force', 'dist');
  git(repo, 'commit', '--quiet', '-m', 'Release: the built dist/');
  release = git(repo, 'rev-parse', 'HEAD');
  git(repo, 'tag', 'v0.0.0-test');

  prefix = join(work, 'hook-env');
  install = await exec('npm', ['install', '-g', '--prefix', prefix, '--install-links', `git+file://${repo}#v0.0.0-test`, '--no-audit', '--no-fund'], {
    cwd: work,
    env: { ...NPM_ENV, npm_config_prefer_offline: 'true' },
  });
}, 300_000);

afterAll(() => {
  rmSync(work, { recursive: true, force: true });
});

describe('installing the pre-commit hook from a release commit', () => {
  it('succeeds without building, and without engine or install-script warnings', () => {
    expect(release).toMatch(/^[0-9a-f]{40}$/);
    expect(install.err).not.toContain('tsc: not found');
    expect(install.err).not.toContain('git dep preparation failed');
    expect(install.code).toBe(0);
    expect(install.err).not.toContain('EBADENGINE');
    expect(install.err).not.toContain('install-scripts');
  });

  it("runs the hook's entry on the staged files: a weights-sum problem fails the commit, a good file passes", async () => {
    const project = join(work, 'team-repo');
    mkdirSync(join(project, 'experiments'), { recursive: true });
    const valid = readFileSync(join(root, 'experiments', 'onboarding-checklist.yaml'), 'utf8');
    writeFileSync(join(project, 'experiments', 'onboarding-checklist.yaml'), valid);
    writeFileSync(join(project, 'experiments', 'broken.yaml'), valid.replace('experiment_key: onboarding-checklist', 'experiment_key: broken').replace('weight: 0.5', 'weight: 0.6'));
    const [command, ...args] = hook.entry.split(' ');
    const bin = join(prefix, 'bin', command!);
    const staged = ['experiments/broken.yaml', 'README.md'].filter((f) => new RegExp(hook.files).test(f));
    const failed = await exec(bin, [...args, ...staged], { cwd: project });
    expect(failed.out).toContain('experiments/broken.yaml:13:1  error  weights of active variations sum to 1.1, not 1  [weights-sum]');
    expect(failed.code).toBe(1);
    const passed = await exec(bin, [...args, 'experiments/onboarding-checklist.yaml'], { cwd: project });
    expect(passed).toMatchObject({ code: 0, out: '1 file checked: no problems\n' });
  });
});
