import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/errors.js';
import { appendStepSummary, buildSummaryChunk, STEP_SUMMARY_LIMIT } from '../../src/ci-report/index.js';

let dir: string;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'eppo-gitops-summary-'));
});

afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

describe('appendStepSummary', () => {
  it('creates the file, then appends, each part ending in a newline', async () => {
    const path = join(dir, 'summary.md');
    await appendStepSummary(path, '## Plan\n\n1 to create');
    await appendStepSummary(path, '## Apply\n');
    expect(readFileSync(path, 'utf8')).toBe('## Plan\n\n1 to create\n## Apply\n');
  });

  it('keeps the file within 1 MiB, cutting at a line break with a note', async () => {
    const path = join(dir, 'big.md');
    writeFileSync(path, 'x'.repeat(STEP_SUMMARY_LIMIT - 2000));
    const lines = Array.from({ length: 200 }, (_, i) => `| exp-${i} | update | é |`).join('\n');
    await appendStepSummary(path, lines);
    const size = statSync(path).size;
    expect(size).toBeLessThanOrEqual(STEP_SUMMARY_LIMIT);
    const added = readFileSync(path, 'utf8').slice(STEP_SUMMARY_LIMIT - 2000);
    expect(added).toMatch(/^\| exp-0 \| update \| é \|\n/);
    expect(added).toMatch(/\| é \|\n\n_The summary was cut at GitHub's 1 MiB limit; the full plan is in the uploaded plan artifact._\n$/);
    await appendStepSummary(path, 'more '.repeat(100));
    expect(statSync(path).size).toBe(size);
  });

  it('says which summary file it cannot write', async () => {
    const folder = join(dir, 'a-folder');
    mkdirSync(folder);
    const attempt = appendStepSummary(folder, 'x');
    await expect(attempt).rejects.toBeInstanceOf(ConfigError);
    await expect(attempt).rejects.toThrow(`cannot write the job summary GITHUB_STEP_SUMMARY=${folder}: EISDIR`);
  });
});

describe('buildSummaryChunk', () => {
  it.each([
    ['fits', 'abc', 10, 'abc\n'],
    ['no room at all', 'abc\ndef', 5, ''],
  ])('%s', (_name, markdown, room, expected) => {
    expect(buildSummaryChunk(markdown, room)).toBe(expected);
  });

  it('never splits a multi-byte character', () => {
    const text = `${'€'.repeat(100)}`;
    const chunk = buildSummaryChunk(text, 200);
    expect(Buffer.byteLength(chunk)).toBeLessThanOrEqual(200);
    expect(chunk).not.toContain('\uFFFD');
    expect(chunk.startsWith('€')).toBe(true);
  });
});
