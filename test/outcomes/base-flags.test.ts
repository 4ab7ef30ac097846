import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { buildOutcomeChange, fetchBaseFlags, listedFolders, type BaseFlags } from '../../src/outcomes/index.js';
import { startFakeGitHub, type FakeGitHub } from '../helpers/fake-github.js';
import { buildHosts, createGitRepo, type GitRepo } from '../helpers/git-repo.js';
import { DEFINITION, DEFINITION_PATH } from './harness.js';

const FLAG = '{"flags": {"checkout-button-color": {"state": "ENABLED", "variants": {"blue": 1, "green": 2}, "defaultVariant": "blue"}}}\n';
const FILES: Record<string, string> = {
  'eppo-gitops.yaml': 'flags:\n  files: ["flags/**/*.flagd.json", "other/x.flagd.yaml"]\n  rollout: off\n',
  'flags/web.flagd.json': FLAG,
  'flags/deep/app.flagd.json': '{"flags": {"app": {"state": "DISABLED", "variants": {"on": true}, "defaultVariant": "on"}}}\n',
  'flags/notes.md': 'not a flag file\n',
  'flags/node_modules/dep/x.flagd.json': '{ not read',
  'elsewhere/z.flagd.json': '{ not matched',
};
const LINK = 'flags/link.flagd.json';

/** What a BaseFlags says, in short: the files read and their problems. */
function summary(base: BaseFlags): unknown {
  if (base.kind !== 'flags') return base;
  return { root: base.root, rollout: base.rollout, files: base.flags.files.map((f) => f.file), keys: [...base.flags.byKey.keys()], problems: base.flags.problems.map((p) => `${p.file}: ${p.message}`) };
}

