// Shared pieces of the hardening suite: run counts, arbitraries that produce
// valid definitions (as YAML text with comments) and live experiments over the
// emulator's seed data, and small HTTP helpers.
import fc from 'fast-check';
import { Document, isMap, isScalar, isSeq, parse, Scalar, visit } from 'yaml';
import type { ExperimentInput } from '../../src/emulator/index.js';
import { mulberry32 } from '../../src/emulator/index.js';
import type { ExperimentSpec, VariationSpec } from '../../src/definitions/index.js';

/**
 * Cases for a fuzz target: FUZZ_RUNS when set (`npm run fuzz` sets 20 000),
 * otherwise the CI-sized default given by the test.
 */
export function fuzzRuns(ciDefault: number): number {
  const raw = process.env.FUZZ_RUNS;
  if (raw === undefined || raw.trim() === '') return ciDefault;
  const n = Number(raw);
  return Number.isSafeInteger(n) && n > 0 ? n : ciDefault;
}

/**
 * Cases for a property: FUZZ_RUNS / `divisor` when FUZZ_RUNS is set (100 for
 * properties that talk HTTP, 10 for pure ones), never fewer than the CI default.
 */
export function propertyRuns(ciDefault: number, divisor = 100): number {
  const raw = Number(process.env.FUZZ_RUNS);
  return Number.isSafeInteger(raw) && raw > 0 ? Math.max(ciDefault, Math.floor(raw / divisor)) : ciDefault;
}

/** A test timeout that grows with the number of cases (FUZZ_RUNS can be large). */
export function timeoutFor(cases: number, msPerCase: number, base = 30_000): number {
  return base + cases * msPerCase;
}

// ---------------------------------------------------------------- seed data (SEED.md)

export const ENTITY_SOURCES: Record<string, string[]> = {
  user: ['User assignments', 'Mobile app assignments'],
  company: ['Company assignments'],
};
export const SOURCE_IDS: Record<string, number> = { 'User assignments': 1, 'Company assignments': 2, 'Mobile app assignments': 3 };
export const ENTITY_IDS: Record<string, number> = { user: 1, company: 2 };
export const METRICS_BY_ENTITY: Record<string, string[]> = {
  user: ['Checkout conversion', 'Revenue per user', 'Orders per user', 'Activation rate', 'Session length'],
  company: ['Seats purchased'],
};
export const METRIC_IDS: Record<string, number> = {
  'Checkout conversion': 1,
  'Revenue per user': 2,
  'Orders per user': 3,
  'Activation rate': 4,
  'Session length': 5,
  'Seats purchased': 6,
  'Page load time': 7,
  'Error rate': 8,
};

// ---------------------------------------------------------------- arbitraries

const KEY_HEAD = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';
const KEY_TAIL = `${KEY_HEAD}._-`;

/** A key matching FORMAT.md's pattern (1..24 chars, to keep files small). */
export const keyArb: fc.Arbitrary<string> = fc
  .tuple(fc.constantFrom(...KEY_HEAD), fc.array(fc.constantFrom(...KEY_TAIL), { maxLength: 23 }))
  .map(([h, t]) => h + t.join(''));

/** Text people put in names and hypotheses: ASCII, YAML syntax characters, some Unicode. */
const TEXT_CHARS = [
  ...'abcdefghijklmnopqrstuvwxyz ABCDEFGHIJ 0123456789',
  ...':#-?&*!|>\'"%@`{}[],.\\/~',
  'é',
  'ß',
  '日',
  '本',
  '—',
  '😀',
  '\u00a0',
];

/** A one-line string with at least one non-space character (the emulator refuses blank names). */
export const nameArb: fc.Arbitrary<string> = fc
  .array(fc.constantFrom(...TEXT_CHARS), { minLength: 1, maxLength: 40 })
  .map((cs) => cs.join(''))
  .filter((s) => s.trim() !== '');

/** Hypotheses may span lines. */
export const hypothesisArb: fc.Arbitrary<string> = fc
  .array(fc.oneof(nameArb, fc.constant('\n'), fc.constant('  ')), { minLength: 1, maxLength: 6 })
  .map((parts) => parts.join(' ').trim())
  .filter((s) => s !== '');

/** Weights of `n` active variations in basis points, summing to 10 000. */
function weightsArb(n: number): fc.Arbitrary<number[]> {
  return fc.array(fc.integer({ min: 0, max: 10_000 }), { minLength: n - 1, maxLength: n - 1 }).map((cuts) => {
    const sorted = [...cuts].sort((a, b) => a - b);
    const points = [0, ...sorted, 10_000];
    return points.slice(1).map((p, i) => (p - points[i]!) / 10_000);
  });
}

const dayMs = 86_400_000;
const BASE_DAY = Date.UTC(2024, 0, 1);

