import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

export interface BuiltCli {
  /** the compiled bin.js, for `spawn(process.execPath, [bin, ...args])` */
  bin: string;
  cleanup(): void;
}

/**
 * Compiles src/ into a temporary folder (linked to node_modules and to the
 * package's experiments/ and schemas/) so process tests run the CLI as
 * `npm start` would, independent of whether dist/ is up to date.
 */
export function buildCli(): BuiltCli {
  const root = resolve(import.meta.dirname, '../..');
  const build = mkdtempSync(join(tmpdir(), 'eppo-gitops-build-'));
  symlinkSync(join(root, 'node_modules'), join(build, 'node_modules'), 'dir');
  symlinkSync(join(root, 'schemas'), join(build, 'schemas'), 'dir');
  symlinkSync(join(root, 'experiments'), join(build, 'experiments'), 'dir');
  symlinkSync(join(root, 'package.json'), join(build, 'package.json'));
  writeFileSync(
    join(build, 'tsconfig.json'),
    JSON.stringify({
      extends: join(root, 'tsconfig.json'),
      compilerOptions: { noEmit: false, outDir: join(build, 'dist'), rootDir: join(root, 'src'), sourceMap: false },
      include: [join(root, 'src')],
    }),
  );
  const tsc = spawnSync(process.execPath, [join(root, 'node_modules/typescript/bin/tsc'), '-p', join(build, 'tsconfig.json')], { encoding: 'utf8' });
  const bin = join(build, 'dist/cli/bin.js');
  if (!existsSync(bin)) {
    rmSync(build, { recursive: true, force: true });
    throw new Error(`could not compile the CLI for the process tests:\n${tsc.stdout}${tsc.stderr}`);
  }
  return { bin, cleanup: () => rmSync(build, { recursive: true, force: true }) };
}
