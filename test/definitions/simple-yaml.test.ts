import { readFileSync, readdirSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseSimpleYaml } from '../../src/definitions/simple-yaml.js';
import { parseYamlSource } from '../../src/definitions/yaml-source.js';

const fixtures = new URL('../fixtures/definitions/', import.meta.url);
const experiments = new URL('../../experiments/', import.meta.url);
const yamlFiles = (root: URL): URL[] =>
  readdirSync(root, { recursive: true, encoding: 'utf8' })
    .filter((f) => /\.ya?ml$/.test(f))
    .map((f) => new URL(f, root));

/** The fast reader, when it accepts a text, must agree with the full parser on data and every position. */
function expectSameAsFullParser(text: string): boolean {
  const simple = parseSimpleYaml(text);
  if (simple === undefined) return false;
  const full = parseYamlSource('x.yaml', text, { simple: false });
  expect(full.ok, text).toBe(true);
  if (!full.ok) return true;
  expect(full.problems, text).toEqual([]);
  expect(simple.data, text).toStrictEqual(full.source.data);
  expect(JSON.stringify(simple.data), text).toBe(JSON.stringify(full.source.data));
  expect(simple.start, text).toStrictEqual(full.source.start);
  expect(new Map([...simple.nodes].sort()), text).toStrictEqual(new Map([...full.source.nodes].sort()));
  return true;
}

