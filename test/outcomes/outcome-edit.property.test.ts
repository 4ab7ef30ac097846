import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseDocument } from 'yaml';
import { writeOutcome } from '../../src/definitions/outcome-edit.js';
import type { Outcome } from '../../src/definitions/types.js';

// Top-level entries in many styles; each is a complete block of lines.
const entries = [
  (k: string) => `${k}: plain value`,
  (k: string) => `${k}: 'single ''quoted'' value'   # trailing comment`,
  (k: string) => `${k}: "double \\"quoted\\""`,
  (k: string) => `${k}: .5`,
  (k: string) => `${k}: &anchor${k.length} 12`,
  (k: string) => `${k}: >-\n  folded text\n  over lines\n`,
  (k: string) => `${k}: |+\n  kept text\n\n`,
  (k: string) => `${k}:\n  - a\n  -   b   # odd spacing\n`,
  (k: string) => `${k}: [a,   b]`,
  (k: string) => `${k}:\n    nested: 1\n    other: [x, y]`,
  (k: string) => `# a comment line\n${k}: ~`,
];

const outcomeArb: fc.Arbitrary<Outcome> = fc.record({
  status: fc.constantFrom('Concluded', 'CONCLUDED'),
  outcome: fc.constantFrom('POSITIVE', 'NEGATIVE', 'NEUTRAL', 'yes', 'weird: value'),
  winning_variant_key: fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9._-]{0,10}$/),
  eppo_experiment_id: fc.integer({ min: 1, max: 1_000_000 }),
  recorded_at: fc.constantFrom('2026-02-10T12:00:00.000Z', '2025-12-31T23:59:59.999Z'),
});

const fileArb = fc
  .record({
    picks: fc.array(fc.integer({ min: 0, max: entries.length - 1 }), { minLength: 1, maxLength: 8 }),
    crlf: fc.boolean(),
    bom: fc.boolean(),
    trailingNewline: fc.boolean(),
    trailer: fc.constantFrom('', '\n# closing comment\n', '\n\n'),
  })
  .map(({ picks, crlf, bom, trailingNewline, trailer }) => {
    let text = `experiment_key: prop-test\n${picks.map((p, i) => entries[p]!(`key_${i}`).replace(/\n$/, '')).join('\n')}`;
    text += trailingNewline ? `\n${trailer}` : '';
    if (crlf) text = text.replace(/\n/g, '\r\n');
    return (bom ? '\uFEFF' : '') + text;
  });

/** True when `next` is `orig` with one run of characters inserted somewhere. */
function isSplice(orig: string, next: string): boolean {
  let p = 0;
  while (p < orig.length && orig[p] === next[p]) p++;
  let s = 0;
  while (s < orig.length - p && orig[orig.length - 1 - s] === next[next.length - 1 - s]) s++;
  return p + s === orig.length && next.length >= orig.length;
}

describe('writeOutcome (property)', () => {
  it('keeps every byte outside the outcome block, writes the outcome, and is idempotent', () => {
    fc.assert(
      fc.property(fileArb, outcomeArb, outcomeArb, (file, first, second) => {
        const once = writeOutcome(file, first);
        expect(once.changed).toBe(true);
        // One insertion: the original text is a prefix plus a suffix of the result.
        expect(isSplice(file, once.text)).toBe(true);
        const before = parseDocument(file.replace(/^\uFEFF/, '')).toJS();
        const after = parseDocument(once.text.replace(/^\uFEFF/, '')).toJS();
        const { outcome, ...rest } = after;
        expect(rest).toEqual(before);
        expect(outcome).toEqual(first);
        if (file.includes('\r\n')) expect(once.text.replace(/\r\n/g, '')).not.toContain('\n');
        expect(writeOutcome(once.text, first)).toEqual({ text: once.text, changed: false });

        // Replacing the block keeps the result one insertion away from the original file.
        const twice = writeOutcome(once.text, second);
        expect(isSplice(file, twice.text)).toBe(true);
        expect(parseDocument(twice.text.replace(/^\uFEFF/, '')).toJS()).toEqual({ ...before, outcome: second });
      }),
      { numRuns: Number(process.env.FUZZ_RUNS ?? 300) },
    );
  });
});
