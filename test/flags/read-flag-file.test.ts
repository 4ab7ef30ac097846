import { describe, expect, it } from 'vitest';
import { FLAG_FILE_RULE, readFlagFile } from '../../src/flags/index.js';
import { flagdJson, show, stringFlag } from './helpers.js';

const problemsOf = (file: string, text: string | Uint8Array): string[] => readFlagFile(file, text).problems.map(show);

describe('readFlagFile: JSON', () => {
  it('reads a valid file into plain flags', () => {
    const text = flagdJson({
      checkout: stringFlag(['control', 'green'], 'control', { fractional: [['control', 50], ['green', 50]] }),
      banner: { state: 'DISABLED', variants: { on: true, off: false }, defaultVariant: 'off' },
    });
    const file = readFlagFile('flags/main.flagd.json', text);
    expect(file.problems).toEqual([]);
    expect(file.format).toBe('json');
    expect(file.text).toBe(text);
    expect(file.flags.map((f) => [f.key, f.state, f.defaultVariant, f.variants, f.position])).toEqual([
      ['checkout', 'ENABLED', 'control', ['control', 'green'], { line: 3, col: 5 }],
      ['banner', 'DISABLED', 'off', ['on', 'off'], { line: 23, col: 5 }],
    ]);
    expect(file.flags[0]!.targeting).toEqual({ fractional: [['control', 50], ['green', 50]] });
    expect(file.flags[1]!.targeting).toBeUndefined();
    expect(file.flags[0]!.hash).toMatch(/^[0-9a-f]{40}$/);
    expect(file.flags[0]!.hash).not.toBe(file.flags[1]!.hash);
  });

  it('replaces $ref by the evaluator, as flagd does', () => {
    const text = flagdJson({ checkout: stringFlag(['a', 'b'], 'a', { $ref: 'half' }) }, { $evaluators: { half: { fractional: [['a', 1], ['b', 1]] } } });
    const [flag] = readFlagFile('f.json', text).flags;
    expect(flag!.targeting).toEqual({ fractional: [['a', 1], ['b', 1]] });
    expect(flag!.definition.targeting).toEqual({ fractional: [['a', 1], ['b', 1]] });
  });

  it('treats a null defaultVariant and an empty targeting as absent', () => {
    const [flag] = readFlagFile('f.json', flagdJson({ f: stringFlag(['a'], null, {}) })).flags;
    expect(flag!.defaultVariant).toBeUndefined();
    expect(flag!.targeting).toBeUndefined();
  });

  const flag = (extra: Record<string, unknown>): string => flagdJson({ f: { ...stringFlag(['a', 'b'], 'a'), ...extra } });

  it.each([
    ['{"state": "MAYBE"} without variants', '{\n  "flags": {\n    "f": {"state": "MAYBE"}\n  }\n}\n', ['f.json:3:5 error [flag-file] flag "f" has no "variants"; add it']],
    [
      'a state flagd does not know',
      '{"flags": {"f": {"state": "MAYBE", "variants": {"a": true}, "defaultVariant": "a"}}}',
      ['f.json:1:27 error [flag-file] flag "f", state must be "ENABLED" or "DISABLED", not the text "MAYBE"'],
    ],
    ['a syntax error', '{"flags":', ['f.json:1:10 error [flag-file] not valid JSON: a value expected']],
    ['a comment', '{"flags": {} // none yet\n}', ['f.json:1:14 error [flag-file] not valid JSON: comments are not allowed in a flagd JSON file']],
    ['a trailing comma', '{"flags": {},}', ['f.json:1:14 error [flag-file] not valid JSON: a key in double quotes expected']],
    ['an empty file', '', ['f.json:1:1 error [flag-file] the file is empty; a flagd file is a JSON object with "flags"']],
    ['no flags', '{}', ['f.json:1:1 error [flag-file] the file has no "flags"; a flagd file is {"flags": {"<key>": {"state": …, "variants": …, "defaultVariant": …}}}']],
    ['a list', '[]', ['f.json:1:1 error [flag-file] a flagd file is an object with "flags", not a list']],
    ['null', 'null', ['f.json:1:1 error [flag-file] a flagd file is an object with "flags", not null']],
    ['an empty flag key', '{"flags": {"": {"state": "ENABLED", "variants": {"a": 1}, "defaultVariant": "a"}}}', ['f.json:1:12 error [flag-file] a flag key must not be empty']],
    ['a defaultVariant that is no variant', flag({ defaultVariant: 'c' }), ['f.json:9:25 error [flag-file] flag "f": defaultVariant "c" is not one of its variants (a, b)']],
    ['an empty variants object', flag({ variants: {} }), ['f.json:5:19 error [flag-file] flag "f", variants is empty; a flag needs at least one variant']],
    [
      'variants of mixed types',
      flag({ variants: { a: 'x', b: 1 } }),
      ['f.json:5:19 error [flag-file] flag "f": variants must be all booleans, all strings, all numbers or all objects, and none empty; here "a" is a string, "b" is a number'],
    ],
    ['a defaultVariant that is not text', flag({ defaultVariant: 3 }), ['f.json:9:25 error [flag-file] flag "f", defaultVariant must be text or null, not the number 3']],
    ['targeting that is not an object', flag({ targeting: 'a' }), ['f.json:10:20 error [flag-file] flag "f", targeting must be an object (a JSONLogic rule), not the text "a"']],
    ['an unknown operator', flag({ targeting: { nope: [1] } }), ['f.json:11:9 error [flag-file] flag "f", targeting: "nope" is not an operator flagd knows']],
    [
      'a rule with an operator and an unknown key',
      '{"flags": {"f": {"state": "ENABLED", "variants": {"a": 1, "b": 2}, "defaultVariant": "a",\n  "targeting": {"if": [{"==": [1, 1]}, "a", "b"], "bogus": 1}}}}\n',
      ['f.json:2:51 error [flag-file] flag "f", targeting: a rule holds one operator, and this one has "if" and "bogus"; keep one, and nest the others inside it (conditions combine with "and")'],
    ],
    [
      'a rule with two operators flagd knows',
      '{"flags": {"f": {"state": "ENABLED", "variants": {"a": 1, "b": 2}, "defaultVariant": "a",\n  "targeting": {"if": [true, "a", "b"], "in": ["a", "b"]}}}}\n',
      ['f.json:2:41 error [flag-file] flag "f", targeting: a rule holds one operator, and this one has "if" and "in"; keep one, and nest the others inside it (conditions combine with "and")'],
    ],
    [
      'a fractional weight as text',
      flag({ targeting: { fractional: [['a', '50'], ['b', 50]] } }),
      ['f.json:14:13 error [flag-file] flag "f", targeting.fractional[0][1] must be a whole number or a rule ({"var": …}), not the text "50"'],
    ],
    ['an operator with too few arguments', flag({ targeting: { if: [{ '==': [1] }, 'a', 'b'] } }), ['f.json:13:19 error [flag-file] flag "f", targeting.if[0].== takes at least 2 arguments, not 1']],
    [
      'an unknown $flagd property',
      flag({ targeting: { if: [{ '==': [{ var: '$flagd.foo' }, 1] }, 'a', 'b'] } }),
      ['f.json:15:24 error [flag-file] flag "f", targeting.if[0].==[0].var reads "$flagd.foo"; flagd provides only $flagd.timestamp and $flagd.flagKey'],
    ],
    [
      'a $ref to a missing evaluator',
      flag({ targeting: { $ref: 'nowhere' } }),
      ['f.json:11:9 error [flag-file] flag "f", targeting: "$ref" is not an operator flagd knows; "$ref" must name an entry of "$evaluators"'],
    ],
    [
      'a fractional naming a variant the flag lacks',
      flag({ targeting: { fractional: [['a', 50], ['c', 50]] } }),
      ['f.json:17:13 error [flag-file] flag "f": the fractional names "c", which is not one of its variants (a, b)'],
    ],
    [
      'a flag key repeated in one file',
      '{"flags": {\n  "f": {"state": "ENABLED", "variants": {"a": 1}, "defaultVariant": "a"},\n  "f": {"state": "ENABLED", "variants": {"a": 2}, "defaultVariant": "a"}\n}}\n',
      ['f.json:3:3 error [flag-file] flag "f" is defined twice in this file (first at line 2); flagd would keep only the last one, so keep one'],
    ],
    [
      'a key repeated inside a flag',
      '{"flags": {"f": {\n  "state": "ENABLED",\n  "variants": {"a": 1, "a": 2},\n  "defaultVariant": "a"\n}}}\n',
      ['f.json:3:24 error [flag-file] duplicate key "a" (first at line 3); each key may appear once in an object'],
    ],
    ['pathological nesting', `{"flags": ${'['.repeat(200_000)}`, ['f.json:1:110 error [flag-file] the file nests more than 100 levels deep; a flag file needs a few']],
  ])('refuses %s, at its line and column', (_name, text, expected) => {
    const file = readFlagFile('f.json', text);
    expect(file.problems.map(show)).toEqual(expected);
    expect(file.flags).toEqual([]);
    expect(file.problems.every((p) => p.rule === FLAG_FILE_RULE)).toBe(true);
  });

  it('never shows flagd-core internals for a flag without variants', () => {
    const message = problemsOf('f.json', '{"flags": {"f": {"state": "MAYBE"}}}').join('\n');
    expect(message).not.toMatch(/Cannot convert|undefined or null|instancePath|must match a schema/);
  });

  it('points into $evaluators for a problem inside a referenced rule', () => {
    const text = flagdJson({ f: stringFlag(['a', 'b'], 'a', { $ref: 'half' }) }, { $evaluators: { half: { fractional: [['a', '50'], ['b', 50]] } } });
    expect(problemsOf('f.json', text)).toEqual(['f.json:7:11 error [flag-file] evaluator "half", fractional[0][1] must be a whole number or a rule ({"var": …}), not the text "50"']);
    const missing = flagdJson({ f: stringFlag(['a', 'b'], 'a', { $ref: 'half' }) }, { $evaluators: { half: { fractional: [['a', 50], ['c', 50]] } } });
    expect(problemsOf('f.json', missing)).toEqual(['f.json:10:11 error [flag-file] flag "f": the fractional names "c", which is not one of its variants (a, b)']);
  });

  it('lists a fractional naming a missing variant once per entry, in every flag', () => {
    const text = flagdJson({
      one: stringFlag(['a', 'b'], 'a', { if: [{ in: ['x', { var: 'tags' }] }, { fractional: [['a', 1], ['z', 1]] }, null] }),
      two: stringFlag(['a'], 'a', { fractional: [['y'], ['a']] }),
    });
    expect(problemsOf('f.json', text)).toEqual([
      'f.json:27:17 error [flag-file] flag "one": the fractional names "z", which is not one of its variants (a, b)',
      'f.json:45:13 error [flag-file] flag "two": the fractional names "y", which is not one of its variants (a)',
    ]);
  });

  it('refuses rules too large for flagd to compile, counting each $ref where it is used', () => {
    const clauses = (n: number) => Array.from({ length: n }, (_, k) => ({ '==': [{ var: 'x' }, k] }));
    expect(problemsOf('f.json', flagdJson({ f: stringFlag(['a'], 'a', { or: clauses(6000) }) }))).toEqual([
      'f.json:2:12 error [flag-file] the targeting rules of this file hold 12001 operations (at most 10000) once each $ref is expanded; flagd compiles them all, so keep the rules smaller',
    ]);
    const many = Object.fromEntries(Array.from({ length: 200 }, (_, i) => [`f${i}`, stringFlag(['a'], 'a', { $ref: 'big' })]));
    expect(problemsOf('f.json', flagdJson(many, { $evaluators: { big: { or: clauses(50) } } }))).toEqual([
      'f.json:408:12 error [flag-file] the targeting rules of this file hold 20200 operations (at most 10000) once each $ref is expanded; flagd compiles them all, so keep the rules smaller',
    ]);
    const allowList = { in: [{ var: 'email' }, Array.from({ length: 5000 }, (_, k) => `user${k}@example.com`)] };
    const listed = Object.fromEntries(Array.from({ length: 50 }, (_, i) => [`f${i}`, stringFlag(['a'], 'a', { $ref: 'vip' })]));
    expect(problemsOf('f.json', flagdJson(listed, { $evaluators: { vip: allowList } }))).toEqual([
      'f.json:5013:12 error [flag-file] the targeting rules of this file hold 250250 values (at most 200000) once each $ref is expanded; flagd compiles them all, so keep the rules smaller',
    ]);
    expect(problemsOf('f.json', flagdJson({ f: stringFlag(['a'], 'a', { if: [allowList, 'a', null] }) }))).toEqual([]);
  });

  it('refuses a targeting flagd-core cannot compile (it would only log a warning)', () => {
    // json-logic-engine's compiler overflows the stack on a few thousand arguments to one operator.
    const clauses = Array.from({ length: 4000 }, (_, k) => ({ '==': [{ var: 'x' }, k] }));
    expect(problemsOf('f.json', flagdJson({ f: stringFlag(['a'], 'a', { or: clauses }) }))).toEqual([
      'f.json:9:20 error [flag-file] flag "f": flagd cannot compile its targeting, so every evaluation would fail',
    ]);
  });

  it('bounds the size like definition files', () => {
    const big = `{"flags": {}, "pad": "${'x'.repeat(1024 * 1024)}"}`;
    expect(problemsOf('f.json', big)).toEqual(['f.json:1:1 error [flag-file] the file is 1.0 MiB, over the 1 MiB limit for one flag file; split it']);
    expect(problemsOf('f.json', new TextEncoder().encode(big))).toEqual(['f.json:1:1 error [flag-file] the file is 1.0 MiB, over the 1 MiB limit for one flag file; split it']);
  });

  it('refuses invalid UTF-8 with its line', () => {
    const bytes = new Uint8Array([...new TextEncoder().encode('{"flags":\n {"f": "'), 0xff, ...new TextEncoder().encode('"}}')]);
    expect(problemsOf('f.json', bytes)).toEqual(['f.json:2:1 error [flag-file] invalid UTF-8 (byte 0xff); save the file as UTF-8']);
  });

  it('reads a file with a byte-order mark and CRLF line ends, positions unchanged', () => {
    const text = `\uFEFF${flagdJson({ f: stringFlag(['a', 'b'], 'a', { fractional: [['a', 1], ['c', 1]] }) }).replace(/\n/g, '\r\n')}`;
    const file = readFlagFile('f.json', text);
    expect(file.problems.map(show)).toEqual(['f.json:17:13 error [flag-file] flag "f": the fractional names "c", which is not one of its variants (a, b)']);
    const ok = readFlagFile('f.json', `\uFEFF${flagdJson({ f: stringFlag(['a'], 'a') }).replace(/\n/g, '\r\n')}`);
    expect(ok.problems).toEqual([]);
    expect(ok.text.startsWith('\uFEFF')).toBe(true);
  });
});

