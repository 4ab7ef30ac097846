import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseDefinition, renderDefinitionYaml } from '../../src/definitions/index.js';
import type { Problem } from '../../src/definitions/index.js';
import { VALID_TAIL } from './texts.js';

const fixture = (path: string): Buffer => readFileSync(new URL(`../fixtures/definitions/${path}`, import.meta.url));

/** `line:col severity [rule] message` — compact enough for tables. */
const show = (p: Problem): string => `${p.line}:${p.col} ${p.severity} [${p.rule}] ${p.message}`;

describe('parseDefinition: bad input', () => {
  // [fixture, expected problems as `line:col severity [rule]` + a distinctive part of the message]
  const cases: Array<[string, Array<[string, string]>]> = [
    ['invalid/not-yaml.yaml', [['3:1 error [yaml]', 'Flow sequence']]],
    ['invalid/empty.yaml', [['1:1 error [schema]', 'the file is empty']]],
    ['invalid/comments-only.yaml', [['1:1 error [schema]', 'the file is empty']]],
    ['invalid/top-list.yaml', [['1:1 error [schema]', 'must be a mapping of fields (experiment_key: …, name: …), not a list']]],
    ['invalid/top-scalar.yaml', [['1:1 error [schema]', 'not the text "just a sentence, not a mapping"']]],
    ['invalid/multi-doc.yaml', [['3:1 error [yaml]', 'several YAML documents']]],
    [
      'invalid/duplicate-key.yaml',
      [
        ['10:5 error [yaml]', 'duplicate key "weight" (first at line 9); each key may appear once in a mapping'],
        ['13:1 error [yaml]', 'duplicate key "name" (first at line 2); each key may appear once in a mapping'],
      ],
    ],
    [
      'invalid/unknown-key.yaml',
      [
        ['1:1 error [schema]', 'the definition is missing the required field "variations"'],
        ['6:1 error [schema]', 'unknown field "varations"; did you mean "variations"?'],
      ],
    ],
    [
      'invalid/wrong-types.yaml',
      [
        ['1:17 error [schema]', 'experiment_key must be text, not the number 42'],
        ['6:21 error [schema]', 'traffic_allocation must be a number, not the text "all"'],
        ['9:17 error [schema]', 'variations[0].is_control must be true or false, not the text "yes"'],
        ['12:13 error [schema]', 'variations[1].weight must be a number, not the text "0.5"'],
        ['13:10 error [schema]', 'metrics must be a list, not the text "Checkout conversion"'],
        ['14:12 error [schema]', 'hypothesis must be text, not an empty value (leave the field out'],
      ],
    ],
    [
      'invalid/bad-date.yaml',
      [
        ['5:25 error [schema]', 'assignments_start_date must be a date (2026-01-05) or a date-time with a time zone (2026-01-05T09:00:00Z), not "2026-13-01"'],
        ['6:23 error [schema]', 'not "2026-02-05T10:00:00"'],
        ['15:16 error [schema]', 'outcome.recorded_at must be a date-time with a time zone (2026-02-10T12:00:00Z), not "05/02/2026"'],
      ],
    ],
    ['invalid/tabs.yaml', [['4:1 error [yaml]', 'tab used for indentation']]],
    ['invalid/invalid-utf8.yaml', [['2:15 error [yaml]', 'invalid UTF-8 (byte 0xe9)']]],
    ['invalid/alias-bomb.yaml', [['4:8 error [yaml]', 'more than 100 alias expansions']]],
    [
      'invalid/proto-keys.yaml',
      [
        ['6:1 error [schema]', 'unknown field "__proto__"; known fields: experiment_key, name,'],
        ['8:1 error [schema]', 'unknown field "constructor"; known fields:'],
        ['13:5 error [schema]', 'unknown field "__proto__" in variations[0]; known fields: variant_key, name, is_control, weight, is_active'],
      ],
    ],
    [
      'invalid/bom-typo.yaml',
      [
        ['1:1 error [schema]', 'missing the required field "name"'],
        ['1:1 error [schema]', 'missing the required field "entity"'],
        ['1:1 error [schema]', 'missing the required field "assignment_source"'],
        ['1:1 error [schema]', 'missing the required field "assignments_start_date"'],
        ['1:1 error [schema]', 'missing the required field "variations"'],
        ['2:1 error [schema]', 'unknown field "nmae"; did you mean "name"?'],
      ],
    ],
    ['invalid/crlf-typo.yaml', [['12:5 error [schema]', 'unknown field "is_activ" in variations[1]; did you mean "is_active"?']]],
  ];

  it.each(cases)('%s', (file, expected) => {
    const result = parseDefinition(file, fixture(file));
    expect(result.definition).toBeUndefined();
    expect(result.problems.map((p) => `${p.line}:${p.col} ${p.severity} [${p.rule}]`)).toEqual(expected.map(([where]) => where));
    result.problems.forEach((p, i) => {
      expect(p.file).toBe(file);
      expect(p.message).toContain(expected[i]![1]);
    });
  });

  it('accepts a UTF-8 byte order mark silently, as bytes or as a string', () => {
    const bytes = fixture('valid/bom.yaml');
    expect([bytes[0], bytes[1], bytes[2]]).toEqual([0xef, 0xbb, 0xbf]);
    const fromBytes = parseDefinition('valid/bom.yaml', bytes);
    expect(fromBytes.problems).toEqual([]);
    expect(fromBytes.definition?.experiment_key).toBe('bom');
    expect(fromBytes.definition?.positions['experiment_key']).toEqual({ line: 1, col: 17 });
    const fromString = parseDefinition('valid/bom.yaml', bytes.toString('utf8'));
    expect(fromString.problems).toEqual([]);
    expect(fromString.definition).toEqual(fromBytes.definition);
  });

  it('reads CRLF files with the same values and positions as LF', () => {
    const crlf = fixture('valid/crlf.yaml').toString('utf8');
    expect(crlf).toContain('\r\n');
    const a = parseDefinition('valid/crlf.yaml', crlf);
    const b = parseDefinition('valid/crlf.yaml', crlf.replace(/\r\n/g, '\n'));
    expect(a.problems).toEqual([]);
    expect(a.definition).toEqual(b.definition);
    expect(a.definition?.name).toBe('CRLF line endings');
    expect(a.definition?.positions['variations[1].weight']).toEqual({ line: 11, col: 13 });
  });

  it('rejects a file over 1 MiB without parsing it (bytes and string)', () => {
    const big = `experiment_key: big\nname: Big\n# ${'x'.repeat(1024 * 1024)}\n`;
    for (const input of [big, new TextEncoder().encode(big)]) {
      const result = parseDefinition('big.yaml', input);
      expect(result.problems.map(show)).toEqual(['1:1 error [yaml] the file is 1.0 MiB, over the 1 MiB limit for one file; a definition is a few dozen lines']);
    }
    // multi-byte characters count as bytes, not as characters
    const wide = `name: ${'é'.repeat(600 * 1024)}\n`;
    expect(wide.length).toBeLessThan(1024 * 1024);
    expect(parseDefinition('wide.yaml', wide).problems[0]?.message).toContain('over the 1 MiB limit');
  });

  it('never pollutes prototypes, whatever the keys', () => {
    const result = parseDefinition('invalid/proto-keys.yaml', fixture('invalid/proto-keys.yaml'));
    expect(result.problems).toHaveLength(3);
    expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
    expect(({} as Record<string, unknown>)['isAdmin']).toBeUndefined();
    expect(Object.prototype.hasOwnProperty.call(Object.prototype, 'polluted')).toBe(false);
  });

  it('says an empty required field needs a value, and an empty optional one can be left out', () => {
    const result = parseDefinition('empty.yaml', `experiment_key: empty\nname:\nhypothesis:\n${VALID_TAIL.replace('  - variant_key: green', '  - variant_key:')}`);
    expect(result.problems.map(show)).toEqual([
      '2:6 error [schema] name must be text, not an empty value (the field is required: give it a value)',
      '3:12 error [schema] hypothesis must be text, not an empty value (leave the field out instead of leaving it empty)',
      '11:17 error [schema] variations[1].variant_key must be text, not an empty value (the field is required: give it a value)',
    ]);
  });

  it('keeps leading newlines of a block scalar (what import writes for such a hypothesis)', () => {
    for (const hypothesis of ['\na', '\n\na', '\n']) {
      const text = renderDefinitionYaml(
        { experiment_key: 'lead', name: 'Lead', hypothesis, entity: 'user', assignment_source: 'User assignments', assignments_start_date: '2026-01-05', variations: [{ variant_key: 'a', is_control: true, weight: 0.5 }, { variant_key: 'b', weight: 0.5 }] },
        { schemaPath: 'x.json', comments: [] },
      );
      expect(parseDefinition('lead.yaml', text).definition?.hypothesis, JSON.stringify(text)).toBe(hypothesis);
    }
  });

  it('quotes variant names a YAML 1.1 reader takes for booleans (what import and new write), and reads them back as text', () => {
    const text = renderDefinitionYaml(
      {
        experiment_key: 'toggle',
        name: 'Toggle',
        entity: 'user',
        assignment_source: 'User assignments',
        assignments_start_date: '2026-01-05',
        variations: ['off', 'on', 'Y', 'no', 'offline'].map((variant_key, i) => ({ variant_key, weight: 0.2, ...(i === 0 ? { is_control: true } : {}) })),
      },
      { schemaPath: 'x.json' },
    );
    expect(text.match(/variant_key: .*/g)).toEqual(['variant_key: "off"', 'variant_key: "on"', 'variant_key: "Y"', 'variant_key: "no"', 'variant_key: offline']);
    expect(text).toContain('assignments_start_date: 2026-01-05\n');
    expect(parseDefinition('toggle.yaml', text).definition?.variations.map((v) => v.variant_key)).toEqual(['off', 'on', 'Y', 'no', 'offline']);
  });

  it('lists at most 50 YAML errors per file and counts the rest', () => {
    const result = parseDefinition('many.yaml', `experiment_key: many\n${'k: v\n'.repeat(300)}`);
    expect(result.problems).toHaveLength(51);
    expect(result.problems.every((p) => p.rule === 'yaml' && p.severity === 'error')).toBe(true);
    expect(result.problems.slice(0, 50).map((p) => p.line)).toEqual(Array.from({ length: 50 }, (_, i) => i + 3));
    expect(result.problems.at(-1)).toMatchObject({ line: 53, col: 1 });
    expect(result.problems.at(-1)!.message).toBe('249 more YAML errors in this file are not listed; fix the ones above first');
  });

  it('trust item 16: one YAML syntax error per file, not one per line read through it', () => {
    const result = parseDefinition('many.yaml', `experiment_key: many\n${'k: v: w\n'.repeat(300)}`);
    expect(result.problems.map(show)).toEqual(['2:4 error [yaml] Nested mappings are not allowed in compact mappings']);
  });

  it('trust item 16: a tab in the indentation gives one error that says tab, not a cascade', () => {
    const tabbed = `experiment_key: tabbed\nname: Tabbed\n${VALID_TAIL.replace('    is_control: true', '\tis_control: true')}`;
    expect(parseDefinition('tabbed.yaml', tabbed).problems.map(show)).toEqual(['8:1 error [yaml] tab used for indentation; YAML allows only spaces there']);
    // A tab after spaces is a tab too (yaml itself speaks of the column of the mapping there).
    for (const [line, col] of [[' \tis_control: true', 2], ['  \t  is_control: true', 3], ['    \tis_control: true', 5]] as const) {
      const text = `experiment_key: tabbed\nname: Tabbed\n${VALID_TAIL.replace('    is_control: true', line)}`;
      expect(parseDefinition('tabbed.yaml', text).problems.map(show), JSON.stringify(line)).toEqual([`8:${col} error [yaml] tab used for indentation; YAML allows only spaces there`]);
    }
    const tabbedKey = `experiment_key: tabbed\n \tname: Tabbed\n${VALID_TAIL}`;
    expect(parseDefinition('tabbed.yaml', tabbedKey).problems.map(show)).toEqual(['2:2 error [yaml] tab used for indentation; YAML allows only spaces there']);
    // A tab inside a block scalar's text is text.
    const inText = `experiment_key: tabbed\nname: Tabbed\nhypothesis: |\n  first\n  \tindented with a tab\n${VALID_TAIL}`;
    expect(parseDefinition('tabbed.yaml', inText).definition?.hypothesis).toBe('first\n\tindented with a tab\n');
  });

  it('trust item 16: duplicate keys before the first syntax error stay listed; warnings after it go', () => {
    const text = 'experiment_key: a\nname: A\nname: B\nhypothesis: !note x\nentity: [user\nextra: !note y\n';
    expect(parseDefinition('x.yaml', text).problems.map(show)).toEqual([
      '3:1 error [yaml] duplicate key "name" (first at line 2); each key may appear once in a mapping',
      '4:13 warning [yaml] Unresolved tag: !note',
      '6:1 error [yaml] Flow sequence in block collection must be sufficiently indented and end with a ]',
    ]);
  });

  it('trust item 13: lists at most 50 schema problems per file and counts the rest', () => {
    const unknown = Array.from({ length: 200 }, (_, i) => `unknown_${i}: 1\n`).join('');
    const result = parseDefinition('unknown.yaml', `experiment_key: unknown\nname: Unknown\n${unknown}${VALID_TAIL}`);
    expect(result.problems).toHaveLength(51);
    expect(result.problems.slice(0, 50).map((p) => `${p.line} ${p.message.slice(0, 24)}`)).toEqual(
      Array.from({ length: 50 }, (_, i) => `${i + 3} ${`unknown field "unknown_${i}"`.slice(0, 24)}`),
    );
    expect(result.problems.at(-1)).toEqual({
      file: 'unknown.yaml',
      line: 53,
      col: 1,
      severity: 'error',
      rule: 'schema',
      message: '150 more problems in this file are not listed; fix the ones above first',
    });
  });

  it('trust item 13: lists at most 50 rule findings per file and counts the rest', () => {
    const metrics = Array.from({ length: 80 }, (_, i) => `  - metric: Metric ${i}\n    is_primary: true\n`).join('');
    const result = parseDefinition('primaries.yaml', `experiment_key: primaries\nname: Primaries\n${VALID_TAIL}metrics:\n${metrics}`);
    expect(result.problems).toHaveLength(51);
    expect(result.problems.slice(0, 50).every((p) => p.rule === 'one-primary' && p.message.includes('second primary'))).toBe(true);
    expect(result.problems.at(-1)).toMatchObject({ rule: 'one-primary', severity: 'error', message: '29 more problems in this file are not listed; fix the ones above first' });
  });

  it('reports an alias to an unknown anchor', () => {
    const result = parseDefinition('x.yaml', `experiment_key: x\nname: *missing\n`);
    expect(result.problems.map(show)).toEqual(['2:7 error [yaml] unknown alias *missing: set the anchor &missing before using it']);
  });

  it('expands ordinary anchors and aliases', () => {
    const result = parseDefinition(
      'anchors.yaml',
      `experiment_key: anchors\nname: &n Anchors\nentity: user\nassignment_source: User assignments\nassignments_start_date: 2026-01-05\nvariations:\n  - variant_key: control\n    name: *n\n    is_control: true\n    weight: 0.5\n  - variant_key: green\n    weight: 0.5\n`,
    );
    expect(result.problems).toEqual([]);
    expect(result.definition?.variations[0]?.name).toBe('Anchors');
  });

  it('points at unknown keys that need JSON-pointer escaping', () => {
    const result = parseDefinition('x.yaml', `experiment_key: x\nname: X\n${VALID_TAIL}  - variant_key: blue\n    weight: 0\n    a/b~c: 1\n`);
    expect(result.problems.map(show)).toEqual(['14:5 error [schema] unknown field "a/b~c" in variations[2]; known fields: variant_key, name, is_control, weight, is_active']);
  });

  it('rejects non-scalar mapping keys', () => {
    const result = parseDefinition('x.yaml', `experiment_key: x\n? [a, b]\n: 1\n`);
    expect(result.problems.map(show)).toEqual(['2:3 error [yaml] mapping keys must be plain words, not lists, mappings or aliases']);
  });

  it('rejects a bad key pattern and out-of-range numbers with the node position', () => {
    const result = parseDefinition(
      'bad values.yaml',
      `experiment_key: -bad key\nname: ""\nentity: user\nassignment_source: User assignments\nassignments_start_date: 2026-01-05\ntraffic_allocation: 0\nvariations:\n  - variant_key: control\n    is_control: true\n    weight: 1.5\n`,
    );
    expect(result.problems.map(show)).toEqual([
      '1:17 error [schema] experiment_key "-bad key" is not a valid key: start with a letter or digit, then use only letters, digits, ".", "_" and "-" (at most 128 characters)',
      '2:7 error [schema] name must not be empty',
      '6:21 error [schema] traffic_allocation must be > 0, not 0',
      '7:1 error [schema] variations needs at least 2 items, has 1',
      '10:13 error [schema] variations[0].weight must be <= 1, not 1.5',
    ]);
  });

  it('reports a missing field of a nested mapping at its key', () => {
    const result = parseDefinition(
      'outcome-missing.yaml',
      `experiment_key: outcome-missing\nname: X\n${VALID_TAIL}outcome:\n  outcome: POSITIVE\n`,
    );
    expect(result.problems.map(show)).toEqual(['12:1 error [schema] outcome is missing the required field "status"']);
  });

  it('reports a YAML warning (unknown tag) but still accepts the file', () => {
    const result = parseDefinition('tagged.yaml', `experiment_key: tagged\nname: !custom Tagged\n${VALID_TAIL}`);
    expect(result.problems.map(show)).toEqual(['2:7 warning [yaml] Unresolved tag: !custom']);
    expect(result.definition?.name).toBe('Tagged');
  });
});

