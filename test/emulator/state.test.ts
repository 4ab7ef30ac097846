import { spawnSync } from 'node:child_process';
import { existsSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/errors.js';
import { buildSeedState, startEmulator } from '../../src/emulator/index.js';
import { startHarness, experimentBody } from './helpers.js';

let dir: string;
let statePath: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'eppo-emulator-state-'));
  statePath = join(dir, 'nested', 'state.json');
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('state file', () => {
  it('survives a restart: experiments, decisions and id counters', async () => {
    const first = await startHarness({ statePath });
    const a = (await first.api('POST', '/experiments', experimentBody({ experiment_key: 'a' }))).body;
    const b = (await first.api('POST', '/experiments', experimentBody({ experiment_key: 'b' }))).body;
    const decided = (await first.control('POST', `/experiments/${b.id}/decision`, { winning_variant_key: 'green', outcome: 'POSITIVE' })).body;
    await first.emu.close();
    expect(readdirSync(join(dir, 'nested'))).toEqual(['state.json']);

    const second = await startHarness({ statePath });
    try {
      const list = (await second.api('GET', '/experiments')).body;
      const port = (u: string) => u.replace(/:\d+\//, ':PORT/');
      expect(list.map((e: any) => ({ ...e, results_url: port(e.results_url) }))).toEqual(
        [a, decided].map((e) => ({ ...e, results_url: port(e.results_url) })),
      );
      const c = (await second.api('POST', '/experiments', experimentBody({ experiment_key: 'c' }))).body;
      expect(c.id).toBe(b.id + 1);
      expect(Math.min(...c.variations.map((v: any) => v.id))).toBeGreaterThan(Math.max(...decided.variations.map((v: any) => v.id)));
    } finally {
      await second.emu.close();
    }
  });

  it('writes the seed when the file is missing, and keeps every acknowledged write of a burst', async () => {
    const h = await startHarness({ statePath });
    const results = await Promise.all(
      Array.from({ length: 40 }, (_, i) => h.api('POST', '/experiments', experimentBody({ experiment_key: `burst-${i}` }))),
    );
    expect(results.every((r) => r.status === 201)).toBe(true);
    await h.emu.close();
    const state = JSON.parse(readFileSync(statePath, 'utf8'));
    expect(state.version).toBe(1);
    expect(state.entities).toHaveLength(2);
    expect(state.experiments).toHaveLength(40);
    expect(state.experiments[0].updatedAt).toEqual(expect.any(String));
  });

  it('refuses a corrupt file with a clear error instead of replacing it', async () => {
    writeFileSync(join(dir, 'bad.json'), '{"version": 1, "experiments": [');
    const error = await startEmulator({ statePath: join(dir, 'bad.json'), otherStateFile: 'pass another --state file' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as Error).message).toMatch(/^the emulator state file .*bad\.json is not valid JSON \(.*\); move it away or delete it to start again from the seed data, or pass another --state file$/);
    expect(readFileSync(join(dir, 'bad.json'), 'utf8')).toBe('{"version": 1, "experiments": [');
    writeFileSync(join(dir, 'other.json'), '{"version": 3}');
    await expect(startEmulator({ statePath: join(dir, 'other.json') })).rejects.toThrow('is not emulator state (unsupported version 3, expected 1)');
  });

  it('reset rewrites the file with the seed', async () => {
    const h = await startHarness({ statePath });
    await h.api('POST', '/experiments', experimentBody());
    await h.control('POST', '/reset');
    await h.emu.close();
    expect(JSON.parse(readFileSync(statePath, 'utf8')).experiments).toEqual([]);
  });
});

describe('trust item 5: a corrupt state file is refused, naming the file', () => {
  const seeded = () => {
    const state = buildSeedState() as unknown as Record<string, any>;
    const experiment = (id: number, variationIds: [number, number]) => ({
      experiment: {
        id,
        ...experimentBody({ experiment_key: `e${id}` }),
        assignments_start_date: '2026-01-05T00:00:00.000Z',
        assignments_end_date: null,
        hypothesis: null,
        traffic_allocation: 1,
        variations: (experimentBody().variations as Array<Record<string, unknown>>).map((v, i) => ({ id: variationIds[i], is_active: true, ...v })),
        metrics: [],
        winning_variant_key: null,
        outcome: null,
        created_date: '2026-01-01T00:00:00.000Z',
        concluded_date: null,
        is_traffic_imbalanced: false,
      },
      updatedAt: '2026-01-01T00:00:00.000Z',
    });
    state.experiments = [experiment(1, [1, 2]), experiment(2, [3, 4])];
    state.nextExperimentId = 3;
    state.nextVariationId = 5;
    return state;
  };

  it('a well-formed file loads', async () => {
    writeFileSync(join(dir, 'good.json'), JSON.stringify(seeded()));
    const h = await startHarness({ statePath: join(dir, 'good.json') });
    try {
      expect((await h.api('GET', '/experiments')).body.map((e: { id: number }) => e.id)).toEqual([1, 2]);
      expect((await h.api('POST', '/experiments', experimentBody({ experiment_key: 'next' }))).body.id).toBe(3);
    } finally {
      await h.emu.close();
    }
  });

  it.each<[string, (state: Record<string, any>) => void, string]>([
    ['a null experiment', (s) => (s.experiments = [null]), 'experiments[0] is not an object'],
    ['a record without its experiment', (s) => (s.experiments[1] = { updatedAt: '2026-01-01T00:00:00.000Z' }), 'experiments[1].experiment is not an object'],
    ['a duplicate id', (s) => (s.experiments[1].experiment.id = 1), 'experiments[1] has the id 1 of experiments[0]; ids must be unique'],
    ['a stale next experiment id', (s) => (s.nextExperimentId = 2), 'nextExperimentId 2 is not above the largest experiment id, 2'],
    ['a stale next variation id', (s) => (s.nextVariationId = 4), 'nextVariationId 4 is not above the largest variation id, 4'],
    ['a null variation', (s) => (s.experiments[0].experiment.variations = [null, null]), 'experiments[0].experiment: variations[0] must be an object'],
    ['an unknown entity', (s) => (s.experiments[0].experiment.entity_id = 99), 'experiments[0].experiment: entity_id 99 does not exist (known: 1 user, 2 company)'],
    ['a null metric', (s) => (s.metrics[0] = null), 'metrics[0] is not an object'],
    ['a duplicate entity id', (s) => (s.entities[1].id = 1), 'entities[1] has the id 1 of entities[0]; ids must be unique'],
    ['a decision that is not text', (s) => (s.experiments[0].experiment.outcome = 5), 'experiments[0].experiment.outcome must be a string or null'],
  ])('%s', async (_label, corrupt, problem) => {
    const state = seeded();
    corrupt(state);
    const path = join(dir, 'corrupt.json');
    writeFileSync(path, JSON.stringify(state));
    const error = await startEmulator({ statePath: path }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as Error).message).toBe(
      `the emulator state file ${path} is not emulator state (${problem}); move it away or delete it to start again from the seed data`,
    );
    expect(readFileSync(path, 'utf8')).toBe(JSON.stringify(state));
    expect(existsSync(`${path}.lock`)).toBe(false);
  });
});