describe('readFlagFile: YAML', () => {
  const yaml = [
    '# flags of the web shop',
    'flags:',
    '  checkout:',
    '    state: ENABLED',
    '    variants:',
    '      control: blue',
    '      green: green',
    '    defaultVariant: control',
    '    targeting:',
    '      fractional:',
    '        - [control, 50]',
    '        - [green, 50]',
    '',
  ].join('\n');

  it('reads YAML with the same result as the JSON it stands for', () => {
    const file = readFlagFile('flags/web.flagd.yaml', yaml);
    expect(file.problems).toEqual([]);
    expect(file.format).toBe('yaml');
    const json = readFlagFile('flags/web.flagd.json', flagdJson({ checkout: { state: 'ENABLED', variants: { control: 'blue', green: 'green' }, defaultVariant: 'control', targeting: { fractional: [['control', 50], ['green', 50]] } } }));
    const strip = (f: (typeof file.flags)[number]) => ({ ...f, file: '', position: { line: 0, col: 0 } });
    expect(file.flags.map(strip)).toEqual(json.flags.map(strip));
    expect(file.flags[0]!.position).toEqual({ line: 3, col: 3 });
  });

  it.each([
    ['an unknown state', yaml.replace('state: ENABLED', 'state: MAYBE'), ['f.yaml:4:12 error [flag-file] flag "checkout", state must be "ENABLED" or "DISABLED", not the text "MAYBE"']],
    ['a fractional naming a variant the flag lacks', yaml.replace('[green, 50]', '[greenn, 50]'), ['f.yaml:12:12 error [flag-file] flag "checkout": the fractional names "greenn", which is not one of its variants (control, green)']],
    ['a flag key repeated in one file', `${yaml}  checkout:\n    state: ENABLED\n    variants: {a: 1}\n    defaultVariant: a\n`, ['f.yaml:13:3 error [flag-file] duplicate key "checkout" (first at line 3); each key may appear once in a mapping']],
    ['a YAML syntax error', yaml.replace('state: ENABLED', 'state: ENABLED: yes'), ['f.yaml:4:12 error [flag-file] Nested mappings are not allowed in compact mappings']],
    ['several documents', `${yaml}---\nflags: {}\n`, ['f.yaml:13:1 error [flag-file] the file holds several YAML documents (---); keep one document per file']],
    ['an empty file', '# nothing\n', ['f.yaml:1:1 error [flag-file] the file is empty; a flagd file is a mapping with "flags"']],
    ['a list', '- a\n', ['f.yaml:1:1 error [flag-file] a flagd file is a mapping with "flags", not a list']],
    ['an alias bomb', `a: &a [x, x, x, x, x, x, x, x, x, x]\n${Array.from({ length: 9 }, (_, i) => `${String.fromCharCode(98 + i)}: &${String.fromCharCode(98 + i)} [${Array(10).fill(`*${String.fromCharCode(97 + i)}`).join(', ')}]`).join('\n')}\nflags: {}\n`, ['f.yaml:3:40 error [flag-file] more than 100 alias expansions (*name); the file looks like an alias bomb']],
  ])('refuses %s', (_name, text, expected) => {
    const file = readFlagFile('f.yaml', text);
    expect(file.problems.map(show)).toEqual(expected);
    expect(file.flags).toEqual([]);
  });

  it('keeps the wording of a flag-file for nesting too deep through aliases', () => {
    const lines = ['l0: &l0 [x]'];
    for (let i = 1; i <= 110; i++) lines.push(`l${i}: &l${i} [*l${i - 1}]`);
    const text = `${lines.join('\n')}\nflags: {}\n`;
    const problems = problemsOf('f.yaml', text);
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(/^f\.yaml:\d+:\d+ error \[flag-file\] (the file nests more than 100 levels deep; a flag file needs a few|more than 100 alias expansions)/);
  });
});
