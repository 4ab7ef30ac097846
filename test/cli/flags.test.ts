import { symlink } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startEmulator, type RunningEmulator } from '../../src/emulator/index.js';
import { control, definitionText, runCli, tempRepo, type TempRepo } from '../eppo/helpers.js';

// The flag checks of FLAGS.md, through the CLI in-process (`main(argv, io)`):
// validate reports them at file:line:col, plan stops on an error the way it
// does for a YAML error and notes flags that have no experiment. Splits here
// are computed from a single fractional; measured splits (100,000 flagd-core
// evaluations each) are in flags.slow.test.ts.

const TOKEN = 'tok-flags-0123456789';
const CONFIG = 'flags:\n  files: ["flags/*.flagd.{json,yaml}"]\n';

/** An enabled flag serving `split` (variant → weight) with one fractional. */
function fractionalFlag(split: Record<string, number>, extra: Record<string, unknown> = {}): Record<string, unknown> {
  const names = Object.keys(split);
  return {
    state: 'ENABLED',
    variants: Object.fromEntries(names.map((n) => [n, n])),
    defaultVariant: names[0],
    targeting: { fractional: Object.entries(split).map(([n, w]) => [n, w]) },
    ...extra,
  };
}

const CLEAN = '1 file checked: no problems\n';
const json = (flags: Record<string, unknown>): string => `${JSON.stringify({ flags }, null, 2)}\n`;

