// Fuzzing the definition loader: the real experiments/*.yaml files and the
// fixtures, mutated at the byte level (flips, truncation, YAML syntax
// inserted, huge repeats, aliases), plus generated text and data. Every input
// must give problems as data, never an exception, within a time and size bound.
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { performance } from 'node:perf_hooks';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { loadDefinitions, parseDefinition, type ParseResult, type Problem } from '../../src/definitions/index.js';
import { MAX_PROBLEMS_PER_FILE } from '../../src/definitions/cap-problems.js';
import { parseSimpleYaml } from '../../src/definitions/simple-yaml.js';
import { MAX_FILE_BYTES, parseYamlSource } from '../../src/definitions/yaml-source.js';
import { fuzzRuns, timeoutFor } from './helpers.js';
import { FIXTURES, mutate, mutatedArb, REAL, SEEDS, YAML_TOKENS } from './mutate.js';

/** No single input may take longer than this (a hang detector, not a speed target). */
const HANG_BOUND_MS = 5_000;
/** The parse result may not be much bigger than its input (alias bombs must not expand). */
const resultBound = (inputBytes: number): number => 64 * inputBytes + 256 * 1024;
/** Heap in use may not grow past this while fuzzing. */
const HEAP_BOUND_BYTES = 1024 * 1024 * 1024;

const stats = { maxProblems: 0, cases: 0, definitions: 0, errors: 0, simpleAccepted: 0, maxMs: 0, maxHeapMb: 0, byRule: new Map<string, number>() };
afterAll(() => {
  const rules = [...stats.byRule].sort((a, b) => b[1] - a[1]).map(([r, n]) => `${r} ${n}`).join(', ');
  console.log(
    `[hardening] definition fuzz: ${stats.cases} inputs, ${stats.definitions} valid, ${stats.errors} with errors (${rules}); ` +
      `fast reader agreed on ${stats.simpleAccepted}; slowest ${stats.maxMs.toFixed(1)} ms; most problems in one file ${stats.maxProblems}; peak heap ${stats.maxHeapMb.toFixed(0)} MB`,
  );
});

const SEVERITIES = new Set(['error', 'warning']);

/** One input through parseDefinition, with every invariant of the result checked. */
function checkParse(file: string, input: Uint8Array | string): ParseResult {
  const started = performance.now();
  const result = parseDefinition(file, input);
  const ms = performance.now() - started;
  stats.cases++;
  stats.maxMs = Math.max(stats.maxMs, ms);
  if (stats.cases % 200 === 0) {
    const heap = process.memoryUsage().heapUsed;
    stats.maxHeapMb = Math.max(stats.maxHeapMb, heap / 2 ** 20);
    expect(heap, `heap in use ${(heap / 2 ** 20).toFixed(0)} MB`).toBeLessThan(HEAP_BOUND_BYTES);
  }
  expect(ms, `parse took ${ms.toFixed(0)} ms`).toBeLessThan(HANG_BOUND_MS);
  expect(Array.isArray(result.problems)).toBe(true);
  for (const p of result.problems) checkProblem(p, file);
  const errors = result.problems.filter((p) => p.severity === 'error');
  stats.maxProblems = Math.max(stats.maxProblems, result.problems.length);
  expect(result.problems.length, 'problems per file are capped').toBeLessThanOrEqual(MAX_PROBLEMS_PER_FILE + 1);
  if (result.definition !== undefined) {
    stats.definitions++;
    expect(errors).toEqual([]);
    expect(result.definition.file).toBe(file);
    expect(result.definition.variations.length).toBeGreaterThanOrEqual(2);
  } else {
    stats.errors++;
    expect(errors.length, 'no definition but no error either').toBeGreaterThan(0);
    for (const e of errors) stats.byRule.set(e.rule, (stats.byRule.get(e.rule) ?? 0) + 1);
  }
  const size = typeof input === 'string' ? input.length : input.byteLength;
  expect(JSON.stringify(result).length).toBeLessThan(resultBound(size));
  return result;
}

