import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parseDefinition } from '../../src/definitions/index.js';
import { ConfigError } from '../../src/errors.js';
import { groupExperimentsByKey } from '../../src/eppo/index.js';
import { buildImportPlan, writeImportFile, type ImportDecision } from '../../src/reconcile/index.js';
import { tempRepo, type TempRepo } from '../eppo/helpers.js';
import { liveExperiment, seedWorkspace } from './fixtures.js';

const CWD = '/repo';

function plan(wanted: readonly string[] | 'all', experiments = [liveExperiment()], managed: Record<string, string> = {}, dir = 'experiments') {
  return buildImportPlan({ wanted, managed: new Map(Object.entries(managed)), workspace: seedWorkspace(experiments), cwd: CWD, dir }).decisions;
}

function written(decision: ImportDecision | undefined): Extract<ImportDecision, { action: 'write' }> {
  if (decision?.action !== 'write') throw new Error(`expected a write, got ${JSON.stringify(decision)}`);
  return decision;
}

describe('groupExperimentsByKey', () => {
  it('keeps the given order within a key, and every key once', () => {
    const a1 = liveExperiment({ id: 1, experiment_key: 'a' });
    const b = liveExperiment({ id: 2, experiment_key: 'b' });
    const a2 = liveExperiment({ id: 3, experiment_key: 'a' });
    const grouped = groupExperimentsByKey([a1, b, a2]);
    expect([...grouped.keys()]).toEqual(['a', 'b']);
    expect(grouped.get('a')!.map((e) => e.id)).toEqual([1, 3]);
    expect(grouped.get('b')!.map((e) => e.id)).toEqual([2]);
    expect(groupExperimentsByKey([]).size).toBe(0);
  });
});

describe('buildImportPlan', () => {
  it('writes a valid file for a live experiment no file manages, with a schema path that resolves for an installed package (trust issue, item 24)', () => {
    const [decision] = plan(['checkout-button-color'], [liveExperiment()], {}, 'teams/growth');
    const write = written(decision);
    expect(write).toMatchObject({ key: 'checkout-button-color', eppoId: 4521, file: 'teams/growth/checkout-button-color.yaml', target: join(CWD, 'teams/growth/checkout-button-color.yaml') });
    // Outside a checkout of eppo-gitops the schema is where `npm i -D eppo-gitops` puts it, relative to the file.
    expect(write.text.split('\n')[0]).toBe('# yaml-language-server: $schema=../../node_modules/eppo-gitops/schemas/experiment.schema.json');
    expect(write.text).toContain('# imported from Eppo experiment #4521');
    const parsed = parseDefinition(write.file, write.text);
    expect(parsed.problems).toEqual([]);
    expect(parsed.definition!.experiment_key).toBe('checkout-button-color');
  });

  it('refuses a managed key, an unknown key (with a guess), twins, an unsafe key and a file that would not validate', () => {
    const experiments = [
      liveExperiment({ id: 1, experiment_key: 'managed-one' }),
      liveExperiment({ id: 2, experiment_key: 'onboarding' }),
      liveExperiment({ id: 3, experiment_key: 'twin' }),
      liveExperiment({ id: 4, experiment_key: 'twin' }),
      liveExperiment({ id: 5, experiment_key: '../escape' }),
      liveExperiment({
        id: 6,
        experiment_key: 'bad-weights',
        variations: [
          { id: 1, name: 'Control', variant_key: 'control', is_control: true, weighted_expected_traffic: 0.3, is_active: true },
          { id: 2, name: 'Green', variant_key: 'green', is_control: false, weighted_expected_traffic: 0.3, is_active: true },
        ],
      }),
    ];
    const decisions = plan(['managed-one', 'onbaording', 'twin', '../escape', 'bad-weights'], experiments, { 'managed-one': 'experiments/managed-one.yaml' });
    expect(decisions.map((d) => [d.key, d.action === 'refuse' ? d.reason : d.action])).toEqual([
      ['managed-one', 'managed'],
      ['onbaording', 'unknown'],
      ['twin', 'twins'],
      ['../escape', 'invalid'],
      ['bad-weights', 'would-not-validate'],
    ]);
    const messages = decisions.map((d) => (d.action === 'refuse' ? d.message : ''));
    expect(messages[0]).toBe('managed-one is already managed by experiments/managed-one.yaml; not imported');
    expect(messages[1]).toBe('no live experiment has the key "onbaording" (did you mean "onboarding"?)');
    expect(messages[2]).toBe('2 live experiments in Eppo share the key "twin" (ids 3, 4); not imported: rename or archive all but one in Eppo, then import');
    expect(messages[3]).toMatch(/^experiment key "\.\.\/escape" \(#5\) is not safe as a file name/);
    expect(messages[4]).toMatch(/^bad-weights \(#6\) would not make a valid file, not written: .*\[weights-sum\]/);
  });

  it('--all takes every live key no file manages, sorted; --key ignores repeats; nothing left is an empty plan', () => {
    const experiments = [liveExperiment({ id: 1, experiment_key: 'zeta' }), liveExperiment({ id: 2, experiment_key: 'alpha' }), liveExperiment({ id: 3, experiment_key: 'mid' })];
    expect(plan('all', experiments, { mid: 'experiments/mid.yaml' }).map((d) => [d.key, d.action])).toEqual([
      ['alpha', 'write'],
      ['zeta', 'write'],
    ]);
    expect(plan(['zeta', 'zeta'], experiments).map((d) => d.key)).toEqual(['zeta']);
    expect(plan('all', experiments, { zeta: 'a', alpha: 'b', mid: 'c' })).toEqual([]);
    expect(plan('all', [])).toEqual([]);
  });

  it('is pure: the same input gives the same plan', () => {
    expect(plan('all')).toEqual(plan('all'));
  });
});

describe('writeImportFile', () => {
  let repo: TempRepo;
  beforeEach(async () => {
    repo = await tempRepo();
  });
  afterEach(async () => {
    await repo.remove();
  });
  const decision = (dir = 'experiments') =>
    written(buildImportPlan({ wanted: ['checkout-button-color'], managed: new Map(), workspace: seedWorkspace([liveExperiment()]), cwd: repo.dir, dir }).decisions[0]);

  it('creates the folder and the file, and never writes over it afterwards', async () => {
    const write = decision('new/folder');
    expect(await writeImportFile(write, repo.dir)).toEqual({ ok: true });
    expect(await readFile(join(repo.dir, 'new/folder/checkout-button-color.yaml'), 'utf8')).toBe(write.text);
    await repo.write('new/folder/checkout-button-color.yaml', 'mine\n');
    expect(await writeImportFile(write, repo.dir)).toEqual({
      ok: false,
      message: 'new/folder/checkout-button-color.yaml already exists; not overwritten (move it away or import under another --dir)',
    });
    expect(await readFile(join(repo.dir, 'new/folder/checkout-button-color.yaml'), 'utf8')).toBe('mine\n');
  });

  it('refuses when a .yml twin exists', async () => {
    await repo.write('experiments/checkout-button-color.yml', 'twin\n');
    expect(await writeImportFile(decision(), repo.dir)).toEqual({
      ok: false,
      message: 'experiments/checkout-button-color.yml already exists; not overwritten (move it away or import under another --dir)',
    });
  });

  it('throws a ConfigError when the folder cannot be created', async () => {
    await repo.write('taken', 'a file\n');
    const error = await writeImportFile(decision('taken'), repo.dir).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as Error).message).toMatch(/^cannot create the folder taken for taken\/checkout-button-color\.yaml \((EEXIST|ENOTDIR)\); --dir must name a folder you can write to$/);
  });
});
