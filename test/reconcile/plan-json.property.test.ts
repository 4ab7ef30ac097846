import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { buildPlan, parsePlan, planHasChanges, renderPlanJson, renderPlanMarkdown, renderPlanText, type Plan } from '../../src/reconcile/index.js';
import { definition, definitionText } from '../eppo/helpers.js';
import { liveExperiment, seedWorkspace } from './fixtures.js';

/** A plan with every kind of change, notes and an unmanaged experiment. */
function samplePlan(): Plan {
  const defs = [
    definition(definitionText({ key: 'created' }), 'experiments/created.yaml'),
    definition(definitionText({ key: 'updated', name: 'New name' }), 'experiments/updated.yaml'),
    definition(definitionText({ key: 'kept', metrics: 'metrics:\n  - metric: Checkout conversion\n    is_primary: true\n' }), 'experiments/kept.yaml'),
    definition(definitionText({ key: 'done', name: 'Edited' }), 'experiments/done.yaml'),
    definition(definitionText({ key: 'twin' }), 'experiments/twin.yaml'),
  ];
  const live = [
    liveExperiment({ id: 1, experiment_key: 'updated' }),
    liveExperiment({ id: 2, experiment_key: 'kept' }),
    liveExperiment({ id: 3, experiment_key: 'done', status: 'Concluded' }),
    liveExperiment({ id: 4, experiment_key: 'twin' }),
    liveExperiment({ id: 5, experiment_key: 'twin' }),
    liveExperiment({ id: 6, experiment_key: 'orphan' }),
  ];
  return buildPlan(defs, seedWorkspace(live), { baseUrl: 'https://eppo.cloud/api/v1', createdAt: '2026-01-01T00:00:00.000Z' });
}

type Path = Array<string | number>;

function paths(value: unknown, at: Path = []): Path[] {
  if (value === null || typeof value !== 'object') return [at];
  const children = Array.isArray(value) ? value.map((v, i) => paths(v, [...at, i])) : Object.entries(value).map(([k, v]) => paths(v, [...at, k]));
  return [at, ...children.flat()];
}

function mutate(root: unknown, path: Path, replacement: unknown, remove: boolean): unknown {
  if (path.length === 0) return replacement;
  const copy = structuredClone(root) as Record<string | number, unknown>;
  let parent = copy;
  for (const key of path.slice(0, -1)) parent = parent[key] as Record<string | number, unknown>;
  const last = path.at(-1)!;
  if (remove && !Array.isArray(parent)) delete parent[last];
  else parent[last] = replacement;
  return copy;
}

/** What apply and the renderers do with a plan parsePlan accepted: none of it may throw. */
function useAccepted(text: string): void {
  const parsed = parsePlan(text);
  if (!parsed.ok) {
    expect(parsed.message.length).toBeGreaterThan(0);
    return;
  }
  const { plan } = parsed;
  renderPlanText(plan, { color: true });
  renderPlanMarkdown(plan);
  expect(parsePlan(renderPlanJson(plan)).ok).toBe(true);
  const counted = { create: 0, update: 0, unchanged: 0, skip: 0, conflict: 0 };
  for (const c of plan.changes) counted[c.action]++;
  expect(plan.summary).toEqual({ ...counted, unmanaged: plan.unmanaged.length });
  expect(planHasChanges(plan)).toBe(counted.create + counted.update > 0);
}

describe('trust item 4: parsePlan never crashes, and what it accepts is safe to use', () => {
  const valid = JSON.parse(renderPlanJson(samplePlan())) as unknown;
  const everyPath = paths(valid);

  it('the sample plan is accepted as it is', () => {
    expect(parsePlan(JSON.stringify(valid))).toEqual({ ok: true, plan: samplePlan() });
    expect(samplePlan().summary).toEqual({ create: 1, update: 1, unchanged: 1, skip: 1, conflict: 1, unmanaged: 1 });
  });

  it('any JSON value, and any text', () => {
    fc.assert(fc.property(fc.jsonValue(), (value) => useAccepted(JSON.stringify(value) ?? 'null')), { numRuns: 300 });
    fc.assert(fc.property(fc.string(), (text) => useAccepted(text)), { numRuns: 300 });
  });

  it('a valid plan with any one part replaced or removed', () => {
    fc.assert(
      fc.property(fc.nat({ max: everyPath.length - 1 }), fc.jsonValue({ maxDepth: 3 }), fc.boolean(), (index, replacement, remove) => {
        useAccepted(JSON.stringify(mutate(valid, everyPath[index]!, replacement, remove)));
      }),
      { numRuns: 400 },
    );
  });

  it('a summary that disagrees, or is missing, is refused, never "No changes"', () => {
    const plan = samplePlan();
    for (const summary of [undefined, { ...plan.summary, create: 0, update: 0 }, { ...plan.summary, unmanaged: 9 }, { ...plan.summary, skip: '1' }]) {
      const parsed = parsePlan(JSON.stringify({ ...plan, summary }));
      expect(parsed.ok).toBe(false);
      expect((parsed as { message: string }).message).toMatch(summary === undefined ? /^missing summary$/ : /^its summary \(.*\) disagrees with its changes/);
    }
  });
});
