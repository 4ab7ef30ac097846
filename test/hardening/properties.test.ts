// Properties of the reconciler and the outcome edit, over generated definitions
// and live states (the emulator's seed names). The HTTP properties drive the
// real client against the emulator on 127.0.0.1.
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseDefinition, renderDefinitionYaml, type Definition, type Outcome } from '../../src/definitions/index.js';
import { writeOutcome } from '../../src/definitions/outcome-edit.js';
import { isoUtc } from '../../src/definitions/normalise.js';
import { startEmulator, type ExperimentInput, type RunningEmulator } from '../../src/emulator/index.js';
import { createEppoClient, fetchWorkspace, type EppoApi, type EppoExperiment, type Workspace } from '../../src/eppo/index.js';
import { applyPlan, buildImportSpec, buildPlan, renderPlanJson, type Plan } from '../../src/reconcile/index.js';
import { seedWorkspace } from '../reconcile/fixtures.js';
import {
  timeoutFor,
  control,
  ENTITY_IDS,
  keyArb,
  layoutArb,
  liveFromSpec,
  METRIC_IDS,
  nameArb,
  propertyRuns,
  renderYaml,
  shuffle,
  SOURCE_IDS,
  specArb,
  specsArb,
  specYaml,
  type Layout,
  type SpecGen,
} from './helpers.js';

const counts: string[] = [];
afterAll(() => {
  console.log(`[hardening] properties × cases: ${counts.join('; ')}`);
});

function parseOk(spec: SpecGen, layout: Layout): Definition {
  const file = `experiments/${spec.experiment_key}.yaml`;
  const result = parseDefinition(file, specYaml(spec, layout));
  if (result.definition === undefined) {
    throw new Error(`generated definition did not parse:\n${specYaml(spec, layout)}\n${JSON.stringify(result.problems, null, 2)}`);
  }
  return result.definition;
}

/** A live experiment as Eppo returns it, built without a server (for the pure properties). */
function liveObject(input: ExperimentInput, id: number, over: Partial<EppoExperiment> = {}): EppoExperiment {
  const iso = (v: string | null | undefined): string | null => (v == null ? null : new Date(isoUtc(v)).toISOString());
  const guardrails = [7, 8].filter((m) => !(input.metrics ?? []).some((x) => x.metric_id === m)).map((metric_id) => ({ metric_id, is_primary: false }));
  return {
    ...input,
    id,
    assignments_start_date: iso(input.assignments_start_date),
    assignments_end_date: iso(input.assignments_end_date),
    variations: (input.variations ?? []).map((v, i) => ({ id: id * 100 + i, ...v })),
    metrics: [...(input.metrics ?? []), ...guardrails],
    status: 'Running',
    winning_variant_key: null,
    outcome: null,
    created_date: '2024-01-01T00:00:00.000Z',
    concluded_date: null,
    results_url: `https://eppo.example/experiments/${id}`,
    is_traffic_imbalanced: false,
    ...over,
  } as EppoExperiment;
}

/** Live states for a set of definitions: some absent, some drifted, some concluded, twins, and unmanaged ones. */
const liveStateArb = (specs: SpecGen[]) =>
  fc.record({
    picks: fc.array(fc.constantFrom('absent', 'drifted', 'same', 'concluded', 'twins'), { minLength: specs.length, maxLength: specs.length }),
    drifted: specs.length === 0 ? fc.constant([] as SpecGen[]) : fc.tuple(...specs.map((s) => specArb(fc.constant(s.experiment_key)))),
    unmanaged: fc.array(specArb(keyArb.map((k) => `unmanaged-${k}`)), { maxLength: 2 }),
  });

function liveInputs(specs: SpecGen[], state: { picks: string[]; drifted: SpecGen[]; unmanaged: SpecGen[] }): Array<ExperimentInput> {
  const out: ExperimentInput[] = [];
  specs.forEach((spec, i) => {
    const pick = state.picks[i];
    const drifted = state.drifted[i]!;
    if (pick === 'drifted') out.push(liveFromSpec(drifted));
    if (pick === 'same') out.push(liveFromSpec(spec));
    if (pick === 'concluded') {
      const v = drifted.variations[0]!.variant_key;
      out.push({ ...liveFromSpec(drifted), concluded_date: '2025-06-01T00:00:00.000Z', outcome: 'POSITIVE', winning_variant_key: v });
    }
    if (pick === 'twins') out.push(liveFromSpec(spec), liveFromSpec(drifted));
  });
  const unmanagedKeys = new Set<string>();
  for (const u of state.unmanaged) if (!unmanagedKeys.has(u.experiment_key)) (unmanagedKeys.add(u.experiment_key), out.push(liveFromSpec(u)));
  return out;
}

