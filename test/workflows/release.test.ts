import { execFileSync, spawnSync } from 'node:child_process';
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

type Step = { name?: string; run?: string; env?: Record<string, string> };
const workflow = parse(readFileSync(join(import.meta.dirname, '..', '..', '.github', 'workflows', 'release.yml'), 'utf8')) as {
  jobs: { release: { steps: Step[] } };
};
const script = workflow.jobs.release.steps.find((s) => s.name?.startsWith('Point the version and major tags'))?.run ?? '';
const publishScript = workflow.jobs.release.steps.find((s) => s.name?.startsWith('Publish to npm'))?.run ?? '';
const trigger = (parse(readFileSync(join(import.meta.dirname, '..', '..', '.github', 'workflows', 'release.yml'), 'utf8')) as { on: { push: { tags: string[] } } }).on.push.tags;

let dir: string;
let origin: string;
let clone: string;
const env = { PATH: process.env.PATH, HOME: '', GIT_CONFIG_NOSYSTEM: '1', GIT_AUTHOR_NAME: 't', GIT_AUTHOR_EMAIL: 't@example.invalid', GIT_COMMITTER_NAME: 't', GIT_COMMITTER_EMAIL: 't@example.invalid' };
const git = (cwd: string, ...args: string[]) => gitIn(cwd, args, { home: env.HOME, env: { GIT_AUTHOR_NAME: 't', GIT_AUTHOR_EMAIL: 't@example.invalid', GIT_COMMITTER_NAME: 't', GIT_COMMITTER_EMAIL: 't@example.invalid' } });

function runTagStep(tag: string, cwd = clone) {
  writeFileSync(join(dir, 'step.sh'), script);
  return spawnSync('bash', ['--noprofile', '--norc', '-eo', 'pipefail', join(dir, 'step.sh')], {
    cwd,
    encoding: 'utf8',
    env: { ...env, TAG: tag, GITHUB_TOKEN: 'not-a-real-token', RUNNER_TEMP: dir },
  });
}

/**
 * What actions/checkout leaves for a tag push, in a fresh folder: the commit
 * the push named (GITHUB_SHA, the source commit even on a re-run, when the tag
 * has moved since) checked out, and the tag as a local lightweight ref to it.
 */