/** A date as written in a file: `YYYY-MM-DD`, or a date-time with `Z` or an offset. */
export const writtenDateArb = (minDay: number, maxDay: number): fc.Arbitrary<{ text: string; ms: number }> =>
  fc.oneof(
    fc.integer({ min: minDay, max: maxDay }).map((d) => {
      const ms = BASE_DAY + d * dayMs;
      return { text: new Date(ms).toISOString().slice(0, 10), ms };
    }),
    fc.tuple(fc.integer({ min: minDay, max: maxDay }), fc.integer({ min: 0, max: dayMs / 1000 - 1 }), fc.constantFrom('Z', '+02:00', '-05:30')).map(([d, s, zone]) => {
      const local = BASE_DAY + d * dayMs + s * 1000;
      const text = `${new Date(local).toISOString().slice(0, 19)}${zone}`;
      return { text, ms: Date.parse(text) };
    }),
  );

/** A valid definition as data (FORMAT.md field names, schema-valid, rules-valid). */
export type SpecGen = Omit<ExperimentSpec, 'outcome'>;

const trafficArb = fc.oneof(
  fc.integer({ min: 1, max: 1000 }).map((n) => n / 1000),
  fc.double({ min: 1e-9, max: 1, noNaN: true, noDefaultInfinity: true }).filter((x) => x > 0 && x <= 1),
);

/** A valid definition for `key` (or a generated key). */
export function specArb(key?: fc.Arbitrary<string>): fc.Arbitrary<SpecGen> {
  return fc
    .record({
      key: key ?? keyArb,
      name: nameArb,
      hypothesis: fc.option(hypothesisArb, { nil: undefined }),
      entity: fc.constantFrom('user', 'company'),
      sourcePick: fc.nat(),
      start: writtenDateArb(0, 700),
      endAfter: fc.option(fc.integer({ min: 1, max: 400 }), { nil: undefined }),
      traffic: fc.option(trafficArb, { nil: undefined }),
      active: fc.integer({ min: 2, max: 5 }),
      inactive: fc.integer({ min: 0, max: 2 }),
      variantKeys: fc.uniqueArray(keyArb, { minLength: 7, maxLength: 7 }),
      controlPick: fc.nat(),
      names: fc.array(fc.option(nameArb, { nil: undefined }), { minLength: 7, maxLength: 7 }),
      writeControlFalse: fc.array(fc.boolean(), { minLength: 7, maxLength: 7 }),
      writeActive: fc.array(fc.boolean(), { minLength: 7, maxLength: 7 }),
      inactiveWeights: fc.array(fc.integer({ min: 0, max: 100 }), { minLength: 2, maxLength: 2 }),
      weightSeed: fc.nat(),
      metrics: fc.option(fc.tuple(fc.uniqueArray(fc.nat({ max: 4 }), { minLength: 1, maxLength: 4 }), fc.nat(), fc.boolean()), { nil: undefined }),
    })
    .chain((r) => weightsArb(r.active).map((weights) => ({ ...r, weights })))
    .map((r) => {
      const sources = ENTITY_SOURCES[r.entity]!;
      const total = r.active + r.inactive;
      const control = r.controlPick % r.active;
      const variations: VariationSpec[] = [];
      for (let i = 0; i < total; i++) {
        const isActive = i < r.active;
        const v: VariationSpec = {
          variant_key: r.variantKeys[i]!,
          weight: isActive ? r.weights[i]! : r.inactiveWeights[i - r.active]! / 100,
        };
        const name = r.names[i];
        if (name !== undefined) v.name = name;
        if (i === control) v.is_control = true;
        else if (r.writeControlFalse[i]) v.is_control = false;
        if (!isActive) v.is_active = false;
        else if (r.writeActive[i]) v.is_active = true;
        variations.push(v);
      }
      const spec: SpecGen = {
        experiment_key: r.key,
        name: r.name,
        entity: r.entity,
        assignment_source: sources[r.sourcePick % sources.length]!,
        assignments_start_date: r.start.text,
        variations,
      };
      if (r.hypothesis !== undefined) spec.hypothesis = r.hypothesis;
      if (r.endAfter !== undefined) spec.assignments_end_date = new Date(r.start.ms + r.endAfter * dayMs).toISOString().replace('.000Z', 'Z');
      if (r.traffic !== undefined) spec.traffic_allocation = r.traffic;
      if (r.metrics !== undefined) {
        const names = METRICS_BY_ENTITY[r.entity]!;
        const picked = [...new Set(r.metrics[0].map((i) => names[i % names.length]!))];
        const primary = r.metrics[1] % picked.length;
        spec.metrics = picked.map((metric, i) => (i === primary ? { metric, is_primary: true } : r.metrics![2] ? { metric, is_primary: false } : { metric }));
      }
      return spec;
    });
}

/** `count` valid definitions with distinct keys. */
export function specsArb(minLength: number, maxLength: number): fc.Arbitrary<SpecGen[]> {
  return fc
    .uniqueArray(keyArb, { minLength, maxLength, comparator: (a, b) => a === b })
    .chain((keys) => (keys.length === 0 ? fc.constant([]) : fc.tuple(...keys.map((k) => specArb(fc.constant(k))))));
}

