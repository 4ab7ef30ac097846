import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parseDocument } from 'yaml';
import { writeOutcome } from '../../src/definitions/outcome-edit.js';
import { buildOutcome, buildOutcomePullRequest, fetchDefinitionFiles, parseOutcomeMarker, recordOutcome, syncOutcomes } from '../../src/outcomes/index.js';
import { createGitHubHostFromEnv, gitBlobSha } from '../../src/git-host/index.js';
import { GitHostError } from '../../src/errors.js';
import { CONCLUDED_AT, DEFINITION, DEFINITION_PATH, OTHER_PATH, startHarness, experimentBody, type Harness } from './harness.js';

const BRANCH = 'eppo-gitops/outcome/checkout-button-color';
const REPO = '/repos/acme/experiments';

let h: Harness;
beforeEach(async () => {
  h = await startHarness();
});
afterEach(async () => {
  await h.close();
});

const record = (host = h.host) => recordOutcome({ experimentId: h.experimentId, eppo: h.eppo, host, dir: 'experiments' });

async function expectedPr() {
  const exp = await h.eppo.getExperiment(h.experimentId);
  return { exp, pr: buildOutcomePullRequest(exp, DEFINITION_PATH), text: writeOutcome(DEFINITION, buildOutcome(exp)).text };
}