function checkProblem(p: Problem, file: string): void {
  expect(p.file).toBe(file);
  expect(Number.isInteger(p.line) && p.line >= 1, JSON.stringify(p)).toBe(true);
  expect(Number.isInteger(p.col) && p.col >= 1, JSON.stringify(p)).toBe(true);
  expect(SEVERITIES.has(p.severity)).toBe(true);
  expect(typeof p.rule === 'string' && p.rule !== '').toBe(true);
  expect(typeof p.message === 'string' && p.message.trim() !== '').toBe(true);
  expect(p.message).not.toMatch(/\bat \S+ \(.*:\d+:\d+\)/); // no stack frames in messages
}

/** The fast reader, when it takes a text, must read it exactly like the full parser. */
function checkFastReader(bytes: Uint8Array): void {
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    return;
  }
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  if (text.length > 64 * 1024) return;
  const simple = parseSimpleYaml(text);
  if (simple === undefined) return;
  stats.simpleAccepted++;
  const full = parseYamlSource('x.yaml', text, { simple: false });
  expect(full.ok, `the fast reader accepted what the full parser rejects:\n${text}`).toBe(true);
  if (!full.ok) return;
  expect(full.problems, text).toEqual([]);
  expect(simple.data, text).toStrictEqual(full.source.data);
  expect(JSON.stringify(simple.data), text).toBe(JSON.stringify(full.source.data));
  expect(simple.start, text).toStrictEqual(full.source.start);
  expect(new Map([...simple.nodes].sort()), text).toStrictEqual(new Map([...full.source.nodes].sort()));
}