describe('loader round trip', () => {
  it('a generated valid definition parses, in any layout (comments, quoting, CRLF), to its own values', { timeout: timeoutFor(propertyRuns(300, 10), 40) }, () => {
    const runs = propertyRuns(300, 10);
    fc.assert(
      fc.property(specArb(), layoutArb, (spec, layout) => {
        const def = parseOk(spec, layout);
        expect(def.experiment_key).toBe(spec.experiment_key);
        expect(def.name).toBe(spec.name);
        expect(def.hypothesis).toBe(spec.hypothesis);
        expect(def.entity).toBe(spec.entity);
        expect(def.assignment_source).toBe(spec.assignment_source);
        expect(Date.parse(def.assignments_start_date)).toBe(Date.parse(spec.assignments_start_date));
        expect(def.traffic_allocation).toBe(spec.traffic_allocation ?? 1);
        expect(def.variations.map((v) => [v.variant_key, v.name, v.is_control, v.weight, v.is_active])).toEqual(
          spec.variations.map((v) => [v.variant_key, v.name ?? v.variant_key, v.is_control ?? false, v.weight, v.is_active ?? true]),
        );
        expect(def.metrics).toEqual(spec.metrics?.map((m) => ({ metric: m.metric, is_primary: m.is_primary ?? false })));
        expect(new Set(def.owned)).toEqual(
          new Set([...Object.keys(spec), ...spec.variations.flatMap((v) => Object.keys(v).map((f) => `variations[${v.variant_key}].${f}`))]),
        );
      }),
      { numRuns: runs },
    );
    counts.push(`loader round trip ${runs}`);
  });
});

describe('buildPlan', () => {
  it('is deterministic: the same inputs give byte-identical JSON, whatever their order', { timeout: timeoutFor(propertyRuns(300, 10), 40) }, () => {
    const runs = propertyRuns(300, 10);
    fc.assert(
      fc.property(
        specsArb(0, 6).chain((specs) => fc.tuple(fc.constant(specs), liveStateArb(specs), layoutArb, fc.nat())),
        ([specs, state, layout, seed]) => {
          const defs = specs.map((s) => parseOk(s, layout));
          const experiments = liveInputs(specs, state).map((input, i) => liveObject(input, 100 + i));
          const workspace = seedWorkspace(experiments);
          const options = { baseUrl: 'https://eppo.cloud/api/v1', createdAt: '2026-01-01T00:00:00.000Z' };
          const first = renderPlanJson(buildPlan(defs, workspace, options));
          expect(renderPlanJson(buildPlan(structuredClone(defs), structuredClone(workspace), options))).toBe(first);
          const reordered: Workspace = {
            entities: shuffle(workspace.entities, seed),
            assignmentSources: shuffle(workspace.assignmentSources, seed + 1),
            metrics: shuffle(workspace.metrics, seed + 2),
            experiments: shuffle(workspace.experiments, seed + 3),
          };
          expect(renderPlanJson(buildPlan(shuffle(defs, seed + 4), reordered, options))).toBe(first);
        },
      ),
      { numRuns: runs },
    );
    counts.push(`plan determinism ${runs}`);
  });
});

