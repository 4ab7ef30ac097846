import { isAbsolute, relative, sep } from 'node:path';

/**
 * Whether `path` is `folder` itself or inside it, by their names (resolve
 * links first when they matter). Both absolute, or both relative to the same
 * folder. The check that keeps what a pull request names inside the
 * repository: `..` as a whole segment leads out, a name that merely starts
 * with two dots (`..data`) does not, and another drive is outside.
 */
export function isWithin(path: string, folder: string): boolean {
  const rel = relative(folder, path);
  return rel === '' || (rel !== '..' && !rel.startsWith(`..${sep}`) && !isAbsolute(rel));
}

/** A path with `/` separators, as files are shown everywhere. */
export function toPosix(path: string): string {
  return sep === '/' ? path : path.split(sep).join('/');
}

/** `absolute` as shown to a person: relative to `cwd` with `/` (`.` for `cwd` itself), or absolute when on another drive. */
export function displayPath(cwd: string, absolute: string): string {
  const rel = relative(cwd, absolute);
  return toPosix(rel === '' ? '.' : isAbsolute(rel) ? absolute : rel);
}