describe('parseDefinition under fuzzing', () => {
  it('has seeds: the real experiments/*.yaml files and the fixtures', () => {
    expect(REAL.length).toBeGreaterThanOrEqual(3);
    expect(FIXTURES.length).toBeGreaterThanOrEqual(20);
    for (const bytes of REAL) expect(parseDefinition('experiments/x.yaml', bytes).problems.filter((p) => p.severity === 'error')).toEqual([]);
  });

  const mutatedRuns = fuzzRuns(1000);
  it('mutated real definitions: problems as data, never a throw, bounded time and size; the fast reader agrees with the full parser', { timeout: timeoutFor(mutatedRuns, 40) }, () => {
    const runs = mutatedRuns;
    fc.assert(
      fc.property(mutatedArb, ({ seed, ops }) => {
        const bytes = mutate(SEEDS[seed]!, ops);
        checkParse('experiments/fuzz.yaml', bytes);
        checkFastReader(bytes);
      }),
      { numRuns: runs },
    );
    expect(stats.definitions, 'some mutations must keep the file valid').toBeGreaterThan(0);
    expect(stats.errors, 'most mutations break the file').toBeGreaterThan(stats.definitions);
  });

  const generatedRuns = fuzzRuns(600);
  it('generated text and bytes', { timeout: timeoutFor(generatedRuns, 10) }, () => {
    const runs = generatedRuns;
    const textArb = fc.oneof(
      fc.string({ unit: 'binary', maxLength: 300 }),
      fc.string({ unit: 'grapheme-ascii', maxLength: 300 }),
      fc.array(fc.constantFrom(...YAML_TOKENS, 'experiment_key', 'name', 'variations', 'weight', 'a', '1', ' '), { maxLength: 80 }).map((t) => t.join('')),
    );
    fc.assert(
      fc.property(fc.oneof(textArb, fc.uint8Array({ maxLength: 400 })), (input) => {
        checkParse('experiments/gen.yaml', input);
        if (typeof input !== 'string') checkFastReader(input);
      }),
      { numRuns: runs },
    );
  });

  it('generated YAML data of any shape (including __proto__ and constructor keys)', { timeout: timeoutFor(generatedRuns, 20) }, () => {
    const runs = generatedRuns;
    const keyArb = fc.oneof(fc.constantFrom('__proto__', 'constructor', 'prototype', 'experiment_key', 'variations', 'outcome', 'toString', 'hasOwnProperty'), fc.string({ maxLength: 8 }));
    const value = fc.letrec((tie) => ({
      node: fc.oneof({ depthSize: 'small', withCrossShrink: true }, fc.jsonValue({ maxDepth: 1 }), fc.array(tie('node'), { maxLength: 4 }), fc.dictionary(keyArb, tie('node'), { maxKeys: 5 })),
    })).node;
    const before = Object.getOwnPropertyNames(Object.prototype).sort().join();
    fc.assert(
      fc.property(value, fc.boolean(), (data, flow) => {
        const text = stringify(data, flow ? { collectionStyle: 'flow' } : {});
        checkParse('experiments/data.yaml', text);
        checkFastReader(Buffer.from(text, 'utf8'));
      }),
      { numRuns: runs },
    );
    expect(Object.getOwnPropertyNames(Object.prototype).sort().join()).toBe(before);
    expect(({} as Record<string, unknown>)['a']).toBeUndefined();
  });

  it('the fast reader reads block scalars with blank and white-space lines like the full parser', () => {
    const runs = fuzzRuns(1000);
    const header = fc.constantFrom('|', '|-', '>', '>-', '|+', '>+', '|2', '>-  # c');
    const line = fc.constantFrom('', ' ', '  ', '   ', '  a', '  b c', '    d', '  # not a comment', '  e: f', '\t', '  😀 ');
    const after = fc.constantFrom('', 'next: 1\n', '# trailing comment\n', '  # indented comment\n', '\n');
    fc.assert(
      fc.property(header, fc.array(line, { minLength: 1, maxLength: 6 }), after, fc.boolean(), (h, lines, tail, crlf) => {
        let text = `a: 1\nhypothesis: ${h}\n${lines.join('\n')}\n${tail}`;
        if (crlf) text = text.replace(/\n/g, '\r\n');
        checkFastReader(Buffer.from(text, 'utf8'));
      }),
      { numRuns: runs },
    );
  });

  it('a CRLF file cut after its last CR (a lone CR at the end) is read the same by the fast reader', () => {
    // Found by the fuzzer: the full parser keeps the lone CR in the last value.
    checkFastReader(Buffer.from('experiment_key: x\r\nname: Cut short\r\nentity: user\r'));
    checkFastReader(Buffer.from('a: 1\r\nb:\r\n  - c\r'));
  });

  it('a key longer than YAML allows (1024 characters) is refused by the fast reader too', () => {
    const text = `${'k'.repeat(1100)}: 1\nexperiment_key: x\n`;
    checkFastReader(Buffer.from(text));
    expect(parseYamlSource('x.yaml', text).ok).toBe(false);
  });

  it('inputs at the edges: over 1 MiB, deep nesting, an alias bomb, every byte value', () => {
    checkParse('experiments/big.yaml', Buffer.alloc(MAX_FILE_BYTES + 1, 'a: 1\n'));
    checkParse('experiments/big.yaml', 'k: ' + 'x'.repeat(MAX_FILE_BYTES));
    checkParse('experiments/deep.yaml', `${'['.repeat(5000)}${']'.repeat(5000)}`);
    checkParse('experiments/deep.yaml', Array.from({ length: 2000 }, (_, i) => `${' '.repeat(i)}a:`).join('\n'));
    const bomb = ['a: &a ["x","x","x","x","x","x","x","x","x"]', ...'bcdefghijklmnop'.split('').map((c, i) => `${c}: &${c} [${Array(9).fill(`*${'abcdefghijklmnop'[i]}`).join(',')}]`)].join('\n');
    const result = checkParse('experiments/bomb.yaml', bomb);
    expect(result.problems.some((p) => p.rule === 'yaml' && /alias/.test(p.message))).toBe(true);
    // Found by the fuzzer: ~200 KB (well under the 1 MiB limit) of this nests deeper
    // than the yaml parser's recursion can go, and it threw a RangeError.
    const head = 'constructor: x\n%TAG ! tag:x,2000:\nexperiment_key: shared-key\nname: Rule shared-key\nentity: user\nassignment_source: User assignments\nassignments_start_date: 2026-01-05\nvariations:\n';
    const deep = `${head}${'  - variant_key: control\n    is_control: t'.repeat(5000)}  - variant_key: control\n    is_control: true\n    weight: 0.5\n`;
    const nested = checkParse('experiments/deep.yaml', deep);
    expect(nested.problems.some((p) => p.severity === 'error' && p.rule === 'yaml')).toBe(true);
    expect(nested.problems.length).toBeLessThanOrEqual(60);
    // Found by the fuzzer: 41 KB made from experiments/onboarding-checklist.yaml (two
    // slices repeated, ": " in front) sent the yaml parser past the stack limit, and
    // parseDefinition threw a RangeError instead of reporting a problem.
    const repeat = (b: Buffer, at: number, len: number, times: number): Buffer =>
      Buffer.concat([b.subarray(0, at), Buffer.alloc(len * times, b.subarray(at, at + len)), b.subarray(at)]);
    const onboarding = REAL[1]!;
    let overflow = repeat(onboarding, 1094151345 % (onboarding.length + 1), 18, 12);
    overflow = repeat(overflow, 139458538 % (overflow.length + 1), 54, 754 * 2);
    const overflowed = checkParse('experiments/overflow.yaml', Buffer.concat([Buffer.from(': '), overflow]));
    expect(overflowed.problems.some((p) => p.severity === 'error' && p.rule === 'yaml')).toBe(true);
    // One problem per broken line would let a 1 MiB file produce ~100 MB of problems.
    const many = checkParse('experiments/many.yaml', `experiment_key: many\n${'k: v\n'.repeat(3000)}`);
    expect(many.problems.length).toBeGreaterThan(10);
    expect(many.problems.length).toBeLessThanOrEqual(60);
    expect(many.problems.at(-1)!.message).toMatch(/more YAML errors/);
    // A syntax error is reported once: what follows it is read through the mistake.
    expect(checkParse('experiments/many.yaml', `experiment_key: many\n${'k: v: w\n'.repeat(3000)}`).problems).toHaveLength(1);
    for (let byte = 0; byte < 256; byte++) checkParse('experiments/byte.yaml', Buffer.concat([REAL[0]!.subarray(0, 40), Buffer.from([byte]), REAL[0]!.subarray(40)]));
  });
});

