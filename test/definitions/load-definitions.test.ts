import { chmod, mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadDefinitions } from '../../src/definitions/index.js';
import type { Problem } from '../../src/definitions/index.js';
import { definitionFile as definition } from './texts.js';

const show = (p: Problem): string => `${p.file}:${p.line}:${p.col} ${p.severity} [${p.rule}] ${p.message}`;

let cwd: string;
beforeEach(async () => {
  cwd = await mkdtemp(join(tmpdir(), 'eppo-gitops-load-'));
});
afterEach(async () => {
  await rm(cwd, { recursive: true, force: true });
});

async function put(path: string, text: string | Uint8Array): Promise<void> {
  await mkdir(join(cwd, path, '..'), { recursive: true });
  await writeFile(join(cwd, path), text);
}

describe('loadDefinitions', () => {
  it('finds *.yaml and *.yml recursively under experiments/, sorted, with POSIX paths relative to cwd', async () => {
    await put('experiments/b.yaml', definition('b'));
    await put('experiments/a.yml', definition('a'));
    await put('experiments/team/z/c.yaml', definition('c'));
    await put('experiments/team/notes.md', '# not a definition');
    await put('experiments/README.txt', 'not a definition');
    const result = await loadDefinitions({ cwd });
    expect(result.problems).toEqual([]);
    expect(result.files).toBe(3);
    expect(result.definitions.map((d) => d.file)).toEqual(['experiments/a.yml', 'experiments/b.yaml', 'experiments/team/z/c.yaml']);
  });

  it('uses --dir and reports a missing definitions folder as an io problem', async () => {
    await put('defs/x.yaml', definition('x'));
    expect((await loadDefinitions({ cwd, dir: 'defs' })).definitions.map((d) => d.experiment_key)).toEqual(['x']);
    const missing = await loadDefinitions({ cwd, dir: 'nope' });
    expect(missing.problems.map(show)).toEqual(['nope:1:1 error [io] definitions folder not found (ENOENT); create it or pass --dir']);
    expect(missing.files).toBe(0);
  });

  it('checks the given files and folders instead of dir; a missing path is an io problem and the run goes on', async () => {
    await put('experiments/ignored.yaml', 'not: [valid');
    await put('one/a.yaml', definition('a'));
    await put('two/b.yaml', definition('b'));
    await put('two/nested/c.yaml', definition('c'));
    const result = await loadDefinitions({ cwd, paths: ['two', 'missing.yaml', 'one/a.yaml', 'one/a.yaml'] });
    expect(result.problems.map(show)).toEqual(['missing.yaml:1:1 error [io] path not found (ENOENT)']);
    expect(result.definitions.map((d) => d.file)).toEqual(['one/a.yaml', 'two/b.yaml', 'two/nested/c.yaml']);
    expect(result.files).toBe(3);
  });

  it('reports unique-key at the second file\'s experiment_key and keeps the first definition', async () => {
    await put('experiments/a/shared.yaml', definition('shared'));
    await put('experiments/b/shared.yaml', definition('shared'));
    const result = await loadDefinitions({ cwd });
    expect(result.problems.map(show)).toEqual([
      'experiments/b/shared.yaml:1:17 error [unique-key] experiment_key "shared" is already used by experiments/a/shared.yaml; each experiment needs its own key',
    ]);
    expect(result.definitions.map((d) => d.file)).toEqual(['experiments/a/shared.yaml']);
  });

  it('reports every problem of every file in one run, grouped by file and sorted by position', async () => {
    await put('experiments/a.yaml', definition('a', 'varations: []\nbogus: 1\n'));
    await put('experiments/b.yaml', 'experiment_key: b\nexperiment_key: b\n');
    await put('experiments/c.yaml', definition('c'));
    const result = await loadDefinitions({ cwd });
    expect(result.problems.map((p) => `${p.file}:${p.line}:${p.col} ${p.rule}`)).toEqual([
      'experiments/a.yaml:12:1 schema',
      'experiments/a.yaml:13:1 schema',
      'experiments/b.yaml:2:1 yaml',
    ]);
    expect(result.definitions.map((d) => d.experiment_key)).toEqual(['c']);
  });

  it('reports an unreadable file (a dangling link, or no permission) and goes on', async () => {
    await put('experiments/good.yaml', definition('good'));
    await symlink(join(cwd, 'nowhere.yaml'), join(cwd, 'experiments/dangling.yaml'));
    const expected = ['experiments/dangling.yaml:1:1 error [io] cannot read the file (ENOENT); check that it exists and is readable'];
    if (process.getuid?.() !== 0) {
      await put('experiments/locked.yaml', definition('locked'));
      await chmod(join(cwd, 'experiments/locked.yaml'), 0o000);
      expected.push('experiments/locked.yaml:1:1 error [io] cannot read the file (EACCES); check that it exists and is readable');
    }
    const result = await loadDefinitions({ cwd });
    expect(result.problems.map(show)).toEqual(expected);
    expect(result.definitions.map((d) => d.experiment_key)).toEqual(['good']);
  });

  it('detects symlink loops instead of hanging', async () => {
    await put('experiments/team/a.yaml', definition('a'));
    await symlink(join(cwd, 'experiments'), join(cwd, 'experiments/team/back'));
    await symlink('self.yaml', join(cwd, 'experiments/self.yaml'));
    const result = await loadDefinitions({ cwd });
    expect(result.problems.map(show)).toEqual([
      'experiments/self.yaml:1:1 error [io] symlink loop: the link points back to itself; remove or fix the link',
      'experiments/team/back:1:1 error [io] symlink loop: the link points back to experiments; remove or fix the link',
    ]);
    expect(result.definitions.map((d) => d.file)).toEqual(['experiments/team/a.yaml']);
  });

  it('never follows a link out of the repository (a file holding a secret, a folder, /proc/self/environ)', async () => {
    const outside = await mkdtemp(join(tmpdir(), 'eppo-gitops-outside-'));
    try {
      await writeFile(join(outside, 'secret.yaml'), 'experiment_key: sk-live-0123456789\n');
      await mkdir(join(outside, 'more'));
      await writeFile(join(outside, 'more', 'x.yaml'), 'experiment_key: sk-live-0123456789\n');
      await put('experiments/good.yaml', definition('good'));
      await symlink(join(outside, 'secret.yaml'), join(cwd, 'experiments/secret.yaml'));
      await symlink(join(outside, 'more'), join(cwd, 'experiments/more'));
      await symlink(join(outside, 'secret.yaml'), join(cwd, 'experiments/not-a-definition.txt'));
      const links = ['experiments/more', 'experiments/secret.yaml'];
      if (process.platform === 'linux') {
        await symlink('/proc/self/environ', join(cwd, 'experiments/environ.yaml'));
        links.splice(0, 0, 'experiments/environ.yaml');
      }
      const message = 'the link points outside the repository, so it is not read; put the definition itself here instead of a link';
      const result = await loadDefinitions({ cwd });
      expect(result.problems.map(show)).toEqual(links.map((file) => `${file}:1:1 error [io] ${message}`));
      expect(result.definitions.map((d) => d.file)).toEqual(['experiments/good.yaml']);
      expect(JSON.stringify(result)).not.toContain('sk-live');
      // named explicitly as an argument, the link is refused too; a path outside named as such is the user's choice
      const named = await loadDefinitions({ cwd, paths: ['experiments/secret.yaml'] });
      expect(named.problems.map(show)).toEqual([`experiments/secret.yaml:1:1 error [io] ${message}`]);
      const explicit = await loadDefinitions({ cwd, paths: [join(outside, 'secret.yaml')] });
      expect(explicit.files).toBe(1);
      expect(explicit.problems.map((p) => p.message)).toContain('the definition is missing the required field "name"');
    } finally {
      await rm(outside, { recursive: true, force: true });
    }
  });

  it('follows a symlinked folder that is not a loop', async () => {
    await put('shared/s.yaml', definition('s'));
    await mkdir(join(cwd, 'experiments'));
    await symlink(join(cwd, 'shared'), join(cwd, 'experiments/linked'));
    const result = await loadDefinitions({ cwd });
    expect(result.problems).toEqual([]);
    expect(result.definitions.map((d) => d.file)).toEqual(['experiments/linked/s.yaml']);
  });

  it('rejects a file over 1 MiB on disk without parsing it', async () => {
    await put('experiments/huge.yaml', `# ${'x'.repeat(2 * 1024 * 1024)}\n`);
    const result = await loadDefinitions({ cwd });
    expect(result.problems.map(show)).toEqual([
      'experiments/huge.yaml:1:1 error [yaml] the file is 2.0 MiB, over the 1 MiB limit for one file; a definition is a few dozen lines',
    ]);
  });

  it('reports invalid UTF-8 at the line and column of the first bad byte', async () => {
    await put('experiments/bad.yaml', Buffer.concat([Buffer.from('experiment_key: bad\nname: ok\nhypothesis: "naïve '), Buffer.from([0xc3, 0x28]), Buffer.from('"\n')]));
    const result = await loadDefinitions({ cwd });
    expect(result.problems.map(show)).toEqual(['experiments/bad.yaml:3:20 error [yaml] invalid UTF-8 (byte 0xc3); save the file as UTF-8']);
  });

  it('reads many files (across several batches) and keeps the sorted order', async () => {
    const keys = Array.from({ length: 150 }, (_, i) => `exp-${String(i).padStart(3, '0')}`);
    await Promise.all(keys.map((k) => put(`experiments/${k}.yaml`, definition(k))));
    const result = await loadDefinitions({ cwd });
    expect(result.problems).toEqual([]);
    expect(result.definitions.map((d) => d.experiment_key)).toEqual(keys);
  });
});
