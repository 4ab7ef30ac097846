import { readdirSync, readFileSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { readImports, type ImportMap } from './import-rules.js';

/** Every .ts file under `root` (relative, with `/`) → what it imports. */
export function readSourceImports(root: string): ImportMap {
  const files = new Map<string, string[]>();
  const walk = (folder: string): void => {
    for (const entry of readdirSync(folder, { withFileTypes: true })) {
      const path = join(folder, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (entry.name.endsWith('.ts')) files.set(relative(root, path).split(sep).join('/'), readImports(readFileSync(path, 'utf8')));
    }
  };
  walk(root);
  return files;
}
