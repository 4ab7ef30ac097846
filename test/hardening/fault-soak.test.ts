// Fault soak: apply of 500 changes while the emulator answers ~30 % of API
// requests with 5xx/429 or drops the connection (before or after doing the
// work), rerun until nothing is left; then outcome processing under duplicate
// and reordered webhook deliveries and GitHub 5xx.
import fc from 'fast-check';
import { request } from 'undici';
import { afterAll, describe, expect, it } from 'vitest';
import { parseDefinition, type Definition } from '../../src/definitions/index.js';
import { writeOutcome } from '../../src/definitions/outcome-edit.js';
import { startEmulator, type FaultSpec, type RunningEmulator } from '../../src/emulator/index.js';
import { createEppoClient, fetchWorkspace, type EppoApi, type Workspace } from '../../src/eppo/index.js';
import { createGitHubHost, createOctokit } from '../../src/git-host/index.js';
import { buildOutcome, buildOutcomeBranch, parseOutcomeMarker, recordOutcome, signWebhookData, syncOutcomes } from '../../src/outcomes/index.js';
import { applyPlan, buildPlan, type Plan } from '../../src/reconcile/index.js';
import { startWebhookServer } from '../../src/server/index.js';
import { startFakeGitHub } from '../helpers/fake-github.js';
import { control, layoutArb, liveFromSpec, seededRandom, shuffle, specArb, specYaml, type SpecGen } from './helpers.js';

const figures: string[] = [];
afterAll(() => console.log(`[hardening] fault soak: ${figures.join('; ')}`));

/** ~30 % of API requests fail: 5xx and 429 before or after the work is done, and dropped connections. */
function apiFaults(seed: number): FaultSpec[] {
  const share = 0.06; // six specs: 1 - 0.94^6 ≈ 31 % of requests hit one
  return [
    { kind: 'status', status: 500, phase: 'before', share, seed: seed + 1 },
    { kind: 'status', status: 503, phase: 'after', share, seed: seed + 2 },
    { kind: 'status', status: 502, phase: 'after', share, seed: seed + 3 },
    { kind: 'status', status: 429, retryAfterSeconds: 0, phase: 'before', share, seed: seed + 4 },
    { kind: 'drop', phase: 'before', share, seed: seed + 5 },
    { kind: 'drop', phase: 'after', share, seed: seed + 6 },
  ];
}

const N_CREATE = 300;
const N_UPDATE = 200;

/** 500 definitions with distinct keys; the first N_UPDATE also exist in Eppo, drifted. */
function soakData(seed: number): { specs: SpecGen[]; drifted: SpecGen[]; defs: Definition[] } {
  const specs = fc.sample(specArb(), { numRuns: N_CREATE + N_UPDATE, seed }).map((s, i) => ({ ...s, experiment_key: `soak-${i}-${s.experiment_key}`.slice(0, 100) }));
  const drifted = fc.sample(specArb(), { numRuns: N_UPDATE, seed: seed + 1 }).map((d, i) => {
    const spec = specs[i]!;
    // The live end date is dropped so the merged PUT is always valid (see the
    // apply→plan property for the one refusal an unowned end date can cause).
    const { assignments_end_date: _end, ...rest } = { ...d, experiment_key: spec.experiment_key };
    return spec.assignments_end_date === undefined ? rest : { ...d, experiment_key: spec.experiment_key };
  });
  const layouts = fc.sample(layoutArb, { numRuns: specs.length, seed: seed + 2 });
  const defs = specs.map((s, i) => {
    const parsed = parseDefinition(`experiments/${s.experiment_key}.yaml`, specYaml(s, layouts[i]!));
    if (parsed.definition === undefined) throw new Error(JSON.stringify(parsed.problems));
    return parsed.definition;
  });
  return { specs, drifted, defs };
}