describe('fetchBaseFlags: eppo-gitops.yaml and the flag files at the base head, through either host', () => {
  let github: FakeGitHub;
  let repo: GitRepo;
  const commitLocal = async (files: Record<string, string>, links: Record<string, string> = {}): Promise<void> => {
    repo.write(files);
    repo.link(links);
    repo.commit('files');
  };
  beforeEach(async () => {
    github = await startFakeGitHub();
    repo = createGitRepo({ prefix: 'eppo-gitops-base-flags-', identity: false });
  });
  afterEach(async () => {
    await github.close();
    repo.remove();
  });
  const hosts = () => buildHosts(github, repo);

  it('reads the settings and the files the globs match; links refused, node_modules and other files skipped', async () => {
    github.commitFiles({ ...FILES, [LINK]: 'web.flagd.json' }, { modes: { [LINK]: '120000' } });
    await commitLocal(FILES, { [LINK]: 'web.flagd.json' });
    for (const [kind, host] of hosts()) {
      const head = await host.baseHead();
      expect(summary(await fetchBaseFlags(host, head.commit)), kind).toEqual({
        root: '',
        rollout: 'off',
        files: ['flags/deep/app.flagd.json', 'flags/web.flagd.json'],
        keys: ['app', 'checkout-button-color'],
        problems: ['flags/link.flagd.json: a symbolic link on the base branch, which is not followed; put the flag file itself there instead of a link'],
      });
    }
    // github: one listing of the commit serves the settings and both folders; then the blobs of the three files read.
    github.clearRequests();
    const [, host] = hosts()[0]!;
    await fetchBaseFlags(host, github.branchHead('main')!);
    expect(github.requests.map((r) => `${r.method} ${r.path.replace(/[0-9a-f]{40}/, 'SHA')}${r.query.recursive ? '?recursive' : ''}`)).toEqual([
      'GET /repos/acme/experiments/git/commits/SHA',
      'GET /repos/acme/experiments/git/trees/SHA?recursive',
      'GET /repos/acme/experiments/git/blobs/SHA',
      'GET /repos/acme/experiments/git/blobs/SHA',
      'GET /repos/acme/experiments/git/blobs/SHA',
    ]);
  });

  it('no settings file, settings without flags, settings with an error', async () => {
    github.commitFiles({ 'README.md': 'x\n' });
    await commitLocal({ 'README.md': 'x\n' });
    for (const [kind, host] of hosts()) expect(await fetchBaseFlags(host, (await host.baseHead()).commit), kind).toEqual({ kind: 'none' });
    github.commitFiles({ 'eppo-gitops.yaml': 'parallelism: 2\n' });
    await commitLocal({ 'eppo-gitops.yaml': 'parallelism: 2\n' });
    for (const [kind, host] of hosts()) expect(await fetchBaseFlags(host, (await host.baseHead()).commit), kind).toEqual({ kind: 'none' });
    github.commitFiles({ 'eppo-gitops.yaml': 'flags: {files: []}\n' });
    await commitLocal({ 'eppo-gitops.yaml': 'flags: {files: []}\n' });
    for (const [kind, host] of hosts()) {
      expect(await fetchBaseFlags(host, (await host.baseHead()).commit), kind).toEqual({ kind: 'unreadable', reason: expect.stringMatching(/^eppo-gitops\.yaml on the base branch has an error \(line 1: /) });
    }
  });

  it('a settings file that is a link is not followed; a host failing to list is said in words', async () => {
    github.commitFiles({ 'eppo-gitops.yaml': 'real.yaml' }, { modes: { 'eppo-gitops.yaml': '120000' } });
    const [, host] = hosts()[0]!;
    expect(await fetchBaseFlags(host, github.branchHead('main')!)).toEqual({ kind: 'unreadable', reason: 'eppo-gitops.yaml on the base branch is a symbolic link, which is not followed' });
    github.failNext(10, 404, (_method, path) => path.includes('/git/commits/'));
    const failed = await fetchBaseFlags(host, '0'.repeat(40));
    expect(failed).toMatchObject({ kind: 'unreadable', reason: expect.stringMatching(/^the flag files could not be read from the base branch \(GitHub: /) });
  });
});

describe('listedFolders', () => {
  it.each([
    [['flags/*.flagd.json'], ['flags']],
    [['flags/*.flagd.json', 'flags/web/*.yaml'], ['flags']],
    [['a/b/c.json', 'a/d/*.json'], ['a/b', 'a/d']],
    [['*.flagd.json'], ['']],
    [['**/*.flagd.json', 'flags/x.json'], ['']],
    [['{flags,more}/*.json'], ['']],
    [['./flags/*.json'], ['flags']],
  ])('%j → %j', (patterns, folders) => {
    expect(listedFolders(patterns)).toEqual(folders);
  });
});

describe('buildOutcomeChange (pure)', () => {
  const file = { path: DEFINITION_PATH, text: DEFINITION };
  const outcome = { status: 'Concluded', outcome: 'POSITIVE', winning_variant_key: 'green', eppo_experiment_id: 7, recorded_at: '2026-02-10T12:00:00.000Z' };
  const none: BaseFlags = { kind: 'none' };

  it('writes the whole decision when the file takes it, and is unchanged once it holds it', () => {
    const change = buildOutcomeChange({ file, outcome, flags: none, at: 0 });
    expect(change).toMatchObject({ action: 'change', leftOut: [], outcome });
    expect(change).not.toHaveProperty('rollout');
    if (change.action !== 'change') return;
    expect(change.files.map((f) => f.path)).toEqual([DEFINITION_PATH]);
    expect(buildOutcomeChange({ file: { path: DEFINITION_PATH, text: change.files[0]!.text }, outcome, flags: none, at: 0 })).toEqual({ action: 'unchanged' });
  });

  it('trust item 1: leaves out exactly the fields that would fail validate, each with its reason', () => {
    const change = buildOutcomeChange({ file, outcome: { ...outcome, winning_variant_key: 'purple', recorded_at: 'last Tuesday' }, flags: none, at: 0 });
    expect(change).toMatchObject({
      action: 'change',
      outcome: { status: 'Concluded', outcome: 'POSITIVE', eppo_experiment_id: 7 },
      leftOut: [
        { field: 'recorded_at', value: 'last Tuesday', reason: expect.stringMatching(/\[schema\]$/) },
        { field: 'winning_variant_key', value: 'purple', reason: 'outcome.winning_variant_key "purple" names no variation; variations: blue, green [outcome-variant]' },
      ],
    });
  });

  it('refuses a file that cannot take an outcome block at all, with the reason', () => {
    expect(buildOutcomeChange({ file: { path: DEFINITION_PATH, text: '{experiment_key: x}\n' }, outcome, flags: none, at: 0 })).toEqual({
      action: 'refused',
      reason: expect.stringContaining('flow style'),
    });
  });

  it('settings that could not be read leave the flag alone and say why', () => {
    const change = buildOutcomeChange({ file, outcome, flags: { kind: 'unreadable', reason: 'eppo-gitops.yaml on the base branch has an error (line 1: nope)' }, at: 0 });
    expect(change).toMatchObject({ action: 'change', rollout: { action: 'leave', reason: 'unreadable', flagKey: 'checkout-button-color', detail: 'eppo-gitops.yaml on the base branch has an error (line 1: nope)' } });
  });
});
