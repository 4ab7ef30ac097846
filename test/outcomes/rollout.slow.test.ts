import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parseDocument } from 'yaml';
import { main } from '../../src/cli/main.js';
import { startEmulator, type RunningEmulator } from '../../src/emulator/index.js';
import { createEppoClient } from '../../src/eppo/index.js';
import { createLocalHost, gitBlobSha } from '../../src/git-host/index.js';
import { buildOutcomePullRequest, describeResult, parseOutcomeMarker, recordOutcome, syncOutcomes } from '../../src/outcomes/index.js';
import { createGitRepo, type GitRepo } from '../helpers/git-repo.js';
import { captureIo } from '../helpers/io.js';
import { DEFINITION, DEFINITION_PATH, experimentBody, OTHER_PATH, startHarness, type Harness } from './harness.js';

// The rollout of the winner in the outcome pull request (FLAGS.md), through
// both hosts. Each rollout is proven by evaluating 100,000 subjects with
// flagd-core, so this suite is a slow one.

const BRANCH = 'eppo-gitops/outcome/checkout-button-color';
const REPO = '/repos/acme/experiments';
const CONFIG = 'flags:\n  files: ["flags/*.flagd.json", "flags/*.flagd.yaml"]\n';
const FLAG_PATH = 'flags/web.flagd.json';
const FLAG = `{
  "$schema": "https://flagd.dev/schema/v0/flags.json",
  "flags": {
    "checkout-button-color": {
      "state": "ENABLED",
      "variants": {
        "blue": "#1f6feb",
        "green": "#2da44e"
      },
      "defaultVariant": "blue",
      "targeting": {
        "fractional": [
          ["blue", 50],
          ["green", 50]
        ]
      }
    },
    "new-footer": {
      "state": "ENABLED",
      "variants": { "on": true, "off": false },
      "defaultVariant": "off"
    }
  }
}
`;
const ROLLED_OUT = `{
  "$schema": "https://flagd.dev/schema/v0/flags.json",
  "flags": {
    "checkout-button-color": {
      "state": "ENABLED",
      "variants": {
        "blue": "#1f6feb",
        "green": "#2da44e"
      },
      "defaultVariant": "green"
    },
    "new-footer": {
      "state": "ENABLED",
      "variants": { "on": true, "off": false },
      "defaultVariant": "off"
    }
  }
}
`;
const ROLLOUT_SECTION = [
  '### Rollout',
  '',
  '| | |',
  '|---|---|',
  '| File | `flags/web.flagd.json` |',
  '| Flag | `checkout-button-color` |',
  '| Before | `blue` 0.50, `green` 0.50 (computed from the flag) |',
  '| After | `green` for everyone |',
  '',
].join('\n');

