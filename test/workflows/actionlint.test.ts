import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { actionlint } from './actionlint.js';

const workflowDir = join(import.meta.dirname, '..', '..', '.github', 'workflows');
const files = readdirSync(workflowDir).filter((f) => /\.ya?ml$/.test(f)).sort();

describe('actionlint', () => {
  it.each(files)('accepts .github/workflows/%s', async (file) => {
    expect(await actionlint(readFileSync(join(workflowDir, file), 'utf8'), file)).toEqual([]);
  });

  it('knows runner labels, permission scopes and untrusted expressions (the check can fail)', async () => {
    const bad = [
      'on: push',
      'jobs:',
      '  a:',
      '    runs-on: ubuntu-lates',
      '    permissions:',
      '      pull-request: write',
      '    steps:',
      '      - run: echo "${{ github.event.head_commit.message }}"',
      '',
    ].join('\n');
    const kinds = (await actionlint(bad, 'bad.yml')).map((p) => `${p.line}:${p.kind}`);
    expect(kinds).toEqual(['4:runner-label', '6:permissions', '8:expression']);
  });
});
