import { isDefinitionFile } from '../definitions/index.js';
import { ConfigError } from '../errors.js';
import { isSymbolicLink, type BaseHead, type GitHost } from '../git-host/index.js';

/** A definition file as it stands at the head of the base branch. */
export interface DefinitionFile {
  /** path relative to the repository root, POSIX separators */
  path: string;
  text: string;
  /** the base branch commit the file was read at */
  commit: string;
}

/**
 * The definition files at the head of the base branch: every `.yaml`/`.yml`
 * file under `dir` (from the repository root, on every host), read through
 * the host without a checkout. Symbolic links are skipped: their blob is a
 * target path, never a definition. With `only`, the listing is filtered by
 * path before any file is read; `head` is the base head when already read.
 * A folder that does not exist there is a ConfigError: a misspelt folder
 * must not make every experiment look unmanaged.
 */
export async function fetchDefinitionFiles(host: GitHost, dir: string, only?: (path: string) => boolean, head?: BaseHead): Promise<DefinitionFile[]> {
  const at = head ?? (await host.baseHead());
  const listed = await host.listFiles(at.commit, dir);
  if (listed.length === 0) throw missingFolder(dir, at);
  const entries = listed.filter((e) => !isSymbolicLink(e) && isDefinitionFile(e.path) && (only === undefined || only(e.path)));
  if (entries.length === 0) return [];
  const texts = await host.readBlobs(entries.map((e) => e.blob));
  return entries.map((e, i) => ({ path: e.path, text: texts[i]!, commit: at.commit }));
}

function missingFolder(dir: string, at: BaseHead): ConfigError {
  const shown = dir === '' || dir === '.' ? 'the repository' : `the definitions folder ${dir}/`;
  return new ConfigError(
    `${shown} does not exist at the head of the base branch ${at.branch} (${at.commit.slice(0, 12)}); check --dir, "dir" in eppo-gitops.yaml, and that the command runs in the folder holding eppo-gitops.yaml`,
  );
}
