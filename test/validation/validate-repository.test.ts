import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/errors.js';
import { stageProblems, validateRepository } from '../../src/validation/index.js';
import { definitionText, tempRepo, type TempRepo } from '../eppo/helpers.js';

describe('validateRepository', () => {
  let repo: TempRepo;
  beforeEach(async () => {
    repo = await tempRepo();
  });
  afterEach(async () => {
    await repo.remove();
  });

  it('reads the settings, then the definitions folder they name, and reports nothing for a clean setup', async () => {
    await repo.write('eppo-gitops.yaml', 'dir: defs\nparallelism: 2\n');
    await repo.write('defs/checkout-button-color.yaml', definitionText());
    const v = await validateRepository({ cwd: repo.dir });
    expect(v).toMatchObject({ config: { dir: 'defs', parallelism: 2 }, dir: 'defs', files: 1, problems: [] });
    expect(v.failed).toBeUndefined();
    expect(v.stages.map((s) => s.name)).toEqual(['settings', 'definitions', 'flags']);
    expect(v.definitions.map((d) => d.file)).toEqual(['defs/checkout-button-color.yaml']);
    // the option beats the settings file; without either it is experiments
    await repo.write('elsewhere/.keep', '');
    await repo.write('experiments/.keep', '');
    expect((await validateRepository({ cwd: repo.dir, dir: 'elsewhere' })).dir).toBe('elsewhere');
    await repo.write('eppo-gitops.yaml', '');
    expect((await validateRepository({ cwd: repo.dir })).dir).toBe('experiments');
    // a folder that does not exist is an operational error, not a problem in a file
    await expect(validateRepository({ cwd: repo.dir, dir: 'nope' })).rejects.toThrow(ConfigError);
    await expect(validateRepository({ cwd: repo.dir, dir: 'nope', paths: ['defs'] })).resolves.toMatchObject({ problems: [] });
  });

  it('runs the rules across files and keeps each stage\'s problems apart', async () => {
    await repo.write('experiments/same.yaml', definitionText({ key: 'same' }));
    await repo.write('experiments/twin/same.yaml', definitionText({ key: 'same' }));
    await repo.write('eppo-gitops.yaml', 'api_key: nope\n');
    const v = await validateRepository({ cwd: repo.dir });
    expect(v.failed).toBe('settings');
    expect(stageProblems(v, 'settings').map((p) => [p.file, p.rule])).toEqual([['eppo-gitops.yaml', 'schema']]);
    expect(stageProblems(v, 'definitions').map((p) => [p.file, p.rule])).toEqual([['experiments/twin/same.yaml', 'unique-key']]);
    expect(v.problems).toEqual([...stageProblems(v, 'settings'), ...stageProblems(v, 'definitions')]);
    expect(v.definitions.map((d) => d.file)).toEqual(['experiments/same.yaml']);
    expect(v.files).toBe(2);
  });

  it('stops at the first stage with errors when asked (plan makes no plan from a broken setup)', async () => {
    await repo.write('experiments/a.yaml', definitionText());
    await repo.write('eppo-gitops.yaml', 'parallelism: lots\n');
    const v = await validateRepository({ cwd: repo.dir, stopAtFirstError: true });
    expect(v.failed).toBe('settings');
    expect(v.stages.map((s) => s.name)).toEqual(['settings']);
    expect(stageProblems(v, 'definitions')).toEqual([]);
    expect(v).toMatchObject({ definitions: [], files: 0, config: {} });
  });

  it('checks the given paths instead of the folder, and takes settings the caller already read', async () => {
    await repo.write('experiments/a.yaml', definitionText({ key: 'a' }));
    await repo.write('other/b.yaml', definitionText({ key: 'b' }).replace('weight: 0.5\n  - variant_key: green', 'weight: 0.4\n  - variant_key: green'));
    const v = await validateRepository({ cwd: repo.dir, paths: ['other'], settings: { config: { dir: 'ignored' }, problems: [] } });
    expect(v.files).toBe(1);
    expect(v.failed).toBe('definitions');
    expect(v.problems.map((p) => [p.file, p.rule])).toEqual([['other/b.yaml', 'weights-sum']]);
    expect(v.config).toEqual({ dir: 'ignored' });
  });
});
