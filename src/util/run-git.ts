import { execFile, type ExecFileException } from 'node:child_process';
import { existsSync } from 'node:fs';
import { GitHostError } from '../errors.js';

export interface RunGitOptions {
  /** the folder git runs in */
  cwd: string;
  /**
   * the caller's environment (PATH, HOME, identity). Every GIT_* variable in it
   * is dropped: a GIT_DIR, GIT_WORK_TREE or GIT_INDEX_FILE of the caller must
   * never point a command at another repository than `cwd`'s.
   */
  env: Record<string, string | undefined>;
  /** variables set after that, for this command only (a temporary index, the fallback identity) */
  extraEnv?: Record<string, string>;
  /** written to git's stdin */
  input?: string | Buffer;
  /**
   * a non-zero exit is an answer (`code`), not a failure: `rev-parse --verify`
   * of a missing ref, `config` of an unset key. Git that cannot run at all
   * still throws.
   */
  allowFail?: boolean;
  /** once aborted, the command is stopped (or not started) and fails as cancelled */
  signal?: AbortSignal;
}

export interface GitRun {
  /** the exit code; 0 unless `allowFail` */
  code: number;
  stdout: Buffer;
  /** trimmed */
  stderr: string;
}

/** The largest output one git command may print (a `cat-file --batch` of many blobs). */
const MAX_OUTPUT = 256 * 1024 * 1024;

/** The environment git runs with: the caller's, without any GIT_* variable, never prompting. */
export function buildGitEnv(env: Record<string, string | undefined>, extra: Record<string, string> = {}): Record<string, string> {
  const clean: Record<string, string> = {};
  for (const [key, value] of Object.entries(env)) if (value !== undefined && !key.toUpperCase().startsWith('GIT_')) clean[key] = value;
  return { ...clean, GIT_TERMINAL_PROMPT: '0', ...extra };
}

/**
 * Runs one git command: the one way eppo-gitops runs git (the local git host,
 * init, the demo). The environment is the caller's without GIT_* variables
 * (`buildGitEnv`); a failure is a GitHostError naming the command, the folder,
 * git's own first line and what to do next.
 */
export function runGit(args: readonly string[], options: RunGitOptions): Promise<GitRun> {
  return new Promise((resolve, reject) => {
    if (options.signal?.aborted) {
      reject(cancelledError(args, options.cwd));
      return;
    }
    const child = execFile(
      'git',
      args,
      {
        cwd: options.cwd,
        env: buildGitEnv(options.env, options.extraEnv),
        encoding: 'buffer',
        maxBuffer: MAX_OUTPUT,
        ...(options.signal ? { signal: options.signal } : {}),
      },
      (error, stdout, stderrBytes) => {
        if (options.signal?.aborted) {
          reject(cancelledError(args, options.cwd, error ?? undefined));
          return;
        }
        const stderr = stderrBytes.toString('utf8').trim();
        if (error === null) {
          resolve({ code: 0, stdout, stderr });
          return;
        }
        const code = typeof (error as { code?: unknown }).code === 'number' ? (error as unknown as { code: number }).code : undefined;
        if (code !== undefined && options.allowFail === true) {
          resolve({ code, stdout, stderr });
          return;
        }
        reject(describeGitFailure(args, options.cwd, error, stderr));
      },
    );
    // git may exit before reading all of stdin (a failing command): that is its answer, not an error here.
    child.stdin?.on('error', () => undefined);
    child.stdin?.end(options.input);
  });
}

function cancelledError(args: readonly string[], cwd: string, cause?: unknown): GitHostError {
  return new GitHostError(`${shown(args)} in ${cwd} was cancelled: the command is stopping; the scheduled outcomes sync records what was left undone`, cause === undefined ? undefined : { cause });
}

/** Whether `error` says that git itself could not be started (not installed, not on PATH). */
export function isGitMissing(error: unknown): boolean {
  return error instanceof GitHostError && (error.cause as NodeJS.ErrnoException | undefined)?.code === 'ENOENT' && / git is not installed /.test(error.message);
}

function describeGitFailure(args: readonly string[], cwd: string, error: ExecFileException, stderr: string): GitHostError {
  const command = shown(args);
  // Node says "spawn git ENOENT" both when git is missing and when the folder is.
  if (error.code === 'ENOENT' && !existsSync(cwd)) {
    return new GitHostError(`cannot run ${command}: the folder ${cwd} does not exist; run it in a checkout of the repository`, { cause: error });
  }
  if (error.code === 'ENOENT') {
    return new GitHostError(`cannot run ${command} in ${cwd}: git is not installed or not on PATH; install git, or use --git-host github`, { cause: error });
  }
  return exitError(args, cwd, typeof error.code === 'number' ? error.code : undefined, stderr, error);
}

/**
 * The error of a command that ran and exited non-zero (with `allowFail`, when
 * the caller finds the answer is not one it can take).
 */
export function gitExitError(args: readonly string[], cwd: string, run: GitRun): GitHostError {
  return exitError(args, cwd, run.code, run.stderr, undefined);
}

function exitError(args: readonly string[], cwd: string, code: number | undefined, stderr: string, cause: unknown): GitHostError {
  const first = stderr.split('\n').find((line) => line.trim() !== '') ?? (code !== undefined ? `exit code ${code}` : cause instanceof Error ? cause.message : 'no answer');
  return new GitHostError(`${shown(args)} failed in ${cwd}: ${first}; ${nextStep(stderr)}`, cause === undefined ? undefined : { cause });
}

/** What to do about git's complaint. */
function nextStep(stderr: string): string {
  if (/not a git repository/i.test(stderr)) return 'run this in a checkout of the repository that holds the definitions, or use --git-host github';
  if (/cannot lock ref|unable to create .*\.lock|index\.lock/i.test(stderr)) return 'another git process is writing the same branch or index; wait for it to finish and run again';
  if (/permission denied|read-only file system/i.test(stderr)) return 'check that the repository is writable by this user';
  if (/dubious ownership/i.test(stderr)) return 'the repository belongs to another user; add it to safe.directory (git config --global --add safe.directory DIR) or run as its owner';
  return `check the repository with "git status" in that folder, then run again`;
}

/** The command as a person would type it, cut short when long (a --cacheinfo list). */
function shown(args: readonly string[]): string {
  const text = `git ${args.join(' ')}`;
  return text.length <= 120 ? text : `${text.slice(0, 119)}…`;
}

/**
 * The folder `cwd` is in, from the root of its git checkout: `''` at the root,
 * else a path ending in `/`. `''` too when `cwd` is in no checkout (a server
 * with the github git host needs none) or git is not installed.
 */
export async function findCheckoutFolder(cwd: string, env: Record<string, string | undefined>): Promise<string> {
  try {
    const run = await runGit(['rev-parse', '--show-prefix'], { cwd, env, allowFail: true });
    return run.code === 0 ? run.stdout.toString('utf8').trim() : '';
  } catch (error) {
    if (isGitMissing(error)) return '';
    throw error;
  }
}
