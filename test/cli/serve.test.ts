import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import { captureIo } from '../helpers/io.js';
import { DEFINITION, DEFINITION_PATH } from '../outcomes/harness.js';

const SECRET = 'whsec-serve-port-test';

let repo: string;
beforeAll(async () => {
  repo = await mkdtemp(join(tmpdir(), 'eppo-gitops-serve-'));
  const git = (...args: string[]) => execFileSync('git', args, { cwd: repo, env: { ...process.env, HOME: repo, GIT_CONFIG_NOSYSTEM: '1' } });
  git('init', '-q', '-b', 'main');
  git('config', 'user.name', 'Test Person');
  git('config', 'user.email', 'test@example.com');
  await mkdir(join(repo, 'experiments'));
  await writeFile(join(repo, DEFINITION_PATH), DEFINITION);
  git('add', '.');
  git('commit', '-q', '-m', 'definitions');
});
afterAll(async () => {
  await rm(repo, { recursive: true, force: true });
});

/** A port nothing listens on right now. */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

function env(extra: Record<string, string> = {}): Record<string, string | undefined> {
  const base: Record<string, string | undefined> = { PATH: process.env.PATH, HOME: repo, GIT_CONFIG_NOSYSTEM: '1', EPPO_WEBHOOK_SECRET: SECRET };
  return { ...base, ...extra };
}

/** Runs serve until it prints where it listens, then stops it; returns the port. */
async function listeningPort(args: string[], vars: Record<string, string> = {}): Promise<number> {
  const controller = new AbortController();
  const io = captureIo({ cwd: repo, env: env(vars), signal: controller.signal });
  const exit = main(['serve', '--local', '--git-host', 'local', ...args], io);
  let settled = false;
  void exit.then(() => (settled = true));
  while (!/listening on/.test(io.out()) && !settled) await new Promise((r) => setTimeout(r, 10));
  controller.abort('SIGTERM');
  expect(await exit, io.err()).toBe(0);
  return Number(/listening on http:\/\/127\.0\.0\.1:(\d+)/.exec(io.out())![1]);
}

describe('serve: the port', () => {
  it('comes from --port, else PORT, else "port" in eppo-gitops.yaml', async () => {
    const configured = await freePort();
    await writeFile(join(repo, 'eppo-gitops.yaml'), `port: ${configured}\n`);
    try {
      expect(await listeningPort([])).toBe(configured);
      expect(await listeningPort([], { PORT: '0' })).not.toBe(configured);
      expect(await listeningPort(['--port', '0'], { PORT: String(configured) })).not.toBe(configured);
    } finally {
      await rm(join(repo, 'eppo-gitops.yaml'));
    }
  });

  it('a bad --port is a usage error, reported before a missing secret; a bad PORT names PORT', async () => {
    const io = captureIo({ cwd: repo, env: { PATH: process.env.PATH } });
    expect(await main(['serve', '--port', '99999'], io)).toBe(1);
    expect(io.err()).toBe('error: --port must be a port number from 0 to 65535 (0 picks a free one), not "99999"\nRun "eppo-gitops serve --help" for usage.\n');
    const fromEnv = captureIo({ cwd: repo, env: env({ PORT: 'http' }) });
    expect(await main(['serve'], fromEnv)).toBe(1);
    expect(fromEnv.err()).toBe('error: PORT must be a port number from 0 to 65535 (0 picks a free one), not "http"\n');
  });
});
