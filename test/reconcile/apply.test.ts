import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Definition } from '../../src/definitions/index.js';
import { fetchWorkspace, type EppoExperiment } from '../../src/eppo/index.js';
import { applyPlan, buildPlan, checkPlanFreshness, type CreateChange, type Plan, type UpdateChange } from '../../src/reconcile/index.js';
import { definition, definitionText, startTestEppo, type TestEppo } from '../eppo/helpers.js';

const FAST_APPLY = { retryBaseMs: 5, maxRetryDelayMs: 20 };

function defs(keys: string[], edit: (text: string) => string = (t) => t): Definition[] {
  return keys.map((key) => definition(edit(definitionText({ key })), `experiments/${key}.yaml`));
}

async function planNow(t: TestEppo, definitions: Definition[]): Promise<Plan> {
  return buildPlan(definitions, await fetchWorkspace(t.api), { baseUrl: t.api.baseUrl, createdAt: '2026-01-01T00:00:00.000Z' });
}

describe('applyPlan against the emulator', () => {
  let t: TestEppo;
  let logged: Array<Record<string, unknown>>;
  let onLog: () => void;
  /** Resolves once the emulator has logged `count` entries that match (it logs a request when it has answered it). */
  const untilLogged = (count: number, match: (entry: Record<string, unknown>) => boolean): Promise<void> =>
    new Promise((resolve) => {
      onLog = () => {
        if (logged.filter(match).length >= count) resolve();
      };
      onLog();
    });
  beforeEach(async () => {
    logged = [];
    onLog = () => {};
    t = await startTestEppo({ log: (entry) => (logged.push(entry), onLog()) });
  });
  afterEach(async () => {
    await t.close();
  });

  it('creates, then updates, then converges to no changes', async () => {
    const keys = ['a-exp', 'b-exp', 'c-exp'];
    const first = await planNow(t, defs(keys));
    expect(first.summary.create).toBe(3);
    expect(await checkPlanFreshness(t.api, first)).toEqual({ state: 'fresh' });
    const progress: string[] = [];
    const created = await applyPlan(t.api, first, { ...FAST_APPLY, onProgress: (p) => progress.push(`${p.done}/${p.total} ${p.item.experiment_key}`) });
    expect(created.summary).toEqual({ applied: 3, failed: 0, skipped: 0 });
    expect(progress).toHaveLength(3);
    expect(progress.map((p) => p.split(' ')[0])).toEqual(['1/3', '2/3', '3/3']);

    const edited = defs(keys, (text) => text.replace('name: Green button', 'name: Green'));
    const second = await planNow(t, edited);
    expect(second.summary).toMatchObject({ create: 0, update: 3 });
    const updated = await applyPlan(t.api, second, FAST_APPLY);
    expect(updated.results.map((r) => [r.experiment_key, r.action, r.status])).toEqual([
      ['a-exp', 'update', 'applied'],
      ['b-exp', 'update', 'applied'],
      ['c-exp', 'update', 'applied'],
    ]);
    const third = await planNow(t, edited);
    expect(third.summary).toMatchObject({ create: 0, update: 0, unchanged: 3 });
    // guardrails the emulator attached are still there: metrics are a subset
    const live = await t.api.listExperiments({ experiment_key: 'a-exp' });
    expect(live[0]!.metrics.map((m) => m.metric_id).sort()).toEqual([1, 2, 7, 8]);
    expect(live[0]!.variations.find((v) => v.variant_key === 'green')!.name).toBe('Green');
  });

  const edits: Array<[string, (text: string) => string, (live: EppoExperiment) => unknown, unknown]> = [
    ['name', (x) => x.replace('name: Checkout button color', 'name: Renamed'), (e) => e.name, 'Renamed'],
    ['hypothesis', (x) => x.replace('raises checkout conversion.', 'raises conversion.'), (e) => e.hypothesis, 'A green checkout button raises conversion.'],
    ['start date', (x) => x.replace('assignments_start_date: 2026-01-05', 'assignments_start_date: 2026-01-06T09:30:00+02:00'), (e) => e.assignments_start_date, '2026-01-06T07:30:00.000Z'],
    ['end date', (x) => x.replace('variations:', 'assignments_end_date: 2026-03-01\nvariations:'), (e) => e.assignments_end_date, '2026-03-01T00:00:00.000Z'],
    ['traffic', (x) => x.replace('variations:', 'traffic_allocation: 0.25\nvariations:'), (e) => e.traffic_allocation, 0.25],
    ['variation name', (x) => x.replace('name: Green button', 'name: Green'), (e) => e.variations.map((v) => v.name), ['Control', 'Green']],
    ['variation weights', (x) => x.replace('weight: 0.5\n  - variant_key: green', 'weight: 0.4\n  - variant_key: green').replace('name: Green button\n    weight: 0.5', 'name: Green button\n    weight: 0.6'), (e) => e.variations.map((v) => v.weighted_expected_traffic), [0.4, 0.6]],
    ['variation is_active', (x) => x.replace('name: Green button\n    weight: 0.5', 'name: Green button\n    weight: 0\n    is_active: false').replace('weight: 0.5\n  - variant_key: green', 'weight: 1\n  - variant_key: green'), (e) => e.variations.map((v) => v.is_active), [true, false]],
    ['control', (x) => x.replace('    is_control: true\n', '').replace('name: Green button\n', 'name: Green button\n    is_control: true\n'), (e) => e.variations.map((v) => v.is_control), [false, true]],
    ['variation replaced', (x) => x.replace('variant_key: green\n    name: Green button', 'variant_key: red\n    name: Red'), (e) => e.variations.map((v) => v.variant_key), ['control', 'red']],
    ['metrics', (x) => x.replace('  - metric: Revenue per user\n', '  - metric: Orders per user\n'), (e) => e.metrics.map((m) => m.metric_id).sort(), [1, 2, 3, 7, 8]],
    ['primary metric', (x) => x.replace('  - metric: Checkout conversion\n    is_primary: true\n  - metric: Revenue per user\n', '  - metric: Checkout conversion\n  - metric: Revenue per user\n    is_primary: true\n'), (e) => e.metrics.filter((m) => m.is_primary).map((m) => m.metric_id), [2]],
  ];

  it.each(edits)('updates %s over HTTP (GET-merge-PUT), then plans unchanged', async (_label, edit, read, expected) => {
    await applyPlan(t.api, await planNow(t, defs(['field-kind'])), FAST_APPLY);
    const edited = defs(['field-kind'], edit);
    const plan = await planNow(t, edited);
    expect(plan.summary).toMatchObject({ update: 1, create: 0 });
    expect(await checkPlanFreshness(t.api, plan)).toEqual({ state: 'fresh' });
    expect((await applyPlan(t.api, plan, FAST_APPLY)).summary).toEqual({ applied: 1, failed: 0, skipped: 0 });
    const [live] = await t.api.listExperiments({ experiment_key: 'field-kind' });
    expect(read(live!)).toEqual(expected);
    expect((await planNow(t, edited)).summary).toMatchObject({ update: 0, unchanged: 1 });
    const puts = (await t.requests()).filter((r) => r.method === 'PUT');
    expect(puts).toHaveLength(1);
    expect(puts[0]!.body).toMatchObject({ experiment_key: 'field-kind' });
    expect(puts[0]!.body).not.toHaveProperty('status');
    expect(puts[0]!.body).not.toHaveProperty('outcome');
  });

  it.each([
    ['500 after processing', { kind: 'status', status: 500, phase: 'after' }],
    ['503 after processing', { kind: 'status', status: 503, phase: 'after' }],
    ['429 after processing', { kind: 'status', status: 429, retryAfterSeconds: 0, phase: 'after' }],
    ['dropped connection after processing', { kind: 'drop', phase: 'after' }],
    ['500 before processing', { kind: 'status', status: 500, phase: 'before' }],
    ['dropped connection before processing', { kind: 'drop', phase: 'before' }],
  ] as const)('never creates twice: %s', async (_label, fault) => {
    const keys = ['k1', 'k2', 'k3', 'k4', 'k5', 'k6'];
    const plan = await planNow(t, defs(keys));
    await t.faults({ ...fault, count: 4, match: { method: 'POST', pathPrefix: '/api/v1/experiments' } });
    const result = await applyPlan(t.api, plan, { ...FAST_APPLY, parallelism: 3 });
    expect(result.summary).toEqual({ applied: 6, failed: 0, skipped: 0 });
    const live = await t.api.listExperiments();
    expect(live.map((e) => e.experiment_key).sort()).toEqual(keys);
    const posts = (await t.requests()).filter((r) => r.method === 'POST' && r.path.startsWith('/api/v1/experiments'));
    const faulted = posts.filter((r) => r.fault !== undefined);
    expect(faulted).toHaveLength(4);
    // each ambiguous failure was followed by a lookup of that key
    const lookups = (await t.requests()).filter((r) => r.method === 'GET' && r.query.experiment_key !== undefined);
    expect(lookups.length).toBeGreaterThanOrEqual(4);
    expect((await planNow(t, defs(keys))).summary).toMatchObject({ create: 0, unchanged: 6 });
  });

  it('goes on after a failure, reports it, and a rerun converges', async () => {
    const keys = ['p1', 'p2', 'p3'];
    const plan = await planNow(t, defs(keys));
    // the first create (p1, parallelism 1) is refused on every attempt; nothing is created for it
    await t.faults({ kind: 'status', status: 500, count: 5, match: { method: 'POST', pathPrefix: '/api/v1/experiments' } });
    const first = await applyPlan(t.api, plan, { ...FAST_APPLY, parallelism: 1 });
    expect(first.summary).toEqual({ applied: 2, failed: 1, skipped: 0 });
    const failed = first.results.find((r) => r.status === 'failed')!;
    expect(failed.experiment_key).toBe('p1');
    expect(failed.error).toMatch(/^POST \/experiments 500: Eppo answered 500.*\(after 5 attempts\)$/);
    const again = await planNow(t, defs(keys));
    expect(again.summary).toMatchObject({ create: 1, unchanged: 2 });
    expect((await applyPlan(t.api, again, FAST_APPLY)).summary).toEqual({ applied: 1, failed: 0, skipped: 0 });
    expect((await planNow(t, defs(keys))).summary).toMatchObject({ create: 0, update: 0, unchanged: 3 });
  });

  it('after a create timed out, looks the key up and never sends it again in the same run', async () => {
    const slowClient = await import('../../src/eppo/index.js').then((m) =>
      m.createEppoClient({ baseUrl: t.emu.url, apiKey: t.emu.apiKey, requestTimeoutMs: 150, retryBaseMs: 5, maxRetryDelayMs: 20 }),
    );
    try {
      const plan = await planNow(t, defs(['slow-1', 'slow-2']));
      await t.faults({ kind: 'latency', ms: 400, count: 1, match: { method: 'POST', pathPrefix: '/api/v1/experiments' } });
      const result = await applyPlan(slowClient, plan, { ...FAST_APPLY, parallelism: 1 });
      expect(result.summary).toEqual({ applied: 1, failed: 1, skipped: 0 });
      expect(result.results[0]).toMatchObject({ experiment_key: 'slow-1', status: 'failed', error: expect.stringMatching(/timed out.*not sent again: run plan again/) });
      // the timed-out POST is still being served: wait until the emulator has answered it
      await untilLogged(2, (entry) => entry.type === 'request' && entry.method === 'POST');
      const posts = (await t.requests()).filter((r) => r.method === 'POST');
      expect(posts).toHaveLength(2);
      const live = await t.api.listExperiments();
      expect(live.filter((e) => e.experiment_key === 'slow-1').length).toBe(1);
      const rerun = await planNow(t, defs(['slow-1', 'slow-2']));
      await applyPlan(t.api, rerun, FAST_APPLY);
      const after = await t.api.listExperiments();
      expect(after.map((e) => e.experiment_key).sort()).toEqual(['slow-1', 'slow-2']);
    } finally {
      await slowClient.close();
    }
  });

  it('stops waiting to try a create again on Ctrl-C, and says its fate is unknown', async () => {
    const plan = await planNow(t, defs(['wait-1', 'wait-2']));
    // Eppo asks for 30 s before the next attempt
    await t.faults({ kind: 'status', status: 503, retryAfterSeconds: 30, count: 1, match: { method: 'POST', pathPrefix: '/api/v1/experiments' } });
    const interrupt = new AbortController();
    let stopping = 0;
    // the lookup of the key after the 503 is the GET after the plan's reads
    const isGet = (entry: Record<string, unknown>): boolean => entry.type === 'request' && entry.method === 'GET';
    const lookedUp = untilLogged(logged.filter(isGet).length + 1, isGet);
    const applying = applyPlan(t.api, plan, { parallelism: 1, signal: interrupt.signal, onStopping: () => stopping++ });
    await lookedUp;
    const pressed = Date.now();
    interrupt.abort('SIGINT');
    const result = await applying;
    expect(Date.now() - pressed).toBeLessThan(1_000);
    expect(stopping).toBe(1);
    expect(result.results[0]).toMatchObject({
      experiment_key: 'wait-1',
      status: 'failed',
      error: expect.stringMatching(/^POST \/experiments 503: .*; apply was interrupted before trying again, so it is unknown whether it was created: run plan again$/),
    });
    expect(result.results[1]).toMatchObject({ experiment_key: 'wait-2', status: 'skipped' });
    expect((await t.requests()).filter((r) => r.method === 'POST')).toHaveLength(1);
  });

  it('retries an update through 500s and a dropped connection (PUT is idempotent)', async () => {
    await applyPlan(t.api, await planNow(t, defs(['u1'])), FAST_APPLY);
    const plan = await planNow(t, defs(['u1'], (text) => text.replace('name: Checkout button color', 'name: Renamed')));
    await t.faults([
      { kind: 'status', status: 502, count: 1, phase: 'after', match: { method: 'PUT' } },
      { kind: 'drop', count: 1, match: { method: 'PUT' } },
    ]);
    expect((await applyPlan(t.api, plan, FAST_APPLY)).summary).toEqual({ applied: 1, failed: 0, skipped: 0 });
    expect((await t.api.listExperiments({ experiment_key: 'u1' }))[0]!.name).toBe('Renamed');
  });

  it('finds a stale plan: an experiment changed or a key created since the plan', async () => {
    await applyPlan(t.api, await planNow(t, defs(['s1'])), FAST_APPLY);
    const plan = await planNow(t, [...defs(['s1'], (text) => text.replace('name: Checkout button color', 'name: Mine')), ...defs(['s2'])]);
    expect(plan.summary).toMatchObject({ update: 1, create: 1 });
    expect(await checkPlanFreshness(t.api, plan)).toEqual({ state: 'fresh' });
    const change = plan.changes.find((c) => c.action === 'update') as UpdateChange;
    const live = await t.api.getExperiment(change.eppo_id);
    await t.api.updateExperiment(change.eppo_id, { ...live, hypothesis: 'Someone edited this in the UI' });
    await t.api.createExperiment({ ...(plan.changes.find((c) => c.action === 'create') as { request: { body: object } }).request.body });
    expect(await checkPlanFreshness(t.api, plan)).toEqual({
      state: 'stale',
      messages: [
        'stale plan: s1 changed in Eppo since the plan was made; run plan again',
        'stale plan: s2 was created in Eppo since the plan was made; run plan again',
      ],
    });
  });

  it('trust item 22: tells a plan applied before from a stale one, soundly', async () => {
    await applyPlan(t.api, await planNow(t, defs(['p1'])), FAST_APPLY);
    const edit = (text: string): string =>
      text
        .replace('name: Checkout button color', 'name: Edited')
        .replace('name: Green button\n    weight: 0.5\n', 'name: Green button\n    weight: 0.5\n  - variant_key: blue\n    name: Blue\n    weight: 0\n    is_active: false\n')
        .replace('assignments_start_date: 2026-01-05', 'assignments_start_date: 2026-01-06T00:00:00+00:00');
    const plan = await planNow(t, [...defs(['p1'], edit), ...defs(['p2'])]);
    expect(plan.summary).toMatchObject({ update: 1, create: 1 });
    expect(await checkPlanFreshness(t.api, plan)).toEqual({ state: 'fresh' });
    expect((await applyPlan(t.api, plan, FAST_APPLY)).summary).toEqual({ applied: 2, failed: 0, skipped: 0 });
    // Eppo gave the new variation an id, attached guardrails to the create and stores dates its own way: still applied
    // applied: both changes no longer hold as planned, and each live experiment holds what the plan writes
    expect(await checkPlanFreshness(t.api, plan)).toEqual({ state: 'applied' });

    // one change moved on after it was applied: the plan is stale, not applied
    const update = plan.changes.find((c) => c.action === 'update') as UpdateChange;
    const live = await t.api.getExperiment(update.eppo_id);
    await t.api.updateExperiment(update.eppo_id, { ...live, traffic_allocation: 0.5 });
    expect(await checkPlanFreshness(t.api, plan)).toEqual({
      state: 'stale',
      messages: [
        'stale plan: p1 changed in Eppo since the plan was made; run plan again',
        'stale plan: p2 was created in Eppo since the plan was made; run plan again',
      ],
    });
  });

  it('trust item 22: a half-applied plan, or a key created by someone else with other values, is stale', async () => {
    const plan = await planNow(t, defs(['h1', 'h2']));
    const [one] = plan.changes as CreateChange[];
    await t.api.createExperiment(one!.request.body);
    expect(await checkPlanFreshness(t.api, plan)).toEqual({ state: 'stale', messages: ['stale plan: h1 was created in Eppo since the plan was made; run plan again'] });
    const other = await planNow(t, defs(['h3']));
    await t.api.createExperiment({ ...(other.changes[0] as CreateChange).request.body, hypothesis: 'Not what the plan says' });
    expect(await checkPlanFreshness(t.api, other)).toEqual({ state: 'stale', messages: ['stale plan: h3 was created in Eppo since the plan was made; run plan again'] });
    // two experiments with the key: never "applied"
    const twin = await planNow(t, defs(['h4']));
    await t.api.createExperiment((twin.changes[0] as CreateChange).request.body);
    await t.api.createExperiment((twin.changes[0] as CreateChange).request.body);
    expect((await checkPlanFreshness(t.api, twin)).state).toBe('stale');
  });

  it('checks a large plan with one full list instead of one read per change', async () => {
    const keys = Array.from({ length: 25 }, (_, i) => `bulk-${String(i).padStart(2, '0')}`);
    await applyPlan(t.api, await planNow(t, defs(keys.slice(0, 5))), FAST_APPLY);
    const plan = await planNow(t, defs(keys, (text) => text.replace('name: Checkout button color', 'name: Bulk')));
    expect(plan.summary).toMatchObject({ update: 5, create: 20 });
    const before = (await t.requests()).length;
    expect(await checkPlanFreshness(t.api, plan)).toEqual({ state: 'fresh' });
    const reads = (await t.requests()).slice(before);
    expect(reads.every((r) => r.method === 'GET' && r.path === '/api/v1/experiments' && r.query.experiment_key === undefined)).toBe(true);
    const created = plan.changes.find((c) => c.experiment_key === 'bulk-20')!;
    await t.api.createExperiment((created as CreateChange).request.body);
    const updated = plan.changes.find((c) => c.experiment_key === 'bulk-03') as UpdateChange;
    const live = await t.api.getExperiment(updated.eppo_id);
    await t.api.updateExperiment(updated.eppo_id, { ...live, traffic_allocation: 0.5 });
    expect(await checkPlanFreshness(t.api, plan)).toEqual({
      state: 'stale',
      messages: [
        'stale plan: bulk-03 changed in Eppo since the plan was made; run plan again',
        'stale plan: bulk-20 was created in Eppo since the plan was made; run plan again',
      ],
    });
  });
});
