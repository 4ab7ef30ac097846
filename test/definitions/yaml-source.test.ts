import { readFileSync, readdirSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { LineCounter, parseDocument } from 'yaml';
import { parseConfig } from '../../src/definitions/index.js';
import { parseYamlSource } from '../../src/definitions/yaml-source.js';

const experiments = new URL('../../experiments/', import.meta.url);
const REAL = readdirSync(experiments, { recursive: true, encoding: 'utf8' })
  .filter((f) => f.endsWith('.yaml'))
  .sort()
  .map((f) => readFileSync(new URL(f, experiments), 'utf8'));

const TAB = 'tab used for indentation; YAML allows only spaces there';

describe('parseYamlSource', () => {
  it('trust item 16: a tab put into the indentation of any line of a real definition gives one error, and it names the tab', () => {
    let broken = 0;
    fc.assert(
      fc.property(fc.nat(), fc.nat(), fc.nat(), fc.constantFrom('insert', 'replace', 'prefix'), (file, lineAt, at, how) => {
        const lines = REAL[file % REAL.length]!.split('\n');
        const index = lineAt % lines.length;
        const line = lines[index]!;
        const indent = line.length - line.trimStart().length;
        if (line.trim() === '' || line.trimStart().startsWith('#')) return;
        const cut = indent === 0 ? 0 : at % indent;
        lines[index] =
          how === 'insert' ? line.slice(0, at % (indent + 1)) + '\t' + line.slice(at % (indent + 1)) : how === 'replace' ? line.slice(0, cut) + '\t' + line.slice(cut + 1) : ` \t${line}`;
        const result = parseYamlSource('x.yaml', lines.join('\n'));
        // A tab inside a block scalar's text is text, not indentation.
        if (result.ok) return;
        broken++;
        expect(result.problems.map((p) => `${p.line} ${p.message}`), lines[index]).toEqual([`${index + 1} ${TAB}`]);
        expect(lines[index]!.charAt(result.problems[0]!.col - 1)).toBe('\t');
      }),
      { numRuns: 300 },
    );
    expect(broken).toBeGreaterThan(200);
  });

  it('finds duplicate keys where yaml’s own (quadratic) check finds them', () => {
    const key = fc.constantFrom('a', 'b', '"a"', "'a'", '&x a', '!!str a', '? a', '1', '1.0', '0x1', 'null', '~', '.nan', 'true', '[a]', '{a: 1}', '*x', '-0', '0');
    const value = fc.constantFrom(' 1', '', ' x', ' {a: 1, a: 2}', ' [a: 1, a: 2]', '\n  a: 1\n  a: 2', '\n  - a: 1\n    a: 2');
    const entry = fc.tuple(key, value).map(([k, v]) => (k.startsWith('? ') ? `${k}\n:${v}` : `${k}:${v}`));
    let duplicates = 0;
    fc.assert(
      fc.property(fc.array(entry, { minLength: 1, maxLength: 6 }), fc.boolean(), (entries, flow) => {
        const text = flow ? `{${entries.map((e) => e.replace(/\n\s*/g, ' ')).join(', ')}}\n` : `${entries.join('\n')}\n`;
        const lineCounter = new LineCounter();
        const doc = parseDocument(text, { lineCounter, uniqueKeys: true, version: '1.2', strict: true });
        if (doc.errors.some((e) => e.code !== 'DUPLICATE_KEY')) return;
        const expected = doc.errors.map((e) => lineCounter.linePos(e.pos[0])).sort((a, b) => a.line - b.line || a.col - b.col);
        const found = parseYamlSource('x.yaml', text).problems.filter((p) => p.message.startsWith('duplicate key'));
        duplicates += found.length;
        const lines = text.split('\n');
        expect(found.length, text).toBe(expected.length);
        expected.forEach((want, i) => {
          const got = found[i]!;
          // After an empty value yaml places the key at the end of the line before; we place it at the key.
          if (want.col > lines[want.line - 1]!.length) expect(got.line, text).toBeGreaterThan(want.line);
          else expect(`${got.line}:${got.col}`, text).toBe(`${want.line}:${want.col}`);
        });
      }),
      { numRuns: 500 },
    );
    expect(duplicates).toBeGreaterThan(50);
  });

  it('trust item 13: stops reading a file at the YAML token budget, with one problem where it stopped', () => {
    // A small file over a small budget stands for 1 MiB of ":" lines (bounds.slow.test.ts reads that one).
    const result = parseYamlSource('x.yaml', 'a: [1, 2]\n:\n:\n', { maxTokens: 14 });
    expect(result).toEqual({
      ok: false,
      problems: [{ file: 'x.yaml', line: 2, col: 1, rule: 'yaml', severity: 'error', message: 'the file holds over 14 YAML tokens, more than one file may hold; a definition is a few dozen lines' }],
    });
    expect(parseYamlSource('x.yaml', 'a: [1, 2]\n', { maxTokens: 14 }).ok).toBe(true);
  });
});

describe('parseConfig', () => {
  it('trust item 13: lists at most 50 problems of eppo-gitops.yaml and counts the rest', () => {
    const { config, problems } = parseConfig(Array.from({ length: 120 }, (_, i) => `setting_${i}: 1\n`).join(''));
    expect(config).toEqual({});
    expect(problems).toHaveLength(51);
    expect(problems.at(-1)).toMatchObject({ line: 51, rule: 'schema', severity: 'error', message: '70 more problems in this file are not listed; fix the ones above first' });
  });
});
