import { stat } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { CONFIG_FILE } from '../definitions/index.js';
import { pathExists } from '../util/index.js';

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
    const above = source === 'default' ? await findProjectAbove(resolve(cwd)) : undefined;
    const fix =
      source === 'settings'
        ? 'create it, or set "dir" in eppo-gitops.yaml to the folder that holds your definitions'
        : source === 'flag'
          ? 'check the spelling, create it, or pass --dir the folder that holds your definitions'
          : above?.kind === 'settings'
            ? `run eppo-gitops from ${above.folder}, which holds eppo-gitops.yaml (paths are read from there), or pass --dir the folder that holds your definitions`
            : above?.kind === 'repository'
              ? `run eppo-gitops from the top of the repository, ${above.folder} (eppo-gitops init writes the folder there, with an example), or pass --dir the folder that holds your definitions`
              : 'create it (eppo-gitops init writes one with an example), or pass --dir the folder that holds your definitions';
    return `the definitions folder ${named} was not found: looked for ${absolute}; ${fix}`;
  }
  return undefined;
}

/**
 * From a subfolder: the nearest folder above `cwd` that holds eppo-gitops.yaml,
 * else the top of the git repository `cwd` is in (when that is above it).
 * The search stops at the repository's top, and does not start in a folder
 * that holds eppo-gitops.yaml itself.
 */
async function findProjectAbove(cwd: string): Promise<{ kind: 'settings' | 'repository'; folder: string } | undefined> {
  // A folder with its own eppo-gitops.yaml is a project of its own: its settings were the ones read.
  if ((await pathExists(join(cwd, '.git'))) || (await pathExists(join(cwd, CONFIG_FILE)))) return undefined;
  for (let folder = dirname(cwd); folder !== cwd; cwd = folder, folder = dirname(folder)) {
    if (await pathExists(join(folder, CONFIG_FILE))) return { kind: 'settings', folder };
    if (await pathExists(join(folder, '.git'))) return { kind: 'repository', folder };
  }
  return undefined;
}
