import { execFileSync } from 'node:child_process';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { access, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { connectEppo, createEppoClient } from '../../src/eppo/index.js';
import { ConfigError, EppoApiError } from '../../src/errors.js';
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

describe('connectEppo names where the Eppo URL came from when it cannot be reached', () => {
  let dead: string;
  beforeEach(async () => {
    // A loopback port that was just free: connecting to it is refused.
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    await new Promise<void>((resolve) => server.close(() => resolve()));
    dead = `http://127.0.0.1:${port}/api/v1`;
  });

  it.each([
    ['--base-url', { baseUrl: 'DEAD' }, {}, 'and --base-url is right'],
    ['EPPO_BASE_URL', {}, { EPPO_BASE_URL: 'DEAD' }, 'and EPPO_BASE_URL is right'],
    ['eppo-gitops.yaml', { config: { eppo_base_url: 'DEAD' } }, {}, 'and "eppo_base_url" in eppo-gitops.yaml is right'],
  ])('from %s', async (_source, options, env, hint) => {
    const fill = <T extends Record<string, unknown>>(o: T): T => JSON.parse(JSON.stringify(o).replaceAll('DEAD', dead)) as T;
    const connection = await connectEppo({ cwd: tmpdir(), env: { EPPO_API_KEY: 'key-1234567890', ...fill(env) }, ...fill(options), client: { maxAttempts: 1 } });
    try {
      const error = await connection.api.listExperiments().catch((e: unknown) => e);
      expect(error).toBeInstanceOf(EppoApiError);
      const host = new URL(dead).host;
      expect((error as EppoApiError).hint).toBe(`check that ${host} is reachable ${hint}`);
    } finally {
      await connection.close();
    }
  });

  it('Eppo\'s own URL, set nowhere, is named as the default with how to choose another', async () => {
    const api = createEppoClient({ baseUrl: dead, apiKey: 'key-1234567890', baseUrlSource: 'default', maxAttempts: 1 });
    try {
      const error = (await api.listExperiments().catch((e: unknown) => e)) as EppoApiError;
      expect(error.hint).toBe(`check that ${new URL(dead).host} is reachable (the default Eppo URL; set EPPO_BASE_URL or pass --base-url to use another)`);
    } finally {
      await api.close();
    }
  });
});
