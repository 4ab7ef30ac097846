import { describe, expect, it } from 'vitest';
import { locateYamlMapping, parseYamlData } from '../../src/definitions/index.js';

describe('locateYamlMapping', () => {
  const text = 'flags:\n  f:\n    state: ENABLED   # on\n    defaultVariant: &dv "control"\n    targeting:\n      fractional: [[a, 1]]\n    empty:\n  g: {a: 1, b: [x]}\n';

  it('gives each pair of a block mapping as offsets, with the value style', () => {
    const f = locateYamlMapping(text, ['flags', 'f'])!;
    expect(f.flow).toBe(false);
    const slice = (start: number, end: number) => text.slice(start, end);
    expect(f.pairs.map((p) => [p.key, slice(p.keyStart, p.keyEnd), p.value === undefined ? undefined : [slice(p.value.start, p.value.end), p.value.style]])).toEqual([
      ['state', 'state', ['ENABLED', 'plain']],
      ['defaultVariant', 'defaultVariant', ['"control"', 'double-quoted']],
      ['targeting', 'targeting', ['fractional: [[a, 1]]\n', 'block-map']],
      ['empty', 'empty', undefined],
    ]);
  });

  it('tells a flow mapping, and finds nothing where no mapping stands', () => {
    const g = locateYamlMapping(text, ['flags', 'g'])!;
    expect(g.flow).toBe(true);
    expect(g.pairs.map((p) => [p.key, p.value?.style])).toEqual([
      ['a', 'plain'],
      ['b', 'flow-seq'],
    ]);
    expect(locateYamlMapping(text, ['flags', 'h'])).toBeUndefined();
    expect(locateYamlMapping(text, ['flags', 'f', 'state'])).toBeUndefined();
    expect(locateYamlMapping('flags: [unclosed\n', ['flags'])).toBeUndefined();
  });
});

describe('parseYamlData', () => {
  it('reads YAML with positions and speaks of documents, not experiments', () => {
    const parsed = parseYamlData('f.yaml', 'a: 1\n---\nb: 2\n');
    expect(parsed.ok).toBe(false);
    expect(parsed.problems.map((p) => `${p.line}:${p.col} [${p.rule}] ${p.message}`)).toEqual(['2:1 [yaml] the file holds several YAML documents (---); keep one document per file']);
    const ok = parseYamlData('f.yaml', 'flags:\n  f: {state: ENABLED}\n');
    expect(ok.ok && ok.source.nodes.get('/flags/f/state')).toEqual({ key: { line: 2, col: 7 }, value: { line: 2, col: 14 } });
  });
});
