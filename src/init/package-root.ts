import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { PackageInfo } from './action-ref.js';

/**
 * The folder of the running eppo-gitops package: the one holding package.json,
 * schemas/ and dist/ (or src/ when run from a checkout). Both src/init and
 * dist/init sit two levels below it.
 */
export const PACKAGE_ROOT = resolve(fileURLToPath(new URL('../..', import.meta.url)));

/** package.json of the running package: its version and repository. */
export async function readPackageInfo(packageRoot: string = PACKAGE_ROOT): Promise<PackageInfo> {
  const text = await readFile(join(packageRoot, 'package.json'), 'utf8');
  return JSON.parse(text) as PackageInfo;
}
