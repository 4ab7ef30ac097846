import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { definitionText, runCli, tempRepo, type TempRepo } from '../eppo/helpers.js';
import { gitIn } from '../helpers/git-repo.js';
import { startRawEppo, type RawEppo, type RawWorkspace } from '../helpers/raw-eppo.js';
import { liveExperiment, seedWorkspace } from '../reconcile/fixtures.js';

const BUG = 'looks like a bug';

function workspace(experiments: unknown[]): RawWorkspace {
  const { entities, assignmentSources, metrics } = seedWorkspace();
  return { entities, assignmentSources, metrics, experiments };
}

describe('trust item 4: malformed data from Eppo, over HTTP', () => {
  let eppo: RawEppo;
  let repo: TempRepo;
  const run = (args: string[]) => runCli(args, { cwd: repo.dir, env: { EPPO_API_KEY: 'raw-key-0123456789', EPPO_BASE_URL: eppo.url, HOME: repo.dir, GIT_CONFIG_NOSYSTEM: '1', PATH: process.env.PATH } });

  beforeEach(async () => {
    repo = await tempRepo();
    await repo.write('experiments/checkout-button-color.yaml', definitionText());
    eppo = await startRawEppo(
      workspace([
        { ...liveExperiment({ name: 'Renamed in Eppo' }), variations: [null] },
        { ...liveExperiment({ id: 7, experiment_key: 'unmanaged-odd', status: 'Concluded' }), metrics: [null], name: 3 },
      ]),
    );
  });
  afterEach(async () => {
    await eppo.close();
    await repo.remove();
  });

  it('plan: a conflict that says what is wrong, and the other experiments still plan', async () => {
    await repo.write('experiments/fresh.yaml', definitionText({ key: 'fresh' }));
    const r = await run(['plan', '--detailed-exitcode']);
    expect(r.err).not.toContain(BUG);
    expect(r.code).toBe(2);
    expect(r.out).toContain('x conflict checkout-button-color experiments/checkout-button-color.yaml');
    expect(r.out).toContain('Eppo returned experiment #4521 in a shape eppo-gitops cannot read (variations[0] is null, not an object)');
    expect(r.out).toContain('+ create   fresh');
    expect(r.out).toContain('? unmanaged unmanaged-odd (#7) "3"');
  });

  it('import: refuses it with the reason, exit 1', async () => {
    const r = await run(['import', '--key', 'unmanaged-odd']);
    expect(r.code).toBe(1);
    expect(r.err).toBe('error: Eppo returned experiment #7 in a shape eppo-gitops cannot read (name is 3 (a number), not a string); not imported: fix it in Eppo, then import\n');
  });

  it('outcome: fails with the reason and proposes nothing', async () => {
    const git = (...args: string[]): string => gitIn(repo.dir, args);
    await repo.write('experiments/unmanaged-odd.yaml', definitionText({ key: 'unmanaged-odd' }));
    git('init', '-q', '-b', 'main');
    git('add', '.');
    git('-c', 'user.name=T', '-c', 'user.email=t@example.com', 'commit', '-q', '-m', 'definitions');
    const r = await run(['outcome', '--experiment-id', '7', '--git-host', 'local']);
    expect(r.err).not.toContain(BUG);
    expect(r.code).toBe(1);
    expect(r.out).toContain('failed: Eppo returned experiment #7 in a shape eppo-gitops cannot read (name is 3 (a number), not a string); not recorded: fix it in Eppo, then record it again');
    expect(git('branch', '--list')).toBe('* main');
  });

  it('apply of a saved plan whose experiment turned malformed: stale, never a crash', async () => {
    eppo.data = workspace([liveExperiment({ name: 'Renamed in Eppo' })]);
    expect((await run(['plan', '--out', 'plan.json'])).code).toBe(0);
    expect(JSON.parse(await readFile(join(repo.dir, 'plan.json'), 'utf8')).summary.update).toBe(1);
    eppo.data = workspace([{ ...liveExperiment({ name: 'Renamed in Eppo' }), variations: [null] }]);
    const r = await run(['apply', 'plan.json']);
    expect(r.code).toBe(1);
    expect(r.err).toContain('error: stale plan: checkout-button-color changed in Eppo since the plan was made; run plan again');
    expect(r.err).not.toContain(BUG);
  });
});

describe('trust item 4: a saved plan that is damaged or edited is refused, never half-read', () => {
  let eppo: RawEppo;
  let repo: TempRepo;
  const run = (args: string[]) => runCli(args, { cwd: repo.dir, env: { EPPO_API_KEY: 'raw-key-0123456789', EPPO_BASE_URL: eppo.url } });

  beforeEach(async () => {
    repo = await tempRepo();
    await repo.write('experiments/checkout-button-color.yaml', definitionText());
    eppo = await startRawEppo(workspace([]));
  });
  afterEach(async () => {
    await eppo.close();
    await repo.remove();
  });

  it('without a summary, or with one that disagrees with the changes', async () => {
    expect((await run(['plan', '--out', 'plan.json'])).code).toBe(0);
    const plan = JSON.parse(await readFile(join(repo.dir, 'plan.json'), 'utf8'));
    expect(plan.summary.create).toBe(1);
    const { summary: _gone, ...noSummary } = plan;
    await writeFile(join(repo.dir, 'no-summary.json'), JSON.stringify(noSummary));
    const missing = await run(['apply', 'no-summary.json']);
    expect(missing.code).toBe(1);
    expect(missing.err).toMatch(/^error: no-summary\.json is not a usable plan file: missing summary; apply takes a plan file/);

    await writeFile(join(repo.dir, 'edited.json'), JSON.stringify({ ...plan, summary: { ...plan.summary, create: 0 } }));
    const edited = await run(['apply', 'edited.json']);
    expect(edited.code).toBe(1);
    expect(edited.err).toContain(
      'edited.json is not a usable plan file: its summary (0 create, 0 update, 0 unchanged, 0 skip, 0 conflict, 0 unmanaged) disagrees with its changes (1 create, 0 update, 0 unchanged, 0 skip, 0 conflict, 0 unmanaged), so it was changed after the plan was made',
    );
    expect(edited.out).not.toContain('No changes');
    for (const r of [missing, edited]) expect(r.err).not.toContain(BUG);
  });
});
