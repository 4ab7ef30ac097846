// Files built to cost as much as possible: each must give a short, bounded
// list of problems. What they cost in time and memory is measured by
// bench/bounds.bench.mjs, not here.
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadDefinitions, MAX_FILE_BYTES, parseDefinition, renderProblems } from '../../src/definitions/index.js';

const TOKENS = /^the file holds over 200,000 YAML tokens, more than one file may hold; a definition is a few dozen lines$/;

let cwd: string;
beforeAll(async () => {
  cwd = await mkdtemp(join(tmpdir(), 'eppo-gitops-bounds-'));
});
afterAll(async () => {
  await rm(cwd, { recursive: true, force: true });
});

describe('bounded work per file', () => {
  it('trust item 13: 1 MiB of ":" lines, of "[1,1,…" or of "- - …" stops at the token budget with one problem', () => {
    const inputs = [':\n'.repeat(MAX_FILE_BYTES / 2), `a: [${'1,'.repeat(MAX_FILE_BYTES / 2 - 4)}]\n`, `${'- '.repeat(MAX_FILE_BYTES / 2 - 1)}\n`];
    for (const input of inputs) {
      const result = parseDefinition('experiments/huge.yaml', input);
      expect(result.problems).toHaveLength(1);
      expect(result.problems[0]).toMatchObject({ file: 'experiments/huge.yaml', rule: 'yaml', severity: 'error', message: expect.stringMatching(TOKENS) });
    }
  });

  it('trust item 13: 0.8 MB of unknown keys gives 50 problems and one that counts the rest, in a few KB of output', async () => {
    const dir = join(cwd, 'experiments');
    await mkdir(dir, { recursive: true });
    let text = 'experiment_key: unknown\nname: Unknown\n';
    let keys = 0;
    while (text.length < 800_000) text += `k${keys++}: 1\n`;
    await writeFile(join(dir, 'unknown.yaml'), text);
    const { problems, files } = await loadDefinitions({ cwd });
    expect(files).toBe(1);
    expect(problems).toHaveLength(51);
    // 4 required fields are missing, then one problem per unknown key
    expect(problems.at(-1)!.message).toBe(`${keys + 4 - 50} more problems in this file are not listed; fix the ones above first`);
    expect(renderProblems(problems, { format: 'text', files }).length).toBeLessThan(16 * 1024);
    expect(renderProblems(problems, { format: 'json', files }).length).toBeLessThan(32 * 1024);
  });
});
