import { CONFIG_FILE, parseConfig, type Config, type Problem } from '../definitions/index.js';
import { GitHostError } from '../errors.js';
import { buildFlagSet, FLAG_FILE_RULE, filterByGlobs, readFlagFile, type FlagSet } from '../flags/index.js';
import { isSymbolicLink, type GitHost, type TreeFile } from '../git-host/index.js';

/**
 * The flags settings and flag files at a commit of the base branch, as an
 * outcome job sees them (FLAGS.md: `serve`/`outcome` read eppo-gitops.yaml and
 * the flag files from the base branch through the host, like definitions).
 * - `none`: no eppo-gitops.yaml, or no `flags` in it: nothing about flags happens;
 * - `flags`: the flag files, read and checked, and the `rollout` setting;
 * - `unreadable`: the settings or the flag files could not be read (why, in words).
 */
export type BaseFlags =
  | { kind: 'none' }
  | {
      kind: 'flags';
      /** the folder holding eppo-gitops.yaml, from the repository root: `''`, or a path ending in `/` (a project in a sub-folder) */
      root: string;
      rollout: 'winner' | 'off';
      /** flag file names are relative to `root` */
      flags: FlagSet;
    }
  | { kind: 'unreadable'; reason: string };

/** eppo-gitops.yaml at a commit: absent, unusable (the reason in words), or its settings. */
export type BaseConfig = { kind: 'none' } | { kind: 'unreadable'; reason: string } | { kind: 'config'; config: Config };

/**
 * eppo-gitops.yaml at `commit`, in the project folder `root` (from the
 * repository root: `''`, or a path ending in `/`), read through the host. A
 * symbolic link is not followed and a file with an error is not used: both
 * are `unreadable`, with the reason. A host that cannot read it throws
 * (GitHostError).
 */
export async function fetchBaseConfig(host: GitHost, commit: string, root: string): Promise<BaseConfig> {
  const path = `${root}${CONFIG_FILE}`;
  const entry = (await host.listFiles(commit, path)).find((e) => e.path === path);
  if (entry === undefined) return { kind: 'none' };
  if (isSymbolicLink(entry)) return { kind: 'unreadable', reason: `${path} on the base branch is a symbolic link, which is not followed` };
  const [text] = await host.readBlobs([entry.blob]);
  const settings = parseConfig(text ?? '', path);
  const error = settings.problems.find((p) => p.severity === 'error');
  if (error !== undefined) return { kind: 'unreadable', reason: `${path} on the base branch has an error (line ${error.line}: ${error.message})` };
  return { kind: 'config', config: settings.config };
}

/**
 * Reads eppo-gitops.yaml at `commit` in the project folder `root` through the
 * host (fetchBaseConfig), then, when it configures `flags`, the flag files
 * its globs match in the listing of that commit. Symbolic links are refused
 * (their blob is a target path, and following it could read a file outside
 * the folder). A flag file that cannot be read is a `flag-file` problem in
 * the set, as validate reports it; settings with errors, or a host that
 * cannot list or read them, make it `unreadable`.
 */
export async function fetchBaseFlags(host: GitHost, commit: string, root = ''): Promise<BaseFlags> {
  return buildBaseFlags(host, commit, root, () => fetchBaseConfig(host, commit, root));
}

/** The flags part of the settings at `commit`; `settings` reads them (or hands back what was read). */
export async function buildBaseFlags(host: GitHost, commit: string, root: string, settings: () => Promise<BaseConfig>): Promise<BaseFlags> {
  try {
    const read = await settings();
    if (read.kind !== 'config') return read;
    const config = read.config.flags;
    if (config === undefined) return { kind: 'none' };
    return { kind: 'flags', root, rollout: config.rollout ?? 'winner', flags: await readFlagFiles(host, commit, root, config.files) };
  } catch (error) {
    // The outcome is recorded either way; the flag is then left alone, and the pull request says why.
    if (error instanceof GitHostError) return { kind: 'unreadable', reason: `the flag files could not be read from the base branch (${error.message})` };
    throw error;
  }
}

async function readFlagFiles(host: GitHost, commit: string, root: string, patterns: readonly string[]): Promise<FlagSet> {
  const problems: Problem[] = [];
  const entries = new Map<string, TreeFile>();
  for (const dir of listedFolders(patterns)) {
    for (const entry of await host.listFiles(commit, `${root}${dir}`)) {
      if (entry.path.startsWith(root)) entries.set(entry.path.slice(root.length), entry);
    }
  }
  const namesNodeModules = patterns.some((p) => p.includes('node_modules'));
  const candidates = [...entries.keys()].filter((path) => namesNodeModules || !path.split('/').includes('node_modules'));
  const wanted: Array<[string, TreeFile]> = [];
  for (const path of filterByGlobs(patterns, candidates)) {
    const entry = entries.get(path)!;
    if (isSymbolicLink(entry)) {
      problems.push({ file: path, line: 1, col: 1, severity: 'error', rule: FLAG_FILE_RULE, message: 'a symbolic link on the base branch, which is not followed; put the flag file itself there instead of a link' });
    } else wanted.push([path, entry]);
  }
  const texts = wanted.length === 0 ? [] : await host.readBlobs(wanted.map(([, e]) => e.blob));
  return buildFlagSet(
    wanted.map(([path], i) => readFlagFile(path, texts[i]!)),
    problems,
  );
}

/**
 * The folders to list for these globs: each glob's literal leading folders
 * (`flags/web/*.json` → `flags/web`), or everything (`''`) when a glob starts
 * with a wildcard. A folder below another one listed is not listed again.
 */
export function listedFolders(patterns: readonly string[]): string[] {
  const folders = patterns.map((pattern) => {
    const parts = pattern.split('/').filter((p) => p !== '' && p !== '.');
    const literal: string[] = [];
    for (const part of parts.slice(0, -1)) {
      if (/[*?{}[\]]/.test(part)) break;
      literal.push(part);
    }
    return literal.join('/');
  });
  const sorted = [...new Set(folders)].sort((a, b) => a.length - b.length);
  return sorted.filter((folder, i) => !sorted.slice(0, i).some((above) => above === '' || folder.startsWith(`${above}/`)));
}