describe('outcome pull requests on GitHub (fake GitHub API, real octokit, emulator)', () => {
  it('first delivery opens one PR with one commit; a redelivery makes no request that writes', async () => {
    await h.decide('green', 'POSITIVE');
    const mainBefore = h.github.branchHead('main')!;
    for (const round of [1, 2]) {
      h.github.clearRequests();
      const result = await record();
      if (round === 1) {
        expect(result).toMatchObject({ action: 'proposed', branch: BRANCH, file: DEFINITION_PATH, pr: { number: 1 } });
        const { pr, text } = await expectedPr();
        const writes = h.github.writes().map((r) => `${r.method} ${r.path}`);
        expect(writes).toEqual([
          `POST ${REPO}/git/blobs`,
          `POST ${REPO}/git/trees`,
          `POST ${REPO}/git/commits`,
          `POST ${REPO}/git/refs`,
          `POST ${REPO}/pulls`,
          `POST ${REPO}/issues/1/labels`,
        ]);
        const [blob, tree, commit, ref, pull, labels] = h.github.writes().map((r) => r.body as Record<string, any>);
        expect(Buffer.from(blob!.content, 'base64').toString('utf8')).toBe(text);
        expect(tree!.tree).toEqual([{ path: DEFINITION_PATH, mode: '100644', type: 'blob', sha: gitBlobSha(text) }]);
        expect(commit!.parents).toEqual([mainBefore]);
        expect(commit!.message).toBe(pr.commitMessage);
        expect(ref).toEqual({ ref: `refs/heads/${BRANCH}`, sha: expect.stringMatching(/^[0-9a-f]{40}$/) });
        expect(pull).toEqual({ head: BRANCH, base: 'main', title: 'Record outcome: Checkout button colour — green (POSITIVE)', body: pr.body });
        expect(labels).toEqual({ labels: ['experiment-outcome'] });
        expect(parseOutcomeMarker(pull!.body)).toEqual({ experiment_id: h.experimentId, outcome: 'POSITIVE', winning_variant_key: 'green' });
      } else {
        expect(result).toMatchObject({ action: 'already-proposed', branch: BRANCH, pr: { number: 1 } });
        expect(h.github.writes()).toEqual([]);
      }
      expect(h.github.pulls()).toHaveLength(1);
      expect(h.github.branchHead('main')).toBe(mainBefore);
      const branchHead = h.github.branchHead(BRANCH)!;
      expect(h.github.commit(branchHead)!.parents).toEqual([mainBefore]);
      const onBranch = h.github.files(BRANCH);
      expect(onBranch[DEFINITION_PATH]!.slice(0, DEFINITION.length)).toBe(DEFINITION);
      expect(parseDocument(onBranch[DEFINITION_PATH]!).toJS().outcome).toEqual({
        status: 'Concluded',
        outcome: 'POSITIVE',
        winning_variant_key: 'green',
        eppo_experiment_id: h.experimentId,
        recorded_at: CONCLUDED_AT,
      });
      const { [DEFINITION_PATH]: _changed, ...others } = onBranch;
      const { [DEFINITION_PATH]: _original, ...mainOthers } = h.github.files('main');
      expect(others).toEqual(mainOthers);
    }
  });

  it('ten concurrent identical deliveries open exactly one PR — in one process and across replicas', async () => {
    await h.decide('green', 'POSITIVE');
    for (const round of [1, 2]) {
      const sameProcess = await Promise.all(Array.from({ length: 10 }, () => record()));
      const replicas = await Promise.all(Array.from({ length: 10 }, () => record(h.newHost())));
      const actions = [...sameProcess, ...replicas].map((r) => r.action);
      expect(actions.filter((a) => a === 'proposed')).toHaveLength(round === 1 ? 1 : 0);
      expect(actions.every((a) => a === 'proposed' || a === 'already-proposed' || a === 'updated')).toBe(true);
      expect(h.github.pulls()).toHaveLength(1);
      expect(h.github.pulls()[0]!.labels).toEqual(['experiment-outcome']);
      expect(h.github.writes().filter((r) => r.method === 'POST' && r.path.endsWith('/pulls') && r.status === 201)).toHaveLength(1);
    }
  });

  it('separate replicas racing on the branch: "Reference already exists" is taken as done', async () => {
    await h.decide('green', 'POSITIVE');
    const results = await Promise.all(Array.from({ length: 6 }, () => record(h.newHost())));
    expect(results.filter((r) => r.action === 'proposed')).toHaveLength(1);
    expect(h.github.pulls()).toHaveLength(1);
    const refCreates = h.github.requests.filter((r) => r.method === 'POST' && r.path === `${REPO}/git/refs`);
    expect(refCreates.filter((r) => r.status === 201)).toHaveLength(1);
    const { text } = await expectedPr();
    expect(h.github.readFile(BRANCH, DEFINITION_PATH)).toBe(text);
  });

  it('a changed outcome updates the open PR (branch forced to one new commit on the base head, title, body)', async () => {
    await h.decide('green', 'POSITIVE');
    await record();
    const firstHead = h.github.branchHead(BRANCH);
    await h.decide('blue', 'NEGATIVE', h.experimentId, '2026-02-11T09:30:00.000Z');
    for (const round of [1, 2]) {
      h.github.clearRequests();
      const result = await record();
      expect(h.github.pulls()).toHaveLength(1);
      const pr = h.github.pulls()[0]!;
      expect(pr.state).toBe('open');
      expect(pr.title).toBe('Record outcome: Checkout button colour — blue (NEGATIVE)');
      expect(parseOutcomeMarker(pr.body)).toEqual({ experiment_id: h.experimentId, outcome: 'NEGATIVE', winning_variant_key: 'blue' });
      const head = h.github.branchHead(BRANCH)!;
      expect(head).not.toBe(firstHead);
      expect(h.github.commit(head)!.parents).toEqual([h.github.branchHead('main')]);
      expect(parseDocument(h.github.readFile(BRANCH, DEFINITION_PATH)!).toJS().outcome).toMatchObject({ outcome: 'NEGATIVE', winning_variant_key: 'blue', recorded_at: '2026-02-11T09:30:00.000Z' });
      if (round === 1) {
        expect(result.action).toBe('updated');
        expect(h.github.writes().map((r) => `${r.method} ${r.path}`)).toEqual([
          `POST ${REPO}/git/blobs`,
          `POST ${REPO}/git/trees`,
          `POST ${REPO}/git/commits`,
          `PATCH ${REPO}/git/refs/heads/${BRANCH}`,
          `PATCH ${REPO}/pulls/1`,
        ]);
        expect(h.github.writes()[3]!.body).toMatchObject({ force: true });
      } else {
        expect(result.action).toBe('already-proposed');
        expect(h.github.writes()).toEqual([]);
      }
    }
  });

  it('a base branch that moves between reading and proposing is never overwritten with older content', async () => {
    await h.decide('green', 'POSITIVE');
    const files = await fetchDefinitionFiles(h.host, 'experiments');
    const readAt = h.github.branchHead('main')!;
    h.github.commitFiles({ [DEFINITION_PATH]: DEFINITION.replace('name: Checkout button colour', 'name: Checkout button colour (renamed)') });
    const result = await recordOutcome({ experimentId: h.experimentId, eppo: h.eppo, host: h.host, dir: 'experiments', files });
    expect(result.action).toBe('proposed');
    const head = h.github.commit(h.github.branchHead(BRANCH)!)!;
    expect(head.parents).toEqual([readAt]);
    const { text } = await expectedPr();
    expect(h.github.readFile(BRANCH, DEFINITION_PATH)).toBe(text);
  });

  it('after the PR is merged nothing more happens', async () => {
    await h.decide('green', 'POSITIVE');
    await record();
    h.github.mergePull(1);
    for (const _round of [1, 2]) {
      h.github.clearRequests();
      expect(await record()).toMatchObject({ action: 'unchanged', file: DEFINITION_PATH });
      expect(h.github.writes()).toEqual([]);
      expect(h.github.pulls()).toHaveLength(1);
    }
  });

  it('a PR closed unmerged for the same outcome is not reopened nor proposed again; a new decision is', async () => {
    await h.decide('green', 'POSITIVE');
    await record();
    h.github.closePull(1);
    for (const _round of [1, 2]) {
      h.github.clearRequests();
      expect(await record()).toMatchObject({ action: 'closed-unmerged', pr: { number: 1 } });
      expect(h.github.writes()).toEqual([]);
      expect(h.github.pulls().map((p) => p.state)).toEqual(['closed']);
    }
    await h.decide('blue', 'NEUTRAL');
    expect(await record()).toMatchObject({ action: 'proposed', pr: { number: 2 } });
    expect(h.github.pulls().map((p) => p.state)).toEqual(['closed', 'open']);
  });

  it('GitHub answering 502, and a secondary rate limit, are retried to success', async () => {
    await h.decide('green', 'POSITIVE');
    h.github.failNext(2, 502);
    h.github.secondaryRateLimitNext(1, 1);
    h.github.failNext(1, 502, (method, path) => method === 'POST' && path.endsWith('/pulls'));
    const result = await record();
    expect(result.action).toBe('proposed');
    expect(h.github.requests.filter((r) => r.status === 502)).toHaveLength(3);
    expect(h.github.requests.filter((r) => r.status === 403)).toHaveLength(1);
    expect(h.github.pulls()).toHaveLength(1);
    h.github.clearRequests();
    expect((await record()).action).toBe('already-proposed');
    expect(h.github.writes()).toEqual([]);
  });

  it('persistent failures surface as a GitHostError that names the call and the repository', async () => {
    await h.decide('green', 'POSITIVE');
    h.github.failNext(100, 503);
    const error = await record().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(GitHostError);
    expect((error as GitHostError).message).toMatch(/^GitHub: reading the head of the base branch in acme\/experiments failed \(HTTP 503\): .*; GitHub had a server error; run the job again$/);
    expect((error as GitHostError).status).toBe(503);
  });

  it('an unmanaged experiment, a running one and an unknown id make no PR', async () => {
    const [unmanaged] = h.emu.seedExperiments([experimentBody({ experiment_key: 'not-in-git', name: 'Not in git' })]);
    await h.decide('green', 'POSITIVE', unmanaged!.id);
    for (const _round of [1, 2]) {
      h.github.clearRequests();
      expect(await recordOutcome({ experimentId: unmanaged!.id, eppo: h.eppo, host: h.host, dir: 'experiments' })).toEqual({
        action: 'unmanaged',
        experimentId: unmanaged!.id,
        experimentKey: 'not-in-git',
      });
      expect(await record()).toMatchObject({ action: 'not-concluded', status: expect.not.stringMatching(/concluded/i) });
      expect(await recordOutcome({ experimentId: 999_999, eppo: h.eppo, host: h.host, dir: 'experiments' })).toEqual({ action: 'not-found', experimentId: 999_999 });
      expect(h.github.writes()).toEqual([]);
      expect(h.github.pulls()).toEqual([]);
    }
  });

  it('an experiment_key no definition may have is never turned into a branch, even when a broken file declares it', async () => {
    h.github.commitFiles({ 'experiments/broken.yaml': 'experiment_key: "../../x"\nname: Broken\n' });
    const [odd] = h.emu.seedExperiments([experimentBody({ experiment_key: '../../x', name: 'Odd key' })]);
    await h.decide('green', 'POSITIVE', odd!.id);
    for (const _round of [1, 2]) {
      h.github.clearRequests();
      expect(await recordOutcome({ experimentId: odd!.id, eppo: h.eppo, host: h.host, dir: 'experiments' })).toEqual({ action: 'unmanaged', experimentId: odd!.id, experimentKey: '../../x' });
      expect((await syncOutcomes({ eppo: h.eppo, host: h.host, dir: 'experiments' })).map((r) => r.action)).toEqual(['unmanaged']);
      expect(h.github.writes()).toEqual([]);
      expect(h.github.branches()).toEqual(['main']);
    }
  });

  it('outcomes sync proposes a concluded experiment whose webhook never came, and only that', async () => {
    const [onboarding, stray] = h.emu.seedExperiments([
      experimentBody({ experiment_key: 'onboarding-flow', name: 'Onboarding flow' }),
      experimentBody({ experiment_key: 'not-in-git', name: 'Not in git' }),
    ]);
    await h.decide('green', 'POSITIVE', onboarding!.id);
    await h.decide('green', 'POSITIVE', stray!.id);
    for (const round of [1, 2]) {
      const results = await syncOutcomes({ eppo: h.eppo, host: h.host, dir: 'experiments' });
      expect(results.map((r) => [r.action, 'file' in r ? r.file : undefined])).toEqual([[round === 1 ? 'proposed' : 'already-proposed', OTHER_PATH]]);
      expect(h.github.pulls().map((p) => p.head)).toEqual(['eppo-gitops/outcome/onboarding-flow']);
      expect(h.github.readFile('eppo-gitops/outcome/onboarding-flow', OTHER_PATH)).toBe(
        'experiment_key: onboarding-flow\nname: Onboarding flow\noutcome:\n  status: Concluded\n  outcome: POSITIVE\n  winning_variant_key: green\n' +
          `  eppo_experiment_id: ${onboarding!.id}\n  recorded_at: ${CONCLUDED_AT}\n`,
      );
    }
  });

  it('outcomes sync refuses to guess when two concluded experiments share a managed key', async () => {
    const [twin] = h.emu.seedExperiments([experimentBody()]);
    await h.decide('green', 'POSITIVE');
    await h.decide('blue', 'NEGATIVE', twin!.id);
    for (const _round of [1, 2]) {
      const results = await syncOutcomes({ eppo: h.eppo, host: h.host, dir: 'experiments' });
      expect(results.map((r) => r.action)).toEqual(['conflict', 'conflict']);
      expect(results[0]).toMatchObject({ experimentIds: [h.experimentId, twin!.id] });
      expect(h.github.pulls()).toEqual([]);
    }
  });

  it('reads only the file named after the key, and everything when the name does not match', async () => {
    await h.decide('green', 'POSITIVE');
    h.github.clearRequests();
    await record();
    expect(h.github.requests.filter((r) => r.method === 'GET' && r.path.includes('/git/blobs/'))).toHaveLength(1);

    h.github.commitFiles({ 'experiments/misc/renamed.yaml': 'experiment_key: renamed-key\nname: Renamed\n' });
    const [renamed] = h.emu.seedExperiments([experimentBody({ experiment_key: 'renamed-key', name: 'Renamed' })]);
    await h.decide('blue', 'NEUTRAL', renamed!.id);
    h.github.clearRequests();
    const result = await recordOutcome({ experimentId: renamed!.id, eppo: h.eppo, host: h.host, dir: 'experiments' });
    expect(result).toMatchObject({ action: 'proposed', file: 'experiments/misc/renamed.yaml', branch: 'eppo-gitops/outcome/renamed-key' });
    expect(h.github.requests.filter((r) => r.method === 'GET' && r.path.includes('/git/blobs/'))).toHaveLength(3);
  });

  it('falls back to listing only the definitions folder when the whole tree is truncated', async () => {
    const bulk: Record<string, string> = {};
    for (let i = 0; i < 30; i++) bulk[`src/module-${i}.ts`] = `export const x${i} = ${i};\n`;
    h.github.commitFiles(bulk);
    h.github.setTreeLimit(10);
    h.github.clearRequests();
    const files = await fetchDefinitionFiles(h.host, 'experiments');
    expect(files.map((f) => f.path).sort()).toEqual([DEFINITION_PATH, OTHER_PATH]);
    expect(h.github.requests.filter((r) => r.path.includes('/git/trees/')).map((r) => r.query.recursive ?? 'flat')).toEqual(['true', 'flat', 'true']);
    await expect(fetchDefinitionFiles(h.host, 'nowhere')).rejects.toThrow(/^the definitions folder nowhere\/ does not exist at the head of the base branch main /);
  });

  it('honours GITHUB_API_URL with a path (GitHub Enterprise) and EPPO_GITOPS_BASE_BRANCH', async () => {
    h.github.commitFiles({ [DEFINITION_PATH]: DEFINITION }, { branch: 'release', message: 'Release definitions' });
    await h.decide('green', 'POSITIVE');
    const env = { GITHUB_TOKEN: h.github.token, GITHUB_REPOSITORY: 'acme/experiments', GITHUB_API_URL: `${h.github.url}/api/v3/`, EPPO_GITOPS_BASE_BRANCH: 'release' };
    for (const round of [1, 2]) {
      h.github.clearRequests();
      const result = await record(createGitHubHostFromEnv(env, { retryBaseMs: 1 }));
      expect(result).toMatchObject({ action: round === 1 ? 'proposed' : 'already-proposed', pr: { number: 1 } });
      expect(h.github.pulls().map((p) => [p.head, p.base])).toEqual([[BRANCH, 'release']]);
      expect(h.github.commit(h.github.branchHead(BRANCH)!)!.parents).toEqual([h.github.branchHead('release')]);
      expect(h.github.requests.length).toBeGreaterThan(0);
      expect(h.github.requests.filter((r) => !r.rawPath.startsWith('/api/v3/repos/acme/experiments'))).toEqual([]);
      // The base branch is given: the repository's default branch is never asked for.
      expect(h.github.requests.filter((r) => r.path === REPO)).toEqual([]);
    }
  });

  it('reads definitions with one recursive tree listing plus blob reads', async () => {
    h.github.clearRequests();
    const files = await fetchDefinitionFiles(h.host, 'experiments');
    expect(files.map((f) => f.path).sort()).toEqual([DEFINITION_PATH, OTHER_PATH]);
    expect(files.find((f) => f.path === DEFINITION_PATH)!.text).toBe(DEFINITION);
    const calls = h.github.requests.map((r) => `${r.method} ${r.path.replace(/[0-9a-f]{40}/, 'SHA')}${r.query.recursive ? '?recursive' : ''}`);
    expect(calls).toEqual([
      `GET ${REPO}`,
      `GET ${REPO}/git/ref/heads/main`,
      `GET ${REPO}/git/commits/SHA`,
      `GET ${REPO}/git/trees/SHA?recursive`,
      `GET ${REPO}/git/blobs/SHA`,
      `GET ${REPO}/git/blobs/SHA`,
    ]);
  });
});
