import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/definitions/index.js';
import { loadFlagFiles } from '../../src/flags/index.js';
import { renderSettingsFile } from '../../src/init/index.js';
import { flagdJson, show, stringFlag } from './helpers.js';

let base: string;
let root: string;
beforeEach(async () => {
  base = await mkdtemp(join(tmpdir(), 'eppo-gitops-flags-'));
  root = join(base, 'repo');
  await mkdir(join(root, 'flags', 'more'), { recursive: true });
});
afterEach(async () => {
  await rm(base, { recursive: true, force: true });
});

const write = async (path: string, text: string): Promise<void> => {
  await writeFile(join(root, path), text);
};
const oneFlag = (key: string): string => flagdJson({ [key]: stringFlag(['a', 'b'], 'a', { fractional: [['a', 1], ['b', 1]] }) });

describe('loadFlagFiles', () => {
  it('reads the files the globs name, JSON and YAML, in path order', async () => {
    await write('flags/b.flagd.json', oneFlag('b'));
    await write('flags/more/c.flagd.yaml', 'flags:\n  c:\n    state: ENABLED\n    variants: {on: true, off: false}\n    defaultVariant: "off"\n');
    await write('flags/a.flagd.json', oneFlag('a'));
    await write('flags/notes.txt', 'not a flag file');
    const set = await loadFlagFiles({ root, files: ['flags/*.flagd.json', 'flags/**/*.flagd.yaml'] });
    expect(set.problems).toEqual([]);
    expect(set.files.map((f) => [f.file, f.format])).toEqual([
      ['flags/a.flagd.json', 'json'],
      ['flags/b.flagd.json', 'json'],
      ['flags/more/c.flagd.yaml', 'yaml'],
    ]);
    expect([...set.byKey.keys()]).toEqual(['a', 'b', 'c']);
    expect(set.byKey.get('c')!.file).toBe('flags/more/c.flagd.yaml');
  });

  it('refuses a key defined in two files, naming both', async () => {
    await write('flags/a.json', oneFlag('checkout'));
    await write('flags/b.json', flagdJson({ other: stringFlag(['x'], 'x'), checkout: stringFlag(['x'], 'x') }));
    const set = await loadFlagFiles({ root, files: ['flags/*.json'] });
    expect(set.problems.map(show)).toEqual(['flags/b.json:10:5 error [flag-file] flag "checkout" is defined in both flags/a.json:3 and flags/b.json:10; keep it in one file']);
    expect(set.byKey.get('checkout')!.file).toBe('flags/a.json');
  });

  it('warns about a glob that matches no file', async () => {
    await write('flags/a.json', oneFlag('a'));
    const set = await loadFlagFiles({ root, files: ['flags/*.json', 'flgas/*.json'] });
    expect(set.problems.map(show)).toEqual(['eppo-gitops.yaml:1:1 warning [flag-file] flags.files "flgas/*.json" matches no file']);
  });

  it('points a problem with a glob at its line in eppo-gitops.yaml, block or flow style', async () => {
    await write('flags/a.json', oneFlag('a'));
    await write('eppo-gitops.yaml', 'dir: experiments\nflags:\n  files:\n    - flags/*.json\n    - flgas/*.json\n');
    expect((await loadFlagFiles({ root, files: ['flags/*.json', 'flgas/*.json'] })).problems.map(show)).toEqual([
      'eppo-gitops.yaml:5:7 warning [flag-file] flags.files "flgas/*.json" matches no file',
    ]);
    await write('eppo-gitops.yaml', '# settings\nflags:\n  files: [flags/*.json, "../*.json"]\n');
    expect((await loadFlagFiles({ root, files: ['flags/*.json', '../*.json'] })).problems.map(show)).toEqual([
      'eppo-gitops.yaml:3:25 error [flag-file] flags.files "../*.json" leads outside the folder holding eppo-gitops.yaml; write a glob relative to it, without ".." and not absolute',
    ]);
  });

  it("init's suggested glob, uncommented, does not warn in a folder of JSON flag files only", async () => {
    await write('flags/web.flagd.json', oneFlag('a'));
    const suggested = renderSettingsFile({ dir: 'experiments', schemaPath: 'x' }).replace(/^# (flags:)$/m, '$1').replace(/^# {3}(files:.*)$/m, '  $1');
    await write('eppo-gitops.yaml', suggested);
    const { config, problems } = parseConfig(suggested);
    expect(problems).toEqual([]);
    const set = await loadFlagFiles({ root, files: config.flags!.files });
    expect(set.problems).toEqual([]);
    expect(set.files.map((f) => f.file)).toEqual(['flags/web.flagd.json']);
  });

  it('refuses a glob that leads out of the root through ..', async () => {
    await writeFile(join(base, 'outside.json'), oneFlag('outside'));
    const set = await loadFlagFiles({ root, files: ['../*.json', 'flags/../../*.json', '/etc/*.json'] });
    expect(set.problems.map(show)).toEqual([
      'eppo-gitops.yaml:1:1 error [flag-file] flags.files "../*.json" leads outside the folder holding eppo-gitops.yaml; write a glob relative to it, without ".." and not absolute',
      'eppo-gitops.yaml:1:1 error [flag-file] flags.files "flags/../../*.json" leads outside the folder holding eppo-gitops.yaml; write a glob relative to it, without ".." and not absolute',
      'eppo-gitops.yaml:1:1 error [flag-file] flags.files "/etc/*.json" leads outside the folder holding eppo-gitops.yaml; write a glob relative to it, without ".." and not absolute',
    ]);
    expect(set.files).toEqual([]);
  });

  it('never follows a file or folder link out of the root', async () => {
    await mkdir(join(base, 'secrets'));
    await writeFile(join(base, 'secrets', 'token.json'), '{"flags": "ghp_secretvalue"}');
    await symlink(join(base, 'secrets', 'token.json'), join(root, 'flags', 'token.json'));
    await symlink(join(base, 'secrets'), join(root, 'flags', 'linked'));
    await write('flags/a.json', oneFlag('a'));
    const set = await loadFlagFiles({ root, files: ['flags/**/*.json'] });
    expect(set.problems.map(show)).toEqual([
      'flags/linked:1:1 error [flag-file] the link points outside the folder holding eppo-gitops.yaml, so it is not read; put the flag file itself here instead of a link',
      'flags/token.json:1:1 error [flag-file] the link points outside the folder holding eppo-gitops.yaml, so it is not read; put the flag file itself here instead of a link',
    ]);
    expect(set.files.map((f) => f.file)).toEqual(['flags/a.json']);
    expect(JSON.stringify(set)).not.toContain('ghp_secretvalue');
  });

  it('follows links that stay inside the root, and reports a loop', async () => {
    await write('shared.json', oneFlag('shared'));
    await symlink(join(root, 'shared.json'), join(root, 'flags', 'shared.json'));
    await symlink(join(root, 'flags'), join(root, 'flags', 'more', 'back'));
    await symlink(join(root, 'flags', 'loop.json'), join(root, 'flags', 'loop.json'));
    const set = await loadFlagFiles({ root, files: ['flags/**/*.json'] });
    expect(set.files.map((f) => f.file)).toEqual(['flags/shared.json']);
    expect(set.problems.map(show)).toEqual([
      'flags/loop.json:1:1 error [flag-file] symlink loop: the link points back to itself; remove or fix the link',
      'flags/more/back:1:1 error [flag-file] symlink loop: the link points back to a folder above it; remove or fix the link',
    ]);
  });

  it('bounds the size of a file without reading it', async () => {
    await write('flags/big.json', `{"flags": {}, "pad": "${'x'.repeat(1024 * 1024)}"}`);
    const set = await loadFlagFiles({ root, files: ['flags/*.json'] });
    expect(set.problems.map(show)).toEqual(['flags/big.json:1:1 error [flag-file] the file is 1.0 MiB, over the 1 MiB limit for one flag file; split it']);
  });

  it('keeps the problems of a broken file and the flags of the others', async () => {
    await write('flags/a.json', oneFlag('a'));
    await write('flags/b.json', '{"flags": {"b": {"state": "MAYBE", "variants": {"x": 1}, "defaultVariant": "x"}}}');
    const set = await loadFlagFiles({ root, files: ['flags/*.json'] });
    expect(set.problems.map(show)).toEqual(['flags/b.json:1:27 error [flag-file] flag "b", state must be "ENABLED" or "DISABLED", not the text "MAYBE"']);
    expect([...set.byKey.keys()]).toEqual(['a']);
  });

  it('skips node_modules unless a glob names it', async () => {
    await mkdir(join(root, 'node_modules', 'pkg'), { recursive: true });
    await write('node_modules/pkg/x.flagd.json', oneFlag('vendored'));
    await write('flags/a.flagd.json', oneFlag('a'));
    expect([...(await loadFlagFiles({ root, files: ['**/*.flagd.json'] })).byKey.keys()]).toEqual(['a']);
    expect([...(await loadFlagFiles({ root, files: ['node_modules/**/*.flagd.json'] })).byKey.keys()]).toEqual(['vendored']);
  });

  it('reports a root that cannot be read', async () => {
    const set = await loadFlagFiles({ root: join(base, 'missing'), files: ['*.json'] });
    expect(set.problems.map(show)).toEqual([`eppo-gitops.yaml:1:1 error [flag-file] cannot read the folder ${join(base, 'missing')} (ENOENT)`]);
  });
});