async function soak(seed: number): Promise<{ rounds: number; requests: number; faulted: number; applied: number; failedAttempts: number }> {
  const emu: RunningEmulator = await startEmulator({ port: 0 });
  const api: EppoApi = createEppoClient({ baseUrl: emu.url, apiKey: emu.apiKey, retryBaseMs: 1, maxRetryDelayMs: 4, maxAttempts: 3, requestTimeoutMs: 10_000 });
  try {
    const { drifted, defs } = soakData(seed);
    emu.seedExperiments(drifted.map(liveFromSpec));
    await control(emu, 'POST', '/faults', apiFaults(seed));
    const options = { baseUrl: api.baseUrl, createdAt: '2026-01-01T00:00:00.000Z' };
    let rounds = 0;
    let applied = 0;
    let failedAttempts = 0;
    let converged = false;
    for (rounds = 1; rounds <= 25 && !converged; rounds++) {
      let workspace: Workspace;
      try {
        workspace = await fetchWorkspace(api);
      } catch {
        continue; // a read lost to the faults: the next round reads again
      }
      const plan: Plan = buildPlan(defs, workspace, options);
      expect(plan.summary.conflict, 'a duplicate create shows up as a conflict').toBe(0);
      if (plan.summary.create + plan.summary.update === 0) {
        converged = true;
        break;
      }
      const result = await applyPlan(api, plan, { parallelism: 8, retryBaseMs: 1, maxRetryDelayMs: 4, maxCreateAttempts: 3 });
      applied += result.summary.applied;
      failedAttempts += result.summary.failed;
    }
    expect(converged, `not converged after ${rounds} rounds`).toBe(true);

    const log = (await control(emu, 'GET', '/requests')) as Array<{ status: number | null; fault?: string; method: string }>;
    await control(emu, 'DELETE', '/faults');
    const final = await fetchWorkspace(api);
    // Zero duplicate creates: exactly one experiment per key, 500 in all.
    const perKey = new Map<string, number>();
    for (const e of final.experiments) perKey.set(e.experiment_key, (perKey.get(e.experiment_key) ?? 0) + 1);
    expect([...perKey.values()].filter((n) => n > 1)).toEqual([]);
    expect(final.experiments.length).toBe(N_CREATE + N_UPDATE);
    // Zero lost updates: with no faults, the plan has nothing to do, and every owned field matches.
    const plan = buildPlan(defs, final, options);
    expect(plan.summary).toMatchObject({ create: 0, update: 0, conflict: 0, skip: 0, unchanged: N_CREATE + N_UPDATE, unmanaged: 0 });
    for (const def of defs) {
      const live = final.experiments.find((e) => e.experiment_key === def.experiment_key)!;
      expect(live.name).toBe(def.name);
      expect(live.variations.map((v) => [v.variant_key, v.weighted_expected_traffic, v.is_control])).toEqual(def.variations.map((v) => [v.variant_key, v.weight, v.is_control]));
    }
    const faulted = log.filter((r) => r.fault !== undefined).length;
    return { rounds, requests: log.length, faulted, applied, failedAttempts };
  } finally {
    await api.close();
    await emu.close();
  }
}

describe('fault soak: apply under injected faults', () => {
  for (const seed of [11, 4242]) {
    it(`500 changes under ~30 % 5xx/429/dropped connections converge with no duplicate and no lost update (seed ${seed})`, { timeout: 120_000 }, async () => {
      const r = await soak(seed);
      const share = r.faulted / r.requests;
      expect(share).toBeGreaterThan(0.2);
      expect(share).toBeLessThan(0.4);
      expect(r.failedAttempts, 'some changes must have failed a round, or the faults did nothing').toBeGreaterThan(0);
      figures.push(
        `seed ${seed}: ${N_CREATE + N_UPDATE} changes converged in ${r.rounds} rounds, ${r.requests} API requests of which ${r.faulted} faulted (${(share * 100).toFixed(0)} %), ${r.failedAttempts} failed change attempts retried, 0 duplicates, 0 lost updates`,
      );
    });
  }
});