describe('against the emulator over HTTP', () => {
  let emu: RunningEmulator;
  let api: EppoApi;
  beforeAll(async () => {
    emu = await startEmulator({ port: 0 });
    api = createEppoClient({ baseUrl: emu.url, apiKey: emu.apiKey, retryBaseMs: 1, maxRetryDelayMs: 5 });
  });
  afterAll(async () => {
    await api.close();
    await emu.close();
  });

  const options = (): { baseUrl: string; createdAt: string } => ({ baseUrl: api.baseUrl, createdAt: '2026-01-01T00:00:00.000Z' });
  const writes = (plan: Plan): number => plan.summary.create + plan.summary.update;

  it('apply a plan, then plan again: no changes (and skips and conflicts stay as they were)', { timeout: timeoutFor(propertyRuns(40), 1_500) }, async () => {
    const runs = propertyRuns(40);
    let applied = 0;
    let refusedTotal = 0;
    await fc.assert(
      fc.asyncProperty(
        specsArb(1, 5).chain((specs) => fc.tuple(fc.constant(specs), liveStateArb(specs), layoutArb)),
        async ([specs, state, layout]) => {
          await control(emu, 'POST', '/reset');
          const inputs = liveInputs(specs, state);
          if (inputs.length > 0) await control(emu, 'POST', '/experiments', inputs);
          const defs = specs.map((s) => parseOk(s, layout));
          const before = await fetchWorkspace(api);
          const plan = buildPlan(defs, before, options());
          // A file without assignments_end_date leaves Eppo's end date alone (FORMAT.md,
          // ownership); when that end date is not after the file's new start, Eppo
          // refuses the merged PUT with a 400. The only failures allowed are those.
          const refused = new Set(
            plan.changes
              .filter((c) => c.action === 'update')
              .filter((c) => {
                const def = defs.find((d) => d.experiment_key === c.experiment_key)!;
                const end = before.experiments.find((e) => e.id === (c as { eppo_id: number }).eppo_id)?.assignments_end_date;
                return def.assignments_end_date === undefined && typeof end === 'string' && Date.parse(end) <= Date.parse(def.assignments_start_date);
              })
              .map((c) => c.experiment_key),
          );
          const result = await applyPlan(api, plan, { parallelism: 3, retryBaseMs: 1, maxRetryDelayMs: 5 });
          const failed = result.results.filter((r) => r.status === 'failed');
          expect(new Set(failed.map((r) => r.experiment_key)), JSON.stringify(failed)).toEqual(refused);
          for (const f of failed) expect(f.error).toMatch(/400.*assignments_end_date must be after assignments_start_date/);
          expect(result.summary.applied).toBe(writes(plan) - refused.size);
          applied += result.summary.applied;
          refusedTotal += refused.size;
          const again = buildPlan(defs, await fetchWorkspace(api), options());
          expect(again.changes.filter((c) => c.action === 'create' || c.action === 'update').map((c) => c.experiment_key)).toEqual(
            plan.changes.filter((c) => refused.has(c.experiment_key)).map((c) => c.experiment_key),
          );
          expect(again.summary.skip).toBe(plan.summary.skip);
          expect(again.summary.conflict).toBe(plan.summary.conflict);
          expect(again.summary.unmanaged).toBe(plan.summary.unmanaged);
          expect(again.summary.unchanged).toBe(plan.summary.unchanged + writes(plan) - refused.size);
        },
      ),
      { numRuns: runs },
    );
    expect(applied).toBeGreaterThan(runs / 2);
    counts.push(`apply→plan ${runs} (${applied} writes applied, ${refusedTotal} refused by Eppo: unowned end date before the new start)`);
  });

  it('import, then plan: every imported experiment is unchanged', { timeout: timeoutFor(propertyRuns(40), 1_500) }, async () => {
    const runs = propertyRuns(40);
    let imported = 0;
    const liveArb = fc.record({
      spec: specArb(),
      startMs: fc.option(fc.integer({ min: Date.UTC(2024, 0, 1), max: Date.UTC(2026, 0, 1) }), { nil: undefined }),
      concluded: fc.boolean(),
      outcome: fc.constantFrom('POSITIVE', 'NEGATIVE', 'NEUTRAL', 'yes', 'null', 'Odd: "value" #1'),
      winnerPick: fc.nat(),
      extraMetric: fc.option(fc.constantFrom('Page load time', 'Orders per user'), { nil: undefined }),
      // Free text as people type it in Eppo's UI: untrimmed, blank lines, tabs.
      rawHypothesis: fc.option(
        fc
          .array(fc.constantFrom('a', 'b ', ' ', '  ', '\n', '\n\n', '😀', 'é', '# x', ': y', '\t', '"', "'", '- ', '> '), { minLength: 1, maxLength: 12 })
          .map((p) => p.join(''))
          .filter((t) => /[ab😀é#:"'>-]/.test(t)),
        { nil: undefined },
      ),
    });
    await fc.assert(
      fc.asyncProperty(fc.uniqueArray(liveArb, { minLength: 1, maxLength: 5, selector: (l) => l.spec.experiment_key }), async (lives) => {
        await control(emu, 'POST', '/reset');
        const inputs = lives.map((l): ExperimentInput => {
          const input = liveFromSpec(l.spec);
          if (l.startMs !== undefined) {
            input.assignments_start_date = new Date(l.startMs).toISOString();
            input.assignments_end_date = null;
          }
          if (l.rawHypothesis !== undefined) input.hypothesis = l.rawHypothesis;
          if (l.extraMetric !== undefined && !(input.metrics ?? []).some((m) => m.metric_id === METRIC_IDS[l.extraMetric!])) {
            input.metrics = [...(input.metrics ?? []), { metric_id: METRIC_IDS[l.extraMetric]!, is_primary: false }];
          }
          if (l.concluded) {
            const winner = l.spec.variations[l.winnerPick % l.spec.variations.length]!.variant_key;
            Object.assign(input, { concluded_date: '2025-06-01T12:30:00.123Z', outcome: l.outcome, winning_variant_key: winner });
          }
          return input;
        });
        await control(emu, 'POST', '/experiments', inputs);
        const workspace = await fetchWorkspace(api);
        const defs: Definition[] = [];
        for (const live of workspace.experiments) {
          const built = buildImportSpec(live, workspace);
          if (!built.ok) throw new Error(`import refused ${live.experiment_key}: ${built.message}`);
          const text = renderDefinitionYaml(built.spec, { schemaPath: '../schemas/experiment.schema.json' });
          const parsed = parseDefinition(`experiments/${live.experiment_key}.yaml`, text);
          if (parsed.definition === undefined) throw new Error(`imported file does not validate:\n${text}\n${JSON.stringify(parsed.problems)}`);
          defs.push(parsed.definition);
        }
        const plan = buildPlan(defs, workspace, options());
        expect(plan.changes.filter((c) => c.action !== 'unchanged')).toEqual([]);
        expect(plan.summary.unchanged).toBe(lives.length);
        expect(plan.summary.unmanaged).toBe(0);
        imported += defs.length;
      }),
      { numRuns: runs },
    );
    counts.push(`import→plan ${runs} (${imported} experiments)`);
  });
});

describe('writeOutcome', () => {
  const outcomeArb = (spec: SpecGen): fc.Arbitrary<Outcome> =>
    fc
      .record({
        status: fc.constantFrom('Concluded', 'concluded', 'CONCLUDED'),
        outcome: fc.option(fc.constantFrom('POSITIVE', 'NEGATIVE', 'NEUTRAL', 'yes', 'No', 'null', '~', 'true', '123', "it's: odd #x"), { nil: undefined }),
        winner: fc.option(fc.constantFrom(...spec.variations.map((v) => v.variant_key)), { nil: undefined }),
        id: fc.option(fc.integer({ min: 1, max: 2 ** 31 }), { nil: undefined }),
        at: fc.option(fc.integer({ min: Date.UTC(2024, 0, 1), max: Date.UTC(2027, 0, 1) }), { nil: undefined }),
      })
      .map((r) => {
        const o: Outcome = { status: r.status };
        if (r.outcome !== undefined) o.outcome = r.outcome;
        if (r.winner !== undefined) o.winning_variant_key = r.winner;
        if (r.id !== undefined) o.eppo_experiment_id = r.id;
        if (r.at !== undefined) o.recorded_at = new Date(r.at).toISOString();
        return o;
      });

  /** A definition file in three pieces: keys before the outcome block, the block (maybe absent), keys after it. */
  /**
   * A definition file in three pieces: keys before the outcome block, the block
   * (maybe absent; block or flow style), and what follows it (keys, then maybe
   * trailing comment lines).
   */
  function pieces(
    spec: SpecGen,
    split: number,
    old: Outcome | undefined,
    layout: Layout,
    options: { innerComment: boolean; flow: boolean; trailer: string },
  ): { head: string; block: string; tail: string } {
    const entries = Object.entries(spec);
    const at = split % (entries.length + 1);
    const eol = layout.crlf ? '\r\n' : '\n';
    const part = (data: Array<[string, unknown]>, header: boolean, seedShift: number): string => {
      if (data.length === 0) return header && layout.comments ? `# yaml-language-server: $schema=../schemas/experiment.schema.json${eol}` : '';
      return renderYaml(Object.fromEntries(data), { ...layout, seed: layout.seed + seedShift, finalNewline: true }, header);
    };
    const head = part(entries.slice(0, at), true, 0);
    let tail = part(entries.slice(at), false, 1) + options.trailer.replace(/\n/g, eol);
    let block = '';
    if (old !== undefined) {
      if (options.flow) {
        block = `outcome: { ${Object.entries(old).map(([k, v]) => `${k}: ${JSON.stringify(v)}`).join(', ')} }  # flow style${eol}`;
      } else {
        block = renderYaml({ outcome: old }, { ...layout, seed: layout.seed + 2, finalNewline: true }, false);
        if (options.innerComment) {
          const pad = ' '.repeat(layout.indent);
          block = block.replace(/(\r?\n)/, `  # recorded by a pull request$1${pad}# kept inside the block$1`);
        }
      }
    }
    if (!layout.finalNewline) {
      if (tail !== '') tail = tail.replace(/\r?\n$/, '');
      else if (block !== '') return { head, block: block.replace(/\r?\n$/, ''), tail };
      else return { head: head.replace(/\r?\n$/, ''), block, tail };
    }
    return { head, block, tail };
  }

  it('keeps every byte outside the outcome block (comments, quoting, CRLF) and reads back what it wrote', { timeout: timeoutFor(propertyRuns(300, 10), 60) }, () => {
    const runs = propertyRuns(300, 10);
    let replaced = 0;
    let inserted = 0;
    fc.assert(
      fc.property(
        specArb().chain((spec) =>
          fc.tuple(
            fc.constant(spec),
            fc.nat(),
            fc.option(outcomeArb(spec), { nil: undefined }),
            outcomeArb(spec),
            layoutArb,
            fc.record({ innerComment: fc.boolean(), flow: fc.boolean(), trailer: fc.constantFrom('', '', '# end of file\n', '\n# a note\n\n', '  # indented note\n') }),
            fc.boolean(),
          ),
        ),
        ([spec, split, old, outcome, layout, options, bom]) => {
          const { head, block, tail } = pieces(spec, split, old, layout, options);
          const original = (bom ? '\uFEFF' : '') + head + block + tail;
          const prefix = (bom ? '\uFEFF' : '') + head;
          const edit = writeOutcome(original, outcome);
          const text = edit.text;
          if (block !== '') {
            replaced++;
            expect(text.startsWith(prefix), 'bytes before the outcome block changed').toBe(true);
            expect(text.endsWith(tail), 'bytes after the outcome block changed').toBe(true);
          } else {
            inserted++;
            let p = 0;
            while (p < original.length && original[p] === text[p]) p++;
            expect(text.endsWith(original.slice(p)), 'the edit is not a pure insertion').toBe(true);
            expect(text.length).toBeGreaterThan(original.length);
          }
          if (layout.crlf) expect(/(?<!\r)\n/.test(text), 'a bare LF in a CRLF file').toBe(false);
          else expect(text.includes('\r')).toBe(false);
          const parsed = parseDefinition(`experiments/${spec.experiment_key}.yaml`, text);
          expect(parsed.problems.filter((p) => p.severity === 'error'), text).toEqual([]);
          const written = parsed.definition!.outcome!;
          expect(written.status).toBe(outcome.status);
          expect(written.outcome).toBe(outcome.outcome);
          expect(written.winning_variant_key).toBe(outcome.winning_variant_key);
          expect(written.eppo_experiment_id).toBe(outcome.eppo_experiment_id);
          expect(written.recorded_at).toBe(outcome.recorded_at);
          expect(parsed.definition!.name).toBe(spec.name);
          const again = writeOutcome(text, outcome);
          expect(again).toEqual({ text, changed: false });
        },
      ),
      { numRuns: runs },
    );
    expect(replaced).toBeGreaterThan(0);
    expect(inserted).toBeGreaterThan(0);
    counts.push(`writeOutcome bytes kept ${runs} (${replaced} replaced, ${inserted} inserted)`);
  });
});

// Keep the seed-name tables honest: the arbitraries use these ids against the emulator.
describe('seed names', () => {
  it('match the emulator seed', async () => {
    const emu = await startEmulator({ port: 0 });
    const api = createEppoClient({ baseUrl: emu.url, apiKey: emu.apiKey });
    try {
      const ws = await fetchWorkspace(api);
      for (const [name, id] of Object.entries(ENTITY_IDS)) expect(ws.entities.find((e) => e.id === id)?.name).toBe(name);
      for (const [name, id] of Object.entries(SOURCE_IDS)) expect(ws.assignmentSources.find((e) => e.id === id)?.name).toBe(name);
      for (const [name, id] of Object.entries(METRIC_IDS)) expect(ws.metrics.find((e) => e.id === id)?.name).toBe(name);
    } finally {
      await api.close();
      await emu.close();
    }
  });
  it('names are non-blank one-liners', () => {
    fc.assert(fc.property(nameArb, (n) => n.trim() !== '' && !/[\r\n]/.test(n)));
  });
});
