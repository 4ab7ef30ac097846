import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isMap, isScalar, parseDocument } from 'yaml';
import { writeOutcome } from '../../src/definitions/outcome-edit.js';
import { OutcomeEditError } from '../../src/errors.js';
import type { Outcome } from '../../src/definitions/types.js';

/** The file's indentation step, used by nested entries. */
type Entry = (k: string, step: string) => string;

// Top-level entries in many styles; each is a complete block of lines.
const entries: Entry[] = [
  (k) => `${k}: plain value`,
  (k) => `${k}: 'single ''quoted'' value'   # trailing comment`,
  (k) => `${k}: "double \\"quoted\\""`,
  (k) => `${k}: .5`,
  (k) => `${k}: &anchor${k.length} 12`,
  (k) => `${k}: >-\n  folded text\n  over lines\n`,
  (k) => `${k}: |+\n  kept text\n\n`,
  (k, step) => `${k}:\n${step}- a\n${step}-   b   # odd spacing\n`,
  (k) => `${k}: [a,   b]`,
  (k, step) => `${k}:\n${step}nested: 1\n${step}other: [x, y]`,
  (k) => `# a comment line\n${k}: ~`,
  // Keys that carry an anchor, a tag or the explicit `? ` form.
  (k) => `&key_anchor_${k} ${k}: anchored key`,
  (k) => `!!str ${k}: tagged key`,
  (k) => `? ${k}\n: explicit key`,
  (k, step) => `${k}:\n${step}- name: item\n${step}  weight: 0.5`,
];

// How the first key, experiment_key, is written.
const firstKeys = ['experiment_key: prop-test', '&k experiment_key: prop-test', '!!str experiment_key: prop-test', '? experiment_key\n: prop-test', '"experiment_key": prop-test'];

// An outcome already in the file, in the forms people and older versions write.
const existing: Array<(step: string) => string> = [
  (step) => `outcome:\n${step}status: Running   # old\n${step}outcome: NEUTRAL`,
  (step) => `outcome:   # recorded by eppo-gitops\n${step}status: Running`,
  () => 'outcome: {status: Running}',
  () => 'outcome: ~',
  () => '? outcome\n: status: Running',
  (step) => `? outcome\n:\n${step}status: Running`,
  (step) => `"outcome":\n${step}status: Running`,
];

const text = fc.constantFrom('POSITIVE', 'NEGATIVE', 'yes', 'weird: value', ' starts with a space\nand has a newline', 'two\nlines', 'trailing space ', '#not a comment', "it's", 'über ✓', '  indented\n  lines\n');

const outcomeArb: fc.Arbitrary<Outcome> = fc.record({
  status: fc.constantFrom('Concluded', 'CONCLUDED'),
  outcome: text,
  winning_variant_key: fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9._-]{0,10}$/),
  eppo_experiment_id: fc.integer({ min: 1, max: 1_000_000 }),
  recorded_at: fc.constantFrom('2026-02-10T12:00:00.000Z', '2025-12-31T23:59:59.999Z', 'not a date'),
});

interface File {
  text: string;
  /** the outcome the file holds already, if any, as its own lines */
  old?: string;
}

const fileArb: fc.Arbitrary<File> = fc
  .record({
    first: fc.nat({ max: firstKeys.length - 1 }),
    step: fc.constantFrom('  ', '   ', '    '),
    picks: fc.array(fc.nat({ max: entries.length - 1 }), { minLength: 1, maxLength: 8 }),
    old: fc.option(fc.record({ form: fc.nat({ max: existing.length - 1 }), at: fc.nat() }), { nil: undefined }),
    crlf: fc.boolean(),
    bom: fc.boolean(),
    trailingNewline: fc.boolean(),
    trailer: fc.constantFrom('', '\n# closing comment\n', '\n\n'),
  })
  .map(({ first, step, picks, old, crlf, bom, trailingNewline, trailer }) => {
    const blocks = [firstKeys[first]!, ...picks.map((p, i) => entries[p]!(`key_${i}`, step).replace(/\n$/, ''))];
    const outcomeBlock = old === undefined ? undefined : existing[old.form]!(step);
    if (outcomeBlock !== undefined) blocks.splice(1 + (old!.at % blocks.length), 0, outcomeBlock);
    let body = blocks.join('\n');
    body += trailingNewline ? `\n${trailer}` : '';
    if (crlf) body = body.replace(/\n/g, '\r\n');
    const eol = crlf ? '\r\n' : '\n';
    return { text: (bom ? '\uFEFF' : '') + body, ...(outcomeBlock === undefined ? {} : { old: outcomeBlock.replace(/\n/g, eol) }) };
  });

