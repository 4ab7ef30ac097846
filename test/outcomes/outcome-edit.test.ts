import { describe, expect, it } from 'vitest';
import { parseDocument } from 'yaml';
import { readExperimentKey, writeOutcome } from '../../src/definitions/outcome-edit.js';
import { OutcomeEditError } from '../../src/errors.js';
import type { Outcome } from '../../src/definitions/types.js';

const OUTCOME: Outcome = {
  status: 'Concluded',
  outcome: 'POSITIVE',
  winning_variant_key: 'green',
  eppo_experiment_id: 4521,
  recorded_at: '2026-02-10T12:00:00.000Z',
};

const BLOCK = 'outcome:\n  status: Concluded\n  outcome: POSITIVE\n  winning_variant_key: green\n  eppo_experiment_id: 4521\n  recorded_at: 2026-02-10T12:00:00.000Z\n';

/** Asserts `after` is `before` with `inserted` at `at` (every other byte kept). */
function expectInsertion(before: string, after: string, inserted: string, at: number): void {
  expect(after.slice(0, at)).toBe(before.slice(0, at));
  expect(after.slice(at, at + inserted.length)).toBe(inserted);
  expect(after.slice(at + inserted.length)).toBe(before.slice(at));
}

function outcomeOf(text: string): unknown {
  return parseDocument(text.replace(/^\uFEFF/, '')).toJS().outcome;
}

const FULL = `# yaml-language-server: $schema=../schemas/experiment.schema.json
experiment_key: checkout-button-color   # the flag key
name: 'Checkout button color'
hypothesis: >-
  A green checkout button
  raises checkout conversion.
entity: user
assignment_source: "User assignments"
assignments_start_date: 2026-01-05
traffic_allocation: .5
defaults: &weights
  weight: 0.5
variations:
  - variant_key: control
    is_control: true
    <<: *weights

  - variant_key: green
    weight: 0.5
metrics: [ {metric: Checkout conversion,   is_primary: true} ]
`;