describe('parseDefinition: rules', () => {
  const cases: Array<[string, string[]]> = [
    ['rules/one-control-none.yaml', ['6:1 error [one-control] no variation has is_control: true; mark exactly one variation as the control']],
    ['rules/one-control-two.yaml', ['11:17 error [one-control] variation "green" is a second control (the first is "control"); exactly one variation has is_control: true']],
    ['rules/unique-variant.yaml', ['10:18 error [unique-variant] variant_key "control" is already used by variations[0]; variant keys must be unique']],
    ['rules/weights-sum.yaml', ['6:1 error [weights-sum] weights of active variations sum to 0.9, not 1']],
    ['rules/date-order.yaml', ['6:23 error [date-order] assignments_end_date 2026-01-05T00:00:00Z is not after assignments_start_date 2026-01-05']],
    ['rules/one-primary-none.yaml', ['12:1 error [one-primary] no metric has is_primary: true; mark exactly one metric as primary']],
    ['rules/one-primary-empty.yaml', ['12:1 error [one-primary] metrics is an empty list; list the metrics with exactly one is_primary: true, or leave metrics out']],
    ['rules/one-primary-two.yaml', ['16:17 error [one-primary] metric "Revenue per user" is a second primary (the first is "Checkout conversion"); exactly one metric has is_primary: true']],
    ['rules/outcome-variant.yaml', ['15:24 error [outcome-variant] outcome.winning_variant_key "gren" names no variation (did you mean "green"?); variations: control, green']],
    ['rules/file-name.yaml', ['1:17 warning [file-name] file name "file-name.yaml" does not match experiment_key "not-the-file-name"; rename the file to not-the-file-name.yaml']],
  ];

  it.each(cases)('%s', (file, expected) => {
    const result = parseDefinition(file, fixture(file));
    expect(result.problems.map(show)).toEqual(expected);
    expect(result.problems.every((p) => p.file === file)).toBe(true);
    // a warning alone still yields a definition; an error never does
    expect(result.definition !== undefined).toBe(result.problems.every((p) => p.severity === 'warning'));
  });

  it('accepts weights that sum to 1 within 1e-6 and ignores inactive variations', () => {
    const src = (weights: string): string =>
      `experiment_key: w\nname: W\nentity: user\nassignment_source: User assignments\nassignments_start_date: 2026-01-05\nvariations:\n${weights}`;
    const three = `  - variant_key: a\n    is_control: true\n    weight: 0.1\n  - variant_key: b\n    weight: 0.2\n  - variant_key: c\n    weight: 0.7\n  - variant_key: d\n    weight: 0.3\n    is_active: false\n`;
    expect(parseDefinition('w.yaml', src(three)).problems).toEqual([]);
    const off = `  - variant_key: a\n    is_control: true\n    weight: 0.5\n  - variant_key: b\n    weight: 0.500002\n`;
    expect(parseDefinition('w.yaml', src(off)).problems.map((p) => p.rule)).toEqual(['weights-sum']);
    const near = `  - variant_key: a\n    is_control: true\n    weight: 0.5\n  - variant_key: b\n    weight: 0.5000005\n`;
    expect(parseDefinition('w.yaml', src(near)).problems).toEqual([]);
  });

  it('reports every rule that fails, in file order', () => {
    const result = parseDefinition(
      'many.yaml',
      `experiment_key: many\nname: Many\nentity: user\nassignment_source: User assignments\nassignments_start_date: 2026-02-01\nassignments_end_date: 2026-01-01\nvariations:\n  - variant_key: a\n    weight: 0.5\n  - variant_key: a\n    weight: 0.6\n`,
    );
    expect(result.problems.map((p) => `${p.line}:${p.col} ${p.rule}`)).toEqual([
      '6:23 date-order',
      '7:1 one-control',
      '7:1 weights-sum',
      '10:18 unique-variant',
    ]);
  });
});