const read = (yaml: string): Record<string, unknown> => parseDocument(yaml.replace(/^\uFEFF/, ''), { version: '1.2' }).toJS() as Record<string, unknown>;

/** True when `next` is `orig` with one run of characters inserted somewhere. */
function isSplice(orig: string, next: string): boolean {
  let p = 0;
  while (p < orig.length && orig[p] === next[p]) p++;
  let s = 0;
  while (s < orig.length - p && orig[orig.length - 1 - s] === next[next.length - 1 - s]) s++;
  return p + s === orig.length && next.length >= orig.length;
}

/** True when `next` keeps every byte of `orig` before and after `old`, the old outcome's lines. */
function replacesOnly(orig: string, old: string, next: string): boolean {
  const at = orig.indexOf(old);
  return at !== -1 && next.startsWith(orig.slice(0, at)) && next.endsWith(orig.slice(at + old.length));
}

const fields = (o: Outcome): Record<string, unknown> => ({ ...o });

describe('writeOutcome (property)', () => {
  it('keeps every byte outside the outcome block, writes the outcome, reads back, and is idempotent', () => {
    fc.assert(
      fc.property(fileArb, outcomeArb, outcomeArb, (file, first, second) => {
        const before = read(file.text);
        const { outcome: _old, ...rest } = before;
        const once = writeOutcome(file.text, first);
        expect(once.changed).toBe(true);
        if (file.old === undefined) expect(isSplice(file.text, once.text), once.text).toBe(true);
        else expect(replacesOnly(file.text, file.old, once.text), once.text).toBe(true);
        const after = read(once.text);
        const { outcome, ...others } = after;
        expect(others).toEqual(rest);
        expect(Object.keys(others)).toEqual(Object.keys(rest));
        expect(outcome).toEqual(fields(first));
        if (file.text.includes('\r\n')) expect(once.text.replace(/\r\n/g, '')).not.toContain('\n');
        expect(writeOutcome(once.text, first)).toEqual({ text: once.text, changed: false });

        // Replacing the block keeps the result one edit away from the original file.
        const twice = writeOutcome(once.text, second);
        if (file.old === undefined) expect(isSplice(file.text, twice.text)).toBe(true);
        else expect(replacesOnly(file.text, file.old, twice.text)).toBe(true);
        expect(read(twice.text)).toEqual({ ...before, outcome: fields(second) });
      }),
      { numRuns: Number(process.env.FUZZ_RUNS ?? 300) },
    );
  });

  it('refuses, and writes nothing, when an alias outside the old outcome refers to an anchor inside it', () => {
    fc.assert(
      fc.property(fileArb, outcomeArb, fc.constantFrom('status', 'outcome'), (file, outcome, field) => {
        const anchored = `experiment_key: prop-test\noutcome:\n  ${field}: &kept Running\n${file.text.replace(/^\uFEFF/, '').split(/\r?\n/).slice(1).join('\n')}\ncopy: *kept\n`;
        const doc = parseDocument(anchored, { version: '1.2' });
        if (doc.errors.length > 0 || !isMap(doc.contents) || doc.contents.items.filter((p) => isScalar(p.key) && p.key.value === 'outcome').length !== 1) return;
        expect(() => writeOutcome(anchored, outcome)).toThrow(OutcomeEditError);
        expect(() => writeOutcome(anchored, outcome)).toThrow('the outcome block sets the anchor &kept, and *kept elsewhere in the file refers to it');
      }),
      { numRuns: Number(process.env.FUZZ_RUNS ?? 100) },
    );
  });
});
