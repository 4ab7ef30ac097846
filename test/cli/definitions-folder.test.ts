import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runCli, tempRepo, type TempRepo } from '../eppo/helpers.js';

describe('trust item 18: a definitions folder that does not exist', () => {
  let repo: TempRepo;
  beforeEach(async () => {
    repo = await tempRepo();
    await repo.write('experiments/.keep', '');
  });
  afterEach(async () => {
    await repo.remove();
  });

  it.each([
    ['validate', '--dir', 'nope'],
    ['plan', '--local', '--dir', 'nope'],
    ['apply', '--local', '--yes', '--dir', 'nope'],
    ['import', '--local', '--all', '--dir', 'nope'],
    ['import', '--local', '--key', 'k', '--dir', 'nope'],
  ])('%s says so, with the absolute path searched', async (...args) => {
    const r = await runCli(args, { cwd: repo.dir, env: {} });
    expect(r.code).toBe(1);
    expect(r.err).toBe(
      `error: the definitions folder "nope" was not found: looked for ${join(repo.dir, 'nope')}; check the spelling, create it, or pass --dir the folder that holds your definitions\n`,
    );
    expect(r.out).toBe('');
    expect(r.err).not.toContain(':1:1');
    expect(r.err).not.toContain('the definitions have errors');
  });

  it('validate --format json and github report it as a problem of the folder: a program reading the report gets it', async () => {
    const json = await runCli(['validate', '--dir', 'nope', '--format', 'json'], { cwd: repo.dir, env: {} });
    expect(json.code).toBe(1);
    const message = `the definitions folder "nope" was not found: looked for ${join(repo.dir, 'nope')}; check the spelling, create it, or pass --dir the folder that holds your definitions`;
    expect(JSON.parse(json.out)).toEqual({
      problems: [{ file: 'nope', line: 1, col: 1, severity: 'error', rule: 'io', message }],
      summary: { files: 0, errors: 1, warnings: 0 },
    });
    expect(json.err).toBe('');
    const github = await runCli(['validate', '--dir', 'nope', '--format', 'github'], { cwd: repo.dir, env: {} });
    expect(github.code).toBe(1);
    expect(github.out).toMatch(/^::error file=nope,line=1,col=1,title=eppo-gitops io::the definitions folder "nope" was not found/);
  });

  it('in a subfolder, says to run from the folder holding eppo-gitops.yaml, or from the top of the repository', async () => {
    execFileSync('git', ['init', '--quiet', repo.dir]);
    await repo.write('services/web/.keep', '');
    const sub = join(repo.dir, 'services/web');
    for (const args of [['validate'], ['plan', '--local']]) {
      const r = await runCli(args, { cwd: sub, env: {} });
      expect(r.code).toBe(1);
      expect(r.err).toBe(
        `error: the definitions folder "experiments" was not found: looked for ${join(sub, 'experiments')}; run eppo-gitops from the top of the repository, ${repo.dir} (eppo-gitops init writes the folder there, with an example), or pass --dir the folder that holds your definitions\n`,
      );
    }
    // following the advice works: the repository top has experiments/
    expect((await runCli(['validate'], { cwd: repo.dir, env: {} })).code).toBe(0);

    await repo.write('services/eppo-gitops.yaml', 'dir: defs\n');
    await repo.write('services/defs/.keep', '');
    const r = await runCli(['validate'], { cwd: sub, env: {} });
    expect(r.err).toBe(
      `error: the definitions folder "experiments" was not found: looked for ${join(sub, 'experiments')}; run eppo-gitops from ${join(repo.dir, 'services')}, which holds eppo-gitops.yaml (paths are read from there), or pass --dir the folder that holds your definitions\n`,
    );
    expect((await runCli(['validate'], { cwd: join(repo.dir, 'services'), env: {} })).code).toBe(0);

    // A subfolder with its own eppo-gitops.yaml is its own project: no advice to run from another one.
    await repo.write('services/web/eppo-gitops.yaml', 'parallelism: 4\n');
    expect((await runCli(['validate'], { cwd: sub, env: {} })).err).toBe(
      `error: the definitions folder "experiments" was not found: looked for ${join(sub, 'experiments')}; create it (eppo-gitops init writes one with an example), or pass --dir the folder that holds your definitions\n`,
    );

    // at the top of a repository without the folder, init is the way
    await repo.remove();
    await repo.write('README.md', '');
    execFileSync('git', ['init', '--quiet', repo.dir]);
    expect((await runCli(['validate'], { cwd: repo.dir, env: {} })).err).toContain('; create it (eppo-gitops init writes one with an example)');
  });

  it('names eppo-gitops.yaml when the name came from there', async () => {
    await repo.write('eppo-gitops.yaml', 'dir: defs\n');
    const r = await runCli(['plan', '--local'], { cwd: repo.dir, env: {} });
    expect(r.code).toBe(1);
    expect(r.err).toBe(
      `error: the definitions folder "defs" (the "dir" in eppo-gitops.yaml) was not found: looked for ${join(repo.dir, 'defs')}; create it, or set "dir" in eppo-gitops.yaml to the folder that holds your definitions\n`,
    );
  });

  it('import may create the default folder of a new repository, never a named one', async () => {
    const fresh = await tempRepo();
    try {
      const r = await runCli(['import', '--local', '--all'], { cwd: fresh.dir, env: {} });
      expect(r).toMatchObject({ code: 0, out: 'Nothing to import: every live experiment is in git.\n' });
      expect((await runCli(['validate'], { cwd: fresh.dir, env: {} })).err).toContain('error: the definitions folder "experiments" was not found');
    } finally {
      await fresh.remove();
    }
  });

  it('checks no folder when files are named', async () => {
    await repo.write('one.yaml', 'experiment_key: x\n');
    const r = await runCli(['validate', '--dir', 'nope', 'one.yaml'], { cwd: repo.dir, env: {} });
    expect(r.code).toBe(1);
    expect(r.out).toContain('one.yaml:');
    expect(r.err).toBe('');
  });
});
