// Runs before npm pack/publish: copies the repository's example definitions,
// their flag files and the settings that name them into examples/, the folder
// the installed package's demo reads, so git keeps one copy of them. postpack
// removes examples/ again.
//
// The copies' editor hints (`# yaml-language-server: $schema=…`) are rewritten
// to point at the package's own schemas/ from where the copy stands, the rule
// buildSchemaPath (src/definitions/schema-path.ts) applies to a file inside
// the package: ../schemas/ from experiments/ becomes ../../schemas/ from
// examples/experiments/. A hint naming a URL is left alone.
import { cpSync, existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';

const root = resolve(import.meta.dirname, '..');
const examples = join(root, 'examples');
const MODELINE = /^(# yaml-language-server: \$schema=)(\S+)/;

rmSync(examples, { recursive: true, force: true });
for (const entry of ['experiments', 'flags', 'eppo-gitops.yaml']) {
  const source = join(root, entry);
  if (existsSync(source)) cpSync(source, join(examples, entry), { recursive: true });
}
if (!existsSync(join(examples, 'experiments'))) throw new Error(`no experiments/ in ${root} to ship as the demo's examples`);

const copies = readdirSync(examples, { recursive: true, withFileTypes: true })
  .filter((e) => e.isFile() && /\.ya?ml$/i.test(e.name))
  .map((e) => join(e.parentPath, e.name));
for (const copy of copies) {
  const original = join(root, relative(examples, copy));
  const text = readFileSync(copy, 'utf8');
  const match = MODELINE.exec(text);
  if (match === null || /^[a-z][a-z0-9+.-]*:/i.test(match[2])) continue;
  const schema = resolve(dirname(original), match[2]);
  const rel = relative(root, schema);
  if (rel.startsWith('..') || !rel.startsWith(`schemas${sep}`)) continue;
  const path = relative(dirname(copy), schema).split(sep).join('/');
  writeFileSync(copy, text.replace(MODELINE, `$1${path}`));
}
