import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { createServer } from 'node:net';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildCli, type BuiltCli } from '../helpers/built-cli.js';
import { main } from '../../src/cli/main.js';
import { startEmulator } from '../../src/emulator/index.js';
import { captureIo, watchedIo, type WatchedIo } from '../helpers/io.js';
import { manualTimers } from '../helpers/manual-timers.js';
import { call, experimentBody } from './helpers.js';

const LISTENING = /^listening on (http:\/\/127\.0\.0\.1:(\d+)\/api\/v1)\n$/;

/** Runs `eppo-gitops emulator ...args` in-process until the listening line. */
async function runInProcess(args: string[], env: Record<string, string> = {}) {
  const controller = new AbortController();
  const io: WatchedIo = watchedIo({ signal: controller.signal, env });
  const exit = main(['emulator', ...args], io);
  await io.until('out', LISTENING, exit);
  const url = LISTENING.exec(io.out())![1]!;
  return { io, url, exit, stop: () => controller.abort('SIGTERM') };
}

describe('emulator command (in-process)', () => {
  it('prints exactly one listening line, serves the API, logs JSON to stderr, exits 0 on abort', async () => {
    const { io, url, exit, stop } = await runInProcess(['--port', '0', '--api-key', 'secret-rw-key', '--read-only-key', 'secret-ro-key']);
    expect(url).not.toBe('');
    expect((await call(`${url}/definitions/entities`, { token: 'secret-rw-key' })).status).toBe(200);
    expect((await call(`${url}/experiments`, { method: 'POST', token: 'secret-ro-key', body: experimentBody() })).status).toBe(403);
    expect((await call(`${url}/experiments`, { token: 'emulator-key' })).status).toBe(401);
    stop();
    expect(await exit).toBe(0);
    expect(io.out()).toMatch(LISTENING);
    const lines = io.err().trim().split('\n').map((l) => JSON.parse(l));
    expect(lines.filter((l) => l.type === 'request').map((l) => l.status)).toEqual([200, 403, 401]);
    expect(lines.at(-1).type).toBe('stopped');
    expect(io.err()).not.toContain('secret-rw-key');
    expect(io.err()).not.toContain('secret-ro-key');
  });

  it('uses PORT as the default port', async () => {
    const { url, exit, stop } = await runInProcess([], { PORT: '0' });
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/api\/v1$/);
    expect(url).not.toContain(':8787/');
    stop();
    expect(await exit).toBe(0);
  });

  it('delivers webhooks given by flag', async () => {
    const { startReceiver } = await import('./helpers.js');
    const receiver = await startReceiver();
    const { url, exit, stop } = await runInProcess(['--port', '0', '--webhook', receiver.url, '--webhook-secret', 'flag-secret']);
    const exp = (await call(`${url}/experiments`, { method: 'POST', token: 'emulator-key', body: experimentBody() })).body;
    await call(`${url.replace('/api/v1', '')}/__emulator/experiments/${exp.id}/decision`, { method: 'POST', body: { winning_variant_key: 'green', outcome: 'POSITIVE' } });
    await receiver.until(1);
    expect(receiver.received[0]!.body.event).toBe('experiment.status.updated');
    stop();
    expect(await exit).toBe(0);
    await receiver.close();
  });

  it('prints help with usage, options, environment and exit codes', async () => {
    const io = captureIo();
    expect(await main(['emulator', '--help'], io)).toBe(0);
    for (const text of ['Usage: eppo-gitops emulator', '--state FILE', '--read-only-key', 'PORT', 'Exit codes']) expect(io.out()).toContain(text);
  });

  it.each<[string[], string]>([
    [['--bogus'], 'unknown option "--bogus"'],
    [['--port', 'abc'], '--port must be a port number from 0 to 65535 (0 picks a free one), not "abc"'],
    [['--port', '70000'], '--port must be a port number from 0 to 65535 (0 picks a free one), not "70000"'],
    [['--latency=-5'], '--latency must be a whole number of milliseconds from 0 to 600000, not "-5"'],
    [['--latency', 'soon'], '--latency must be a whole number of milliseconds from 0 to 600000, not "soon"'],
    [['--webhook', 'http://127.0.0.1:9/x'], 'give one --webhook-secret for all --webhook URLs, or one per URL (got 1 URL and 0 secrets)'],
    [['--webhook-secret', 's'], '--webhook-secret needs a --webhook URL'],
    [['--webhook', 'nope', '--webhook-secret', 's'], '--webhook must be an http(s) URL, got "nope"'],
    [['stray'], 'unexpected argument'],
  ])('rejects %j with a usage error', async (args, message) => {
    const io = captureIo({ signal: new AbortController().signal });
    expect(await main(['emulator', ...args], io)).toBe(1);
    expect(io.err()).toContain(message);
    expect(io.err()).toContain('Run "eppo-gitops emulator --help" for usage.');
    expect(io.out()).toBe('');
  });

  it('fails clearly on a busy port and on a corrupt state file', async () => {
    const blocker = createServer();
    await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', r));
    const port = (blocker.address() as { port: number }).port;
    const io = captureIo({ signal: new AbortController().signal });
    expect(await main(['emulator', '--port', String(port)], io)).toBe(1);
    expect(io.err()).toContain(`127.0.0.1:${port} is already in use; pick another --port`);
    await new Promise((r) => blocker.close(r));

    const dir = mkdtempSync(join(tmpdir(), 'eppo-emulator-cli-'));
    try {
      writeFileSync(join(dir, 'state.json'), 'not json');
      const io2 = captureIo({ signal: new AbortController().signal, cwd: dir });
      expect(await main(['emulator', '--port', '0', '--state', 'state.json'], io2)).toBe(1);
      expect(io2.err()).toContain('is not valid JSON');
      expect(io2.err()).not.toContain('    at ');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('emulator command (real process)', () => {
  let cli: BuiltCli;

  beforeAll(() => {
    cli = buildCli();
  }, 60_000);
  afterAll(() => cli.cleanup());

  function spawnCli(args: string[]): { child: ChildProcessWithoutNullStreams; url: Promise<string>; out: () => string; exited: Promise<number | null> } {
    const child = spawn(process.execPath, [cli.bin, 'emulator', '--port', '0', ...args], { stdio: 'pipe' });
    let out = '';
    let err = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    child.stderr.on('data', (c: Buffer) => (err += c.toString()));
    const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
    // Settled by the output itself, or by the exit: never a poll.
    const url = new Promise<string>((resolve) => {
      child.stdout.on('data', () => {
        const found = LISTENING.exec(out)?.[1];
        if (found !== undefined) resolve(found);
      });
      void exited.then(() => resolve(`exited: ${err}`));
    });
    return { child, url, out: () => out, exited };
  }

  it('plan, run as a process against it, quits at once on the first Ctrl-C (it only reads)', async () => {
    // The emulator in this process, its latency on timers that never fire: plan's first read is held for good.
    const timers = manualTimers();
    const emulator = await startEmulator({ port: 0, timers });
    const cwd = mkdtempSync(join(tmpdir(), 'eppo-plan-sigint-'));
    try {
      emulator.addFaults({ kind: 'latency', ms: 3_000, count: 1, match: { method: 'GET' } });
      const plan = spawn(process.execPath, [cli.bin, 'plan', '--dir', '.'], { cwd, stdio: 'pipe', env: { ...process.env, EPPO_API_KEY: emulator.apiKey, EPPO_BASE_URL: emulator.url } });
      const exited = new Promise<number | null>((r) => plan.on('exit', (code) => r(code)));
      // plan's first read has arrived and waits out its latency: press Ctrl-C
      await timers.scheduled();
      plan.kill('SIGINT');
      // The read is never answered: plan exits without waiting for it.
      expect(await exited).toBe(130);
      expect(emulator.requests().filter((r) => r.status === null)).toHaveLength(1);
    } finally {
      rmSync(cwd, { recursive: true, force: true });
      timers.release();
      await emulator.close();
    }
  });

  it('keeps a parseable state file when killed during writes, and restarts on it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'eppo-emulator-kill-'));
    const statePath = join(dir, 'state.json');
    try {
      const first = spawnCli(['--state', statePath]);
      const url = await first.url;
      expect(url).toMatch(/^http/);
      let acknowledged = 0;
      let stop = false;
      let enough!: () => void;
      const threeHundred = new Promise<void>((resolve) => (enough = resolve));
      const hammer = async (worker: number) => {
        for (let i = 0; !stop; i++) {
          const body = experimentBody({ experiment_key: `w${worker}-${i}`, hypothesis: 'h'.repeat(4000) });
          try {
            const res = await call(`${url}/experiments`, { method: 'POST', token: 'emulator-key', body });
            if (res.status === 201 && ++acknowledged === 300) enough();
          } catch {
            return;
          }
        }
      };
      const workers = Array.from({ length: 8 }, (_, w) => hammer(w));
      await threeHundred;
      first.child.kill('SIGKILL');
      stop = true;
      await Promise.all(workers);
      await first.exited;

      const state = JSON.parse(readFileSync(statePath, 'utf8'));
      expect(state.version).toBe(1);
      expect(state.experiments.length).toBeGreaterThan(0);
      expect(state.experiments.length).toBeLessThanOrEqual(acknowledged + 8);

      const second = spawnCli(['--state', statePath]);
      const url2 = await second.url;
      const listed: unknown[] = [];
      for (let offset = 0; ; offset += 250) {
        const page = await call(`${url2}/experiments?limit=250&offset=${offset}`, { token: 'emulator-key' });
        listed.push(...page.body);
        if (page.body.length < 250) break;
      }
      expect(listed).toHaveLength(state.experiments.length);
      const created = await call(`${url2}/experiments`, { method: 'POST', token: 'emulator-key', body: experimentBody() });
      expect(created.status).toBe(201);
      expect(created.body.id).toBe(Math.max(...state.experiments.map((r: any) => r.experiment.id)) + 1);
      second.child.kill('SIGTERM');
      expect(await second.exited).toBe(0);
      expect(second.out()).toMatch(LISTENING);
      expect(JSON.parse(readFileSync(statePath, 'utf8')).experiments).toHaveLength(state.experiments.length + 1);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);
});
