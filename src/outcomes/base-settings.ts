import { posix } from 'node:path';
import { CONFIG_FILE, DEFAULT_DEFINITIONS_DIR } from '../definitions/index.js';
import { ConfigError } from '../errors.js';
import { normaliseRepoPath, type GitHost } from '../git-host/index.js';
import { buildBaseFlags, fetchBaseConfig, type BaseConfig, type BaseFlags } from './base-flags.js';

/**
 * What an outcome job takes from eppo-gitops.yaml, read at the same commit of
 * the base branch as the definitions (never from a working tree).
 */
export interface BaseSettings {
  /** the project folder (the one holding eppo-gitops.yaml), from the repository root: `''`, or a path ending in `/` */
  root: string;
  /** the definitions folder, from the repository root: `--dir` (or "dir" in eppo-gitops.yaml, else experiments) under `root` */
  dir: string;
  /** the flags settings and flag files (FLAGS.md), read on the first call (only a managed experiment needs them), once */
  flags(): Promise<BaseFlags>;
}

export interface BaseSettingsOptions {
  /** the project folder, from the repository root; default `''` (the root) */
  root?: string | undefined;
  /** the operator's definitions folder (--dir), relative to `root`; beats "dir" in eppo-gitops.yaml */
  dir?: string | undefined;
}

/**
 * Reads eppo-gitops.yaml at `commit` in the project folder through the host
 * and resolves what an outcome job needs of it: the definitions folder
 * (`dir`: the option, else the file's, else experiments; relative to the
 * project folder, on every host) and the flags. A file that cannot be read
 * leaves the flags alone (`unreadable`, said in the pull request); it is an
 * error only when the definitions folder depends on it (no `dir` option),
 * since guessing the folder could make every experiment look unmanaged.
 */
export async function fetchBaseSettings(host: GitHost, commit: string, options: BaseSettingsOptions = {}): Promise<BaseSettings> {
  const root = normaliseRoot(options.root ?? '');
  let relative = options.dir;
  let read = (): Promise<BaseConfig> => fetchBaseConfig(host, commit, root);
  if (relative === undefined) {
    // The folder depends on the file: a host failing to read it fails the job (it is tried again), never a guess.
    const settings = await read();
    if (settings.kind === 'unreadable') {
      throw new ConfigError(`cannot tell where the definitions are: ${settings.reason}; fix ${root}${CONFIG_FILE} on the base branch, or name the folder with --dir`);
    }
    relative = (settings.kind === 'config' ? settings.config.dir : undefined) ?? DEFAULT_DEFINITIONS_DIR;
    read = () => Promise.resolve(settings);
  }
  let flags: Promise<BaseFlags> | undefined;
  return {
    root,
    dir: normaliseRepoPath(posix.join(root, relative.replace(/\\/g, '/'))),
    flags: () => (flags ??= buildBaseFlags(host, commit, root, read)),
  };
}

/** `''`, or a folder path ending in `/`. */
function normaliseRoot(root: string): string {
  const clean = normaliseRepoPath(root);
  return clean === '' ? '' : `${clean}/`;
}
