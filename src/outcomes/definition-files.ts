import { isDefinitionFile } from '../definitions/index.js';
import type { GitHost } from '../git-host/index.js';

/** A definition file as it stands at the head of the base branch. */
export interface DefinitionFile {
  /** path relative to the repository root, POSIX separators */
  path: string;
  text: string;
  /** the base branch commit the file was read at */
  commit: string;
}

const SYMBOLIC_LINK = '120000';

/**
 * The definition files at the head of the base branch: every `.yaml`/`.yml`
 * file under `dir` (github: from the repository root; local: from the host's
 * cwd), read through the host without a checkout. Symbolic links are skipped:
 * their blob is a target path, never a definition. With `only`, the listing
 * is filtered by path before any file is read.
 */
export async function fetchDefinitionFiles(host: GitHost, dir: string, only?: (path: string) => boolean): Promise<DefinitionFile[]> {
  const head = await host.baseHead();
  const entries = (await host.listFiles(head.commit, dir)).filter(
    (e) => e.mode !== SYMBOLIC_LINK && isDefinitionFile(e.path) && (only === undefined || only(e.path)),
  );
  if (entries.length === 0) return [];
  const texts = await host.readBlobs(entries.map((e) => e.blob));
  return entries.map((e, i) => ({ path: e.path, text: texts[i]!, commit: head.commit }));
}
