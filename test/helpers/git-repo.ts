import { execFileSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { createGitHubHost, createLocalHost, createOctokit, type GitHost } from '../../src/git-host/index.js';
import type { FakeGitHub } from './fake-github.js';

/**
 * The environment git runs with in tests: the system PATH, HOME at `home` (so
 * no one's global config leaks in) and no system config.
 */
export function gitTestEnv(home: string): Record<string, string | undefined> {
  return { PATH: process.env.PATH, HOME: home, GIT_CONFIG_NOSYSTEM: '1' };
}

/**
 * Runs git in `cwd` with `gitTestEnv(home)` (home defaults to `cwd`) and any
 * `env` on top (an identity, say); stdout trimmed.
 */
export function gitIn(cwd: string, args: readonly string[], options: { home?: string; env?: Record<string, string> } = {}): string {
  return execFileSync('git', args, { cwd, env: { ...gitTestEnv(options.home ?? cwd), ...options.env }, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 }).trim();
}

export interface GitRepo {
  /** the repository's folder (a temp folder) */
  dir: string;
  /** the environment to hand to code under test: `gitTestEnv(dir)` */
  env: Record<string, string | undefined>;
  /** git in the repository; stdout trimmed */
  git(...args: string[]): string;
  /** a file's bytes at a revision, untrimmed */
  show(rev: string, path: string): string;
  /** writes files (folders made as needed); `null` deletes one */
  write(files: Record<string, string | null>): void;
  /** symbolic links: path → target */
  link(links: Record<string, string>): void;
  /** writes `files` (if any), stages everything and commits; returns the new commit */
  commit(message: string, files?: Record<string, string | null>): string;
  /** the commit a revision names */
  head(rev?: string): string;
  /** removes the folder */
  remove(): void;
}

export interface GitRepoOptions {
  /** the branch `init` makes; default main */
  branch?: string;
  /** user.name and user.email in the repository's config; default true */
  identity?: boolean;
  /** files of a first commit; none, no commit */
  files?: Record<string, string>;
  /** prefix of the temp folder */
  prefix?: string;
}

/**
 * A fresh repository in a temp folder, HOME inside it, core.autocrlf off:
 * the bootstrap every test of a git host, the outcome commands or init needs.
 */
export function createGitRepo(options: GitRepoOptions = {}): GitRepo {
  const dir = mkdtempSync(join(tmpdir(), options.prefix ?? 'eppo-gitops-repo-'));
  const git = (...args: string[]): string => gitIn(dir, args);
  const write = (files: Record<string, string | null>): void => {
    for (const [path, text] of Object.entries(files)) {
      if (text === null) rmSync(join(dir, path), { force: true });
      else {
        mkdirSync(dirname(join(dir, path)), { recursive: true });
        writeFileSync(join(dir, path), text);
      }
    }
  };
  git('init', '-q', '-b', options.branch ?? 'main');
  git('config', 'core.autocrlf', 'false');
  if (options.identity !== false) {
    git('config', 'user.name', 'Test Person');
    git('config', 'user.email', 'test@example.com');
  }
  const repo: GitRepo = {
    dir,
    env: gitTestEnv(dir),
    git,
    show: (rev, path) => execFileSync('git', ['show', `${rev}:${path}`], { cwd: dir, env: { ...gitTestEnv(dir) } }).toString('utf8'),
    write,
    link(links) {
      for (const [path, target] of Object.entries(links)) {
        mkdirSync(dirname(join(dir, path)), { recursive: true });
        symlinkSync(target, join(dir, path));
      }
    },
    commit(message, files) {
      if (files !== undefined) write(files);
      git('add', '-A');
      const who = options.identity === false ? ['-c', 'user.name=T', '-c', 'user.email=t@example.com'] : [];
      git(...who, 'commit', '-q', '--allow-empty', '-m', message);
      return git('rev-parse', 'HEAD');
    },
    head: (rev = 'HEAD') => git('rev-parse', rev),
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
  if (options.files !== undefined) repo.commit('definitions', options.files);
  return repo;
}

export interface HostPair {
  github: GitHost;
  local: GitHost;
}

/**
 * The two git hosts over the same files: `github` on a fake GitHub, `local` on
 * a checkout. Both hold what the test committed to each; `localCwd` is the
 * folder the local host runs in (default the repository's root).
 */
export function buildHosts(github: FakeGitHub, repo: GitRepo, options: { localCwd?: string; env?: Record<string, string | undefined> } = {}): Array<[kind: 'github' | 'local', host: GitHost]> {
  return [
    ['github', createGitHubHost({ octokit: createOctokit({ token: github.token, baseUrl: github.url, retries: 0 }), owner: github.owner, repo: github.repo })],
    ['local', createLocalHost({ cwd: options.localCwd ?? repo.dir, env: { ...repo.env, ...options.env } })],
  ];
}

export interface GitWrapper {
  /** a PATH whose `git` is the wrapper */
  path: string;
  /** the argument lists git was called with, in order (one line each, joined by spaces) */
  calls(): string[];
  /**
   * Runs `git <args>` in `cwd` (the real git) just before the next call whose
   * first argument is `command`: another process acting between two steps.
   */
  before(command: string, cwd: string, args: readonly string[]): void;
  remove(): void;
}

/**
 * A `git` on PATH that logs its calls and runs the real git: lets a test see
 * which environment a command took its git from, and put another writer
 * between a host's read and its write.
 */
export function createGitWrapper(): GitWrapper {
  const dir = mkdtempSync(join(tmpdir(), 'eppo-gitops-git-wrapper-'));
  const real = execFileSync('sh', ['-c', 'command -v git'], { encoding: 'utf8' }).trim();
  const log = join(dir, 'calls.log');
  const pending = join(dir, 'before');
  const quote = (s: string): string => `'${s.replace(/'/g, `'\\''`)}'`;
  writeFileSync(log, '');
  const script = [
    '#!/bin/sh',
    `printf '%s\\n' "$*" >> ${quote(log)}`,
    `if [ -f ${quote(`${pending}.cmd`)} ] && [ "$1" = "$(cat ${quote(`${pending}.cmd`)})" ]; then`,
    `  rm -f ${quote(`${pending}.cmd`)}`,
    `  sh ${quote(`${pending}.sh`)} >/dev/null 2>&1`,
    'fi',
    `exec ${quote(real)} "$@"`,
    '',
  ].join('\n');
  mkdirSync(join(dir, 'bin'));
  writeFileSync(join(dir, 'bin', 'git'), script);
  chmodSync(join(dir, 'bin', 'git'), 0o755);
  return {
    path: `${join(dir, 'bin')}:${process.env.PATH ?? ''}`,
    calls: () => readFileSync(log, 'utf8').split('\n').filter((l) => l !== ''),
    before(command, cwd, args) {
      const env = Object.entries(gitTestEnv(cwd))
        .filter((e): e is [string, string] => e[1] !== undefined)
        .map(([k, v]) => `${k}=${quote(v)}`)
        .join(' ');
      writeFileSync(`${pending}.sh`, `cd ${quote(cwd)} && env -u GIT_DIR -u GIT_INDEX_FILE ${env} ${quote(real)} ${args.map(quote).join(' ')}\n`);
      writeFileSync(`${pending}.cmd`, command);
    },
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}
