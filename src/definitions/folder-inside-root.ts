import { realpath } from 'node:fs/promises';
import { basename, dirname, join, relative, resolve } from 'node:path';
import { isWithin, toPosix } from '../util/index.js';

export interface FolderInsideRootOptions {
  /** the folder as the user gave it */
  given: string;
  /** where a relative `given` starts (the current folder for a flag, the root for a setting) */
  base: string;
  /** the project root, a real path: the folder must resolve inside it, links on the way included */
  root: string;
  /** how the folder is named in messages, e.g. `--dir ../x` */
  source: string;
  /** the root as messages describe it, e.g. `the repository /work/x` */
  scope: string;
  /** who writes there, for the message, e.g. `init` */
  writer: string;
}

/** The folder relative to the root (POSIX separators), or why it is refused. */
export type FolderInsideRoot = { ok: true; dir: string } | { ok: false; message: string };

/** Path segments a definitions folder may consist of: safe in a workflow's path filter and a YAML scalar. */
const SAFE_SEGMENT = /^[A-Za-z0-9_][A-Za-z0-9_.-]*$/;
const RESERVED = new Set(['.git', '.github', 'node_modules', '.eppo-local']);

/**
 * Checks a definitions folder that a command is about to write into (init's
 * example, new's experiment file): it resolves inside the root, following the
 * links that exist on the way; it is not the root itself; its names hold only
 * letters, digits, ".", "_" and "-" (safe in a workflow's path filter); and it
 * is not inside .git, .github, node_modules or .eppo-local. Reads the file
 * system only to resolve links.
 */
export async function resolveFolderInsideRoot(options: FolderInsideRootOptions): Promise<FolderInsideRoot> {
  const { given, source } = options;
  if (given.trim() === '') return { ok: false, message: `${source} is empty; name the definitions folder, e.g. --dir experiments` };
  const real = await realpathOfNearest(resolve(options.base, given));
  if (!isWithin(real, options.root)) {
    return { ok: false, message: `${source} resolves to ${real}, outside ${options.scope}; ${options.writer} writes only inside it` };
  }
  const rel = toPosix(relative(options.root, real));
  if (rel === '') return { ok: false, message: `${source} is the project root itself; definitions need a folder of their own, e.g. --dir experiments` };
  const segments = rel.split('/');
  const bad = segments.find((s) => !SAFE_SEGMENT.test(s));
  if (bad !== undefined) {
    return {
      ok: false,
      message: `${source}: the folder name "${bad}" may hold only letters, digits, ".", "_" and "-" (and not start with "." or "-"), so it is safe in a workflow's path filter`,
    };
  }
  if (RESERVED.has(segments[0]!)) return { ok: false, message: `${source} is inside ${segments[0]}/, which is not a place for definitions; pick another folder` };
  return { ok: true, dir: rel };
}

/** realpath of the longest existing prefix of `path`, with the rest appended (symlinks on the way count). */
async function realpathOfNearest(path: string): Promise<string> {
  const rest: string[] = [];
  let current = path;
  for (;;) {
    try {
      return join(await realpath(current), ...rest.reverse());
    } catch {
      const parent = dirname(current);
      if (parent === current) return path;
      rest.push(basename(current));
      current = parent;
    }
  }
}
