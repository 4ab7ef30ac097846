// Removes the folders named on the command line (relative to the package root),
// so a build never ships files left over from an earlier one.
import { rmSync } from 'node:fs';
import { resolve, sep } from 'node:path';

const root = resolve(import.meta.dirname, '..');
for (const folder of process.argv.slice(2)) {
  const target = resolve(root, folder);
  if (!target.startsWith(`${root}${sep}`)) throw new Error(`refusing to remove ${target}: not inside ${root}`);
  rmSync(target, { recursive: true, force: true });
}
