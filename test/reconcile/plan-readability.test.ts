import { describe, expect, it } from 'vitest';
import { LOCAL_BASE_URL } from '../../src/eppo/index.js';
import { buildPlan, parsePlan, renderPlanJson, renderPlanMarkdown, renderPlanText, type CreateChange, type Plan } from '../../src/reconcile/index.js';
import { definition, definitionText } from '../eppo/helpers.js';
import { definitionBody, liveExperiment, seedWorkspace } from './fixtures.js';

const OPTS = { baseUrl: 'https://eppo.cloud/api/v1', createdAt: '2026-01-01T00:00:00.000Z' };
const LEFT = 'left attached: git manages a subset';

describe('trust item 19: a create shows what it writes, by name', () => {
  const plan = buildPlan([definition(definitionText())], seedWorkspace(), OPTS);

  it('the text plan lists the fields of a create', () => {
    const text = renderPlanText(plan, { color: false });
    for (const line of [
      '    name: "Checkout button color"',
      '    entity: "user"',
      '    assignment_source: "User assignments"',
      '    assignments_start_date: "2026-01-05T00:00:00.000Z"',
      '    variations[green]: {"name":"Green button","is_control":false,"weight":0.5,"is_active":true}',
      '    metrics[Checkout conversion]: {"is_primary":true}',
    ]) {
      expect(text).toContain(`${line}\n`);
    }
  });

  it('the Markdown plan shows names, never the ids of the request body', () => {
    const md = renderPlanMarkdown(plan);
    expect(md).toContain('+ entity: "user"');
    expect(md).toContain('+ assignment_source: "User assignments"');
    expect(md).toContain('+ metrics[Revenue per user]: {"is_primary":false}');
    expect(md).not.toMatch(/entity_id|assignment_source_id|metric_id/);
  });

  it('the plan JSON keeps the request body as it is', () => {
    const { assignments_end_date: _none, ...body } = definitionBody();
    expect((plan.changes[0] as CreateChange).request.body).toStrictEqual(body);
    expect(JSON.parse(renderPlanJson(plan)).changes[0].request).toStrictEqual({ method: 'POST', path: '/experiments', body });
  });

  it('a plan saved before creates had fields still renders (the body, as before)', () => {
    const old = JSON.parse(renderPlanJson(plan));
    delete old.changes[0].fields;
    const parsed = parsePlan(JSON.stringify(old));
    expect(parsed.ok).toBe(true);
    const oldPlan = (parsed as { plan: Plan }).plan;
    expect(renderPlanText(oldPlan, { color: false })).toContain('+ create   checkout-button-color experiments/checkout-button-color.yaml\n');
    expect(renderPlanMarkdown(oldPlan)).toContain('"entity_id": 1');
  });
});

describe('trust item 20: a metric removed from the file but attached in Eppo', () => {
  // The file lists Checkout conversion only; Eppo still has Revenue per user (removed from the
  // file), and the guardrails it attached by itself (Page load time, Error rate).
  const text = definitionText({ metrics: 'metrics:\n  - metric: Checkout conversion\n    is_primary: true\n' });
  const plan = buildPlan([definition(text)], seedWorkspace([liveExperiment()]), OPTS);
  const note = `metrics[Revenue per user]: ${LEFT} (the file does not list it; detach it in Eppo to remove it)`;

  it('is a note on the change, not a silent "unchanged"', () => {
    expect(plan.changes).toEqual([
      { action: 'unchanged', experiment_key: 'checkout-button-color', file: 'experiments/checkout-button-color.yaml', eppo_id: 4521, notes: [note] },
    ]);
    expect(plan.summary).toMatchObject({ unchanged: 1, update: 0 });
  });

  it('is shown in the text and Markdown plans', () => {
    expect(renderPlanText(plan, { color: false })).toBe(
      [
        '= unchanged checkout-button-color (#4521) experiments/checkout-button-color.yaml',
        `    note: ${note}`,
        'No changes. Eppo matches the definitions.',
        'Plan: 0 to create, 0 to update, 1 unchanged, 0 unmanaged in Eppo (not in git).',
        '',
      ].join('\n'),
    );
    const md = renderPlanMarkdown(plan);
    expect(md).toContain('<details><summary><b>unchanged</b> <code>checkout-button-color</code> (#4521)</summary>');
    expect(md).toContain('Note: metrics\\[Revenue per user\\]: left attached: git manages a subset');
  });

  it('is noted next to an update too, and never for guardrails or a file that owns no metrics', () => {
    const renamed = buildPlan([definition(text.replace('name: Checkout button color', 'name: Renamed'))], seedWorkspace([liveExperiment()]), OPTS);
    expect(renamed.changes[0]).toMatchObject({ action: 'update', notes: [note] });
    const all = buildPlan([definition(definitionText())], seedWorkspace([liveExperiment()]), OPTS);
    expect(all.changes[0]).not.toHaveProperty('notes');
    const none = buildPlan([definition(definitionText({ metrics: null }))], seedWorkspace([liveExperiment()]), OPTS);
    expect(none.changes[0]).not.toHaveProperty('notes');
  });
});

describe('trust item 23: no changes, and the command to run for a concluded experiment', () => {
  it('a plan with nothing to do says so', () => {
    const plan = buildPlan([definition(definitionText())], seedWorkspace([liveExperiment(), liveExperiment({ id: 9, experiment_key: 'other' })]), OPTS);
    expect(renderPlanText(plan, { color: false })).toBe(
      [
        '? unmanaged other (#9) "Checkout button color"',
        'No changes. Eppo matches the definitions.',
        'Plan: 0 to create, 0 to update, 1 unchanged, 1 unmanaged in Eppo (not in git).',
        '',
      ].join('\n'),
    );
    expect(renderPlanMarkdown(plan)).toContain('No changes. Eppo matches the definitions.');
    const changed = buildPlan([definition(definitionText())], seedWorkspace(), OPTS);
    expect(renderPlanText(changed, { color: false })).not.toContain('No changes');
  });

  it('a concluded experiment names the command that records its outcome', () => {
    const live = liveExperiment({ status: 'Concluded', winning_variant_key: 'green', outcome: 'POSITIVE' });
    const plan = buildPlan([definition(definitionText({ name: 'Edited after the decision' }))], seedWorkspace([live]), OPTS);
    expect(plan.changes[0]).toMatchObject({
      action: 'skip',
      reason:
        'concluded in Eppo (status "Concluded"); record its outcome instead of editing it: run "eppo-gitops outcome --experiment-id 4521" (or "eppo-gitops outcomes sync" for every concluded experiment)',
    });
    expect(renderPlanText(plan, { color: false })).toContain('eppo-gitops outcome --experiment-id 4521');
    expect(renderPlanText(plan, { color: false })).not.toContain('No changes');
  });

  it('a plan made with --local names the commands with --local, which talk to the same embedded Eppo', () => {
    const live = liveExperiment({ status: 'Concluded', winning_variant_key: 'green', outcome: 'POSITIVE' });
    const plan = buildPlan([definition(definitionText({ name: 'Edited after the decision' }))], seedWorkspace([live]), { ...OPTS, baseUrl: LOCAL_BASE_URL });
    expect(plan.changes[0]).toMatchObject({
      action: 'skip',
      reason:
        'concluded in Eppo (status "Concluded"); record its outcome instead of editing it: run "eppo-gitops outcome --local --experiment-id 4521" (or "eppo-gitops outcomes sync --local" for every concluded experiment)',
    });
  });
});
