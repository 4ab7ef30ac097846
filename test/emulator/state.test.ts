import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/errors.js';
import { startEmulator } from '../../src/emulator/index.js';
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
    const error = await startEmulator({ statePath: join(dir, 'bad.json') }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as Error).message).toMatch(/^the emulator state file .*bad\.json is not valid JSON \(.*\); delete it to start again from the seed data, or pass another --state file$/);
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
