import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { PACKAGE_ROOT } from '../definitions/index.js';
import type { PackageInfo } from './action-ref.js';

/** package.json of the running package: its version and repository. */
export async function readPackageInfo(packageRoot: string = PACKAGE_ROOT): Promise<PackageInfo> {
  const text = await readFile(join(packageRoot, 'package.json'), 'utf8');
  return JSON.parse(text) as PackageInfo;
}