describe('writeOutcome', () => {
  it('appends the block after the last top-level key and keeps every other byte', () => {
    const { text, changed } = writeOutcome(FULL, OUTCOME);
    expect(changed).toBe(true);
    expectInsertion(FULL, text, BLOCK, FULL.length);
    expect(outcomeOf(text)).toEqual(OUTCOME);
  });

  it('is idempotent: the same outcome again changes nothing', () => {
    const once = writeOutcome(FULL, OUTCOME).text;
    const twice = writeOutcome(once, OUTCOME);
    expect(twice).toEqual({ text: once, changed: false });
  });

  it('keeps CRLF line endings and a BOM', () => {
    const crlf = `\uFEFF${FULL.replace(/\n/g, '\r\n')}`;
    const { text } = writeOutcome(crlf, OUTCOME);
    expectInsertion(crlf, text, BLOCK.replace(/\n/g, '\r\n'), crlf.length);
    expect(text.startsWith('\uFEFF')).toBe(true);
    expect(text.replace(/\r\n/g, '').includes('\n')).toBe(false);
  });

  it('handles a file without a trailing newline', () => {
    const noEol = 'experiment_key: a\nname: A';
    const { text } = writeOutcome(noEol, OUTCOME);
    expect(text).toBe(`${noEol}\n${BLOCK.slice(0, -1)}`);
    expect(outcomeOf(text)).toEqual(OUTCOME);
  });

  it('inserts before comments that trail the mapping, which stay where they were', () => {
    const before = 'experiment_key: a\nname: A   # inline\n\n# closing remark\n# second\n';
    const at = 'experiment_key: a\nname: A   # inline\n'.length;
    const { text } = writeOutcome(before, OUTCOME);
    expectInsertion(before, text, BLOCK, at);
  });

  it('keeps a block scalar ending the mapping intact, keep-chomping included', () => {
    for (const before of ['experiment_key: a\nhypothesis: |+\n  line one\n\n', 'experiment_key: a\nhypothesis: |\n  line one\n\n\n# tail\n']) {
      const { text } = writeOutcome(before, OUTCOME);
      const original = parseDocument(before).toJS();
      const updated = parseDocument(text).toJS();
      expect(updated.hypothesis).toBe(original.hypothesis);
      expect(text.startsWith(before.slice(0, before.indexOf('line one') + 'line one\n'.length))).toBe(true);
      expect(text.length).toBe(before.length + BLOCK.length);
    }
  });

  it('replaces an existing block in the middle of the file, keeping the key line and its comment', () => {
    const head = 'experiment_key: a\noutcome:   # written by outcome pull requests only\n';
    const old = '    status: Concluded\n    outcome: NEGATIVE   # old\n    winning_variant_key: control\n';
    const tail = '# about the name\nname: "A"\n';
    const before = head + old + tail;
    const { text, changed } = writeOutcome(before, OUTCOME);
    expect(changed).toBe(true);
    expect(text.slice(0, head.length)).toBe(head);
    expect(text.slice(text.length - tail.length)).toBe(tail);
    expect(text.slice(head.length, text.length - tail.length)).toBe(
      '    status: Concluded\n    outcome: POSITIVE\n    winning_variant_key: green\n    eppo_experiment_id: 4521\n    recorded_at: 2026-02-10T12:00:00.000Z\n',
    );
  });

  it('replaces a flow-style or null outcome value in place', () => {
    const before = 'experiment_key: a\noutcome: {status: Running}\nname: A\n';
    const { text } = writeOutcome(before, OUTCOME);
    expect(text).toBe(`experiment_key: a\n${BLOCK}name: A\n`);
    const empty = writeOutcome('experiment_key: a\noutcome:\nname: A\n', OUTCOME).text;
    expect(empty).toBe(`experiment_key: a\n${BLOCK}name: A\n`);
  });

  it("uses the file's indentation step", () => {
    const before = 'experiment_key: a\nvariations:\n    - variant_key: control\n      weight: 1\n';
    const { text } = writeOutcome(before, OUTCOME);
    expect(text.slice(before.length)).toBe(BLOCK.replace(/^ {2}/gm, '    '));
    const mapIndent = 'experiment_key: a\nextra:\n   key: 1\n';
    expect(writeOutcome(mapIndent, OUTCOME).text.slice(mapIndent.length)).toBe(BLOCK.replace(/^ {2}/gm, '   '));
  });

  it('treats an equal outcome written differently as unchanged', () => {
    const before = `experiment_key: a\noutcome:\n  recorded_at: "2026-02-10T12:00:00Z"\n  status: Concluded\n  eppo_experiment_id: 4521\n  winning_variant_key: 'green'\n  outcome: POSITIVE\n`;
    expect(writeOutcome(before, OUTCOME)).toEqual({ text: before, changed: false });
  });

  it('detects a changed outcome', () => {
    const once = writeOutcome(FULL, OUTCOME).text;
    const changed = writeOutcome(once, { ...OUTCOME, outcome: 'NEGATIVE', winning_variant_key: 'control' });
    expect(changed.changed).toBe(true);
    expect(changed.text.slice(0, FULL.length)).toBe(FULL);
    expect(outcomeOf(changed.text)).toMatchObject({ outcome: 'NEGATIVE', winning_variant_key: 'control' });
  });

  it('quotes values YAML 1.1 readers would take for booleans', () => {
    const { text } = writeOutcome('experiment_key: a\n', { status: 'Concluded', winning_variant_key: 'yes', outcome: 'on' });
    expect(text).toContain('winning_variant_key: "yes"');
    expect(text).toContain('outcome: "on"');
    expect(parseDocument(text, { version: '1.1' }).toJS().outcome.winning_variant_key).toBe('yes');
  });

  it('trust item 2: an anchor, a tag or `? ` before the first key does not move the block', () => {
    for (const first of ['&k experiment_key: a', '!!str experiment_key: a', '? experiment_key\n: a', '&k !!str experiment_key: a']) {
      const before = `${first}\nname: A\n`;
      const { text } = writeOutcome(before, OUTCOME);
      expect(text, first).toBe(before + BLOCK);
      expect(parseDocument(text).toJS()).toEqual({ experiment_key: 'a', name: 'A', outcome: OUTCOME });
    }
    // The same on the key of a nested mapping, which sets the indentation step.
    const nested = 'experiment_key: a\nextra:\n    &x key: 1\n';
    expect(writeOutcome(nested, OUTCOME).text).toBe(nested + BLOCK.replace(/^ {2}/gm, '    '));
  });

  it('trust item 2: replaces an outcome written as `? outcome` + `: …`', () => {
    for (const old of ['? outcome\n: status: Running\n', '? outcome\n:\n  status: Running\n  outcome: NEUTRAL\n', '? outcome   # old\n: {status: Running}\n']) {
      const before = `experiment_key: a\n${old}name: A\n`;
      const { text, changed } = writeOutcome(before, OUTCOME);
      expect(changed).toBe(true);
      expect(text, old).toBe(`experiment_key: a\n${BLOCK}name: A\n`);
      expect(writeOutcome(text, OUTCOME)).toEqual({ text, changed: false });
    }
  });

  it('trust item 2: refuses, and writes nothing, when an alias elsewhere refers to an anchor inside the old outcome', () => {
    const before = 'experiment_key: a\noutcome:\n  status: &s Running\nname: *s\n';
    expect(() => writeOutcome(before, OUTCOME)).toThrow(OutcomeEditError);
    expect(() => writeOutcome(before, OUTCOME)).toThrow('the outcome block sets the anchor &s, and *s elsewhere in the file refers to it; write that value out in place of *s, then record the outcome again');
    // An anchor the rest of the file does not use goes with the block.
    const unused = writeOutcome('experiment_key: a\noutcome:\n  status: &s Running\nname: A\n', OUTCOME).text;
    expect(unused).toBe(`experiment_key: a\n${BLOCK}name: A\n`);
  });

  it('trust item 2: a text that starts with a space and holds a newline reads back in a file indented by 4', () => {
    const before = 'experiment_key: a\nextra:\n    key: 1\n';
    const outcome = { ...OUTCOME, outcome: ' starts with a space\nand a newline' };
    const { text } = writeOutcome(before, outcome);
    expect(text.slice(before.length)).toBe(
      'outcome:\n    status: Concluded\n    outcome: |2-\n       starts with a space\n      and a newline\n    winning_variant_key: green\n    eppo_experiment_id: 4521\n    recorded_at: 2026-02-10T12:00:00.000Z\n',
    );
    expect(outcomeOf(text)).toEqual(outcome);
    expect(writeOutcome(text, outcome)).toEqual({ text, changed: false });
  });

  it('trust item 2: a recorded_at that is not a date is unchanged when written again', () => {
    const outcome = { ...OUTCOME, recorded_at: 'sometime in February' };
    const once = writeOutcome('experiment_key: a\n', outcome).text;
    expect(outcomeOf(once)).toEqual(outcome);
    expect(writeOutcome(once, outcome)).toEqual({ text: once, changed: false });
  });

  it('trust item 2: parses its own result and refuses, writing nothing, when any other value would read differently', () => {
    // An alias to the whole mapping would take in the new outcome too.
    const before = '&all\nexperiment_key: a\nname: A\nself: *all\n';
    expect(() => writeOutcome(before, OUTCOME)).toThrow(OutcomeEditError);
    expect(() => writeOutcome(before, OUTCOME)).toThrow(/^writing the outcome block would change the value of "self"; add the outcome by hand/);
    // The same file without the alias takes the block as usual.
    expect(writeOutcome('&all\nexperiment_key: a\nname: A\n', OUTCOME).text).toBe(`&all\nexperiment_key: a\nname: A\n${BLOCK}`);
  });

  it('refuses files it cannot edit without rewriting them', () => {
    expect(() => writeOutcome('{experiment_key: a, name: A}\n', OUTCOME)).toThrow(/flow style/);
    expect(() => writeOutcome('- a\n- b\n', OUTCOME)).toThrow(OutcomeEditError);
    expect(() => writeOutcome('a: [1\n', OUTCOME)).toThrow(/not valid YAML at line/);
    expect(() => writeOutcome('a: 1\n---\nb: 2\n', OUTCOME)).toThrow(/more than one YAML document/);
    expect(() => writeOutcome(`a: ${'['.repeat(20_000)}${']'.repeat(20_000)}\n`, OUTCOME)).toThrow(OutcomeEditError);
    const bomb = `a: &a [1, 1]\n${'bcdefghij'.split('').map((k, i) => `${k}: &${k} [${`*${'abcdefghij'[i]}, `.repeat(9)}*${'abcdefghij'[i]}]`).join('\n')}\n`;
    expect(() => writeOutcome(bomb, OUTCOME)).toThrow(/^the file cannot be read as data/);
  });
});

