import { InternalError } from '../errors.js';
import type { FileChange } from './types.js';

/**
 * Refuses a set of files no branch can hold as given: none at all, a path
 * twice, or a path that is not a plain relative one (`a/b.yaml`).
 */
export function checkFileSet(files: readonly FileChange[]): void {
  if (files.length === 0) throw new InternalError('writeBranch was given no file to write');
  const seen = new Set<string>();
  for (const { path } of files) {
    if (path === '' || path.includes('\0') || path.split('/').some((s) => s === '' || s === '.' || s === '..')) {
      throw new InternalError(`writeBranch was given the path "${path}", which is not relative to the repository root`);
    }
    if (seen.has(path)) throw new InternalError(`writeBranch was given ${path} twice`);
    seen.add(path);
  }
}