describe('parseSimpleYaml', () => {
  it('reads the example definitions (so validate takes the fast path on them) exactly like the full parser', () => {
    const files = yamlFiles(experiments);
    expect(files.length).toBeGreaterThanOrEqual(3);
    for (const file of files) expect(expectSameAsFullParser(readFileSync(file, 'utf8')), file.pathname).toBe(true);
  });

  it('agrees with the full parser on every fixture it accepts, and leaves every bad one to it', () => {
    let accepted = 0;
    for (const file of yamlFiles(fixtures)) {
      const text = readFileSync(file).toString('utf8').replace(/^\uFEFF/, '');
      if (expectSameAsFullParser(text)) accepted++;
      const full = parseYamlSource('x.yaml', text, { simple: false });
      if (!full.ok || full.problems.length > 0) expect(parseSimpleYaml(text), file.pathname).toBeUndefined();
    }
    expect(accepted).toBeGreaterThan(10);
  });

  it.each([
    ['extra spaces after colons and dashes', 'a:    1\nb:\n  -   c: x\n      d:   y   # note\n  - e\n'],
    ['a sequence at the indentation of its key', 'a:\n- b: 1\n  c: 2\n- 3\nd: 4\n'],
    ['core-schema scalars', 'a: true\nb: False\nc: ~\nd: null\ne: 012\nf: -1.5e3\ng: .5\nh: yes\ni: 2026-01-05\nj: C# is fine\n'],
    ['quoted scalars', `a: "it's # not a comment"\nb: 'say ''hi'''  # comment\nc: "0.5"\n`],
    ['block scalars', 'a: >-\n  one\n  two\nb: |\n  x\n  y\n\nc: >\n   three\n# after\n'],
    ['comments and blank lines everywhere', '# head\n\na: 1 # one\n  # indented comment\nb:\n  # before item\n  - c: 1\n\n    # inside\n    d: 2\n'],
    ['CRLF', 'a: 1\r\nb:\r\n  - c\r\n'],
    ['Unicode white space, which YAML keeps as content', 'a: x\u00a0\nb: \u2003y\u3000  # c\nc: >-\n  \u00a0\n'],
  ])('reads %s like the full parser', (_name, text) => {
    expect(expectSameAsFullParser(text)).toBe(true);
  });

  it.each([
    ['flow sequence', 'a: [1, 2]\n'],
    ['anchor', 'a: &x 1\nb: *x\n'],
    ['tag', 'a: !t 1\n'],
    ['escape', 'a: "x\\ny"\n'],
    ['multi-line plain scalar', 'a: one\n  two\n'],
    ['empty value', 'a:\nb: 1\n'],
    ['duplicate key', 'a: 1\na: 2\n'],
    ['tab', 'a:\n\tb: 1\n'],
    ['several documents', 'a: 1\n---\nb: 2\n'],
    ['hex number', 'a: 0x1F\n'],
    ['keep chomping', 'a: |+\n  x\n\n'],
    ['blank line inside a block scalar', 'a: >\n  x\n\n  y\n'],
    ['blank lines before the first line of a block scalar (leading newlines)', 'a: |-\n  \n  x\nb: 1\n'],
    ['an empty line before the first line of a block scalar', 'a: |-\n\n\n  x\n'],
    ['a blank line of spaces in a block scalar', 'a: |\n  x\n   \nb: 1\n'],
    ['a key over 1000 characters (YAML allows 1024 at most)', `${'k'.repeat(1001)}: 1\n`],
    ['quoted key', '"a": 1\n'],
    ['top-level scalar', 'hello\n'],
    ['comments only', '# nothing\n'],
  ])('leaves %s to the full parser', (_name, text) => {
    expect(parseSimpleYaml(text)).toBeUndefined();
  });

  it('trust item 3: leaves a block-scalar header with U+00A0 before its comment to the full parser, which rejects it', () => {
    for (const text of ['hypothesis: >-\u00a0# note\n  text\n', 'hypothesis: |\u00a0\n  text\n', 'hypothesis: > \u00a0# note\n  text\n']) {
      expect(parseSimpleYaml(text), JSON.stringify(text)).toBeUndefined();
      const full = parseYamlSource('x.yaml', text);
      expect(full.ok, JSON.stringify(text)).toBe(false);
      expect(full.problems[0]).toMatchObject({ line: 1, rule: 'yaml', severity: 'error' });
    }
    expect(expectSameAsFullParser('hypothesis: >-  # note\u00a0with a space inside\n  text\n')).toBe(true);
  });

  it('trust item 3: returns mappings without a prototype, like the full parser', () => {
    const simple = parseSimpleYaml('a: 1\nb:\n  - c: 2\n    constructor: x\nd:\n  e: f\n');
    expect(simple).toBeDefined();
    const data = simple!.data as Record<string, unknown>;
    const items = data['b'] as Array<Record<string, unknown>>;
    for (const mapping of [data, items[0]!, data['d'] as object]) expect(Object.getPrototypeOf(mapping)).toBeNull();
    expect(items[0]!['constructor']).toBe('x');
    expect('toString' in data).toBe(false);
  });

  it('reads a key of 1000 characters like the full parser', () => {
    expect(expectSameAsFullParser(`${'k'.repeat(1000)}: 1\n`)).toBe(true);
  });

  it('agrees with the full parser on generated definition-like files', () => {
    const word = fc.stringMatching(/^[a-z_][a-z0-9_.-]{0,8}$/);
    const plain = fc.oneof(
      fc.stringMatching(/^[A-Za-z][A-Za-z0-9 ,.#:'"()-]{0,20}$/),
      fc.constantFrom('true', 'false', 'null', '~', '0.5', '1', '-3', '+2', '.5', '1e3', '2026-01-05', '2026-01-05T10:00:00Z', 'yes', 'No', '1.', '0o17', '.inf', 'C#', 'a # b', 'x:y', '12345678901234567890', 'trailing nbsp\u00a0', 'em space\u2003', '\u00a0leading', 'ideographic\u3000', 'bell\u0007', 'nel\u0085', 'emoji 😀 ', 'a\u2028b'),
    );
    const quoted = fc.oneof(
      plain.map((s) => `"${s.replace(/["\\]/g, '')}"`),
      plain.map((s) => `'${s.replace(/'/g, "''")}'`),
    );
    const scalarText = fc.oneof(plain, quoted, fc.constant('[]'), fc.constantFrom('>-\n    folded text\n    on two lines', '|\n    literal\n    text', '>\n    one line'));
    const comment = fc.constantFrom('', '  # note', ' #x');
    const item = fc.array(fc.tuple(word, scalarText, comment), { minLength: 1, maxLength: 4 }).map((pairs) =>
      pairs.map(([k, v, c], i) => `${i === 0 ? '  - ' : '    '}${k}: ${v}${v.includes('\n') ? '' : c}`).join('\n'),
    );
    const entry = fc.oneof(
      fc.tuple(word, scalarText, comment).map(([k, v, c]) => `${k}: ${v}${v.includes('\n') ? '' : c}`),
      fc.tuple(word, fc.array(item, { minLength: 1, maxLength: 3 })).map(([k, items]) => `${k}:\n${items.join('\n')}`),
      fc.tuple(word, fc.array(fc.tuple(word, scalarText), { minLength: 1, maxLength: 3 })).map(
        ([k, pairs]) => `${k}:\n${pairs.map(([kk, v]) => `  ${kk}: ${v.replace(/\n {4}/g, '\n      ')}`).join('\n')}`,
      ),
      fc.constantFrom('# a comment', '', '   '),
    );
    const doc = fc.tuple(fc.array(entry, { minLength: 1, maxLength: 8 }), fc.boolean()).map(([entries, crlf]) => {
      const text = `${entries.join('\n')}\n`;
      return crlf ? text.replace(/\n/g, '\r\n') : text;
    });
    let accepted = 0;
    fc.assert(
      fc.property(doc, (text) => {
        if (expectSameAsFullParser(text)) accepted++;
      }),
      { numRuns: Number(process.env['FUZZ_RUNS'] ?? 400) },
    );
    expect(accepted).toBeGreaterThan(20);
  });

  it('agrees with the full parser when odd characters land anywhere in a real definition', () => {
    const seeds = yamlFiles(experiments).map((file) => readFileSync(file, 'utf8'));
    const odd = fc.constantFrom(' ', '  ', '\n', '\r\n', '#', ' #', ':', ': ', '- ', '-', '"', "'", '>', '|', '>-', '|-', '\u00a0', '\u2028', '\u3000', '~', '.', '0', '1e3', '[]', '? ', '&', '*', '!', '%', '@', '`', ',', '\\', 'é', '😀', '---', '...');
    const edit = fc.record({ at: fc.nat(), text: odd, cut: fc.integer({ min: 0, max: 3 }) });
    let accepted = 0;
    fc.assert(
      fc.property(fc.nat({ max: seeds.length - 1 }), fc.array(edit, { minLength: 1, maxLength: 4 }), (seed, edits) => {
        let text = seeds[seed]!;
        for (const { at, text: inserted, cut } of edits) {
          const i = at % (text.length + 1);
          text = text.slice(0, i) + inserted + text.slice(i + cut);
        }
        if (expectSameAsFullParser(text)) accepted++;
      }),
      { numRuns: Number(process.env['FUZZ_RUNS'] ?? 400) },
    );
    expect(accepted).toBeGreaterThan(20);
  });
});