describe('loadDefinitions under fuzzing', () => {
  // Two folders of 100 files in CI; `npm run fuzz` (FUZZ_RUNS=20000) makes it 20.
  const batches = Math.max(2, Math.ceil(fuzzRuns(200) / 1000));
  it('folders of mutated files: every file accounted for, problems as data', { timeout: timeoutFor(batches * 100, 100) }, async () => {
    const cwd = await mkdtemp(join(tmpdir(), 'eppo-gitops-fuzz-'));
    let files = 0;
    try {
      for (let batch = 0; batch < batches; batch++) {
        const dir = `experiments-${batch}`;
        const cases = fc.sample(mutatedArb, { numRuns: 100, seed: 1000 + batch });
        const paths: string[] = [];
        for (const [i, c] of cases.entries()) {
          const path = join(dir, i % 3 === 0 ? `nested/level-${i % 5}` : '', `${i}-${c.seed}.${i % 2 === 0 ? 'yaml' : 'yml'}`);
          await mkdir(dirname(join(cwd, path)), { recursive: true });
          await writeFile(join(cwd, path), mutate(SEEDS[c.seed]!, c.ops).subarray(0, 16 * 1024));
          paths.push(path.split('\\').join('/'));
        }
        await writeFile(join(cwd, dir, 'notes.txt'), 'not a definition');
        const result = await loadDefinitions({ cwd, dir });
        files += result.files;
        expect(result.files).toBe(cases.length);
        for (const p of result.problems) checkProblem(p, p.file);
        const withError = new Set(result.problems.filter((p) => p.severity === 'error').map((p) => p.file));
        const defined = new Set(result.definitions.map((d) => d.file));
        for (const path of paths) expect(defined.has(path) !== withError.has(path), `${path}: exactly one of definition / error`).toBe(true);
        const keys = result.definitions.map((d) => d.experiment_key);
        expect(new Set(keys).size).toBe(keys.length);
      }
    } finally {
      await rm(cwd, { recursive: true, force: true });
    }
    console.log(`[hardening] loadDefinitions fuzz: ${files} files in ${batches} folders`);
  });
});
