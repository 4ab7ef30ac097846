import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parseDefinition } from '../../src/definitions/index.js';
import { startEmulator, type ExperimentInput, type RunningEmulator } from '../../src/emulator/index.js';
import { control, runCli, tempRepo, type TempRepo } from '../eppo/helpers.js';

const TOKEN = 'tok-import-0123456789';

function live(key: string, over: Partial<ExperimentInput> = {}): ExperimentInput {
  return {
    name: `Experiment ${key}`,
    experiment_key: key,
    entity_id: 1,
    assignment_source_id: 3,
    assignments_start_date: '2026-01-05T00:00:00.000Z',
    assignments_end_date: '2026-02-01T12:30:00.000Z',
    hypothesis: 'Long text: with "quotes", #hashes and a colon — kept exactly.',
    traffic_allocation: 0.8,
    variations: [
      { name: 'Control', variant_key: 'control', is_control: true, weighted_expected_traffic: 0.5, is_active: true },
      { name: 'Green', variant_key: 'green', is_control: false, weighted_expected_traffic: 0.5, is_active: true },
      { name: 'Red', variant_key: 'red', is_control: false, weighted_expected_traffic: 0, is_active: false },
    ],
    metrics: [
      { metric_id: 4, is_primary: true },
      { metric_id: 5, is_primary: false },
    ],
    ...over,
  };
}