describe('parseDefinition: normalisation', () => {
  it('applies defaults, converts dates to ISO UTC with ms, and records owned paths and positions', () => {
    const file = 'experiments/onboarding.yaml';
    const result = parseDefinition(
      file,
      `experiment_key: onboarding
name: Onboarding
entity: user
assignment_source: User assignments
assignments_start_date: 2026-02-02T10:00:00+01:00
assignments_end_date: 2026-03-16
variations:
  - variant_key: control
    is_control: true
    weight: 0.6
  - variant_key: checklist
    name: Checklist
    weight: 0.4
    is_active: true
metrics:
  - metric: Activation rate
    is_primary: true
  - metric: Session length
outcome:
  status: Concluded
  winning_variant_key: checklist
  recorded_at: 2026-03-20T12:00:00Z
`,
    );
    expect(result.problems).toEqual([]);
    const d = result.definition!;
    expect(d).toMatchObject({
      file,
      experiment_key: 'onboarding',
      assignments_start_date: '2026-02-02T09:00:00.000Z',
      assignments_end_date: '2026-03-16T00:00:00.000Z',
      traffic_allocation: 1,
      variations: [
        { variant_key: 'control', name: 'control', is_control: true, weight: 0.6, is_active: true },
        { variant_key: 'checklist', name: 'Checklist', is_control: false, weight: 0.4, is_active: true },
      ],
      metrics: [
        { metric: 'Activation rate', is_primary: true },
        { metric: 'Session length', is_primary: false },
      ],
      outcome: { status: 'Concluded', winning_variant_key: 'checklist', recorded_at: '2026-03-20T12:00:00.000Z' },
    });
    expect(d.hypothesis).toBeUndefined();
    expect('hypothesis' in d).toBe(false);
    expect(d.owned).toEqual([
      'experiment_key',
      'name',
      'entity',
      'assignment_source',
      'assignments_start_date',
      'assignments_end_date',
      'variations',
      'metrics',
      'outcome',
      'variations[control].variant_key',
      'variations[control].is_control',
      'variations[control].weight',
      'variations[checklist].variant_key',
      'variations[checklist].name',
      'variations[checklist].weight',
      'variations[checklist].is_active',
    ]);
    expect(d.positions).toMatchObject({
      '': { line: 1, col: 1 },
      experiment_key: { line: 1, col: 17 },
      entity: { line: 3, col: 9 },
      assignment_source: { line: 4, col: 20 },
      'variations[1]': { line: 11, col: 5 },
      'variations[1].weight': { line: 13, col: 13 },
      'metrics[0].metric': { line: 16, col: 13 },
      'metrics[1].metric': { line: 18, col: 13 },
      'outcome.winning_variant_key': { line: 21, col: 24 },
    });
    // plain objects, safe to spread and serialise
    expect(Object.getPrototypeOf(d)).toBe(Object.prototype);
    expect(Object.getPrototypeOf(d.variations[0])).toBe(Object.prototype);
  });

  it('keeps dates as strings under the YAML 1.2 core schema (no Date objects, no time zone shift)', () => {
    const result = parseDefinition('d.yaml', `experiment_key: d\nname: D\n${VALID_TAIL.replace('2026-01-05', '2026-12-31')}`);
    expect(result.definition?.assignments_start_date).toBe('2026-12-31T00:00:00.000Z');
  });
});
