import { describe, expect, it } from 'vitest';
import type { EppoExperiment } from '../../src/eppo/index.js';
import { buildPlan, fingerprint, renderPlanJson, resolveReferences, type UpdateChange } from '../../src/reconcile/index.js';
import { definition, definitionText } from '../eppo/helpers.js';
import { liveExperiment, seedWorkspace } from './fixtures.js';

const OPTS = { baseUrl: 'https://eppo.cloud/api/v1', createdAt: '2026-01-01T00:00:00.000Z' };
const DEF = definition(definitionText());

function planFor(defText: string, live: EppoExperiment[]) {
  return buildPlan([definition(defText)], seedWorkspace(live), OPTS);
}

describe('buildPlan', () => {
  it('creates what Eppo lacks, with every field and defaults in the body', () => {
    const plan = buildPlan([DEF], seedWorkspace(), OPTS);
    expect(plan.summary).toEqual({ create: 1, update: 0, unchanged: 0, skip: 0, conflict: 0, unmanaged: 0 });
    expect(plan.changes[0]).toMatchInlineSnapshot(`
      {
        "action": "create",
        "experiment_key": "checkout-button-color",
        "fields": [
          {
            "after": "Checkout button color",
            "before": null,
            "path": "name",
          },
          {
            "after": "A green checkout button raises checkout conversion.",
            "before": null,
            "path": "hypothesis",
          },
          {
            "after": "user",
            "before": null,
            "path": "entity",
          },
          {
            "after": "User assignments",
            "before": null,
            "path": "assignment_source",
          },
          {
            "after": "2026-01-05T00:00:00.000Z",
            "before": null,
            "path": "assignments_start_date",
          },
          {
            "after": 1,
            "before": null,
            "path": "traffic_allocation",
          },
          {
            "after": {
              "is_active": true,
              "is_control": true,
              "name": "Control",
              "weight": 0.5,
            },
            "before": null,
            "path": "variations[control]",
          },
          {
            "after": {
              "is_active": true,
              "is_control": false,
              "name": "Green button",
              "weight": 0.5,
            },
            "before": null,
            "path": "variations[green]",
          },
          {
            "after": {
              "is_primary": true,
            },
            "before": null,
            "path": "metrics[Checkout conversion]",
          },
          {
            "after": {
              "is_primary": false,
            },
            "before": null,
            "path": "metrics[Revenue per user]",
          },
        ],
        "file": "experiments/checkout-button-color.yaml",
        "request": {
          "body": {
            "assignment_source_id": 1,
            "assignments_start_date": "2026-01-05T00:00:00.000Z",
            "entity_id": 1,
            "experiment_key": "checkout-button-color",
            "hypothesis": "A green checkout button raises checkout conversion.",
            "metrics": [
              {
                "is_primary": true,
                "metric_id": 1,
              },
              {
                "is_primary": false,
                "metric_id": 2,
              },
            ],
            "name": "Checkout button color",
            "traffic_allocation": 1,
            "variations": [
              {
                "is_active": true,
                "is_control": true,
                "name": "Control",
                "variant_key": "control",
                "weighted_expected_traffic": 0.5,
              },
              {
                "is_active": true,
                "is_control": false,
                "name": "Green button",
                "variant_key": "green",
                "weighted_expected_traffic": 0.5,
              },
            ],
          },
          "method": "POST",
          "path": "/experiments",
        },
      }
    `);
  });

  it('reports unchanged when the owned fields match: dates as instants, numbers with tolerance, extra metrics left alone', () => {
    const live = liveExperiment({
      assignments_start_date: '2026-01-05T01:00:00+01:00',
      variations: [
        { id: 12, name: 'Green button', variant_key: 'green', is_control: false, weighted_expected_traffic: 0.5 + 1e-12, is_active: true },
        { id: 11, name: 'Control', variant_key: 'control', is_control: true, weighted_expected_traffic: 0.5, is_active: true },
      ],
      metrics: [
        { metric_id: 8, is_primary: false },
        { metric_id: 2, is_primary: false },
        { metric_id: 1, is_primary: true },
        { metric_id: 5, is_primary: false },
      ],
    });
    const plan = planFor(definitionText(), [live]);
    expect(plan.changes).toEqual([
      {
        action: 'unchanged',
        experiment_key: 'checkout-button-color',
        file: 'experiments/checkout-button-color.yaml',
        eppo_id: 4521,
        notes: ['metrics[Session length]: left attached: git manages a subset (the file does not list it; detach it in Eppo to remove it)'],
      },
    ]);
  });

  it('never compares or sends a field the file leaves out', () => {
    const text = definitionText({ metrics: null }).replace(/^hypothesis: .*\n/m, '');
    const live = liveExperiment({ hypothesis: 'Something else entirely', traffic_allocation: 0.3, assignments_end_date: '2026-03-01T00:00:00.000Z', metrics: [] });
    expect(planFor(text, [live]).changes[0]!.action).toBe('unchanged');
  });

  const cases: Array<[string, DefinitionEdit, string[]]> = [
    ['name', { name: 'Checkout button colour' }, ['name']],
    ['hypothesis', { replace: ['raises checkout conversion.', 'raises conversion.'] }, ['hypothesis']],
    ['start date', { replace: ['assignments_start_date: 2026-01-05', 'assignments_start_date: 2026-01-06T09:30:00Z'] }, ['assignments_start_date']],
    ['end date', { extra: 'assignments_end_date: 2026-02-05\n' }, ['assignments_end_date']],
    ['traffic', { extra: 'traffic_allocation: 0.25\n' }, ['traffic_allocation']],
    ['entity and source', { replace: ['entity: user\nassignment_source: User assignments', 'entity: user\nassignment_source: Mobile app assignments'] }, ['assignment_source']],
    ['variation name', { replace: ['name: Green button', 'name: Green'] }, ['variations[green].name']],
    ['variation weight', { replace: ['weight: 0.5\n  - variant_key: green', 'weight: 0.4\n  - variant_key: green'], replace2: ['name: Green button\n    weight: 0.5', 'name: Green button\n    weight: 0.6'] }, ['variations[control].weight', 'variations[green].weight']],
    ['variation is_active', { replace: ['name: Green button\n', 'name: Green button\n    is_active: false\n'], replace2: ['weight: 0.5\n  - variant_key: green', 'weight: 1\n  - variant_key: green'] }, ['variations[control].weight', 'variations[green].is_active']],
    ['control moves', { replace: ['    is_control: true\n', ''], replace2: ['name: Green button\n', 'name: Green button\n    is_control: true\n'] }, ['variations[control].is_control', 'variations[green].is_control']],
    ['variation added and removed', { replace: ['variant_key: green\n    name: Green button', 'variant_key: red\n    name: Red button'] }, ['variations[red]', 'variations[green]']],
    ['metric attached', { metrics: 'metrics:\n  - metric: Checkout conversion\n    is_primary: true\n  - metric: Orders per user\n' }, ['metrics[Orders per user]']],
    ['primary metric moves', { metrics: 'metrics:\n  - metric: checkout conversion\n  - metric: Revenue per user\n    is_primary: true\n' }, ['metrics[Checkout conversion].is_primary', 'metrics[Revenue per user].is_primary']],
  ];

  it.each(cases)('updates %s, reporting only those fields', (_label, edit, paths) => {
    const live = liveExperiment();
    const plan = planFor(applyEdit(edit), [live]);
    const change = plan.changes[0]!;
    expect(change.action).toBe('update');
    expect((change as UpdateChange).fields.map((f) => f.path)).toEqual(paths);
    expect(plan.summary.update).toBe(1);
  });

  it('builds the PUT body from the live object: unknown fields kept, read-only fields dropped, fingerprint of the live object', () => {
    const live = liveExperiment({ some_future_field: { keep: true } });
    const plan = planFor(applyEdit({ replace: ['name: Green button', 'name: Green'] }), [live]);
    const change = plan.changes[0] as UpdateChange;
    expect(change.request.path).toBe('/experiments/4521');
    expect(change.request.body.some_future_field).toEqual({ keep: true });
    for (const field of ['id', 'status', 'outcome', 'winning_variant_key', 'created_date', 'results_url']) expect(change.request.body).not.toHaveProperty(field);
    expect(change.request.body.variations).toEqual([
      { id: 11, name: 'Control', variant_key: 'control', is_control: true, weighted_expected_traffic: 0.5, is_active: true },
      { id: 12, name: 'Green', variant_key: 'green', is_control: false, weighted_expected_traffic: 0.5, is_active: true },
    ]);
    expect(change.request.body.metrics).toEqual(live.metrics);
    expect(change.live_fingerprint).toBe(fingerprint(live));
    expect(change.live_fingerprint).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(fingerprint({ ...live, results_url: 'http://127.0.0.1:1/x' })).toBe(change.live_fingerprint);
    expect(fingerprint({ ...live, name: 'moved' })).not.toBe(change.live_fingerprint);
  });

  it('skips concluded experiments with a reason: outcome in the file, or Concluded in Eppo', () => {
    const withOutcome = `${definitionText({ name: 'Renamed' })}outcome:\n  status: Concluded\n  outcome: POSITIVE\n  winning_variant_key: green\n`;
    const a = planFor(withOutcome, [liveExperiment({ status: 'Concluded' })]);
    expect(a.changes[0]).toMatchObject({ action: 'skip', eppo_id: 4521, reason: expect.stringMatching(/^concluded: the file records an outcome/) });
    const b = planFor(definitionText({ name: 'Renamed' }), [liveExperiment({ status: 'CONCLUDED' })]);
    expect(b.changes[0]).toMatchObject({ action: 'skip', reason: expect.stringMatching(/concluded in Eppo/), fields: [{ path: 'name', before: 'Checkout button color', after: 'Renamed' }] });
    expect(planFor(definitionText(), [liveExperiment({ status: 'Concluded' })]).changes[0]!.action).toBe('unchanged');
    expect(planFor(withOutcome, []).changes[0]).toMatchObject({ action: 'skip', reason: expect.stringMatching(/not re-created/) });
  });

  it('reports a conflict when two live experiments share the key, and lists unmanaged ones', () => {
    const plan = planFor(definitionText(), [
      liveExperiment({ id: 9 }),
      liveExperiment({ id: 3 }),
      liveExperiment({ id: 20, experiment_key: 'zeta', name: 'Zeta' }),
      liveExperiment({ id: 21, experiment_key: 'alpha', name: 'Alpha' }),
    ]);
    expect(plan.changes[0]).toMatchObject({ action: 'conflict', eppo_ids: [3, 9], reason: expect.stringContaining('ids 3, 9') });
    expect(plan.unmanaged).toEqual([
      { experiment_key: 'alpha', eppo_id: 21, name: 'Alpha' },
      { experiment_key: 'zeta', eppo_id: 20, name: 'Zeta' },
    ]);
    expect(plan.summary).toMatchObject({ conflict: 1, unmanaged: 2 });
  });

  it('is deterministic: the same inputs in another order give byte-identical JSON', () => {
    const defs = ['b-exp', 'a-exp', 'c-exp'].map((key) => definition(definitionText({ key }), `experiments/${key}.yaml`));
    const live = [liveExperiment({ id: 2, experiment_key: 'c-exp', name: 'old' }), liveExperiment({ id: 1, experiment_key: 'z-old' })];
    const one = renderPlanJson(buildPlan(defs, seedWorkspace(live), OPTS));
    const two = renderPlanJson(buildPlan([...defs].reverse(), seedWorkspace([...live].reverse()), OPTS));
    expect(one).toBe(two);
    expect(JSON.parse(one).changes.map((c: { experiment_key: string }) => c.experiment_key)).toEqual(['a-exp', 'b-exp', 'c-exp']);
  });
});