describe('eppo-gitops import', () => {
  let emu: RunningEmulator;
  let repo: TempRepo;
  const run = (args: string[]) => runCli(args, { cwd: repo.dir, env: { EPPO_API_KEY: TOKEN, EPPO_BASE_URL: emu.url } });

  beforeEach(async () => {
    emu = await startEmulator({ port: 0, apiKeys: [{ key: TOKEN, access: 'read-write' }] });
    repo = await tempRepo();
  });
  afterEach(async () => {
    await emu.close();
    await repo.remove();
  });

  it('round-trips: imported files validate, and plan reports them unchanged', async () => {
    const [first] = emu.seedExperiments([live('mobile-onboarding'), live('pricing-page', { assignments_end_date: null, hypothesis: null })]);
    await control(emu, 'POST', `/experiments/${first!.id}/decision`, { winning_variant_key: 'green', outcome: 'POSITIVE' });
    const r = await run(['import', '--all']);
    expect(r.code).toBe(0);
    expect(r.out).toContain('+ wrote experiments/mobile-onboarding.yaml (#');
    expect(r.out).toContain('Import: 2 written, 0 refused.');
    expect((await readdir(join(repo.dir, 'experiments'))).sort()).toEqual(['mobile-onboarding.yaml', 'pricing-page.yaml']);
    const text = await readFile(join(repo.dir, 'experiments/pricing-page.yaml'), 'utf8');
    // Trust item 24: the editor hint works for an installed package, not only inside this repository.
    expect(text.split('\n')[0]).toBe('# yaml-language-server: $schema=../node_modules/eppo-gitops/schemas/experiment.schema.json');
    expect(text).toContain('assignment_source: Mobile app assignments');
    expect(text).not.toContain('Page load time');
    expect(text).not.toContain('outcome:');
    const parsed = parseDefinition('experiments/pricing-page.yaml', text);
    expect(parsed.problems).toEqual([]);
    expect(parsed.definition!.metrics).toEqual([
      { metric: 'Activation rate', is_primary: true },
      { metric: 'Session length', is_primary: false },
    ]);
    const concluded = await readFile(join(repo.dir, 'experiments/mobile-onboarding.yaml'), 'utf8');
    expect(concluded).toMatch(/outcome:\n {2}status: Concluded\n {2}outcome: POSITIVE\n {2}winning_variant_key: green\n/);
    expect(concluded).toContain('assignments_end_date: 2026-02-01T12:30:00Z');
    expect(parseDefinition('experiments/mobile-onboarding.yaml', concluded).definition!.hypothesis).toBe(
      'Long text: with "quotes", #hashes and a colon — kept exactly.',
    );

    const plan = await run(['plan', '--detailed-exitcode']);
    expect(plan.code).toBe(0);
    expect(plan.out).toContain('Plan: 0 to create, 0 to update, 2 unchanged, 0 unmanaged in Eppo (not in git).');
    const again = await run(['import', '--all']);
    expect(again).toMatchObject({ code: 0, out: 'Nothing to import: every live experiment is in git.\n' });
  });

  it('never overwrites a file, and refuses managed, unknown and unsafe keys', async () => {
    emu.seedExperiments([live('kept'), live('onboarding'), live('fine')]);
    emu.seedExperiments([live('other')]);
    await repo.write('experiments/kept.yaml', 'not: a definition\n');
    await repo.write('experiments/other.yml', 'not: one either\n');
    const r = await run(['import', '--key', 'kept', '--key', 'onbaording', '--key', 'fine', '--key', 'other']);
    expect(r.code).toBe(1);
    expect(r.err).toContain('error: experiments/kept.yaml already exists; not overwritten');
    expect(r.err).toContain('error: experiments/other.yml already exists; not overwritten');
    expect(r.out).toContain('Import: 1 written, 3 refused.');
    expect(r.err).toContain('error: no live experiment has the key "onbaording" (did you mean "onboarding"?)');
    expect(r.out).toContain('+ wrote experiments/fine.yaml');
    expect(await readFile(join(repo.dir, 'experiments/kept.yaml'), 'utf8')).toBe('not: a definition\n');
    const managed = await run(['import', '--key', 'fine']);
    expect(managed.code).toBe(1);
    expect(managed.err).toContain('error: fine is already managed by experiments/fine.yaml; not imported');
  });

  it('refuses experiment keys that are unsafe as file names', async () => {
    emu.seedExperiments([live('../escape'), live('has space')]);
    const r = await run(['import', '--all']);
    expect(r.code).toBe(1);
    expect(r.err).toContain('error: experiment key "../escape"');
    expect(r.err).toContain('is not safe as a file name');
    expect(await readdir(repo.dir, { recursive: true })).toEqual([]);
  });

  it('explains a --dir it cannot write into (a file, or under a file), without a stack trace', async () => {
    emu.seedExperiments([live('fine')]);
    await repo.write('taken', 'a file\n');
    for (const [dir, folder] of [
      ['taken', 'taken'],
      ['taken/sub', 'taken/sub'],
    ] as const) {
      const r = await run(['import', '--all', '--dir', dir]);
      expect(r.code).toBe(1);
      expect(r.err).toMatch(new RegExp(`^error: cannot create the folder ${folder} for ${folder}/fine\\.yaml \\((EEXIST|ENOTDIR)\\); --dir must name a folder you can write to\n$`));
    }
    expect(await readFile(join(repo.dir, 'taken'), 'utf8')).toBe('a file\n');
  });

  it('refuses a settings file with errors, as plan does: nothing is read from Eppo and nothing is written', async () => {
    emu.seedExperiments([live('fine')]);
    await repo.write('eppo-gitops.yaml', 'dir: defs\nbogus: 1\n');
    await repo.write('defs/.keep', '');
    const r = await run(['import', '--all']);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/^eppo-gitops\.yaml:2:1 {2}error {2}.*bogus.*\[schema\]$/m);
    expect(r.err).toContain('eppo-gitops.yaml checked: 1 error, 0 warnings\n');
    expect(r.err).toContain('error: the settings file eppo-gitops.yaml has errors (above); fix them, then run import again\n');
    expect(r.out).toBe('');
    expect((await readdir(repo.dir, { recursive: true })).sort()).toEqual(['defs', 'defs/.keep', 'eppo-gitops.yaml']);
    expect(await control(emu, 'GET', '/requests')).toEqual([]);
  });

  it('needs --key or --all', async () => {
    const r = await run(['import']);
    expect(r.code).toBe(1);
    expect(r.err).toContain('say what to import: --key KEY (repeatable) or --all');
  });
});
