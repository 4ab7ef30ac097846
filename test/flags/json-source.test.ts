import { describe, expect, it } from 'vitest';
import { buildFlagSet, clearFlagdCache, readFlagFile } from '../../src/flags/index.js';
import { parseJsonSource, readJsonSource } from '../../src/flags/json-source.js';
import { flagdJson, stringFlag } from './helpers.js';

/** Every JSON pointer of a value, the root included. */
function pointers(value: unknown, at = ''): string[] {
  if (value === null || typeof value !== 'object') return [at];
  const children = Array.isArray(value) ? value.map((v, i) => pointers(v, `${at}/${i}`)) : Object.entries(value).map(([k, v]) => pointers(v, `${at}/${k.replace(/~/g, '~0').replace(/\//g, '~1')}`));
  return [at, ...children.flat()];
}

const CASES: Array<[string, string]> = [
  ['a plain file', flagdJson({ a: stringFlag(['x', 'y'], 'x', { fractional: [['x', 1], ['y', 1]] }), b: { state: 'DISABLED', variants: { on: true }, defaultVariant: null } })],
  ['CRLF, numbers and literals', '{\r\n  "flags": {\r\n    "n": {"state": "ENABLED", "variants": {"a": 1.5e3, "b": -2, "c": true, "d": null}, "defaultVariant": "a"}\r\n  }\r\n}\r\n'],
  ['keys with escapes, slashes and tildes', '{"flags": {"a\\"b": {"state": "ENABLED", "variants": {"x": "\\u00e9"}, "defaultVariant": "x"}, "p/q~r": {"state": "ENABLED", "variants": {"x": 1}, "defaultVariant": "x"}}}'],
  ['a "flags" key deeper down is not the flags object', '{"metadata": {"flags": {"not": 1}}, "flags": {"real": {"state": "ENABLED", "variants": {"x": 1}, "defaultVariant": "x", "metadata": {"flags": {"x": 2}}}}}'],
  ['__proto__ as a flag key', '{"flags": {"__proto__": {"state": "ENABLED", "variants": {"x": 1}, "defaultVariant": "x"}}}'],
  ['a key repeated deep inside', '{"flags": {"a": {"state": "ENABLED", "variants": {"x": 1, "x": 2}, "defaultVariant": "x"}}}'],
  ['a flag repeated', '{"flags": {"a": {}, "a": {}}}'],
  ['a flag repeated among many', `{"flags": {${Array.from({ length: 30 }, (_, i) => `"f${i % 25}": {}`).join(', ')}}}`],
  ['many flags, none repeated', flagdJson(Object.fromEntries(Array.from({ length: 40 }, (_, i) => [`f${i}`, { state: 'ENABLED', variants: { x: 1 }, defaultVariant: 'x' }])))],
  ['nesting past the limit', `{"flags": ${'['.repeat(120)}${']'.repeat(120)}}`],
  ['colons, quotes and backslashes inside strings', '{"flags": {"a:b": {"state": "ENABLED", "variants": {"x": "\\": \\"", "y\\\\": "c:\\\\"}, "defaultVariant": "x"}}}'],
  ['a string that opens with a colon, no key repeated (counted as a key colon: the full parse decides)', '{"flags": {"a": {"state": "ENABLED", "variants": {"x": " :y", "y": ":"}, "defaultVariant": "x"}}}'],
  ['a key that ends in an escaped quote or backslash', '{"flags": {"a\\"": {"state": "ENABLED", "variants": {"x\\\\": 1}, "defaultVariant": "x\\\\"}}}'],
  ['a repeated key whose colon count a string could hide', '{"flags": {"a": {"state": "ENABLED", "variants": {"x": ":", "x": 1}, "defaultVariant": "x"}}}'],
  ['a syntax error', '{"flags": {"a": }'],
  ['a list', '[1, 2]'],
  ['empty', '  '],
];

describe('readJsonSource: the fast path gives what parseJsonSource gives', () => {
  it.each(CASES)('%s', (_name, text) => {
    const fast = readJsonSource(text);
    const full = parseJsonSource(text);
    expect(fast.errors).toEqual(full.errors);
    expect(fast.data).toEqual(full.data);
    const all = full.data === undefined ? [''] : pointers(full.data);
    for (const pointer of [...all, '/flags/nope', '/nope/deeper']) expect(fast.locate(pointer), pointer).toEqual(full.locate(pointer));
  });
});

describe('flagd-core sees each distinct flag content once per process', () => {
  it('flags with the same content in other files and keys read exactly as they do alone', () => {
    const flag = stringFlag(['control', 'green'], 'control', { fractional: [['control', 1], ['green', 1]] });
    const broken = { ...flag, targeting: { if: [{ '==': [1] }] } };
    const a = flagdJson({ one: flag, two: flag, three: { ...flag, state: 'DISABLED' } });
    const b = flagdJson({ four: flag, five: flag }, { metadata: { team: 'web' } });
    clearFlagdCache();
    const together = [readFlagFile('flags/a.json', a), readFlagFile('flags/b.json', b)];
    const alone = (file: string, text: string) => {
      clearFlagdCache();
      return readFlagFile(file, text);
    };
    expect(together).toEqual([alone('flags/a.json', a), alone('flags/b.json', b)]);
    expect(buildFlagSet(together).problems).toEqual([]);
    // Same content, same flagd hash; file metadata is part of a flag's content.
    const hashes = together.flatMap((f) => f.flags.map((flag) => [flag.key, flag.hash]));
    expect(new Set(hashes.filter(([k]) => k === 'one' || k === 'two').map(([, h]) => h)).size).toBe(1);
    expect(hashes.find(([k]) => k === 'four')![1]).not.toBe(hashes.find(([k]) => k === 'one')![1]);
    // A refusal is flagd's own, for every flag that has the broken content, whether it was seen before or not.
    clearFlagdCache();
    readFlagFile('flags/c.json', flagdJson({ ok: flag }));
    const refused = readFlagFile('flags/d.json', flagdJson({ ok: flag, bad: broken, worse: broken }));
    expect(refused.problems.map((p) => p.message)).toEqual(alone('flags/d.json', flagdJson({ ok: flag, bad: broken, worse: broken })).problems.map((p) => p.message));
    expect(refused.problems.length).toBeGreaterThan(0);
  });
});
