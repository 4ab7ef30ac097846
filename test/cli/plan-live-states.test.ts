import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { buildSeedState, startEmulator, type RunningEmulator } from '../../src/emulator/index.js';
import { control, definitionText, runCli, tempRepo, type TempRepo } from '../eppo/helpers.js';
import { definitionBody } from '../reconcile/fixtures.js';

const TOKEN = 'tok-states-0123456789';

const seedBody = (key: string, name = `Experiment ${key}`) => definitionBody({ experiment_key: key, name });

describe('plan over HTTP: conflict, concluded, unmanaged, ambiguous names', () => {
  let emu: RunningEmulator;
  let repo: TempRepo;
  const run = (args: string[]) => runCli(args, { cwd: repo.dir, env: { EPPO_API_KEY: TOKEN, EPPO_BASE_URL: emu.url } });

  beforeEach(async () => {
    repo = await tempRepo();
  });
  afterEach(async () => {
    await emu.close();
    await repo.remove();
  });

  it('reports conflict, skip (concluded) and unmanaged, and apply touches none of them', async () => {
    emu = await startEmulator({ port: 0, apiKeys: [{ key: TOKEN, access: 'read-write' }] });
    const seeded = emu.seedExperiments([seedBody('dup'), seedBody('dup'), seedBody('done', 'Checkout button color'), seedBody('orphan', 'Old test')]);
    await control(emu, 'POST', `/experiments/${seeded[2]!.id}/decision`, { winning_variant_key: 'green', outcome: 'POSITIVE' });
    await repo.write('experiments/dup.yaml', definitionText({ key: 'dup', name: 'Experiment dup' }));
    await repo.write('experiments/done.yaml', definitionText({ key: 'done', name: 'Edited after the decision' }));
    await repo.write('experiments/fresh.yaml', definitionText({ key: 'fresh' }));

    const r = await run(['plan', '--format', 'json', '--detailed-exitcode']);
    expect(r.code).toBe(2);
    const plan = JSON.parse(r.out);
    expect(plan.summary).toEqual({ create: 1, update: 0, unchanged: 0, skip: 1, conflict: 1, unmanaged: 1 });
    expect(plan.changes.map((c: { action: string; experiment_key: string }) => [c.experiment_key, c.action])).toEqual([
      ['done', 'skip'],
      ['dup', 'conflict'],
      ['fresh', 'create'],
    ]);
    expect(plan.changes[0].reason).toBe(
      `concluded in Eppo (status "Concluded"); record its outcome instead of editing it: run "eppo-gitops outcome --experiment-id ${seeded[2]!.id}" (or "eppo-gitops outcomes sync" for every concluded experiment)`,
    );
    expect(plan.changes[1].eppo_ids).toEqual([seeded[0]!.id, seeded[1]!.id]);
    expect(plan.unmanaged).toEqual([{ experiment_key: 'orphan', eppo_id: seeded[3]!.id, name: 'Old test' }]);

    const text = await run(['plan']);
    expect(text.out).toContain('! skip     done (#3)');
    expect(text.out).toContain('x conflict dup');
    expect(text.out).toContain('? unmanaged orphan (#4) "Old test"');
    expect(text.out).toContain('Plan: 1 to create, 0 to update, 0 unchanged, 1 skipped, 1 in conflict, 1 unmanaged in Eppo (not in git).');

    const applied = await run(['apply', '--yes', '--format', 'json']);
    expect(applied.code).toBe(0);
    const result = JSON.parse(applied.out);
    expect(result.summary).toEqual({ applied: 1, failed: 0, skipped: 2 });
    const writes = ((await control(emu, 'GET', '/requests')) as Array<{ method: string; body?: { experiment_key?: string } }>).filter((x) => x.method !== 'GET');
    expect(writes.map((w) => [w.method, w.body?.experiment_key])).toEqual([['POST', 'fresh']]);
  });

  it('reports an ambiguous name with the ids at the file:line of the reference', async () => {
    const dir = repo.dir;
    const state = buildSeedState();
    state.metrics.push({ ...state.metrics[1]!, id: 90, name: 'revenue per user' }, { ...state.metrics[1]!, id: 91, name: 'Revenue Per User' });
    await repo.write('.state/state.json', JSON.stringify(state));
    emu = await startEmulator({ port: 0, apiKeys: [{ key: TOKEN, access: 'read-write' }], statePath: `${dir}/.state/state.json` });
    await repo.write('experiments/checkout-button-color.yaml', definitionText().replace('  - metric: Revenue per user', '  - metric: REVENUE per user'));
    const r = await run(['plan']);
    expect(r.code).toBe(1);
    expect(r.err).toContain(
      'experiments/checkout-button-color.yaml:18:13  error  metric "REVENUE per user" is ambiguous in Eppo: ids 2, 90, 91 share that name; rename one in Eppo so each name is unique  [reference]',
    );
  });
});
