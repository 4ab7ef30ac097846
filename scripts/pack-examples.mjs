// Runs before npm pack/publish: copies the repository's example definitions,
// their flag files and the settings that name them into examples/, the folder
// the installed package's demo reads, so git keeps one copy of them. postpack
// removes examples/ again.
import { cpSync, existsSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';

const root = resolve(import.meta.dirname, '..');
const examples = join(root, 'examples');
rmSync(examples, { recursive: true, force: true });
for (const entry of ['experiments', 'flags', 'eppo-gitops.yaml']) {
  const source = join(root, entry);
  if (existsSync(source)) cpSync(source, join(examples, entry), { recursive: true });
}
if (!existsSync(join(examples, 'experiments'))) throw new Error(`no experiments/ in ${root} to ship as the demo's examples`);
