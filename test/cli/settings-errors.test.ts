import { execFileSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import { captureIo } from '../helpers/io.js';

let repo: string;
beforeEach(async () => {
  repo = await mkdtemp(join(tmpdir(), 'eppo-gitops-settings-errors-'));
  execFileSync('git', ['init', '-q', repo]);
  await writeFile(join(repo, 'eppo-gitops.yaml'), 'dir: experiments\nbogus: 1\nparallelism: 0\n');
});
afterEach(async () => {
  await rm(repo, { recursive: true, force: true });
});

describe('a settings file with errors, where problems cannot be reported as data', () => {
  it.each([
    [['outcome', '--experiment-id', '1', '--local', '--git-host', 'local']],
    [['outcomes', 'sync', '--local', '--git-host', 'local']],
    [['serve', '--local', '--git-host', 'local', '--port', '0']],
    [['new', 'some-flag', '--entity', 'user', '--assignment-source', 'User assignments']],
  ])('%j names the first error at its line and says what to do', async (argv) => {
    const io = captureIo({ cwd: repo, env: { PATH: process.env.PATH, EPPO_WEBHOOK_SECRET: 'whsec-settings-errors' }, signal: new AbortController().signal });
    expect(await main(argv, io)).toBe(1);
    expect(io.err()).toMatch(
      /^error: eppo-gitops\.yaml has errors: eppo-gitops\.yaml:\d+:\d+: .+ \(and 1 more\); fix them \("eppo-gitops validate" lists every problem\), then run again\n$/,
    );
    expect(io.out()).toBe('');
  });
});
