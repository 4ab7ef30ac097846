import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { SchemaName } from './schema.js';
import { isWithin, toPosix } from '../util/index.js';

/**
 * The folder of the running eppo-gitops package: the one holding package.json,
 * schemas/ and dist/ (or src/ when run from a checkout). Both src/definitions
 * and dist/definitions sit two levels below it.
 */
export const PACKAGE_ROOT = resolve(fileURLToPath(new URL('../..', import.meta.url)));


export interface SchemaPathOptions {
  /** absolute path of the file that gets the `$schema` editor hint */
  file: string;
  /** the project root (the folder of eppo-gitops.yaml), where `npm i -D eppo-gitops` puts node_modules/ */
  root: string;
  /** which schema; default `experiment` */
  schema?: SchemaName;
  /** where the running eppo-gitops package is; default the package this code runs from */
  packageRoot?: string;
}

/** The package's name inside node_modules/. */
const PACKAGE_NAME = 'eppo-gitops';

/**
 * The path of the JSON Schema relative to `file`, for the
 * `# yaml-language-server: $schema=…` editor hint, decided by where the running
 * package is. Pure: no file is read.
 *
 * - Installed in a node_modules/ that `file` sees (npm, yarn, or pnpm's
 *   `.pnpm/…` store): the path through `node_modules/eppo-gitops/schemas/`,
 *   which stays right when the package is upgraded.
 * - A checkout of eppo-gitops that holds `file` (this repository): the
 *   relative path to its own schemas/.
 * - Anywhere else (`npx` from its cache, a global install): where
 *   `npm i -D eppo-gitops` in `root` will put it.
 */
export function buildSchemaPath(options: SchemaPathOptions): string {
  const packageRoot = options.packageRoot ?? PACKAGE_ROOT;
  const schemaFile = `${options.schema ?? 'experiment'}.schema.json`;
  const installedIn = nodeModulesParent(packageRoot);
  let target: string;
  if (installedIn !== undefined && isWithin(options.file, installedIn)) {
    target = join(installedIn, 'node_modules', PACKAGE_NAME, 'schemas', schemaFile);
  } else if (installedIn === undefined && isWithin(options.file, packageRoot)) {
    target = join(packageRoot, 'schemas', schemaFile);
  } else {
    target = join(options.root, 'node_modules', PACKAGE_NAME, 'schemas', schemaFile);
  }
  return toPosix(relative(dirname(options.file), target));
}

/** The folder that holds the outermost node_modules/ on the package's path, if any. */
function nodeModulesParent(packageRoot: string): string | undefined {
  const parts = packageRoot.split(sep);
  const index = parts.indexOf('node_modules');
  return index <= 0 ? undefined : parts.slice(0, index).join(sep) || sep;
}

