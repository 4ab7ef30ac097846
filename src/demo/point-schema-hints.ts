import { readdir, readFile, writeFile } from 'node:fs/promises';
import { basename, dirname, join, relative, sep } from 'node:path';

const MODELINE = /^(# yaml-language-server: \$schema=)(\S+)/;

/**
 * Points the `$schema` editor hints of the YAML files below `folder` at the
 * schemas in `schemas` (the running package's), so the copies in the demo's
 * temporary repository keep working in an editor wherever they came from: a
 * hint such as `../schemas/experiment.schema.json` names a folder the
 * temporary repository does not have. Hints naming a URL, or a schema not in
 * `schemas`, are left alone.
 */
export async function pointSchemaHints(folder: string, schemas: string): Promise<void> {
  const known = new Set(await readdir(schemas).catch(() => []));
  const entries = await readdir(folder, { recursive: true, withFileTypes: true });
  for (const entry of entries) {
    if (!entry.isFile() || !/\.ya?ml$/i.test(entry.name)) continue;
    const file = join(entry.parentPath, entry.name);
    const text = await readFile(file, 'utf8');
    const hint = MODELINE.exec(text)?.[2];
    if (hint === undefined || /^[a-z][a-z0-9+.-]*:/i.test(hint) || !known.has(basename(hint))) continue;
    const path = relative(dirname(file), join(schemas, basename(hint))).split(sep).join('/');
    await writeFile(file, text.replace(MODELINE, `$1${path}`));
  }
}
