import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parseDocument } from 'yaml';
import { main } from '../../src/cli/main.js';
import { parseDefinition } from '../../src/definitions/index.js';
import { startEmulator, type RunningEmulator } from '../../src/emulator/index.js';
import { describeTwins } from '../../src/eppo/index.js';
import { describeResult, parseOutcomeMarker, recordOutcome, syncOutcomes } from '../../src/outcomes/index.js';
import { createGitRepo, type GitRepo } from '../helpers/git-repo.js';
import { captureIo } from '../helpers/io.js';
import { DEFINITION, DEFINITION_PATH, experimentBody, startHarness, type Harness } from './harness.js';

const BRANCH = 'eppo-gitops/outcome/checkout-button-color';

describe('outcome pull requests on GitHub never propose a file that fails validate', () => {
  let h: Harness;
  beforeEach(async () => {
    h = await startHarness();
  });
  afterEach(async () => {
    await h.close();
  });

  it('trust item 1: a winner the file has no variation for is left out of the file, said in the PR, kept in the marker', async () => {
    // Eppo has a third variation, added in its UI; the file knows blue and green only.
    const [wider] = h.emu.seedExperiments([
      experimentBody({
        experiment_key: 'onboarding-flow',
        name: 'Onboarding flow',
        variations: [
          { name: 'Blue', variant_key: 'blue', is_control: true, weighted_expected_traffic: 0.4, is_active: true },
          { name: 'Green', variant_key: 'green', is_control: false, weighted_expected_traffic: 0.3, is_active: true },
          { name: 'Purple', variant_key: 'purple', is_control: false, weighted_expected_traffic: 0.3, is_active: true },
        ],
      }),
    ]);
    const path = 'experiments/onboarding/onboarding-flow.yml';
    const text = 'experiment_key: onboarding-flow\nname: Onboarding flow\nentity: user\nassignment_source: User assignments\nassignments_start_date: 2026-01-05\nvariations:\n  - variant_key: blue\n    is_control: true\n    weight: 0.5\n  - variant_key: green\n    weight: 0.5\n';
    h.github.commitFiles({ [path]: text });
    await h.decide('purple', 'POSITIVE', wider!.id);
    for (const round of [1, 2]) {
      h.github.clearRequests();
      const result = await recordOutcome({ experimentId: wider!.id, eppo: h.eppo, host: h.host, dir: 'experiments' });
      expect(result).toMatchObject({ action: round === 1 ? 'proposed' : 'already-proposed', file: path, leftOut: ['winning_variant_key'] });
      const written = h.github.readFile('eppo-gitops/outcome/onboarding-flow', path)!;
      expect(parseDefinition(path, written).problems.filter((p) => p.severity === 'error')).toEqual([]);
      expect(parseDocument(written).toJS().outcome).toEqual({ status: 'Concluded', outcome: 'POSITIVE', eppo_experiment_id: wider!.id, recorded_at: '2026-02-10T12:00:00.000Z' });
      const [pr] = h.github.pulls();
      expect(pr!.title).toBe('Record outcome: Onboarding flow — purple (POSITIVE)');
      expect(pr!.body).toContain('### Left out');
      expect(pr!.body).toContain(
        '- `winning_variant_key: purple`: outcome.winning\\_variant\\_key "purple" names no variation; variations: blue, green \\[outcome-variant\\]',
      );
      expect(parseOutcomeMarker(pr!.body)).toEqual({ experiment_id: wider!.id, outcome: 'POSITIVE', winning_variant_key: 'purple' });
      if (round === 1) expect(describeResult(result, 'github')).toContain('; left out of the file, which would not pass validate with them: winning_variant_key');
      else expect(h.github.writes()).toEqual([]);
    }
    // Once merged, the decision is in git as far as the file can hold it: nothing more is proposed.
    h.github.mergePull(1);
    h.github.clearRequests();
    expect(await recordOutcome({ experimentId: wider!.id, eppo: h.eppo, host: h.host, dir: 'experiments' })).toMatchObject({ action: 'unchanged' });
    expect(h.github.writes()).toEqual([]);
  });

  it('trust item 1: a concluded_date that is not an ISO date-time leaves recorded_at out, and the PR says so', async () => {
    await h.decide('green', 'POSITIVE');
    const real = await h.eppo.getExperiment(h.experimentId);
    const experiment = { ...real, concluded_date: '10/02/2026' };
    for (const round of [1, 2]) {
      const result = await recordOutcome({ experimentId: h.experimentId, eppo: h.eppo, host: h.host, dir: 'experiments', experiment });
      expect(result).toMatchObject({ action: round === 1 ? 'proposed' : 'already-proposed', leftOut: ['recorded_at'] });
      const written = h.github.readFile(BRANCH, DEFINITION_PATH)!;
      expect(parseDefinition(DEFINITION_PATH, written).problems.filter((p) => p.severity === 'error')).toEqual([]);
      expect(parseDocument(written).toJS().outcome).toEqual({ status: 'Concluded', outcome: 'POSITIVE', winning_variant_key: 'green', eppo_experiment_id: h.experimentId });
      const body = h.github.pulls()[0]!.body!;
      expect(body).toMatch(/- `recorded_at: 10\/02\/2026`: .*date-time.*\\\[schema\\\]/);
      expect(body).toContain('| Concluded | 10/02/2026 |');
    }
  });

  it('trust item 1: a definition already broken on the base branch is not blamed on the outcome', async () => {
    // A metric listed twice is an error of the file itself; the outcome adds none and is written in full.
    const broken = DEFINITION.replace('metrics:\n  - metric: Checkout conversion\n    is_primary: true\n', 'metrics:\n  - metric: Checkout conversion\n    is_primary: true\n  - metric: Revenue\n    is_primary: true\n');
    h.github.commitFiles({ [DEFINITION_PATH]: broken });
    expect(parseDefinition(DEFINITION_PATH, broken).problems.map((p) => p.rule)).toContain('one-primary');
    await h.decide('green', 'POSITIVE');
    const result = await recordOutcome({ experimentId: h.experimentId, eppo: h.eppo, host: h.host, dir: 'experiments' });
    expect(result).toMatchObject({ action: 'proposed' });
    expect(result).not.toHaveProperty('leftOut');
    expect(parseDocument(h.github.readFile(BRANCH, DEFINITION_PATH)!).toJS().outcome).toMatchObject({ winning_variant_key: 'green', recorded_at: '2026-02-10T12:00:00.000Z' });
  });

  it('trust item 12: the webhook path and outcomes sync refuse twins the same way, with the same message', async () => {
    // One twin concluded, the other still running: the file cannot say which experiment it means.
    const [twin] = h.emu.seedExperiments([experimentBody()]);
    await h.decide('green', 'POSITIVE');
    const ids = [h.experimentId, twin!.id];
    for (const _round of [1, 2]) {
      const logged: Array<Record<string, unknown>> = [];
      const hook = await recordOutcome({ experimentId: h.experimentId, eppo: h.eppo, host: h.host, dir: 'experiments', log: (e) => logged.push(e) });
      const synced = await syncOutcomes({ eppo: h.eppo, host: h.host, dir: 'experiments' });
      expect(hook).toEqual({ action: 'conflict', experimentId: h.experimentId, experimentKey: 'checkout-button-color', experimentIds: ids });
      expect(synced).toEqual([hook]);
      expect(describeResult(synced[0]!, 'github')).toBe(describeResult(hook, 'github'));
      expect(describeResult(hook, 'github')).toBe(
        `checkout-button-color (#${h.experimentId}): 2 live experiments in Eppo share the key "checkout-button-color" (ids ${ids.join(', ')}); not recorded: rename or archive all but one in Eppo, then record it again`,
      );
      expect(logged).toEqual([{ experiment_id: h.experimentId, experiment_key: 'checkout-button-color', action: 'conflict', experiment_ids: ids, message: describeTwins('checkout-button-color', ids, 'outcome') }]);
      expect(h.github.writes()).toEqual([]);
      expect(h.github.pulls()).toEqual([]);
    }
    // Both concluded: still refused on both paths, once per experiment.
    await h.decide('blue', 'NEGATIVE', twin!.id);
    const both = await syncOutcomes({ eppo: h.eppo, host: h.host, dir: 'experiments' });
    expect(both.map((r) => r.action)).toEqual(['conflict', 'conflict']);
    expect(await recordOutcome({ experimentId: twin!.id, eppo: h.eppo, host: h.host, dir: 'experiments' })).toEqual(both[1]);
  });
});

