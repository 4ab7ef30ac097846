import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startEmulator, type RunningEmulator } from '../../src/emulator/index.js';
import { planWorkspace } from '../../src/reconcile/index.js';
import { control, definitionText, tempRepo, type TempRepo } from '../eppo/helpers.js';

const TOKEN = 'tok-plan-workspace-0123';

describe('planWorkspace', () => {
  let emu: RunningEmulator;
  let repo: TempRepo;
  const env = () => ({ EPPO_API_KEY: TOKEN, EPPO_BASE_URL: emu.url });
  const requests = async () => ((await control(emu, 'GET', '/requests')) as unknown[]).length;

  beforeEach(async () => {
    emu = await startEmulator({ port: 0, apiKeys: [{ key: TOKEN, access: 'read-write' }] });
    repo = await tempRepo();
  });
  afterEach(async () => {
    await emu.close();
    await repo.remove();
  });

  it('plans against Eppo and hands the open connection to the caller', async () => {
    await repo.write('experiments/checkout-button-color.yaml', definitionText());
    const result = await planWorkspace({ cwd: repo.dir, env: env(), now: () => new Date('2026-02-03T04:05:06.000Z') });
    if (!result.ok) throw new Error(`expected a plan: ${JSON.stringify(result.problems)}`);
    try {
      expect(result.plan).toMatchObject({ eppo_base_url: emu.url, created_at: '2026-02-03T04:05:06.000Z', summary: { create: 1 } });
      expect(result.definitions.map((d) => d.experiment_key)).toEqual(['checkout-button-color']);
      expect(result.problems).toEqual([]);
      // still open: the caller goes on to apply with it
      expect(await result.connection.api.listExperiments()).toEqual([]);
    } finally {
      await result.connection.close();
    }
  });

  it('stops at validation without calling Eppo: a broken settings file alone, then broken definitions', async () => {
    await repo.write('experiments/checkout-button-color.yaml', definitionText().replace('weight: 0.5\n  - variant_key: green', 'weight: 0.4\n  - variant_key: green'));
    await repo.write('eppo-gitops.yaml', 'parallelism: many\n');
    const before = await requests();
    const settings = await planWorkspace({ cwd: repo.dir, env: env() });
    expect(settings).toMatchObject({ ok: false, stage: 'validate', files: 0 });
    expect(settings.problems.map((p) => p.file)).toEqual(['eppo-gitops.yaml']);
    await repo.write('eppo-gitops.yaml', 'parallelism: 2\n');
    const definitions = await planWorkspace({ cwd: repo.dir, env: env() });
    expect(definitions).toMatchObject({ ok: false, stage: 'validate', files: 1 });
    expect(definitions.problems.map((p) => p.rule)).toEqual(['weights-sum']);
    // neither asked for a key or talked to Eppo
    expect(await requests()).toBe(before);
    // validation comes before the connection: no API key needed to hear about the files
    expect(await planWorkspace({ cwd: repo.dir, env: {} })).toMatchObject({ ok: false, stage: 'validate' });
  });

  it('reports names Eppo does not know as reference problems', async () => {
    await repo.write('experiments/checkout-button-color.yaml', definitionText().replace('metric: Revenue per user', 'metric: Revenue per users'));
    const result = await planWorkspace({ cwd: repo.dir, env: env() });
    expect(result).toMatchObject({ ok: false, stage: 'reference', files: 1 });
    expect(result.problems.map((p) => p.message).join('\n')).toMatch(/Revenue per users/);
  });

  it('needs EPPO_API_KEY once the definitions are valid', async () => {
    await repo.write('experiments/checkout-button-color.yaml', definitionText());
    await expect(planWorkspace({ cwd: repo.dir, env: { EPPO_BASE_URL: emu.url } })).rejects.toThrow(/EPPO_API_KEY is not set/);
  });
});
