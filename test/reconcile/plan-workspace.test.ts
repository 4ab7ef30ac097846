import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startEmulator, type RunningEmulator } from '../../src/emulator/index.js';
import { EppoRequestError } from '../../src/eppo/index.js';
import { planWorkspace, renderPlanJson } from '../../src/reconcile/index.js';
import { control, definitionText, tempRepo, type TempRepo } from '../eppo/helpers.js';
import { manualTimers } from '../helpers/manual-timers.js';
import { definitionBody } from './fixtures.js';

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

  describe('early reads (many definition files)', () => {
    const broken = () => definitionText({ key: 'broken' }).replace('weight: 0.5\n  - variant_key: green', 'weight: 0.2\n  - variant_key: green');
    /** An env that records which variables were read: connecting to Eppo reads EPPO_API_KEY first. */
    const watchedEnv = (vars: Record<string, string | undefined>) => {
      const read = new Set<string>();
      const env = new Proxy(vars, {
        get(target, name) {
          if (typeof name === 'string') read.add(name);
          return target[name as string];
        },
      });
      return { env, read };
    };

    it('start once the folder holds earlyReadsFromFiles YAML files (subfolders count), and not below', async () => {
      await repo.write('experiments/a.yaml', definitionText({ key: 'a' }));
      await repo.write('experiments/team/b.yml', definitionText({ key: 'b' }));
      await repo.write('experiments/team/deeper/broken.yaml', broken());
      await repo.write('experiments/notes.txt', 'not a definition\n');
      const below = watchedEnv(env());
      expect(await planWorkspace({ cwd: repo.dir, env: below.env, earlyReadsFromFiles: 4 })).toMatchObject({ ok: false, stage: 'validate', files: 3 });
      expect(below.read.has('EPPO_API_KEY')).toBe(false);
      const at = watchedEnv(env());
      expect(await planWorkspace({ cwd: repo.dir, env: at.env, earlyReadsFromFiles: 3 })).toMatchObject({ ok: false, stage: 'validate', files: 3 });
      expect(at.read.has('EPPO_API_KEY')).toBe(true);
      // never with a broken settings file: its values decide where the reads would go
      await repo.write('eppo-gitops.yaml', 'parallelism: many\n');
      const settings = watchedEnv(env());
      expect(await planWorkspace({ cwd: repo.dir, env: settings.env, earlyReadsFromFiles: 0 })).toMatchObject({ ok: false, stage: 'validate', files: 0 });
      expect(settings.read.has('EPPO_API_KEY')).toBe(false);
    });

    it('give the same plan as reading after validation', async () => {
      for (const key of ['a', 'b', 'c']) await repo.write(`experiments/${key}.yaml`, definitionText({ key }));
      emu.seedExperiments([definitionBody({ experiment_key: 'b', name: 'Old name' })]);
      const now = () => new Date('2026-02-03T04:05:06.000Z');
      const plans: string[] = [];
      for (const earlyReadsFromFiles of [0, Infinity]) {
        const result = await planWorkspace({ cwd: repo.dir, env: env(), now, earlyReadsFromFiles });
        if (!result.ok) throw new Error(`expected a plan: ${JSON.stringify(result.problems)}`);
        try {
          plans.push(renderPlanJson(result.plan));
          // the connection stays open for apply
          expect(await result.connection.api.listExperiments()).toHaveLength(1);
        } finally {
          await result.connection.close();
        }
      }
      expect(plans[0]).toBe(plans[1]);
      expect(JSON.parse(plans[0]!).summary).toMatchObject({ create: 2, update: 1 });
    });

    it('are dropped when the definitions have errors: same result, no waiting for Eppo, nothing written', async () => {
      await repo.write('experiments/a.yaml', definitionText({ key: 'a' }));
      await repo.write('experiments/broken.yaml', broken());
      const expected = await planWorkspace({ cwd: repo.dir, env: env(), earlyReadsFromFiles: Infinity });
      expect(expected).toMatchObject({ ok: false, stage: 'validate', files: 2 });
      // Every API answer is held for good (its latency timer never fires): the reads are cancelled, not awaited.
      const timers = manualTimers();
      const held = await startEmulator({ port: 0, apiKeys: [{ key: TOKEN, access: 'read-write' }], timers });
      try {
        held.addFaults({ kind: 'latency', ms: 2_000, share: 1 });
        const early = await planWorkspace({ cwd: repo.dir, env: { EPPO_API_KEY: TOKEN, EPPO_BASE_URL: held.url }, earlyReadsFromFiles: 0 });
        expect(early).toEqual(expected);
        expect(held.requests().filter((r) => r.method !== 'GET')).toEqual([]);
      } finally {
        timers.release();
        await held.close();
      }
      // failures of the dropped reads are dropped too: no key needed to hear about the files
      expect(await planWorkspace({ cwd: repo.dir, env: {}, earlyReadsFromFiles: 0 })).toEqual(expected);
      expect(await planWorkspace({ cwd: repo.dir, env: { EPPO_API_KEY: TOKEN, EPPO_BASE_URL: 'http://example.com/api/v1' }, earlyReadsFromFiles: 0 })).toEqual(expected);
    });

    it('report a failure of the reads once the definitions are valid, as reading after validation does', async () => {
      await repo.write('experiments/a.yaml', definitionText({ key: 'a' }));
      await expect(planWorkspace({ cwd: repo.dir, env: { EPPO_BASE_URL: emu.url }, earlyReadsFromFiles: 0 })).rejects.toThrow(/EPPO_API_KEY is not set/);
      await control(emu, 'POST', '/faults', { kind: 'status', status: 503, share: 1, match: { pathPrefix: '/api/v1/metrics' } });
      const failed = await planWorkspace({ cwd: repo.dir, env: env(), earlyReadsFromFiles: 0, client: { maxAttempts: 2, retryBaseMs: 1 } }).catch((e: unknown) => e);
      expect(failed).toBeInstanceOf(EppoRequestError);
      expect(failed).toMatchObject({ status: 503, cancelled: false, path: expect.stringMatching(/^\/metrics/) });
    });

    it('never happen with --local: a broken repository gets no emulator state folder', async () => {
      await repo.write('experiments/broken.yaml', broken());
      expect(await planWorkspace({ cwd: repo.dir, env: {}, local: true, earlyReadsFromFiles: 0 })).toMatchObject({ ok: false, stage: 'validate' });
      await expect(stat(join(repo.dir, '.eppo-local'))).rejects.toMatchObject({ code: 'ENOENT' });
    });
  });
});
