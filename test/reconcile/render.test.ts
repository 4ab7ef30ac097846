import { describe, expect, it } from 'vitest';
import { codeBlock, escapeMarkdown } from '../../src/util/index.js';
import {
  buildPlan,
  parsePlan,
  PLAN_COMMENT_MARKER,
  renderApplyJson,
  renderApplyText,
  renderPlanJson,
  renderPlanMarkdown,
  renderPlanText,
  type Plan,
} from '../../src/reconcile/index.js';
import { definition, definitionText } from '../eppo/helpers.js';
import { liveExperiment, seedWorkspace } from './fixtures.js';

const OPTS = { baseUrl: 'https://eppo.cloud/api/v1', createdAt: '2026-01-01T00:00:00.000Z' };

function samplePlan(): Plan {
  const defs = [
    definition(definitionText({ key: 'checkout-button-color' }), 'experiments/checkout-button-color.yaml'),
    definition(
      definitionText({ key: 'onboarding-flow', name: 'Onboarding flow' })
        .replace('A green checkout button raises checkout conversion.', 'A shorter onboarding flow raises activation for new users.')
        .replace('weight: 0.5\n  - variant_key: green', 'weight: 0.6\n  - variant_key: green')
        .replace('name: Green button\n    weight: 0.5', 'name: Green button\n    weight: 0.4'),
      'experiments/onboarding-flow.yaml',
    ),
    definition(definitionText({ key: 'steady', name: 'Steady' }), 'experiments/steady.yaml'),
  ];
  const live = [
    liveExperiment({ id: 4521, experiment_key: 'onboarding-flow', name: 'Onboarding flow', hypothesis: 'Shorter onboarding raises activation.' }),
    liveExperiment({ id: 4522, experiment_key: 'steady', name: 'Steady' }),
    liveExperiment({ id: 17, experiment_key: 'old-test', name: 'Old test' }),
  ];
  return buildPlan(defs, seedWorkspace(live), OPTS);
}

