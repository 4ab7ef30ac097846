import { posix } from 'node:path';

/**
 * A folder or file path from the repository root as both hosts take it:
 * POSIX separators, no `./`, no trailing `/`; `''` for the root (also `.`).
 * `listFiles` means the same path on every host.
 */
export function normaliseRepoPath(path: string): string {
  const clean = posix.normalize(path.replace(/\\/g, '/')).replace(/^(\.\/|\/)+/, '').replace(/\/+$/, '');
  return clean === '.' ? '' : clean;
}
