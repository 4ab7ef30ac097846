import type { Config } from './types.js';

/** The definitions folder when neither --dir nor "dir" in eppo-gitops.yaml names one. */
export const DEFAULT_DEFINITIONS_DIR = 'experiments';

/** The definitions folder: the flag, else "dir" in eppo-gitops.yaml, else `experiments`. */
export function resolveDefinitionsDir(flag: string | undefined, config: Pick<Config, 'dir'>): string {
  return flag ?? config.dir ?? DEFAULT_DEFINITIONS_DIR;
}
