import { describe, expect, it } from 'vitest';
import { compileGlob, expandBraces, filterByGlobs, matchGlob } from '../../src/flags/index.js';

describe('matchGlob', () => {
  it.each([
    ['flags/*.json', 'flags/main.json', true],
    ['flags/*.json', 'flags/sub/main.json', false],
    ['flags/*.json', 'flags/.hidden.json', false],
    ['flags/.*.json', 'flags/.hidden.json', true],
    ['flags/*.json', 'other/main.json', false],
    ['flags/*.flagd.json', 'flags/main.flagd.json', true],
    ['flags/*.flagd.json', 'flags/main.json', false],
    ['flags/?.json', 'flags/a.json', true],
    ['flags/?.json', 'flags/ab.json', false],
    ['flags/**/*.json', 'flags/a.json', true],
    ['flags/**/*.json', 'flags/x/y/a.json', true],
    ['flags/**/*.json', 'flags/.git/a.json', false],
    ['flags/**/*.json', 'flagsx/a.json', false],
    ['**/*.json', 'a.json', true],
    ['**/*.json', 'deep/er/a.json', true],
    ['**', 'a/b/c', true],
    ['flags/**', 'flags', true],
    ['flags/*.{json,yaml}', 'flags/a.yaml', true],
    ['flags/*.{json,yaml}', 'flags/a.yml', false],
    ['flags/*.{json,y{a,}ml}', 'flags/a.yml', true],
    ['{a,b}/*.json', 'b/x.json', true],
    ['flags/[ab].json', 'flags/[ab].json', true],
    ['flags/[ab].json', 'flags/a.json', false],
    ['flags/a+b(1).json', 'flags/a+b(1).json', true],
    ['./flags/*.json', 'flags/a.json', true],
    ['flags//*.json', 'flags/a.json', true],
    ['flags/main.json', 'flags/main.json', true],
    ['flags/main.json', 'flags/main.jsonx', false],
    ['flags/{a', 'flags/{a', true],
    ['*', 'a\nb', true],
  ])('%s against %j → %s', (pattern, path, expected) => {
    expect(matchGlob(pattern, path)).toBe(expected);
  });
});

describe('expandBraces', () => {
  it('expands nested alternatives in order', () => {
    expect(expandBraces('a{b,c{d,e}}f')).toEqual(['abf', 'acdf', 'acef']);
    expect(expandBraces('x{,y}')).toEqual(['x', 'xy']);
    expect(expandBraces('{single}')).toEqual(['{single}']);
    expect(expandBraces('plain')).toEqual(['plain']);
  });

  it('refuses a pattern that expands to more than 256 alternatives', () => {
    expect(() => expandBraces('{a,b}{a,b}{a,b}{a,b}{a,b}{a,b}{a,b}{a,b}{a,b}')).toThrow('expands to more than 256 alternatives');
  });
});

describe('compileGlob().mayContain', () => {
  it.each([
    ['flags/*.json', 'flags', true],
    ['flags/*.json', 'other', false],
    ['flags/*.json', 'flags/sub', false],
    ['flags/**/*.json', 'flags/a/b', true],
    ['flags/**/*.json', 'flags/.git', false],
    ['**/.config/*.json', 'a/.config', true],
    ['**/*.json', 'node_modules', true],
    ['{a,b}/x/*.json', 'b/x', true],
    ['{a,b}/x/*.json', 'c', false],
  ])('%s may hold files below %s: %s', (pattern, dir, expected) => {
    expect(compileGlob(pattern).mayContain(dir)).toBe(expected);
  });
});

describe('filterByGlobs', () => {
  it('matches a tree listing, sorted and without duplicates', () => {
    const listing = ['README.md', 'flags/b.flagd.json', 'flags/a.flagd.yaml', 'flags/sub/c.flagd.json', 'experiments/x.yaml'];
    expect(filterByGlobs(['flags/*.flagd.json', 'flags/**/*.flagd.{json,yaml}'], listing)).toEqual(['flags/a.flagd.yaml', 'flags/b.flagd.json', 'flags/sub/c.flagd.json']);
    expect(filterByGlobs(['nothing/*'], listing)).toEqual([]);
  });
});
