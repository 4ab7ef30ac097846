import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startEmulator, type RunningEmulator } from '../../src/emulator/index.js';
import { clearServedSplitCache } from '../../src/flags/index.js';
import { planWorkspace } from '../../src/reconcile/index.js';
import { definitionText, runCli, tempRepo, type TempRepo } from '../eppo/helpers.js';

// Flag checks whose split must be measured: flagd-core evaluates 100,000
// subjects for each, so this suite is a slow one.

const TOKEN = 'tok-flags-slow-0123456789';
const flagFile = (targeting: unknown): string =>
  `${JSON.stringify({ flags: { 'checkout-button-color': { state: 'ENABLED', variants: { control: 'c', green: 'g', off: 'o' }, defaultVariant: 'off', targeting } } }, null, 2)}\n`;
const FIFTY_FIFTY = { fractional: [['control', 50], ['green', 50]] };

describe('measured splits in validate, plan and new (CLI in-process)', () => {
  let repo: TempRepo;
  let emu: RunningEmulator;
  const run = (args: string[]) => runCli(args, { cwd: repo.dir, env: { EPPO_API_KEY: TOKEN, EPPO_BASE_URL: emu.url } });
  beforeEach(async () => {
    repo = await tempRepo();
    emu = await startEmulator({ port: 0, apiKeys: [{ key: TOKEN, access: 'read-write' }] });
    await repo.write('eppo-gitops.yaml', 'flags:\n  files: [flags/*.flagd.json]\n');
    await repo.write('experiments/checkout-button-color.yaml', definitionText());
  });
  afterEach(async () => {
    await emu.close();
    await repo.remove();
  });

  it('flag-split (error) measured over 100,000 subjects: a rule that keeps 11% out of the fractional', async () => {
    // subject-1, subject-10…19, subject-100…199, …: 11,111 of the 100,000 subjects get "off".
    await repo.write('flags/web.flagd.json', flagFile({ if: [{ starts_with: [{ var: 'targetingKey' }, 'subject-1'] }, 'off', FIFTY_FIFTY] }));
    const v = await run(['validate']);
    expect(v.code).toBe(1);
    expect(v.out.split('\n')[0]).toBe(
      'experiments/checkout-button-color.yaml:8:3  error  flag puts 0.89 of subjects in the experiment (measured over 100,000 subjects with flags/web.flagd.json), the file says traffic_allocation 1.00 (the default)  [flag-split]',
    );
    const p = await run(['plan']);
    expect(p.code).toBe(1);
    expect(p.err).toContain('[flag-split]');
    await repo.write('experiments/checkout-button-color.yaml', definitionText({ extra: 'traffic_allocation: 0.89\n' }));
    expect(await run(['validate'])).toMatchObject({ code: 0, out: '1 file checked: no problems\n' });
  });

  it('flag-split (warning) when the targeting reads attributes the simulation lacks: the split cannot be measured', async () => {
    await repo.write('flags/web.flagd.json', flagFile({ if: [{ in: [{ var: 'country' }, ['NL', 'BE']] }, FIFTY_FIFTY, 'off'] }));
    const v = await run(['validate']);
    expect(v.code).toBe(0);
    expect(v.out.split('\n')[0]).toBe(
      'experiments/checkout-button-color.yaml:8:3  warning  the split of flag "checkout-button-color" could not be measured: only 0 of 100,000 simulated subjects (targetingKey only) entered the experiment; its targeting likely reads attributes the simulation does not have  [flag-split]',
    );
    expect((await run(['plan'])).code).toBe(0);
  });

  it('flag-split (error) when subjects outside the tested country get an arm: the message says why and what to do', async () => {
    // if country == DE → fractional; else nothing, so flagd serves the defaultVariant "control", an arm.
    const flag = { state: 'ENABLED', variants: { control: 'c', green: 'g', off: 'o' }, defaultVariant: 'control', targeting: { if: [{ '==': [{ var: 'country' }, 'DE'] }, FIFTY_FIFTY] } };
    await repo.write('flags/web.flagd.json', JSON.stringify({ flags: { 'checkout-button-color': flag } }));
    await repo.write('experiments/checkout-button-color.yaml', definitionText({ extra: 'traffic_allocation: 0.5\n' }));
    const v = await run(['validate']);
    expect(v.code).toBe(1);
    const errors = v.out.split('\n').filter((l) => l.includes('  error  '));
    expect(errors[0]).toBe(
      'experiments/checkout-button-color.yaml:12:13  error  flag serves control 1.00 (measured over 100,000 subjects with flags/web.flagd.json), the file says 0.50. ' +
        'Subjects the targeting keeps out of its fractional (by country, time or any other condition) get "control", an arm of this experiment, so they count as in it: ' +
        'serve them a variant that is not an arm (a holdout such as "off", left out of variations) as the else branch or the defaultVariant  [flag-split]',
    );
    expect(errors.slice(1).map((l) => l.replace(/ {2}\[flag-split\]$/, '').split('  error  ')[1])).toEqual([
      'flag serves green 0.00 (measured over 100,000 subjects with flags/web.flagd.json), the file says 0.50',
      'flag puts 1.00 of subjects in the experiment (measured over 100,000 subjects with flags/web.flagd.json), the file says traffic_allocation 0.50',
    ]);
    // The remedy: subjects outside the country get "off", which is not an arm; the split can then not be measured (a warning).
    await repo.write('flags/web.flagd.json', JSON.stringify({ flags: { 'checkout-button-color': { ...flag, defaultVariant: 'off' } } }));
    const fixed = await run(['validate']);
    expect(fixed.code).toBe(0);
    expect(fixed.out).toContain('warning  the split of flag "checkout-button-color" could not be measured');
  });

  it('rules on $flagd.timestamp are evaluated at the plan\'s created_at', async () => {
    const switchOn = Date.UTC(2026, 5, 1) / 1000;
    await repo.write('flags/web.flagd.json', flagFile({ if: [{ '>=': [{ var: '$flagd.timestamp' }, switchOn] }, FIFTY_FIFTY, 'control'] }));
    const plan = (iso: string) => planWorkspace({ cwd: repo.dir, env: { EPPO_API_KEY: TOKEN, EPPO_BASE_URL: emu.url }, now: () => new Date(iso) });
    clearServedSplitCache();
    const before = await plan('2026-05-31T23:59:59.000Z');
    expect(before.ok).toBe(false);
    expect(before.problems.map((p) => `${p.line}:${p.col} ${p.message}`)).toEqual([
      '11:13 flag serves control 1.00 (measured over 100,000 subjects with flags/web.flagd.json), the file says 0.50. ' +
        'Subjects the targeting keeps out of its fractional (by country, time or any other condition) get "control", an arm of this experiment, so they count as in it: ' +
        'serve them a variant that is not an arm (a holdout such as "off", left out of variations) as the else branch or the defaultVariant',
      '14:13 flag serves green 0.00 (measured over 100,000 subjects with flags/web.flagd.json), the file says 0.50',
    ]);
    const after = await plan('2026-06-01T00:00:00.000Z');
    expect(after.ok).toBe(true);
    if (after.ok) {
      expect(after.plan.created_at).toBe('2026-06-01T00:00:00.000Z');
      expect(after.problems).toEqual([]);
      await after.connection.close();
    }
  });

  it('new sets traffic_allocation from the share a targeting lets in, and the file passes validate', async () => {
    await repo.write('flags/web.flagd.json', flagFile({ if: [{ starts_with: [{ var: 'targetingKey' }, 'subject-1'] }, 'off', FIFTY_FIFTY] }));
    await repo.write('experiments/checkout-button-color.yaml', definitionText({ key: 'other-experiment' }).replace('name: Checkout button color', 'name: Other'));
    const r = await run(['new', 'checkout-button-color', '--entity', 'user', '--assignment-source', 'User assignments', '--dir', 'new']);
    expect(r.code).toBe(0);
    const text = await readFile(join(repo.dir, 'new/checkout-button-color.yaml'), 'utf8');
    expect(text).toContain('traffic_allocation: 0.89\nvariations:\n  - variant_key: control\n    is_control: true\n    weight: 0.5\n  - variant_key: green\n    weight: 0.5\n');
    expect(r.err).toContain('note: the flag does more than one fractional: check traffic_allocation against its targeting');
    expect(await run(['validate', 'new'])).toMatchObject({ code: 0, out: '1 file checked: no problems\n' });
  });
});