describe('readExperimentKey', () => {
  it('reads the top-level key and tolerates anything else', () => {
    expect(readExperimentKey('\uFEFFexperiment_key: abc\n')).toBe('abc');
    expect(readExperimentKey('experiment_key: 12\n')).toBeUndefined();
    expect(readExperimentKey(': : [\n')).toBeUndefined();
    expect(readExperimentKey('- x\n')).toBeUndefined();
  });
});

describe('writeOutcome output and the definition loader', () => {
  it('still validates, and the loader reads back the outcome that was written', async () => {
    const { parseDefinition } = await import('../../src/definitions/index.js');
    // The schema has no room for a `defaults` anchor holder; the rest of FULL's odd styling stays.
    const text = FULL.replace('defaults: &weights\n  weight: 0.5\n', '')
      .replace('    <<: *weights\n', '    weight: 0.5\n');
    const before = parseDefinition('experiments/checkout-button-color.yaml', text);
    expect(before.problems.filter((p) => p.severity === 'error')).toEqual([]);
    for (const input of [text, text.replace(/\n/g, '\r\n')]) {
      const after = parseDefinition('experiments/checkout-button-color.yaml', writeOutcome(input, OUTCOME).text);
      expect(after.problems.filter((p) => p.severity === 'error')).toEqual([]);
      expect(after.definition?.outcome).toEqual(OUTCOME);
    }
  });
});
