import { execFileSync } from 'node:child_process';
import { access, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { connectEppo } from '../../src/eppo/index.js';
import { ConfigError } from '../../src/errors.js';
import { definitionText, runCli } from './helpers.js';

async function exists(path: string): Promise<boolean> {
  return access(path).then(
    () => true,
    () => false,
  );
}

describe('connectEppo with local', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'eppo-connect-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('a bad EPPO_TIMEOUT_SECONDS is refused before the emulator starts: no lock is left, and the next run gets the state', async () => {
    const refused = connectEppo({ cwd: dir, env: { EPPO_TIMEOUT_SECONDS: 'abc' }, local: true });
    await expect(refused).rejects.toThrow(ConfigError);
    await expect(refused).rejects.toThrow('EPPO_TIMEOUT_SECONDS must be a number of seconds');
    expect(await exists(join(dir, '.eppo-local/state.json.lock'))).toBe(false);
    const connection = await connectEppo({ cwd: dir, env: {}, local: true });
    await connection.close();
  });

  it('plan --local and outcomes sync --local with a bad EPPO_TIMEOUT_SECONDS exit 1 and leave nothing running', async () => {
    execFileSync('git', ['init', '--quiet', dir]);
    await mkdir(join(dir, 'experiments'));
    await writeFile(join(dir, 'experiments/checkout-button-color.yaml'), definitionText());
    const plan = await runCli(['plan', '--local'], { cwd: dir, env: { EPPO_TIMEOUT_SECONDS: 'abc' } });
    expect(plan.code).toBe(1);
    expect(plan.err).toContain('EPPO_TIMEOUT_SECONDS must be a number of seconds');
    expect(await exists(join(dir, '.eppo-local/state.json.lock'))).toBe(false);
    const sync = await runCli(['outcomes', 'sync', '--local', '--git-host', 'local'], { cwd: dir, env: { EPPO_TIMEOUT_SECONDS: 'abc' } });
    expect(sync.code).toBe(1);
    expect(sync.err).toContain('EPPO_TIMEOUT_SECONDS must be a number of seconds');
    expect(await exists(join(dir, '.eppo-local/state.json.lock'))).toBe(false);
  });
});
