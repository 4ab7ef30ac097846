import { readdirSync, readFileSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { readImports, readReExports, type ImportMap } from './import-rules.js';

/** Every .ts file under `root` (relative, with `/`) → what `read` finds in its source. */
function readSourceTree(root: string, read: (source: string) => string[]): ImportMap {
  const files = new Map<string, string[]>();
  const walk = (folder: string): void => {
    for (const entry of readdirSync(folder, { withFileTypes: true })) {
      const path = join(folder, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (entry.name.endsWith('.ts')) files.set(relative(root, path).split(sep).join('/'), read(readFileSync(path, 'utf8')));
    }
  };
  walk(root);
  return files;
}

/** Every .ts file under `root` (relative, with `/`) → what it imports. */
export function readSourceImports(root: string): ImportMap {
  return readSourceTree(root, readImports);
}

/** Every .ts file under `root` (relative, with `/`) → the modules whose bindings it exports again. */
export function readSourceReExports(root: string): ImportMap {
  return readSourceTree(root, readReExports);
}
