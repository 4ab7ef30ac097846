import type { TreeFile } from './types.js';

/**
 * Whether a listed file is a symbolic link (mode 120000): its blob is the
 * target path, never the file's text, and following it could read a file
 * outside the folder, so readers refuse or skip it.
 */
export function isSymbolicLink(file: Pick<TreeFile, 'mode'>): boolean {
  return file.mode === '120000';
}