describe('flag checks in validate and plan (CLI in-process)', () => {
  let repo: TempRepo;
  let emu: RunningEmulator;
  const run = (args: string[]) => runCli(args, { cwd: repo.dir, env: { EPPO_API_KEY: TOKEN, EPPO_BASE_URL: emu.url } });

  beforeEach(async () => {
    repo = await tempRepo();
    emu = await startEmulator({ port: 0, apiKeys: [{ key: TOKEN, access: 'read-write' }] });
    await repo.write('eppo-gitops.yaml', CONFIG);
    await repo.write('experiments/checkout-button-color.yaml', definitionText());
  });
  afterEach(async () => {
    await emu.close();
    await repo.remove();
  });

  it('a flag serving the file\'s split: validate and plan are clean, and plan makes its plan', async () => {
    await repo.write('flags/web.flagd.json', json({ 'checkout-button-color': fractionalFlag({ control: 50, green: 50 }) }));
    const v = await run(['validate']);
    expect(v).toMatchObject({ code: 0, out: CLEAN });
    const p = await run(['plan']);
    expect(p).toMatchObject({ code: 0, err: '' });
    expect(p.out).toContain('+ create   checkout-button-color experiments/checkout-button-color.yaml');
    expect(p.out).not.toContain('note:');
  });

  it('flag-split (error): the weight line, both numbers and how they were obtained; plan stops before Eppo', async () => {
    await repo.write('flags/web.flagd.json', json({ 'checkout-button-color': fractionalFlag({ control: 60, green: 40 }) }));
    const v = await run(['validate']);
    expect(v.code).toBe(1);
    expect(v.out.split('\n')).toEqual([
      'experiments/checkout-button-color.yaml:11:13  error  flag serves control 0.60 (computed from the fractional in flags/web.flagd.json), the file says 0.50  [flag-split]',
      'experiments/checkout-button-color.yaml:14:13  error  flag serves green 0.40 (computed from the fractional in flags/web.flagd.json), the file says 0.50  [flag-split]',
      '1 file checked: 2 errors, 0 warnings',
      '',
    ]);
    const p = await run(['plan']);
    expect(p.code).toBe(1);
    expect(p.out).toBe('');
    expect(p.err).toContain('[flag-split]');
    expect(p.err).toContain('error: the definitions or their flags have errors (above); fix them, then run plan again');
    expect(await control(emu, 'GET', '/requests')).toEqual([]);
  });

  it('flag-split (error): traffic_allocation against the share of subjects a fractional puts in the experiment', async () => {
    await repo.write('experiments/checkout-button-color.yaml', definitionText({ extra: 'traffic_allocation: 0.5\n' }));
    await repo.write('flags/web.flagd.json', json({ 'checkout-button-color': fractionalFlag({ control: 40, green: 40, off: 20 }) }));
    const v = await run(['validate']);
    expect(v.code).toBe(1);
    expect(v.out).toContain(
      'experiments/checkout-button-color.yaml:7:21  error  flag puts 0.80 of subjects in the experiment (computed from the fractional in flags/web.flagd.json), the file says traffic_allocation 0.50  [flag-split]',
    );
    await repo.write('experiments/checkout-button-color.yaml', definitionText({ extra: 'traffic_allocation: 0.8\n' }));
    expect(await run(['validate'])).toMatchObject({ code: 0 });
  });

  it('flag-variants (error) at the variation\'s variant_key line', async () => {
    await repo.write('flags/web.flagd.json', json({ 'checkout-button-color': fractionalFlag({ control: 50, teal: 50 }) }));
    const v = await run(['validate', '--format', 'json']);
    expect(v.code).toBe(1);
    expect(JSON.parse(v.out).problems).toEqual([
      {
        file: 'experiments/checkout-button-color.yaml',
        line: 12,
        col: 18,
        severity: 'error',
        rule: 'flag-variants',
        message: '"green" is not a variant of flag "checkout-button-color" (flags/web.flagd.json), which has control, teal',
      },
    ]);
  });

  it('flag-missing and flag-disabled are warnings: validate exits 0, plan plans and prints them', async () => {
    await repo.write('experiments/onboarding.yaml', definitionText({ key: 'onboarding', name: 'Onboarding' }));
    await repo.write('flags/web.flagd.json', json({ 'checkout-button-color': fractionalFlag({ control: 50, green: 50 }, { state: 'DISABLED' }) }));
    const v = await run(['validate']);
    expect(v.code).toBe(0);
    expect(v.out.split('\n').slice(0, 2)).toEqual([
      'experiments/checkout-button-color.yaml:1:17  warning  flag "checkout-button-color" (flags/web.flagd.json) is DISABLED, so flagd serves every subject the caller\'s default and nobody enters the experiment; set its state to ENABLED  [flag-disabled]',
      'experiments/onboarding.yaml:1:17  warning  no flag in the flag files has the key "onboarding", so the split the randomizer serves cannot be checked; add the flag or fix the key  [flag-missing]',
    ]);
    const p = await run(['plan']);
    expect(p.code).toBe(0);
    expect(p.err).toContain('[flag-disabled]');
    expect(p.err).toContain('[flag-missing]');
    expect(p.out).toContain('Plan: 2 to create');
  });

  it('an experiment with an outcome gets only flag-rollout, a warning, while its flag still splits traffic', async () => {
    const outcome = 'outcome:\n  status: Concluded\n  outcome: POSITIVE\n  winning_variant_key: green\n';
    // The flag has no "green" and serves 90/10: flag-variants and flag-split do not apply once an outcome is recorded.
    await repo.write('experiments/checkout-button-color.yaml', `${definitionText()}${outcome}`);
    await repo.write('flags/web.flagd.json', json({ 'checkout-button-color': fractionalFlag({ control: 90, blue: 10 }) }));
    const v = await run(['validate']);
    expect(v.code).toBe(0);
    expect(v.out.split('\n')[0]).toBe(
      'experiments/checkout-button-color.yaml:22:24  warning  flag "checkout-button-color" (flags/web.flagd.json) still splits traffic; the outcome named green  [flag-rollout]',
    );
    // Rolled out: one variant for everyone, no warning. Flag deleted after the rollout: no flag-missing either.
    await repo.write('flags/web.flagd.json', json({ 'checkout-button-color': { state: 'ENABLED', variants: { control: 'control', green: 'green' }, defaultVariant: 'green' } }));
    expect(await run(['validate'])).toMatchObject({ code: 0, out: CLEAN });
    await repo.write('flags/web.flagd.json', json({ other: fractionalFlag({ a: 1, b: 1 }) }));
    expect(await run(['validate'])).toMatchObject({ code: 0, out: CLEAN });
    // rollout: off: the flag may keep splitting traffic.
    await repo.write('flags/web.flagd.json', json({ 'checkout-button-color': fractionalFlag({ control: 50, green: 50 }) }));
    expect((await run(['validate'])).out).toContain('[flag-rollout]');
    await repo.write('eppo-gitops.yaml', `${CONFIG}  rollout: off\n`);
    expect(await run(['validate'])).toMatchObject({ code: 0, out: CLEAN });
  });

  it('flag-file (error): a flag file flagd refuses, said in words at file:line:col; plan stops the way it does for a YAML error', async () => {
    await repo.write('flags/web.flagd.json', '{\n  "flags": {\n    "checkout-button-color": {"state": "MAYBE", "variants": {"control": 1}, "defaultVariant": "control"}\n  }\n}\n');
    const v = await run(['validate']);
    expect(v.code).toBe(1);
    expect(v.out.split('\n')[0]).toBe('flags/web.flagd.json:3:40  error  flag "checkout-button-color", state must be "ENABLED" or "DISABLED", not the text "MAYBE"  [flag-file]');
    // A flag in a broken file may be the missing one: no flag-missing guess on top.
    expect(v.out).not.toContain('[flag-missing]');
    const p = await run(['plan', '--format', 'json']);
    expect(p.code).toBe(1);
    expect(JSON.parse(p.out).problems).toEqual([expect.objectContaining({ file: 'flags/web.flagd.json', line: 3, col: 40, rule: 'flag-file', severity: 'error' })]);
    expect(p.err).toContain('error: the definitions or their flags have errors (above)');
    expect(await control(emu, 'GET', '/requests')).toEqual([]);
  });

  it('flag-file: a YAML flag file, a CRLF one, a key defined in two files (naming both)', async () => {
    await repo.write(
      'flags/web.flagd.yaml',
      'flags:\r\n  # the colour test\r\n  checkout-button-color:\r\n    state: ENABLED\r\n    variants: {control: c, green: g}\r\n    defaultVariant: control\r\n    targeting:\r\n      fractional: [[control, 1], [green, 1]]\r\n',
    );
    expect(await run(['validate'])).toMatchObject({ code: 0, out: CLEAN });
    await repo.write('flags/web.flagd.json', json({ 'checkout-button-color': fractionalFlag({ control: 50, green: 50 }) }));
    const v = await run(['validate']);
    expect(v.code).toBe(1);
    expect(v.out.split('\n')[0]).toBe(
      'flags/web.flagd.yaml:3:3  error  flag "checkout-button-color" is defined in both flags/web.flagd.json:3 and flags/web.flagd.yaml:3; keep it in one file  [flag-file]',
    );
    await repo.write('flags/web.flagd.json', '{"flags": {"x": {"state": "ENABLED", "variants": {"a": 1}, "defaultVariant": "b"}}}\r\n');
    expect((await run(['validate'])).out.split('\n')[0]).toBe('flags/web.flagd.json:1:78  error  flag "x": defaultVariant "b" is not one of its variants (a)  [flag-file]');
  });

  it('flag files stay inside the folder holding eppo-gitops.yaml: ".." in a glob and a link out of it are refused', async () => {
    const outside = await tempRepo();
    try {
      await outside.write('secret.flagd.json', json({ 'checkout-button-color': fractionalFlag({ control: 50, green: 50 }) }));
      await repo.write('flags/.keep', '');
      await symlink(join(outside.dir, 'secret.flagd.json'), join(repo.dir, 'flags/linked.flagd.json'));
      const v = await run(['validate']);
      expect(v.code).toBe(1);
      expect(v.out.split('\n')[0]).toBe(
        'flags/linked.flagd.json:1:1  error  the link points outside the folder holding eppo-gitops.yaml, so it is not read; put the flag file itself here instead of a link  [flag-file]',
      );
      await repo.write('eppo-gitops.yaml', 'flags:\n  files: [../*.flagd.json]\n');
      const up = await run(['validate']);
      expect(up.code).toBe(1);
      expect(up.out.split('\n')[0]).toMatch(/^eppo-gitops\.yaml:2:11 {2}error {2}.*\[schema\]$/);
      // The settings are broken: plan stops there, before reading any definition or flag.
      const p = await run(['plan']);
      expect(p.code).toBe(1);
      expect(p.err).toContain('eppo-gitops.yaml:2:11');
      expect(p.err).not.toContain('[flag-');
    } finally {
      await outside.remove();
    }
  });

  it('plan notes flags that split traffic without an experiment (never an error): text, JSON and Markdown', async () => {
    await repo.write(
      'flags/web.flagd.json',
      json({
        'checkout-button-color': fractionalFlag({ control: 50, green: 50 }),
        'search-ranking': fractionalFlag({ bm25: 1, learned: 1 }),
        'new-footer': { state: 'ENABLED', variants: { on: true, off: false }, defaultVariant: 'off' },
        'dark-mode': fractionalFlag({ on: 1, off: 1 }, { state: 'DISABLED' }),
      }),
    );
    // Everyone outside the beta gets "off", not an arm: new can start from it (an else branch that is an arm: the next test).
    await repo.write('flags/app.flagd.yaml', 'flags:\n  app-onboarding:\n    state: ENABLED\n    variants: {a: 1, b: 2, "off": 0}\n    defaultVariant: a\n    targeting: {if: [{in: ["@beta", {var: email}]}, {fractional: [[a, 1], [b, 1]]}, "off"]}\n');
    const text = await run(['plan']);
    expect(text.code).toBe(0);
    expect(text.out.split('\n').slice(-3)).toEqual([
      'Plan: 1 to create, 0 to update, 0 unchanged, 0 unmanaged in Eppo (not in git).',
      'note: flags without an experiment: app-onboarding, search-ranking; run eppo-gitops new <key>',
      '',
    ]);
    const asJson = await run(['plan', '--format', 'json', '--out', 'plan.json']);
    expect(JSON.parse(asJson.out).flags_without_experiment).toEqual(['app-onboarding', 'search-ranking']);
    const md = await run(['plan', '--format', 'markdown']);
    expect(md.out).toContain('> Note: flags without an experiment: app-onboarding, search-ranking; run eppo-gitops new &lt;key&gt;');
    // The saved plan, with its additive field, is still one apply reads.
    const applied = await run(['apply', 'plan.json']);
    expect(applied.code).toBe(0);
    expect(applied.out).toContain('Apply: 1 applied, 0 failed, 0 skipped.');
  });

  it("the note lists only flags new can start from: a fractional under an if that serves everyone else an arm is not one", async () => {
    await repo.write(
      'flags/web.flagd.json',
      json({
        'checkout-button-color': fractionalFlag({ control: 50, green: 50 }),
        'search-ranking': fractionalFlag({ bm25: 1, learned: 1 }),
        // Subjects without the email get "a", an arm: new refuses it (flag-split), so the note must not send the user there.
        tgt: { state: 'ENABLED', variants: { a: 1, b: 2 }, defaultVariant: 'a', targeting: { if: [{ in: ['@beta', { var: 'email' }] }, { fractional: [['a', 1], ['b', 1]] }, 'a'] } },
      }),
    );
    const p = await run(['plan', '--format', 'json']);
    expect(p.code).toBe(0);
    expect(JSON.parse(p.out).flags_without_experiment).toEqual(['search-ranking']);
    const names = ['--entity', 'user', '--assignment-source', 'User assignments'];
    expect(await run(['new', 'tgt', ...names])).toMatchObject({ code: 1, err: expect.stringContaining('would not pass validate') });
    expect(await run(['new', 'search-ranking', ...names])).toMatchObject({ code: 0 });
  });

  it('without flags in eppo-gitops.yaml no flag file is read and the plan has no note', async () => {
    await repo.write('eppo-gitops.yaml', 'parallelism: 2\n');
    await repo.write('flags/web.flagd.json', '{ not json');
    expect(await run(['validate'])).toMatchObject({ code: 0, out: CLEAN });
    const p = await run(['plan', '--format', 'json']);
    expect(p.code).toBe(0);
    expect(JSON.parse(p.out)).not.toHaveProperty('flags_without_experiment');
  });
});