describe('the rollout in the outcome pull request on GitHub (fake GitHub API, real octokit, emulator)', () => {
  let h: Harness;
  const record = () => recordOutcome({ experimentId: h.experimentId, eppo: h.eppo, host: h.host, dir: 'experiments' });
  const onBranch = (path: string) => h.github.readFile(BRANCH, path);
  /** the files the outcome commit changes (its head against its parent, the base it was made on: what the pull request shows) */
  const changedByBranch = (): string[] => {
    const head = h.github.branchHead(BRANCH)!;
    const before = h.github.filesAt(h.github.commit(head)!.parents[0]!);
    const after = h.github.filesAt(head);
    return Object.keys({ ...before, ...after }).filter((p) => before[p] !== after[p]).sort();
  };
  beforeEach(async () => {
    h = await startHarness();
    h.github.commitFiles({ 'eppo-gitops.yaml': CONFIG, [FLAG_PATH]: FLAG }, { message: 'Add the flags' });
  });
  afterEach(async () => {
    await h.close();
  });

  it('one commit holds the outcome block and the flag edit; the PR shows the rollout; a redelivery writes nothing', async () => {
    await h.decide('green', 'POSITIVE');
    const main = h.github.branchHead('main')!;
    for (const round of [1, 2]) {
      h.github.clearRequests();
      const result = await record();
      expect(result).toMatchObject({ action: round === 1 ? 'proposed' : 'already-proposed', file: DEFINITION_PATH, flagFile: FLAG_PATH, pr: { number: 1 } });
      const definition = onBranch(DEFINITION_PATH)!;
      expect(parseDocument(definition).toJS().outcome).toMatchObject({ winning_variant_key: 'green', outcome: 'POSITIVE' });
      expect(onBranch(FLAG_PATH)).toBe(ROLLED_OUT);
      expect(changedByBranch()).toEqual([DEFINITION_PATH, FLAG_PATH]);
      if (round === 1) {
        expect(h.github.writes().map((r) => `${r.method} ${r.path}`)).toEqual([
          `POST ${REPO}/git/blobs`,
          `POST ${REPO}/git/blobs`,
          `POST ${REPO}/git/trees`,
          `POST ${REPO}/git/commits`,
          `POST ${REPO}/git/refs`,
          `POST ${REPO}/pulls`,
          `POST ${REPO}/issues/1/labels`,
        ]);
        const [, , tree, commit, , pull] = h.github.writes().map((r) => r.body as Record<string, any>);
        expect(tree!.tree).toEqual([
          { path: DEFINITION_PATH, mode: '100644', type: 'blob', sha: gitBlobSha(definition) },
          { path: FLAG_PATH, mode: '100644', type: 'blob', sha: gitBlobSha(ROLLED_OUT) },
        ]);
        expect(commit!.parents).toEqual([main]);
        expect(commit!.message).toContain('Roll green out to everyone in flags/web.flagd.json (flag checkout-button-color).');
        expect(pull!.body).toContain(ROLLOUT_SECTION);
        expect(pull!.body).toContain('records the decision in `experiments/checkout-button-color.yaml` and rolls the winner out in `flags/web.flagd.json`.');
        expect(describeResult(result, 'github')).toBe(
          `checkout-button-color (#${h.experimentId}): proposed the outcome for ${DEFINITION_PATH} and the rollout of the winner in ${FLAG_PATH} in pull request #1 https://github.test/acme/experiments/pull/1`,
        );
      } else {
        expect(h.github.writes()).toEqual([]);
      }
      // Reads: the settings and the flag files come from the base branch, through the tree listing and blobs.
      const blobs = h.github.requests.filter((r) => r.method === 'GET' && r.path.includes('/git/blobs/'));
      expect(blobs).toHaveLength(3);
      expect(h.github.pulls()).toHaveLength(1);
      expect(h.github.branchHead('main')).toBe(main);
    }
  });

  it('a later decision without a winner drops the earlier flag edit from the same PR', async () => {
    await h.decide('green', 'POSITIVE');
    await record();
    expect(onBranch(FLAG_PATH)).toBe(ROLLED_OUT);
    await h.decide(null as unknown as string, 'NEUTRAL', h.experimentId, '2026-02-12T08:00:00.000Z');
    for (const round of [1, 2]) {
      h.github.clearRequests();
      const result = await record();
      expect(result).toMatchObject({ action: round === 1 ? 'updated' : 'already-proposed', flagLeft: 'the outcome names no winning variant' });
      expect(result).not.toHaveProperty('flagFile');
      expect(h.github.pulls()).toHaveLength(1);
      // The branch is the base plus exactly the definition: the flag file is main's again.
      expect(onBranch(FLAG_PATH)).toBe(FLAG);
      expect(changedByBranch()).toEqual([DEFINITION_PATH]);
      expect(parseDocument(onBranch(DEFINITION_PATH)!).toJS().outcome).toEqual({ status: 'Concluded', outcome: 'NEUTRAL', eppo_experiment_id: h.experimentId, recorded_at: '2026-02-12T08:00:00.000Z' });
      const pr = h.github.pulls()[0]!;
      expect(pr.body).toContain('### Rollout\n\nFlag `checkout-button-color` was left as it is: the outcome names no winning variant.\n');
      expect(pr.body).not.toContain('| After |');
      expect(parseOutcomeMarker(pr.body)).toEqual({ experiment_id: h.experimentId, outcome: 'NEUTRAL', winning_variant_key: null });
      if (round === 1) {
        const [, tree] = h.github.writes().map((r) => r.body as Record<string, any>);
        expect(tree!.tree.map((e: { path: string }) => e.path)).toEqual([DEFINITION_PATH]);
      } else expect(h.github.writes()).toEqual([]);
    }
  });

  it('rollout: off, and a winner the flag does not have, record the outcome only and say why', async () => {
    h.github.commitFiles({ 'eppo-gitops.yaml': `${CONFIG}  rollout: off\n` });
    await h.decide('green', 'POSITIVE');
    for (const _round of [1, 2]) {
      const result = await record();
      expect(result).toMatchObject({ flagLeft: 'rollout is off in eppo-gitops.yaml (flags.rollout: off)' });
      expect(changedByBranch()).toEqual([DEFINITION_PATH]);
      expect(h.github.pulls()[0]!.body).toContain('Flag `checkout-button-color` was left as it is: rollout is off in eppo-gitops.yaml \\(flags.rollout: off\\).');
    }
    h.github.commitFiles({ 'eppo-gitops.yaml': CONFIG, [FLAG_PATH]: FLAG.replaceAll('green', 'teal') });
    for (const _round of [1, 2]) {
      const result = await record();
      expect(result).toMatchObject({ flagLeft: 'the winner green is not a variant of the flag, which has blue, teal' });
      expect(changedByBranch()).toEqual([DEFINITION_PATH]);
      expect(h.github.pulls()).toHaveLength(1);
      expect(h.github.pulls()[0]!.body).toContain('in `flags/web.flagd.json` was left as it is: the winner green is not a variant of the flag, which has blue, teal.');
    }
  });

  it('an edit flagd cannot prove leaves the flag file untouched; the PR says why', async () => {
    // The second flag aliases the first one's targeting: removing it would break the other flag.
    const yaml = [
      'flags:',
      '  checkout-button-color:',
      '    state: ENABLED',
      '    variants: {blue: b, green: g}',
      '    defaultVariant: blue',
      '    targeting: &half',
      '      fractional: [[blue, 1], [green, 1]]',
      '  search:',
      '    state: ENABLED',
      '    variants: {blue: b, green: g}',
      '    defaultVariant: blue',
      '    targeting: *half',
      '',
    ].join('\n');
    h.github.commitFiles({ [FLAG_PATH]: null, 'flags/web.flagd.yaml': yaml });
    await h.decide('green', 'POSITIVE');
    for (const _round of [1, 2]) {
      const result = await record();
      expect(result).toMatchObject({ action: expect.stringMatching(/proposed/), flagLeft: expect.stringMatching(/^flagd could not prove the edit: the edited file does not read back/) });
      expect(onBranch('flags/web.flagd.yaml')).toBe(yaml);
      expect(parseDocument(onBranch(DEFINITION_PATH)!).toJS().outcome).toMatchObject({ winning_variant_key: 'green' });
      expect(h.github.pulls()[0]!.body).toMatch(/Flag `checkout-button-color` in `flags\/web\.flagd\.yaml` was left as it is: flagd could not prove the edit: /);
    }
  });

  it('a YAML flag file with CRLF and comments is edited in place, the rest kept byte for byte', async () => {
    const yaml = 'flags:\r\n  # the colour test\r\n  checkout-button-color:\r\n    state: ENABLED   # live since January\r\n    variants: {blue: b, green: g}\r\n    defaultVariant: blue\r\n    targeting:\r\n      fractional: [[blue, 1], [green, 1]]\r\n  other:\r\n    state: ENABLED\r\n    variants: {a: 1}\r\n    defaultVariant: a\r\n';
    h.github.commitFiles({ [FLAG_PATH]: null, 'flags/web.flagd.yaml': yaml });
    await h.decide('green', 'POSITIVE');
    for (const _round of [1, 2]) {
      expect(await record()).toMatchObject({ flagFile: 'flags/web.flagd.yaml' });
      expect(onBranch('flags/web.flagd.yaml')).toBe(yaml.replace('defaultVariant: blue\r\n    targeting:\r\n      fractional: [[blue, 1], [green, 1]]\r\n', 'defaultVariant: green\r\n'));
      expect(h.github.pulls()).toHaveLength(1);
    }
  });

  it('settings with an error, a flag file that is a link, or no such flag: the outcome is recorded and the flag left alone', async () => {
    await h.decide('green', 'POSITIVE');
    h.github.commitFiles({ 'eppo-gitops.yaml': 'flags:\n  files: flags/*.json\n' });
    expect(await record()).toMatchObject({ action: 'proposed', flagLeft: expect.stringMatching(/^eppo-gitops\.yaml on the base branch has an error \(line 2: /) });
    h.github.commitFiles({ 'eppo-gitops.yaml': CONFIG, [FLAG_PATH]: '../secrets.flagd.json' }, { modes: { [FLAG_PATH]: '120000' } });
    expect(await record()).toMatchObject({
      action: 'updated',
      flagLeft: 'a flag file on the base branch has an error (flags/web.flagd.json:1: a symbolic link on the base branch, which is not followed; put the flag file itself there instead of a link), so the flag could not be looked up',
    });
    h.github.commitFiles({ [FLAG_PATH]: FLAG.replace('"checkout-button-color"', '"something-else"') }, { modes: { [FLAG_PATH]: '100644' } });
    expect(await record()).toMatchObject({ flagLeft: 'no flag file has a flag with the key checkout-button-color' });
    expect(h.github.pulls()).toHaveLength(1);
    expect(changedByBranch()).toEqual([DEFINITION_PATH]);
  });

  it('trust item 1: a winner the definition cannot record is not rolled out either', async () => {
    // The flag knows purple (it came with the new variation); the definition file does not.
    const [wider] = h.emu.seedExperiments([
      experimentBody({
        experiment_key: 'onboarding-flow',
        name: 'Onboarding flow',
        variations: [
          { name: 'Blue', variant_key: 'blue', is_control: true, weighted_expected_traffic: 0.5, is_active: true },
          { name: 'Purple', variant_key: 'purple', is_control: false, weighted_expected_traffic: 0.5, is_active: true },
        ],
      }),
    ]);
    const definition = 'experiment_key: onboarding-flow\nname: Onboarding flow\nentity: user\nassignment_source: User assignments\nassignments_start_date: 2026-01-05\nvariations:\n  - variant_key: blue\n    is_control: true\n    weight: 0.5\n  - variant_key: green\n    weight: 0.5\n';
    const flag = JSON.stringify({ flags: { 'onboarding-flow': { state: 'ENABLED', variants: { blue: 1, green: 2, purple: 3 }, defaultVariant: 'blue', targeting: { fractional: [['blue', 1], ['green', 1]] } } } });
    h.github.commitFiles({ 'experiments/onboarding/onboarding-flow.yml': definition, 'flags/onboarding.flagd.json': flag });
    await h.decide('purple', 'POSITIVE', wider!.id);
    const result = await recordOutcome({ experimentId: wider!.id, eppo: h.eppo, host: h.host, dir: 'experiments' });
    expect(result).toMatchObject({ action: 'proposed', leftOut: ['winning_variant_key'], flagLeft: 'the winner purple is not recorded in the definition file (see above), so it is not rolled out either' });
    expect(h.github.readFile('eppo-gitops/outcome/onboarding-flow', 'flags/onboarding.flagd.json')).toBe(flag);
  });

  it('outcomes sync reads the settings and flag files once and rolls out each concluded experiment', async () => {
    const [onboarding] = h.emu.seedExperiments([experimentBody({ experiment_key: 'onboarding-flow', name: 'Onboarding flow' })]);
    h.github.commitFiles({
      [OTHER_PATH]: DEFINITION.replace('experiment_key: checkout-button-color   # the flag key', 'experiment_key: onboarding-flow'),
      'flags/onboarding.flagd.json': JSON.stringify({ flags: { 'onboarding-flow': { state: 'ENABLED', variants: { blue: 'b', green: 'g' }, defaultVariant: 'blue', targeting: { fractional: [['blue', 1], ['green', 1]] } } } }, null, 2),
    });
    await h.decide('green', 'POSITIVE');
    await h.decide('blue', 'NEGATIVE', onboarding!.id);
    for (const round of [1, 2]) {
      h.github.clearRequests();
      const results = await syncOutcomes({ eppo: h.eppo, host: h.host, dir: 'experiments' });
      expect(results.map((r) => [r.action, 'flagFile' in r ? r.flagFile : undefined])).toEqual([
        [round === 1 ? 'proposed' : 'already-proposed', FLAG_PATH],
        [round === 1 ? 'proposed' : 'already-proposed', 'flags/onboarding.flagd.json'],
      ]);
      // Definitions, settings and flag files come from one listing of the base head (kept for the next run at the same commit).
      expect(h.github.requests.filter((r) => r.method === 'GET' && r.path.includes('/git/trees/'))).toHaveLength(round === 1 ? 1 : 0);
      expect(h.github.requests.filter((r) => r.method === 'GET' && r.path.includes('/git/blobs/'))).toHaveLength(5);
    }
    expect(JSON.parse(h.github.readFile('eppo-gitops/outcome/onboarding-flow', 'flags/onboarding.flagd.json')!).flags['onboarding-flow']).toEqual({ state: 'ENABLED', variants: { blue: 'b', green: 'g' }, defaultVariant: 'blue' });
  });

  it('the PR body is exactly what buildOutcomePullRequest renders for the decision and the rollout', async () => {
    await h.decide('green', 'POSITIVE');
    await record();
    const exp = await h.eppo.getExperiment(h.experimentId);
    const expected = buildOutcomePullRequest(exp, DEFINITION_PATH, {
      rollout: { action: 'edit', file: FLAG_PATH, flagKey: 'checkout-button-color', winner: 'green', before: { method: 'computed', subjects: 0, shares: { blue: 0.5, green: 0.5 }, none: 0 }, text: ROLLED_OUT },
    });
    expect(h.github.pulls()[0]!.body).toBe(expected.body);
  });
});

describe('the rollout on the local git host (a real repository)', () => {
  let checkout: GitRepo;
  let repo: string;
  let emu: RunningEmulator;
  let experimentId: number;
  const env = () => checkout.env;
  const git = (...args: string[]): string => checkout.git(...args);
  const write = async (path: string, text: string) => checkout.write({ [path]: text });
  const decide = async (winner: string | null, outcome: string) => {
    emu.decide(experimentId, { winning_variant_key: winner, outcome });
  };
  beforeEach(async () => {
    checkout = createGitRepo({ prefix: 'eppo-gitops-rollout-', files: { [DEFINITION_PATH]: DEFINITION, 'eppo-gitops.yaml': CONFIG, [FLAG_PATH]: FLAG } });
    repo = checkout.dir;
    emu = await startEmulator({ port: 0 });
    experimentId = emu.seedExperiments([experimentBody()])[0]!.id;
  });
  afterEach(async () => {
    await emu.close();
    checkout.remove();
  });

  const outcome = async (): Promise<{ code: number; out: string }> => {
    const io = captureIo({ cwd: repo, env: { ...env(), EPPO_BASE_URL: emu.url, EPPO_API_KEY: emu.apiKey } });
    const code = await main(['outcome', '--experiment-id', String(experimentId), '--git-host', 'local'], io);
    return { code, out: io.out() };
  };
  const changedFiles = (): string[] => git('diff', '--name-only', 'main', BRANCH).split('\n').filter((l) => l !== '');

  it('one commit on the outcome branch holds both files; the settings come from the base branch, not the working tree', async () => {
    // An uncommitted change to the settings is not what the base branch says: the outcome job ignores it.
    await write('eppo-gitops.yaml', `${CONFIG}  rollout: off\n`);
    await decide('green', 'POSITIVE');
    for (const round of [1, 2]) {
      const run = await outcome();
      expect(run.code).toBe(0);
      expect(run.out).toMatch(round === 1 ? /proposed the outcome for experiments\/checkout-button-color\.yaml and the rollout of the winner in flags\/web\.flagd\.json in branch/ : /already proposed/);
      expect(git('rev-list', '--count', `main..${BRANCH}`)).toBe('1');
      expect(changedFiles()).toEqual([DEFINITION_PATH, FLAG_PATH]);
      expect(git('show', `${BRANCH}:${FLAG_PATH}`)).toBe(ROLLED_OUT.trimEnd());
      expect(git('log', '-1', '--format=%B', BRANCH)).toContain('Roll green out to everyone in flags/web.flagd.json');
    }
    // The working tree and the branch checked out are untouched.
    expect(await readFile(join(repo, FLAG_PATH), 'utf8')).toBe(FLAG);
    expect(git('status', '--porcelain')).toBe('M eppo-gitops.yaml');
  });

  it('a later decision without a winner rewrites the branch with the definition alone', async () => {
    await decide('green', 'POSITIVE');
    expect((await outcome()).code).toBe(0);
    expect(changedFiles()).toEqual([DEFINITION_PATH, FLAG_PATH]);
    await decide(null, 'NEUTRAL');
    for (const round of [1, 2]) {
      const run = await outcome();
      expect(run.out).toMatch(round === 1 ? /updated branch .* \(flag left as it is: the outcome names no winning variant\)/ : /already proposed/);
      expect(git('log', '-1', '--format=%B', BRANCH)).toContain('Flag checkout-button-color left as it is: the outcome names no winning variant.');
      expect(changedFiles()).toEqual([DEFINITION_PATH]);
      expect(git('rev-list', '--count', `main..${BRANCH}`)).toBe('1');
    }
  });

  it('run from a sub-folder holding its own eppo-gitops.yaml: flag paths start there', async () => {
    const sub = 'services/web';
    await mkdir(join(repo, sub), { recursive: true });
    git('mv', 'experiments', 'flags', 'eppo-gitops.yaml', sub);
    git('commit', '-q', '-m', 'move into a sub-folder');
    await decide('green', 'POSITIVE');
    const host = createLocalHost({ cwd: join(repo, sub), env: env() });
    const eppo = createEppoClient({ baseUrl: emu.url, apiKey: emu.apiKey });
    try {
      // The project folder is named from the repository root, as on every host.
      const result = await recordOutcome({ experimentId, eppo, host, root: `${sub}/`, dir: 'experiments' });
      expect(result).toMatchObject({ action: 'proposed', file: `${sub}/${DEFINITION_PATH}`, flagFile: `${sub}/${FLAG_PATH}` });
      expect(changedFiles()).toEqual([`${sub}/${DEFINITION_PATH}`, `${sub}/${FLAG_PATH}`]);
    } finally {
      await eppo.close();
    }
  });
});