describe('resolveReferences', () => {
  it('reports unknown names at their file:line with known names and a suggestion', () => {
    const def = definition(definitionText({ metrics: 'metrics:\n  - metric: Checkout conversion\n    is_primary: true\n  - metric: Revenue per usr\n' }).replace('entity: user', 'entity: usr'));
    const { problems, refs } = resolveReferences([def], seedWorkspace());
    expect(refs).toEqual([undefined]);
    expect(problems).toMatchInlineSnapshot(`
      [
        {
          "col": 9,
          "file": "experiments/checkout-button-color.yaml",
          "line": 4,
          "message": "entity "usr" not found in Eppo (did you mean "user"?); known entities: company, user",
          "rule": "reference",
          "severity": "error",
        },
        {
          "col": 13,
          "file": "experiments/checkout-button-color.yaml",
          "line": 18,
          "message": "metric "Revenue per usr" not found in Eppo (did you mean "Revenue per user"?); known metrics: Activation rate, Checkout conversion, Error rate, Orders per user, Page load time, Revenue per user, Seats purchased, Session length",
          "rule": "reference",
          "severity": "error",
        },
      ]
    `);
  });

  it('matches case-insensitively after exact, and lists the ids of an ambiguous name', () => {
    const ws = seedWorkspace();
    ws.metrics.push({ id: 40, name: 'revenue per user' }, { id: 41, name: 'Revenue Per User' });
    const exact = resolveReferences([DEF], ws);
    expect(exact.problems).toEqual([]);
    expect(exact.refs[0]).toEqual({ entity_id: 1, assignment_source_id: 1, metric_ids: [1, 2] });
    const loose = definition(definitionText({ metrics: 'metrics:\n  - metric: REVENUE PER USER\n    is_primary: true\n' }));
    const result = resolveReferences([loose], ws);
    expect(result.problems.map((p) => [p.line, p.message])).toEqual([
      [16, 'metric "REVENUE PER USER" is ambiguous in Eppo: ids 2, 40, 41 share that name; rename one in Eppo so each name is unique'],
    ]);
    const single = resolveReferences([definition(definitionText().replace('entity: user', 'entity: USER'))], seedWorkspace());
    expect(single.problems).toEqual([]);
  });

  it('warns when the assignment source belongs to another entity', () => {
    const def = definition(definitionText().replace('assignment_source: User assignments', 'assignment_source: Company assignments'));
    const { problems, refs } = resolveReferences([def], seedWorkspace());
    expect(problems.map((p) => [p.severity, p.line, p.message])).toEqual([
      ['warning', 5, 'assignment source "Company assignments" is for entity "company", not "user"'],
    ]);
    expect(refs[0]).toBeDefined();
  });
});

interface DefinitionEdit {
  name?: string;
  extra?: string;
  metrics?: string;
  replace?: [string, string];
  replace2?: [string, string];
}

function applyEdit(edit: DefinitionEdit): string {
  let text = definitionText({
    ...(edit.name === undefined ? {} : { name: edit.name }),
    ...(edit.extra === undefined ? {} : { extra: edit.extra }),
    ...(edit.metrics === undefined ? {} : { metrics: edit.metrics }),
  });
  for (const r of [edit.replace, edit.replace2]) {
    if (r === undefined) continue;
    if (!text.includes(r[0])) throw new Error(`fixture edit does not apply: ${r[0]}`);
    text = text.replace(r[0], r[1]);
  }
  return text;
}