function checkoutLikeActions(tag: string, sha: string, from = origin): string {
  const folder = join(dir, `runner-${Math.random().toString(36).slice(2)}`);
  git(dir, 'clone', '--quiet', '--no-checkout', '--no-tags', from, folder);
  git(folder, 'checkout', '--quiet', '--detach', sha);
  git(folder, 'tag', '--force', tag, sha);
  build(folder);
  return folder;
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

/** What the workflow's build step leaves behind: an untracked (git-ignored) dist/, the same for the same source. */
function build(folder = clone) {
  mkdirSync(join(folder, 'dist', 'cli'), { recursive: true });
  writeFileSync(join(folder, 'dist', 'cli', 'bin.js'), 'console.log("built")\n');
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
    const released = git(origin, 'rev-parse', 'v1.2.0^{commit}');
    git(clone, 'checkout', '--quiet', '--detach', 'HEAD^');
    build();
    expect(runTagStep('v1.2.0').status).toBe(0);
    expect(git(origin, 'rev-parse', 'v1^{commit}')).toBe(git(origin, 'rev-parse', 'v1.2.0^{commit}'));
    expect(git(origin, 'rev-parse', 'v1.2.0^{commit}')).toBe(released);
    rmSync(join(clone, 'dist'), { recursive: true });
    const before = git(origin, 'rev-parse', 'v1^{commit}');
    expect(runTagStep('v1.2.0').status).not.toBe(0);
    expect(git(origin, 'rev-parse', 'v1^{commit}')).toBe(before);
  });

  it('a re-run in a fresh checkout of the source commit keeps the released SHA, so SHA pins stay valid', () => {
    const source = git(origin, 'rev-parse', 'v1.2.0^{commit}');
    expect(runTagStep('v1.2.0').status).toBe(0);
    const released = git(origin, 'rev-parse', 'v1.2.0^{commit}');
    const rerun = checkoutLikeActions('v1.2.0', source);
    const run = runTagStep('v1.2.0', rerun);
    expect(`${run.stdout}${run.stderr}`).not.toContain('not-a-real-token');
    expect(run.status).toBe(0);
    expect(run.stdout).toContain(`v1.2.0 already names ${released}, dist/ on top of ${source}: kept, so SHA pins stay valid`);
    expect(git(origin, 'rev-parse', 'v1.2.0^{commit}')).toBe(released);
    expect(git(origin, 'rev-parse', 'v1^{commit}')).toBe(released);
  });

  it('builds the same dist/ commit SHA from the same source on another run (fixed author, the source commit\'s dates)', () => {
    const source = git(origin, 'rev-parse', 'v1.2.0^{commit}');
    const twin = join(dir, 'twin.git');
    git(dir, 'clone', '--quiet', '--bare', origin, twin);
    expect(runTagStep('v1.2.0').status).toBe(0);
    const other = checkoutLikeActions('v1.2.0', source, twin);
    expect(runTagStep('v1.2.0', other).status).toBe(0);
    expect(git(twin, 'rev-parse', 'v1.2.0^{commit}')).toBe(git(origin, 'rev-parse', 'v1.2.0^{commit}'));
    expect(git(origin, 'log', '-1', '--format=%an <%ae>', 'v1.2.0')).toBe('github-actions[bot] <41898282+github-actions[bot]@users.noreply.github.com>');
    expect(git(origin, 'log', '-1', '--format=%cI', 'v1.2.0')).toBe(git(origin, 'log', '-1', '--format=%cI', source));
  });

  it('refuses when the tag names something that is neither the source nor a release of it', () => {
    git(clone, 'tag', '--force', 'v1.2.0', 'v1');
    git(clone, 'push', '--quiet', '--force', 'origin', 'v1.2.0');
    git(clone, 'checkout', '--quiet', '--detach', 'main');
    build();
    const run = runTagStep('v1.2.0');
    expect(run.status).not.toBe(0);
    expect(run.stdout).toContain('::error title=release::v1.2.0 names');
    expect(git(origin, 'rev-parse', 'v1.2.0^{commit}')).toBe(git(origin, 'rev-parse', 'v1^{commit}'));
  });

  it('a pre-release (v1.3.0-rc.1) gets its dist/ commit but never moves the major tag', () => {
    expect(trigger).toEqual(['v*.*.*']);
    const before = git(origin, 'rev-parse', 'v1^{commit}');
    git(clone, 'checkout', '--quiet', 'main');
    writeFileSync(join(clone, 'action.yml'), 'name: z\n');
    git(clone, 'commit', '--quiet', '-am', 'third');
    git(clone, 'tag', 'v1.3.0-rc.1');
    git(clone, 'push', '--quiet', 'origin', 'main', 'v1.3.0-rc.1');
    git(clone, 'checkout', '--quiet', '--detach', 'v1.3.0-rc.1');
    build();
    const run = runTagStep('v1.3.0-rc.1');
    expect(run.status).toBe(0);
    expect(run.stdout).toContain('v1.3.0-rc.1 is a pre-release: the major tag stays where it is');
    expect(git(origin, 'rev-parse', 'v1^{commit}')).toBe(before);
    const released = git(origin, 'rev-parse', 'v1.3.0-rc.1^{commit}');
    expect(git(origin, 'ls-tree', '-r', '--name-only', released)).toContain('dist/cli/bin.js');
  });

  it('keeps an annotated tag annotated: its message and its tagger', () => {
    git(clone, 'checkout', '--quiet', 'main');
    writeFileSync(join(clone, 'action.yml'), 'name: w\n');
    git(clone, 'commit', '--quiet', '-am', 'fourth');
    execFileSync('git', ['tag', '--annotate', '--message', 'v1.4.0: faster plans\n\nPlan reads pages in parallel.', 'v1.4.0'], {
      cwd: clone,
      env: { ...env, GIT_COMMITTER_NAME: 'Rel Ease', GIT_COMMITTER_EMAIL: 'rel@example.invalid', GIT_COMMITTER_DATE: '2026-03-01T10:00:00Z' },
    });
    git(clone, 'push', '--quiet', 'origin', 'main', 'v1.4.0');
    const source = git(origin, 'rev-parse', 'v1.4.0^{commit}');
    const runner = checkoutLikeActions('v1.4.0', source);
    expect(git(runner, 'cat-file', '-t', 'v1.4.0')).toBe('commit');
    const run = runTagStep('v1.4.0', runner);
    expect(run.status).toBe(0);
    expect(git(origin, 'cat-file', '-t', 'v1.4.0')).toBe('tag');
    expect(git(origin, 'for-each-ref', '--format=%(taggername) %(taggeremail) %(taggerdate:iso-strict)', 'refs/tags/v1.4.0')).toBe('Rel Ease <rel@example.invalid> 2026-03-01T10:00:00+00:00');
    expect(git(origin, 'for-each-ref', '--format=%(contents)', 'refs/tags/v1.4.0')).toBe('v1.4.0: faster plans\n\nPlan reads pages in parallel.');
    expect(git(origin, 'rev-parse', 'v1.4.0^{commit}^')).toBe(source);
    expect(git(origin, 'rev-parse', 'v1^{commit}')).toBe(git(origin, 'rev-parse', 'v1.4.0^{commit}'));
    // A re-run keeps the annotated release tag as it is.
    const tagObject = git(origin, 'rev-parse', 'v1.4.0');
    expect(runTagStep('v1.4.0', checkoutLikeActions('v1.4.0', source)).status).toBe(0);
    expect(git(origin, 'rev-parse', 'v1.4.0')).toBe(tagObject);
  });
});