describe('a state file that cannot be written', () => {
  it('close() rejects with a ConfigError naming the file, and no temp file is left behind', async () => {
    const h = await startHarness({ statePath });
    await h.emu.close();
    const again = await startHarness({ statePath });
    // The next write goes to /dev/full: it opens, and writing fails with ENOSPC (as a full disk would).
    symlinkSync('/dev/full', `${statePath}.${process.pid}.tmp`);
    expect((await again.api('POST', '/experiments', experimentBody())).status).toBe(201);
    const error = await again.emu.close().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as Error).message).toBe(
      `cannot write the emulator state file ${statePath} (ENOSPC): the latest changes are not saved; check that its folder is writable and the disk has space, then run the command again`,
    );
    expect(readdirSync(join(dir, 'nested'))).toEqual(['state.json']);
    expect(JSON.parse(readFileSync(statePath, 'utf8')).experiments).toEqual([]);
    // The lock was released all the same: the file can be opened again.
    const third = await startHarness({ statePath });
    await third.emu.close();
  });

  it('a later write that succeeds clears the failure', async () => {
    const h = await startHarness({ statePath });
    await h.emu.close();
    const errors: string[] = [];
    const again = await startHarness({ statePath, log: (e) => void (e.type === 'error' && errors.push(String(e.message))) });
    symlinkSync('/dev/full', `${statePath}.${process.pid}.tmp`);
    expect((await again.api('POST', '/experiments', experimentBody())).status).toBe(201);
    await again.control('GET', '/health');
    // The failed write removed its temp file (the link), so the next one goes through.
    expect((await again.api('POST', '/experiments', experimentBody({ experiment_key: 'second' }))).status).toBe(201);
    await again.emu.close();
    expect(errors.some((m) => m.startsWith('cannot write the state file: ENOSPC'))).toBe(true);
    expect(JSON.parse(readFileSync(statePath, 'utf8')).experiments).toHaveLength(2);
  });
});