describe('validate <flag file>: a path that flags.files names is checked as a flag file', () => {
  let repo: TempRepo;
  const run = (args: string[]) => runCli(args, { cwd: repo.dir, env: {} });

  beforeEach(async () => {
    repo = await tempRepo();
    await repo.write('eppo-gitops.yaml', CONFIG);
    await repo.write('experiments/checkout-button-color.yaml', definitionText());
    await repo.write('experiments/search-ranking.yaml', definitionText({ key: 'search-ranking', name: 'Search ranking' }));
  });
  afterEach(async () => {
    await repo.remove();
  });

  it('checks the flag file and the experiments it serves, not as a definition', async () => {
    await repo.write('flags/web.flagd.json', json({ 'checkout-button-color': fractionalFlag({ control: 50, green: 50 }), 'search-ranking': fractionalFlag({ control: 50, green: 50 }) }));
    expect(await run(['validate', 'flags/web.flagd.json'])).toMatchObject({ code: 0, out: '3 files checked: no problems\n' });
    expect(await run(['validate', './flags/web.flagd.json', 'experiments/search-ranking.yaml'])).toMatchObject({ code: 0, out: '3 files checked: no problems\n' });
  });

  it("a changed split in the flag file is caught at the experiment's weight lines (what a pull request changing only the flag gets)", async () => {
    await repo.write('flags/web.flagd.json', json({ 'checkout-button-color': fractionalFlag({ control: 60, green: 40 }) }));
    await repo.write('flags/other.flagd.yaml', 'flags:\n  search-ranking:\n    state: ENABLED\n    variants: {control: a, green: b}\n    defaultVariant: control\n    targeting: {fractional: [[control, 50], [green, 50]]}\n');
    const v = await run(['validate', 'flags/web.flagd.json']);
    expect(v.code).toBe(1);
    expect(v.out).not.toContain('[schema]');
    expect(v.out.split('\n').filter((l) => l.includes('  error  '))).toEqual([
      'experiments/checkout-button-color.yaml:11:13  error  flag serves control 0.60 (computed from the fractional in flags/web.flagd.json), the file says 0.50  [flag-split]',
      'experiments/checkout-button-color.yaml:14:13  error  flag serves green 0.40 (computed from the fractional in flags/web.flagd.json), the file says 0.50  [flag-split]',
    ]);
    expect(v.out).toContain('2 files checked: 2 errors, 0 warnings');
  });

  it('a flag file flagd refuses, a flag file serving no experiment, and one that does not exist', async () => {
    await repo.write('flags/web.flagd.json', '{"flags": {"x": {"state": "MAYBE", "variants": {"a": 1}, "defaultVariant": "a"}}}\n');
    const refused = await run(['validate', 'flags/web.flagd.json']);
    expect(refused.code).toBe(1);
    expect(refused.out).toMatch(/^flags\/web\.flagd\.json:1:\d+ {2}error {2}.*\[flag-file\]$/m);
    expect(refused.out).toContain('1 file checked: 1 error');

    await repo.write('flags/web.flagd.json', json({ 'unrelated-flag': fractionalFlag({ on: 50, off: 50 }) }));
    expect(await run(['validate', 'flags/web.flagd.json'])).toMatchObject({ code: 0, out: '1 file checked: no problems\n' });

    const gone = await run(['validate', 'flags/gone.flagd.json']);
    expect(gone.code).toBe(1);
    expect(gone.out).toContain('flags/gone.flagd.json:1:1  error  path not found: no such flag file  [io]');
  });

  it('without flags in eppo-gitops.yaml, a flag file given is not checked as an experiment: a warning says to add it to flags.files, and the exit code is 0 (a pre-commit hook passes it)', async () => {
    await repo.write('eppo-gitops.yaml', 'parallelism: 2\n');
    await repo.write('flags/web.flagd.json', json({ 'checkout-button-color': fractionalFlag({ control: 60, green: 40 }) }));
    await repo.write('flags/pricing.flagd.yaml', 'flags: {}\n');
    const v = await run(['validate', 'flags/web.flagd.json', 'flags/pricing.flagd.yaml', 'experiments/checkout-button-color.yaml']);
    expect(v.out).not.toContain('[schema]');
    expect(v.out.split('\n')).toEqual([
      'flags/pricing.flagd.yaml:1:1  warning  a flagd flag file, not an experiment definition, and flags.files in eppo-gitops.yaml does not name it, so it is not checked; add "flags/pricing.flagd.yaml" (or a glob matching it) to flags.files to check it and the experiments it serves  [flag-unconfigured]',
      'flags/web.flagd.json:1:1  warning  a flagd flag file, not an experiment definition, and flags.files in eppo-gitops.yaml does not name it, so it is not checked; add "flags/web.flagd.json" (or a glob matching it) to flags.files to check it and the experiments it serves  [flag-unconfigured]',
      '3 files checked: 0 errors, 2 warnings',
      '',
    ]);
    expect(v.code).toBe(0);
    // Any JSON file: definitions are YAML.
    await repo.write('config/toggles.json', '{"flags": {}}\n');
    const j = await run(['validate', 'config/toggles.json']);
    expect(j).toMatchObject({ code: 0 });
    expect(j.out).toContain('config/toggles.json:1:1  warning  not an experiment definition (those are .yaml or .yml files), and flags.files in eppo-gitops.yaml does not name it, so it is not checked; if it is a flagd flag file, add "config/toggles.json" (or a glob matching it) to flags.files  [flag-unconfigured]');
    // flags.files names other files: the same warning for one it does not match.
    await repo.write('eppo-gitops.yaml', 'flags:\n  files: [flags/*.flagd.json]\n');
    const other = await run(['validate', 'flags/pricing.flagd.yaml']);
    expect(other).toMatchObject({ code: 0 });
    expect(other.out).toContain('flags/pricing.flagd.yaml:1:1  warning  a flagd flag file, not an experiment definition, and flags.files in eppo-gitops.yaml does not name it');
    // A named file that is not there is still an error.
    expect((await run(['validate', 'flags/gone.flagd.yaml'])).code).toBe(1);
  });

  it('with errors in eppo-gitops.yaml, a flag file given is not called unnamed by flags.files: the warning says the settings come first', async () => {
    await repo.write('eppo-gitops.yaml', `${CONFIG}bogus: 1\n`);
    await repo.write('flags/web.flagd.json', json({ 'checkout-button-color': fractionalFlag({ control: 50, green: 50 }) }));
    const v = await run(['validate', 'flags/web.flagd.json']);
    expect(v.code).toBe(1);
    expect(v.out).toContain('[schema]');
    expect(v.out).not.toContain('does not name it');
    expect(v.out).toContain(
      'flags/web.flagd.json:1:1  warning  a flagd flag file, not an experiment definition, and it is not checked while eppo-gitops.yaml has errors (its flags.files is not read); fix eppo-gitops.yaml (above), then run validate again  [flag-unconfigured]',
    );
  });

  it('--dir through a link out of the repository: the experiments a flag file given serves are found there too, as validate without paths finds them', async () => {
    const outside = await tempRepo();
    try {
      await outside.write('checkout-button-color.yaml', definitionText());
      await symlink(outside.dir, join(repo.dir, 'linked'));
      await repo.write('flags/web.flagd.json', json({ 'checkout-button-color': fractionalFlag({ control: 60, green: 40 }) }));
      const whole = await run(['validate', '--dir', 'linked']);
      const given = await run(['validate', '--dir', 'linked', 'flags/web.flagd.json']);
      expect(whole.code).toBe(1);
      expect(given.code).toBe(1);
      const splitErrors = (out: string) => out.split('\n').filter((l) => l.includes('[flag-split]'));
      expect(splitErrors(given.out)).toHaveLength(2);
      expect(splitErrors(given.out)).toEqual(splitErrors(whole.out));
    } finally {
      await outside.remove();
    }
  });

  it('a folder named: its definitions are definitions, its configured flag files flag files (with the experiments they serve), any other flag file a warning', async () => {
    await repo.write('flags/web.flagd.json', json({ 'checkout-button-color': fractionalFlag({ control: 60, green: 40 }) }));
    await repo.write('flags/pricing.flagd.yaml', 'flags:\n  search-ranking:\n    state: ENABLED\n    variants: {control: a, green: b}\n    defaultVariant: control\n    targeting: {fractional: [[control, 50], [green, 50]]}\n');
    await repo.write('flags/old.flagd.yml', 'flags: {}\n');
    const v = await run(['validate', 'flags/']);
    expect(v.code).toBe(1);
    expect(v.out).not.toContain('[schema]');
    expect(v.out.split('\n')).toEqual([
      'flags/old.flagd.yml:1:1  warning  a flagd flag file, not an experiment definition, and flags.files in eppo-gitops.yaml does not name it, so it is not checked; add "flags/old.flagd.yml" (or a glob matching it) to flags.files to check it and the experiments it serves  [flag-unconfigured]',
      'experiments/checkout-button-color.yaml:11:13  error  flag serves control 0.60 (computed from the fractional in flags/web.flagd.json), the file says 0.50  [flag-split]',
      'experiments/checkout-button-color.yaml:14:13  error  flag serves green 0.40 (computed from the fractional in flags/web.flagd.json), the file says 0.50  [flag-split]',
      '5 files checked: 2 errors, 1 warning',
      '',
    ]);
    // Both folders: experiments/ as definitions, flags/ as flag files, each file once.
    await repo.write('flags/web.flagd.json', json({ 'checkout-button-color': fractionalFlag({ control: 50, green: 50 }) }));
    const all = await run(['validate', 'experiments', 'flags']);
    expect(all.out.split('\n').filter((l) => !l.includes('[flag-unconfigured]'))).toEqual(['5 files checked: 0 errors, 1 warning', '']);
    expect(all.code).toBe(0);
  });
});