describe('release.yml publish step', () => {
  /** Runs the step with an npm on PATH that records its arguments; `published` says whether the version is on npm. */
  function publish(tag: string, published: boolean): string[] {
    const bin = join(dir, 'bin');
    mkdirSync(bin, { recursive: true });
    const log = join(dir, 'npm.log');
    writeFileSync(log, '');
    writeFileSync(
      join(bin, 'npm'),
      `#!/bin/sh\necho "$*" >> '${log}'\nif [ "$1" = view ]; then ${published ? 'echo 1.2.0' : 'exit 1'}; fi\n`,
      { mode: 0o755 },
    );
    writeFileSync(join(clone, 'package.json'), JSON.stringify({ name: 'eppo-gitops', version: tag.slice(1) }));
    writeFileSync(join(dir, 'publish.sh'), publishScript);
    const run = spawnSync('bash', ['--noprofile', '--norc', '-eo', 'pipefail', join(dir, 'publish.sh')], {
      cwd: clone,
      encoding: 'utf8',
      env: { ...env, PATH: `${bin}:${process.env.PATH}`, TAG: tag, NODE_AUTH_TOKEN: 'not-a-real-token' },
    });
    expect(run.status).toBe(0);
    return readFileSync(log, 'utf8').trim().split('\n');
  }

  it('publishes a release as latest and a pre-release as next, and nothing already on npm', () => {
    expect(publish('v1.2.0', false)).toEqual(['view eppo-gitops@1.2.0 version', 'publish --provenance --access public --tag latest']);
    expect(publish('v1.3.0-rc.1', false)).toEqual(['view eppo-gitops@1.3.0-rc.1 version', 'publish --provenance --access public --tag next']);
    expect(publish('v1.2.0', true)).toEqual(['view eppo-gitops@1.2.0 version']);
  });
});