describe('trust item 5: one writer per state file', () => {
  it('trust item 5: a link to the state file is the same file: its lock is the same lock, and writes keep the link', async () => {
    const first = await startHarness({ statePath });
    const link = join(dir, 'nested', 's2.json');
    symlinkSync(statePath, link);
    try {
      const error = await startEmulator({ statePath: link }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ConfigError);
      expect((error as Error).message).toMatch(new RegExp(`^the emulator state file ${statePath} is in use by process ${process.pid} `));
    } finally {
      await first.emu.close();
    }
    const through = await startHarness({ statePath: link });
    expect((await through.api('POST', '/experiments', experimentBody())).status).toBe(201);
    await through.emu.close();
    expect(lstatSync(link).isSymbolicLink()).toBe(true);
    expect(JSON.parse(readFileSync(statePath, 'utf8')).experiments).toHaveLength(1);
  });

  it('a second emulator on the file is refused, naming the first and its address; once it stops, the file is free', async () => {
    const first = await startHarness({ statePath });
    try {
      const error = await startEmulator({ statePath }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ConfigError);
      expect((error as Error).message).toMatch(
        new RegExp(
          `^the emulator state file ${statePath} is in use by process ${process.pid} \\(since \\S+, serving ${first.emu.url.replace(/[.]/g, '\\.')}\\); ` +
            `two emulators on one state file would overwrite each other's changes\\. Stop it first, or talk to it instead of starting another: ` +
            `--base-url ${first.emu.url.replace(/[.]/g, '\\.')} \\(with its API key in EPPO_API_KEY: emulator-key, unless it was started with --api-key\\) in place of --local\\. If that process no longer runs, delete ${statePath}\\.lock$`,
        ),
      );
      expect((await first.api('POST', '/experiments', experimentBody({ experiment_key: 'kept' }))).status).toBe(201);
    } finally {
      await first.emu.close();
    }
    expect(readdirSync(join(dir, 'nested'))).toEqual(['state.json']);
    const second = await startHarness({ statePath });
    try {
      expect((await second.api('GET', '/experiments')).body.map((e: { experiment_key: string }) => e.experiment_key)).toEqual(['kept']);
    } finally {
      await second.emu.close();
    }
  });

  it('takes over a lock left by a process that no longer runs', async () => {
    const gone = spawnSync(process.execPath, ['-e', '']).pid!;
    mkdirSync(join(dir, 'nested'), { recursive: true });
    writeFileSync(`${statePath}.lock`, JSON.stringify({ pid: gone, host: hostname(), since: '2026-01-01T00:00:00.000Z', url: 'http://127.0.0.1:1/api/v1', token: 'old' }));
    const h = await startHarness({ statePath });
    expect(JSON.parse(readFileSync(`${statePath}.lock`, 'utf8'))).toMatchObject({ pid: process.pid, url: h.emu.url });
    await h.emu.close();
    expect(existsSync(`${statePath}.lock`)).toBe(false);
  });

  it('never takes over a lock it cannot judge: another machine, or one it cannot read', async () => {
    mkdirSync(join(dir, 'nested'), { recursive: true });
    writeFileSync(`${statePath}.lock`, JSON.stringify({ pid: 1, host: 'elsewhere.example', since: '2026-01-01T00:00:00.000Z', token: 'x' }));
    await expect(startEmulator({ statePath })).rejects.toThrow(
      `the emulator state file ${statePath} is in use by process 1 on elsewhere.example (since 2026-01-01T00:00:00.000Z); two emulators on one state file would overwrite each other's changes. Stop it first. If that process no longer runs, delete ${statePath}.lock`,
    );
    writeFileSync(`${statePath}.lock`, 'garbage');
    await expect(startEmulator({ statePath })).rejects.toThrow(`is locked by ${statePath}.lock, which cannot be read; if no emulator uses that state file, delete ${statePath}.lock`);
    expect(existsSync(statePath)).toBe(false);
  });
});
