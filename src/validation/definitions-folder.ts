import { stat } from 'node:fs/promises';
import { resolve } from 'node:path';

/** Where the name of the definitions folder came from, for the message that says it is missing. */
export type FolderSource = 'flag' | 'settings' | 'default';

/**
 * What is wrong when the definitions folder does not exist, naming the
 * absolute path searched and where the name came from; undefined when it
 * exists. A missing folder is not a problem in a file (there is no file:line
 * to point at), and going on would plan nothing, or import every experiment
 * again into a misspelt folder: callers throw it as a ConfigError, or (a JSON
 * report) show it as a problem of the folder.
 */
export async function findMissingFolder(cwd: string, dir: string, source: FolderSource): Promise<string | undefined> {
  const absolute = resolve(cwd, dir);
  try {
    await stat(absolute);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code !== 'ENOENT') return undefined; // other failures are reported per file, with their code
    const named = source === 'settings' ? `"${dir}" (the "dir" in eppo-gitops.yaml)` : `"${dir}"`;
    const fix =
      source === 'settings'
        ? 'create it, or set "dir" in eppo-gitops.yaml to the folder that holds your definitions'
        : source === 'flag'
          ? 'check the spelling, create it, or pass --dir the folder that holds your definitions'
          : 'create it (eppo-gitops init writes one with an example), or pass --dir the folder that holds your definitions';
    return `the definitions folder ${named} was not found: looked for ${absolute}; ${fix}`;
  }
  return undefined;
}
