import { describe, expect, it } from 'vitest';
import { describeMalformedExperiment, type EppoExperiment } from '../../src/eppo/index.js';
import {
  buildImportPlan,
  buildImportSpec,
  buildPlan,
  parsePlan,
  renderPlanJson,
  renderPlanMarkdown,
  renderPlanText,
  resolveReferences,
} from '../../src/reconcile/index.js';
import { definition, definitionText } from '../eppo/helpers.js';
import { liveExperiment, seedWorkspace } from './fixtures.js';

const OPTS = { baseUrl: 'https://eppo.cloud/api/v1', createdAt: '2026-01-01T00:00:00.000Z' };

function nested(depth: number): unknown {
  let value: unknown = 1;
  for (let i = 0; i < depth; i++) value = { a: value };
  return value;
}

// Each is what Eppo might send for the experiment a file manages; none may crash anything.
const MALFORMED: Array<[string, Partial<Record<keyof EppoExperiment, unknown>>, string]> = [
  ['a null variation', { variations: [null] }, 'variations[0] is null, not an object'],
  ['variations that are not a list', { variations: { control: {} } }, 'variations is an object, not a list'],
  ['a variant_key that is not text', { variations: [{ variant_key: 7, name: 'x' }] }, 'variations[0].variant_key is 7 (a number), not a string'],
  ['a null metric', { metrics: [null] }, 'metrics[0] is null, not an object'],
  ['a metric_id that is not a number', { metrics: [{ metric_id: '1', is_primary: true }] }, 'metrics[0].metric_id is "1" (a string), not an integer'],
  ['metrics that are text', { metrics: 'all' }, 'metrics is "all" (a string), not a list'],
  ['a name that is not text', { name: { en: 'x' } }, 'name is an object, not a string'],
  ['a winner that is not text', { winning_variant_key: ['green'] }, 'winning_variant_key is a list, not a string'],
  ['deep nesting', { extra: nested(10_000) }, 'it is nested more than 32 levels deep'],
];

describe('trust item 4: malformed live data never crashes', () => {
  it.each(MALFORMED)('%s: the plan is a conflict that says what Eppo sent', (_label, over, problem) => {
    const live = { ...liveExperiment({ name: 'Renamed in Eppo' }), ...over } as EppoExperiment;
    expect(describeMalformedExperiment(live)).toBe(problem);
    const plan = buildPlan([definition(definitionText())], seedWorkspace([live]), OPTS);
    expect(plan.changes).toEqual([
      {
        action: 'conflict',
        experiment_key: 'checkout-button-color',
        file: 'experiments/checkout-button-color.yaml',
        reason: `Eppo returned experiment #4521 in a shape eppo-gitops cannot read (${problem}); nothing is planned for it: fix it in Eppo, then plan again`,
        eppo_ids: [4521],
      },
    ]);
    expect(renderPlanText(plan, { color: false })).toContain('x conflict checkout-button-color');
    expect(renderPlanMarkdown(plan)).toContain('cannot read');
    expect(parsePlan(renderPlanJson(plan)).ok).toBe(true);
  });

  it.each(MALFORMED)('%s: import refuses it with the reason', (_label, over, problem) => {
    const live = { ...liveExperiment({ experiment_key: 'from-eppo' }), ...over } as EppoExperiment;
    expect(buildImportSpec(live, seedWorkspace())).toEqual({
      ok: false,
      message: `Eppo returned experiment #4521 in a shape eppo-gitops cannot read (${problem}); not imported: fix it in Eppo, then import`,
    });
  });

  it('unmanaged experiments with odd keys and names still give a plan that apply can read back', () => {
    const odd = [
      { ...liveExperiment({ id: 30 }), experiment_key: null, name: { en: 'x' } },
      { ...liveExperiment({ id: 31 }), experiment_key: 12, name: null, variations: [null] },
      liveExperiment({ id: 32, experiment_key: 'fine' }),
    ] as unknown as EppoExperiment[];
    const plan = buildPlan([], seedWorkspace(odd), OPTS);
    expect(plan.unmanaged.map((u) => [u.experiment_key, u.eppo_id, u.name])).toEqual([
      ['', 30, '{"en":"x"}'],
      ['12', 31, ''],
      ['fine', 32, 'Checkout button color'],
    ]);
    expect(renderPlanText(plan, { color: false })).toContain('3 unmanaged in Eppo');
    expect(parsePlan(renderPlanJson(plan))).toEqual({ ok: true, plan });
    // import --all skips nothing silently: each odd one is refused, the good one written
    const decisions = buildImportPlan({ wanted: 'all', managed: new Map(), workspace: seedWorkspace(odd), cwd: '/repo', dir: 'experiments' }).decisions;
    expect(decisions.map((d) => d.action)).toEqual(['refuse', 'refuse', 'write']);
    expect(buildImportPlan({ wanted: ['nope'], managed: new Map(), workspace: seedWorkspace(odd), cwd: '/repo', dir: 'experiments' }).decisions[0]).toMatchObject({
      action: 'refuse',
      reason: 'unknown',
    });
  });

  it('entities, sources and metrics without a name cannot be named, and do not break the others', () => {
    const workspace = seedWorkspace([liveExperiment()]);
    workspace.entities.push({ id: 9, name: null as unknown as string });
    workspace.metrics.push({ id: 99, name: 5 as unknown as string });
    workspace.assignmentSources.push({ id: 9, name: undefined as unknown as string });
    const defs = [definition(definitionText())];
    expect(resolveReferences(defs, workspace).problems).toEqual([]);
    const typo = [definition(definitionText().replace('metric: Revenue per user', 'metric: Revenue per usr'))];
    expect(resolveReferences(typo, workspace).problems[0]!.message).toContain('(did you mean "Revenue per user"?)');
    expect(buildPlan(defs, workspace, OPTS).changes[0]!.action).toBe('unchanged');
  });
});
