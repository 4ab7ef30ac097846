import { mkdir, readdir, readFile, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startEmulator, type RunningEmulator } from '../../src/emulator/index.js';
import { definitionText, runCli, tempRepo, type TempRepo } from '../eppo/helpers.js';

describe('trust item 5: emulator --state beside apply --local on the same file loses nothing', () => {
  let repo: TempRepo;
  let emulator: RunningEmulator | undefined;
  beforeEach(async () => {
    repo = await tempRepo();
    await repo.write('experiments/checkout-button-color.yaml', definitionText());
  });
  afterEach(async () => {
    await emulator?.close();
    await repo.remove();
  });

  it('apply --local is refused while an emulator holds .eppo-local/state.json, and told how to reach it', async () => {
    const statePath = join(repo.dir, '.eppo-local/state.json');
    emulator = await startEmulator({ port: 0, statePath });
    const local = await runCli(['apply', '--local', '--yes'], { cwd: repo.dir, env: {} });
    expect(local.code).toBe(1);
    expect(local.err).toContain(`error: the emulator state file ${statePath} is in use by process ${process.pid}`);
    expect(local.err).toContain(`--base-url ${emulator.url} (with its API key in EPPO_API_KEY: emulator-key, unless it was started with --api-key) in place of --local`);
    expect(local.err).not.toContain('looks like a bug');

    // following the advice applies through the running emulator, and its state file keeps the result
    const through = await runCli(['apply', '--yes', '--base-url', emulator.url], { cwd: repo.dir, env: { EPPO_API_KEY: emulator.apiKey } });
    expect(through.code).toBe(0);
    await emulator.close();
    emulator = undefined;
    const state = JSON.parse(await readFile(statePath, 'utf8'));
    expect(state.experiments.map((r: { experiment: { experiment_key: string } }) => r.experiment.experiment_key)).toEqual(['checkout-button-color']);
    const plan = await runCli(['plan', '--local', '--detailed-exitcode'], { cwd: repo.dir, env: {} });
    expect(plan.code).toBe(0);
  });

  it('apply --local that cannot save the emulator state says so and exits 1, instead of reporting success', async () => {
    // A first run writes the state; on the next, the state file's temp file goes to /dev/full (as on a full disk).
    expect((await runCli(['plan', '--local'], { cwd: repo.dir, env: {} })).code).toBe(0);
    const statePath = join(repo.dir, '.eppo-local/state.json');
    await symlink('/dev/full', `${statePath}.${process.pid}.tmp`);
    const local = await runCli(['apply', '--local', '--yes'], { cwd: repo.dir, env: {} });
    expect(local.err).toBe(
      `error: cannot write the emulator state file ${statePath} (ENOSPC): the latest changes are not saved; check that its folder is writable and the disk has space, then run the command again\n`,
    );
    expect(local.code).toBe(1);
    expect(JSON.parse(await readFile(statePath, 'utf8')).experiments).toEqual([]);
    expect(await readdir(join(repo.dir, '.eppo-local'))).toEqual(['.gitignore', 'state.json']);
  });
});

describe('a state file that is not valid state', () => {
  let repo: TempRepo;
  beforeEach(async () => {
    repo = await tempRepo();
    await repo.write('experiments/checkout-button-color.yaml', definitionText());
  });
  afterEach(async () => {
    await repo.remove();
  });

  it('--local says to move .eppo-local/state.json away (it has no --state), the emulator command offers --state too', async () => {
    const statePath = join(repo.dir, '.eppo-local/state.json');
    await mkdir(join(repo.dir, '.eppo-local'));
    await writeFile(statePath, '{bad');
    const plan = await runCli(['plan', '--local'], { cwd: repo.dir, env: {} });
    expect(plan.code).toBe(1);
    expect(plan.err).toMatch(new RegExp(`^error: the emulator state file ${statePath.replaceAll('.', '\\.')} is not valid JSON \\(.*\\); move it away or delete it to start again from the seed data\\n$`));
    expect(plan.err).not.toContain('--state');

    const emulator = await runCli(['emulator', '--port', '0', '--state', '.eppo-local/state.json'], { cwd: repo.dir, env: {}, signal: new AbortController().signal });
    expect(emulator.code).toBe(1);
    expect(emulator.err).toMatch(/; move it away or delete it to start again from the seed data, or pass another --state file\n$/);
    expect(await readFile(statePath, 'utf8')).toBe('{bad');
  });
});