describe('renderPlanText', () => {
  it('prints one line per change, fields, a word diff for long strings and the summary', () => {
    expect(renderPlanText(samplePlan(), { color: false })).toMatchInlineSnapshot(`
      "+ create   checkout-button-color   experiments/checkout-button-color.yaml
          name: "Checkout button color"
          hypothesis: "A green checkout button raises checkout conversion."
          entity: "user"
          assignment_source: "User assignments"
          assignments_start_date: "2026-01-05T00:00:00.000Z"
          traffic_allocation: 1
          variations[control]: {"name":"Control","is_control":true,"weight":0.5,"is_active":true}
          variations[green]: {"name":"Green button","is_control":false,"weight":0.5,"is_active":true}
          metrics[Checkout conversion]: {"is_primary":true}
          metrics[Revenue per user]: {"is_primary":false}
      ~ update   onboarding-flow (#4521) experiments/onboarding-flow.yaml
          hypothesis: "[-Shorter-]{+A shorter+} onboarding {+flow +}raises activation {+for new users+}."   (word diff)
          variations[control].weight: 0.5 → 0.6
          variations[green].weight: 0.5 → 0.4
      ? unmanaged old-test (#17) "Old test"
      Plan: 1 to create, 1 to update, 1 unchanged, 1 unmanaged in Eppo (not in git).
      "
    `);
  });

  it('colours only when asked', () => {
    const plain = renderPlanText(samplePlan(), { color: false });
    const coloured = renderPlanText(samplePlan(), { color: true });
    expect(plain).not.toContain('\u001b[');
    expect(coloured).toContain('\u001b[32m+ create  \u001b[0m');
    expect(coloured.replace(/\u001b\[\d+m/g, '')).toBe(plain);
  });
});

describe('renderPlanJson / parsePlan', () => {
  it('round-trips and rejects what apply cannot act on', () => {
    const plan = samplePlan();
    const text = renderPlanJson(plan);
    expect(text.endsWith('\n')).toBe(true);
    const parsed = parsePlan(text);
    expect(parsed.ok && parsed.plan).toEqual(plan);
    expect(parsePlan('nope')).toMatchObject({ ok: false, message: expect.stringMatching(/^not JSON/), savedPlan: false });
    expect(parsePlan('{"experiment_key": "x"}')).toEqual({ ok: false, message: 'unsupported format_version undefined (this version reads 1)', savedPlan: false });
    expect(parsePlan('{"format_version": 2}')).toEqual({ ok: false, message: 'unsupported format_version 2 (this version reads 1)', savedPlan: true });
    const broken = JSON.parse(text);
    delete broken.changes[1].live_fingerprint;
    expect(parsePlan(JSON.stringify(broken))).toEqual({ ok: false, message: 'changes[1] (update onboarding-flow) lacks eppo_id, request.body or live_fingerprint', savedPlan: true });
  });
});

describe('renderPlanMarkdown', () => {
  it('starts with the marker and a summary, then one <details> per change and the problems', () => {
    const md = renderPlanMarkdown(samplePlan(), {
      problems: [{ file: 'experiments/x.yaml', line: 3, col: 9, severity: 'warning', rule: 'reference', message: 'assignment source "<b>@team</b>" is for entity "company"' }],
    });
    expect(md.split('\n')[0]).toBe(PLAN_COMMENT_MARKER);
    expect(md).toMatchInlineSnapshot(`
      "<!-- eppo-gitops:plan -->
      ### eppo-gitops plan

      **Plan: 1 to create, 1 to update, 1 unchanged, 1 unmanaged in Eppo \\(not in git\\).**

      **1 problem:**

      - \`experiments/x.yaml:3:9\` warning: assignment source "&lt;b&gt;@​team&lt;/b&gt;" is for entity "company" [reference]

      <details><summary><b>➕ create</b> <code>checkout-button-color</code></summary>

      File: \`experiments/checkout-button-color.yaml\`

      \`\`\`diff
      + name: "Checkout button color"
      + hypothesis: "A green checkout button raises checkout conversion."
      + entity: "user"
      + assignment_source: "User assignments"
      + assignments_start_date: "2026-01-05T00:00:00.000Z"
      + traffic_allocation: 1
      + variations[control]: {"name":"Control","is_control":true,"weight":0.5,"is_active":true}
      + variations[green]: {"name":"Green button","is_control":false,"weight":0.5,"is_active":true}
      + metrics[Checkout conversion]: {"is_primary":true}
      + metrics[Revenue per user]: {"is_primary":false}
      \`\`\`

      </details>
      <details><summary><b>✏️ update</b> <code>onboarding-flow</code> (#4521)</summary>

      File: \`experiments/onboarding-flow.yaml\`

      \`\`\`diff
      - hypothesis: "Shorter onboarding raises activation."
      + hypothesis: "A shorter onboarding flow raises activation for new users."
      - variations[control].weight: 0.5
      + variations[control].weight: 0.6
      - variations[green].weight: 0.5
      + variations[green].weight: 0.4
      \`\`\`

      </details>
      <details><summary>1 unmanaged in Eppo (not in git)</summary>

      \`\`\`
      #17 old-test  "Old test"
      \`\`\`

      </details>
      "
    `);
  });

  it('cuts at a change boundary under the limit, saying how many were left out and where the plan is', () => {
    const defs = Array.from({ length: 40 }, (_, i) => definition(definitionText({ key: `exp-${String(i).padStart(2, '0')}` }), `experiments/exp-${i}.yaml`));
    const plan = buildPlan(defs, seedWorkspace(), OPTS);
    const full = renderPlanMarkdown(plan);
    expect(full).not.toContain('not shown');
    const cut = renderPlanMarkdown(plan, { maxChars: 8_000, fullPlanHint: 'the plan-json artifact' });
    expect(cut.length).toBeLessThanOrEqual(8_000);
    const shown = (cut.match(/<details>/g) ?? []).length;
    expect(shown).toBeGreaterThan(2);
    expect(shown).toBeLessThan(40);
    expect(cut).toContain(`**${40 - shown} more changes not shown**`);
    expect(cut).toContain('the full plan is in the plan-json artifact.');
    expect(cut.trimEnd().split('\n').at(-1)).toMatch(/^> /);
    expect(cut.slice(0, cut.indexOf('\n> '))).toMatch(/<\/details>\n$/);
    expect(renderPlanMarkdown(plan, { maxChars: 65_536 }).length).toBeLessThanOrEqual(65_536);
  });

  it('keeps a long problem list within the limit', () => {
    const problems = Array.from({ length: 2_000 }, (_, i) => ({
      file: `experiments/e${i}.yaml`,
      line: 1,
      col: 1,
      severity: 'error' as const,
      rule: 'schema',
      message: 'x'.repeat(80),
    }));
    const md = renderPlanMarkdown(samplePlan(), { problems, maxChars: 20_000 });
    expect(md.length).toBeLessThanOrEqual(20_000);
    expect(md).toMatch(/- … and \d+ more \(run `eppo-gitops validate` for the full list\)/);
    expect(md).toContain('<details>');
  });

  it('escapes text from files and Eppo: no HTML, mentions, references or links', () => {
    const text = escapeMarkdown('<img src=x onerror=alert(1)> @octocat #12 [click](https://evil.example) www.evil.example *bold*');
    expect(text).not.toMatch(/<img/);
    expect(text).not.toMatch(/@octocat/);
    expect(text).not.toMatch(/#12/);
    expect(text).not.toMatch(/https:\/\//);
    expect(text).not.toMatch(/\]\(/);
    expect(text).not.toMatch(/www\./);
    expect(text).toContain('\\*bold\\*');
    expect(codeBlock('a ```` b')).toBe('`````\na ```` b\n`````');
  });
});

describe('apply renderers', () => {
  it('renders the CLI.md JSON shape and a closing line', () => {
    const result = {
      results: [
        { experiment_key: 'a', action: 'create' as const, status: 'applied' as const, eppo_id: 4522 },
        { experiment_key: 'b', action: 'update' as const, status: 'failed' as const, eppo_id: 3, error: 'PUT /experiments/3 500: boom' },
      ],
      summary: { applied: 1, failed: 1, skipped: 0 },
    };
    expect(JSON.parse(renderApplyJson(result))).toEqual(result);
    expect(renderApplyText(result)).toBe('Apply: 1 applied, 1 failed, 0 skipped. Fix the failures and run apply again; what succeeded is not redone.\n');
  });
});