describe('fault soak: outcome pull requests under duplicate, reordered deliveries and GitHub 5xx', () => {
  it('ends with exactly one correct pull request per experiment', { timeout: 120_000 }, async () => {
    const SECRET = 'whsec-soak-secret';
    const N = 12;
    const specs = fc.sample(specArb(), { numRuns: N, seed: 99 }).map((s, i) => ({ ...s, experiment_key: `outcome-${i}` }));
    const layouts = fc.sample(layoutArb, { numRuns: N, seed: 98 });
    const files = Object.fromEntries(specs.map((s, i) => [`experiments/${s.experiment_key}.yaml`, specYaml(s, layouts[i]!)]));
    const github = await startFakeGitHub();
    github.commitFiles(files, { message: 'definitions' });
    const emu = await startEmulator({ port: 0, webhookRetry: { attempts: 4, baseDelayMs: 2, maxDelayMs: 10 } });
    const eppo = createEppoClient({ baseUrl: emu.url, apiKey: emu.apiKey, retryBaseMs: 1, maxRetryDelayMs: 4 });
    const host = createGitHubHost({ octokit: createOctokit({ token: github.token, baseUrl: github.url, retries: 2, retryBaseMs: 1 }), owner: github.owner, repo: github.repo });
    const handledResults: string[] = [];
    const server = await startWebhookServer({
      port: 0,
      secret: SECRET,
      concurrency: 4,
      handle: async (id) => {
        const r = await recordOutcome({ experimentId: id, eppo, host, dir: 'experiments' });
        handledResults.push(r.action);
        return { action: r.action };
      },
    });
    try {
      const live = emu.seedExperiments(specs.map(liveFromSpec));
      await control(emu, 'POST', '/webhooks', { url: `${server.url}/webhooks/eppo`, secret: SECRET });
      await control(emu, 'POST', '/faults', [
        { kind: 'webhook-duplicate', share: 0.5, seed: 1 },
        { kind: 'webhook-reorder', share: 0.3, holdMs: 15, seed: 2 },
      ]);
      const random = seededRandom(5);
      github.failNext(10_000, 502, () => random() < 0.1);

      // Two decisions per experiment (a later one changes the outcome), in a shuffled order,
      // plus hand-made duplicate deliveries of stale events.
      const decisions = shuffle(
        live.flatMap((e, i) => [
          { id: e.id, round: 1, winner: e.variations[0]!.variant_key, outcome: 'NEGATIVE' },
          { id: e.id, round: 2, winner: e.variations[1]!.variant_key, outcome: i % 2 === 0 ? 'POSITIVE' : 'NEUTRAL' },
        ]),
        3,
      ).sort((a, b) => a.round - b.round);
      for (const d of decisions) {
        await control(emu, 'POST', `/experiments/${d.id}/decision`, { winning_variant_key: d.winner, outcome: d.outcome, concluded_date: `2026-02-1${d.round}T12:00:00.000Z` });
        if (random() < 0.3) {
          const data = { experiment_id: d.id, experiment_key: 'stale' };
          const body = JSON.stringify({ event: 'experiment.status.updated', data, signature: signWebhookData(data, SECRET) });
          for (let k = 0; k < 3; k++) await (await request(`${server.url}/webhooks/eppo`, { method: 'POST', headers: { 'content-type': 'application/json' }, body })).body.dump();
        }
      }
      await emu.idle();
      await server.idle();

      // The catch-up path finishes what a failed background job left (GitHub 5xx beyond the retries).
      let syncRounds = 0;
      for (; syncRounds < 10; syncRounds++) {
        const results = await syncOutcomes({ eppo, host, dir: 'experiments' }).catch(() => undefined);
        if (results !== undefined && results.length === N && results.every((r) => r.action === 'already-proposed')) break;
      }
      expect(syncRounds).toBeLessThan(10);

      const deliveries = (await control(emu, 'GET', '/deliveries')) as Array<{ duplicate?: boolean; reordered?: boolean }>;
      expect(deliveries.some((d) => d.duplicate)).toBe(true);
      expect(deliveries.some((d) => d.reordered)).toBe(true);
      const injected = github.requests.filter((r) => r.status === 502).length;
      expect(injected).toBeGreaterThan(0);

      const pulls = github.pulls();
      expect(pulls.length, 'exactly one pull request per experiment').toBe(N);
      for (const [i, e] of live.entries()) {
        const current = await eppo.getExperiment(e.id);
        const branch = buildOutcomeBranch(e.experiment_key);
        const mine = pulls.filter((p) => p.head === branch);
        expect(mine.length).toBe(1);
        expect(mine[0]!.state).toBe('open');
        expect(parseOutcomeMarker(mine[0]!.body)).toEqual({ experiment_id: e.id, outcome: current.outcome, winning_variant_key: current.winning_variant_key });
        expect(current.outcome).toBe(i % 2 === 0 ? 'POSITIVE' : 'NEUTRAL');
        const path = `experiments/${e.experiment_key}.yaml`;
        expect(github.readFile(branch, path)).toBe(writeOutcome(files[path]!, buildOutcome(current)).text);
      }
      expect(github.branches().sort()).toEqual(['main', ...live.map((e) => buildOutcomeBranch(e.experiment_key))].sort());
      figures.push(
        `outcomes: ${N} experiments × 2 decisions, ${deliveries.length} delivery attempts (${deliveries.filter((d) => d.duplicate).length} duplicates, ${deliveries.filter((d) => d.reordered).length} reordered), ${injected} GitHub 502s, ${handledResults.length} background runs, ${syncRounds + 1} sync rounds → ${N} pull requests, one each, all current`,
      );
    } finally {
      await server.close();
      await eppo.close();
      await emu.close();
      await github.close();
    }
  });
});