// ---------------------------------------------------------------- YAML rendering with layout variety

/** How a generated file is laid out: comments, quoting, indentation, line ends. */
export interface Layout {
  seed: number;
  indent: 2 | 4;
  indentSeq: boolean;
  crlf: boolean;
  comments: boolean;
  blankLines: boolean;
  finalNewline: boolean;
}

export const layoutArb: fc.Arbitrary<Layout> = fc.record({
  seed: fc.nat(),
  indent: fc.constantFrom(2 as const, 4 as const),
  indentSeq: fc.boolean(),
  crlf: fc.boolean(),
  comments: fc.boolean(),
  blankLines: fc.boolean(),
  finalNewline: fc.boolean(),
});


const COMMENT_TEXTS = [' note', ' check with the team: later', ' weights: 50/50 # really', ' é — ünïcödé', '', ' key: value', ' - item', ' outcome: not this one'];

/**
 * Renders data as a YAML block mapping with the layout's comments, quoting
 * styles, indentation and line ends, using the `yaml` Document API (so the text
 * is always valid YAML that reads back as `data`).
 */
export function renderYaml(data: Record<string, unknown>, layout: Layout, header = true): string {
  const random = mulberry32(layout.seed);
  const doc = new Document(data);
  const styles = [Scalar.PLAIN, Scalar.QUOTE_DOUBLE, Scalar.QUOTE_SINGLE] as const;
  visit(doc, {
    Scalar(_key, node) {
      if (typeof node.value === 'string') {
        const multiLine = node.value.includes('\n');
        const pick = random();
        // Multi-line values stay block literals: yaml 2.9 folds some double-quoted
        // multi-line strings (non-ASCII text with whitespace-only lines) into a
        // different value, a bug of the stringifier, not of the code under test.
        if (multiLine) node.type = Scalar.BLOCK_LITERAL;
        else if (_key !== 'key' || random() < 0.2) node.type = styles[Math.floor(pick * styles.length)]!;
      }
    },
    Pair(_key, pair) {
      if (!layout.comments && !layout.blankLines) return;
      const key = pair.key as Scalar | null;
      if (key === null || !isScalar(key)) return;
      if (layout.comments && random() < 0.3) key.commentBefore = COMMENT_TEXTS[Math.floor(random() * COMMENT_TEXTS.length)]!;
      if (layout.blankLines && random() < 0.2) key.spaceBefore = true;
      const value = pair.value;
      if (layout.comments && isScalar(value) && random() < 0.3 && value.type !== Scalar.BLOCK_LITERAL && value.type !== Scalar.BLOCK_FOLDED) {
        value.comment = COMMENT_TEXTS[Math.floor(random() * COMMENT_TEXTS.length)]!;
      }
      if (layout.comments && (isMap(value) || isSeq(value)) && random() < 0.2) value.commentBefore = ' nested';
    },
  });
  if (header && layout.comments) doc.commentBefore = ' yaml-language-server: $schema=../schemas/experiment.schema.json\n generated';
  let text = doc.toString({ indent: layout.indent, indentSeq: layout.indentSeq, lineWidth: 0 });
  if (JSON.stringify(parse(text)) !== JSON.stringify(data)) throw new Error(`renderYaml does not round-trip:\n${text}`);
  if (!layout.finalNewline) text = text.replace(/\n+$/, '');
  return layout.crlf ? text.replace(/\n/g, '\r\n') : text;
}

/** The file text of a spec, keys in FORMAT.md order. */
export function specYaml(spec: SpecGen, layout: Layout): string {
  return renderYaml(spec as unknown as Record<string, unknown>, layout);
}

// ---------------------------------------------------------------- live experiments

/** A live experiment body for the emulator (create-body fields), derived from a spec. */
export function liveFromSpec(spec: SpecGen): ExperimentInput {
  const body: ExperimentInput = {
    name: spec.name,
    experiment_key: spec.experiment_key,
    entity_id: ENTITY_IDS[spec.entity]!,
    assignment_source_id: SOURCE_IDS[spec.assignment_source]!,
    assignments_start_date: spec.assignments_start_date,
    assignments_end_date: spec.assignments_end_date ?? null,
    hypothesis: spec.hypothesis ?? null,
    traffic_allocation: spec.traffic_allocation ?? 1,
    variations: spec.variations.map((v) => ({
      name: v.name ?? v.variant_key,
      variant_key: v.variant_key,
      is_control: v.is_control ?? false,
      weighted_expected_traffic: v.weight,
      is_active: v.is_active ?? true,
    })),
    metrics: (spec.metrics ?? []).map((m) => ({ metric_id: METRIC_IDS[m.metric]!, is_primary: m.is_primary ?? false })),
  };
  return body;
}

// ---------------------------------------------------------------- HTTP

export { control } from '../helpers/emulator-control.js';

/** Deterministic shuffle (Fisher–Yates with a seeded PRNG). */
export function shuffle<T>(items: readonly T[], seed: number): T[] {
  const random = mulberry32(seed);
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

export { mulberry32 as seededRandom };