describe('trust item 12: the same refusal from "outcome" and "outcomes sync" on the command line (local git host)', () => {
  let checkout: GitRepo;
  let repo: string;
  let emu: RunningEmulator;
  const git = (...args: string[]): string => checkout.git(...args);
  beforeEach(async () => {
    checkout = createGitRepo({ prefix: 'eppo-gitops-twins-', identity: false, files: { [DEFINITION_PATH]: DEFINITION } });
    repo = checkout.dir;
    emu = await startEmulator({ port: 0 });
  });
  afterEach(async () => {
    await emu.close();
    checkout.remove();
  });

  it('prints one line, exits 1, and commits nothing', async () => {
    const [first, second] = emu.seedExperiments([experimentBody(), experimentBody()]);
    emu.decide(first!.id, { winning_variant_key: 'green', outcome: 'POSITIVE' });
    const env = { ...checkout.env, EPPO_BASE_URL: emu.url, EPPO_API_KEY: emu.apiKey };
    const expected = `checkout-button-color (#${first!.id}): 2 live experiments in Eppo share the key "checkout-button-color" (ids ${first!.id}, ${second!.id}); not recorded: rename or archive all but one in Eppo, then record it again\n`;
    const one = captureIo({ cwd: repo, env });
    expect(await main(['outcome', '--experiment-id', String(first!.id), '--git-host', 'local'], one)).toBe(1);
    expect(one.out()).toBe(expected);
    const all = captureIo({ cwd: repo, env });
    expect(await main(['outcomes', 'sync', '--git-host', 'local'], all)).toBe(1);
    expect(all.out().split('\n')[0]).toBe(expected.trimEnd());
    expect(git('branch', '--list', '--format=%(refname:short)')).toBe('main');
  });
});
