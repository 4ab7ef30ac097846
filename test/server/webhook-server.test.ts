import { connect } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { request } from 'undici';
import { signWebhookData } from '../../src/outcomes/index.js';
import { startWebhookServer, type HandleResult, type WebhookServer, type WebhookServerOptions } from '../../src/server/index.js';
import { createGitHubHostFromEnv } from '../../src/git-host/index.js';
import { startFakeGitHub } from '../helpers/fake-github.js';
import { manualTimers } from '../helpers/manual-timers.js';

const SECRET = 'whsec-server-test-secret';
const servers: WebhookServer[] = [];
afterEach(async () => {
  while (servers.length > 0) await servers.pop()!.close();
});

function signed(experimentId: number, event = 'experiment.status.updated', secret = SECRET): string {
  const data = { experiment_id: experimentId, experiment_key: `exp-${experimentId}` };
  return JSON.stringify({ event, data, signature: signWebhookData(data, secret) });
}

interface Started {
  server: WebhookServer;
  logs: Array<Record<string, any>>;
  handled: number[];
}

async function start(over: Partial<WebhookServerOptions> = {}, handle?: (id: number, signal: AbortSignal) => Promise<HandleResult>): Promise<Started> {
  const logs: Array<Record<string, any>> = [];
  const handled: number[] = [];
  const server = await startWebhookServer({
    port: 0,
    secret: SECRET,
    log: (e) => logs.push(JSON.parse(JSON.stringify(e))),
    handle: async (id, signal) => {
      handled.push(id);
      return handle ? handle(id, signal) : { action: 'unchanged' };
    },
    ...over,
  });
  servers.push(server);
  return { server, logs, handled };
}

async function post(server: WebhookServer, body: string, contentType: string | null = 'application/json', path = '/webhooks/eppo') {
  const res = await request(`${server.url}${path}`, {
    method: 'POST',
    headers: contentType === null ? {} : { 'content-type': contentType },
    body,
  });
  const text = await res.body.text();
  return { status: res.statusCode, headers: res.headers, body: text === '' ? undefined : JSON.parse(text) };
}

/** A gate a job can wait on, and a promise that resolves once the job reached it. */
function gate(): { reached: Promise<void>; wait(): Promise<void>; release(): void } {
  let reach!: () => void;
  let release!: () => void;
  const reached = new Promise<void>((resolve) => (reach = resolve));
  const opened = new Promise<void>((resolve) => (release = resolve));
  return {
    reached,
    wait: () => {
      reach();
      return opened;
    },
    release,
  };
}

/** Writes raw bytes on a socket and resolves with everything the server sent until it closed (or `waitMs`). */
function raw(server: WebhookServer, chunks: string[], waitMs: number): Promise<{ text: string; closed: boolean }> {
  return new Promise((resolve) => {
    const socket = connect(server.port, '127.0.0.1');
    let text = '';
    let done = false;
    const finish = (closed: boolean): void => {
      if (done) return;
      done = true;
      socket.destroy();
      resolve({ text, closed });
    };
    socket.on('data', (d) => (text += d.toString('utf8')));
    socket.on('close', () => finish(true));
    socket.on('error', () => finish(true));
    socket.on('connect', () => {
      for (const c of chunks) socket.write(c);
    });
    setTimeout(() => finish(false), waitMs);
  });
}

describe('webhook server: transport', () => {
  it('accepts a signed status event with 202 and processes it in the background', async () => {
    const { server, logs, handled } = await start();
    const res = await post(server, signed(4521));
    expect(res).toMatchObject({ status: 202, body: { status: 'accepted' } });
    await server.idle();
    expect(handled).toEqual([4521]);
    const delivery = logs.find((l) => l.msg === 'delivery')!;
    expect(delivery).toMatchObject({ event: 'experiment.status.updated', experiment_id: 4521, action: 'queued', status: 202, duration_ms: expect.any(Number) });
    expect(logs.find((l) => l.msg === 'processed')).toMatchObject({ experiment_id: 4521, action: 'unchanged' });
    expect(JSON.stringify(logs)).not.toContain(SECRET);
  });

  it.each([
    ['text/plain', signed(1), 415],
    [null, signed(1), 415],
    ['application/json', '{"event": ', 400],
    ['application/json', JSON.stringify({ event: 'experiment.status.updated', data: { experiment_id: 1 } }), 401],
    ['application/json', signed(1, 'experiment.status.updated', 'wrong-secret'), 401],
    ['application/json', JSON.stringify({ event: 'experiment.status.updated', data: { experiment_id: 'x' }, signature: signWebhookData({ experiment_id: 'x' }, SECRET) }), 400],
  ])('rejects content type %s / %s with %i and does no work', async (type, body, status) => {
    const { server, logs, handled } = await start();
    const res = await post(server, body, type);
    expect(res.status).toBe(status);
    await server.idle();
    expect(handled).toEqual([]);
    expect(logs).toHaveLength(1);
    expect(logs[0]).toMatchObject({ msg: 'delivery', action: 'rejected', status });
    if (status === 401) {
      expect(res.body).toEqual({ error: 'unauthorized' });
      expect(logs[0]!.reason).toBe('invalid signature');
      expect(logs[0]!.event).toBeUndefined();
    }
  });

  it('answers 202 to events it ignores, and accepts application/*+json', async () => {
    const { server, handled, logs } = await start();
    expect(await post(server, signed(5, 'experiment.metric.updated'))).toMatchObject({ status: 202, body: { status: 'ignored' } });
    expect(await post(server, signed(5, 'something.unknown'), 'application/vnd.eppo+json; charset=utf-8')).toMatchObject({ status: 202, body: { status: 'ignored' } });
    await server.idle();
    expect(handled).toEqual([]);
    expect(logs.map((l) => [l.event, l.action])).toEqual([
      ['experiment.metric.updated', 'ignored'],
      ['something.unknown', 'ignored'],
    ]);
  });

  it('refuses bodies over 64 KiB with 413 without reading them', async () => {
    const { server, handled } = await start();
    const declared = await raw(server, ['POST /webhooks/eppo HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 1000000\r\n\r\n{"a":'], 2000);
    expect(declared.text).toMatch(/^HTTP\/1\.1 413 /);
    expect(declared.closed).toBe(true);
    const big = JSON.stringify({ event: 'experiment.status.updated', data: { experiment_id: 1, pad: 'x'.repeat(70_000) }, signature: '0'.repeat(64) });
    const chunked = await raw(server, ['POST /webhooks/eppo HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n', `${big.length.toString(16)}\r\n${big}\r\n`], 2000);
    expect(chunked.text).toMatch(/^HTTP\/1\.1 413 /);
    expect(handled).toEqual([]);
  });

  it('times out slow clients: stalled headers and a stalled body', async () => {
    const { server, logs } = await start({ headersTimeoutMs: 200, requestTimeoutMs: 400, bodyIdleTimeoutMs: 150 });
    const headers = await raw(server, ['POST /webhooks/eppo HTTP/1.1\r\nHost: x\r\n'], 3000);
    expect(headers.closed).toBe(true);
    expect(headers.text === '' || /^HTTP\/1\.1 408 /.test(headers.text)).toBe(true);
    const body = await raw(server, ['POST /webhooks/eppo HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"ev'], 3000);
    expect(body.closed).toBe(true);
    expect(body.text).toMatch(/^HTTP\/1\.1 408 /);
    expect(logs.some((l) => l.status === 408)).toBe(true);
  });

  it('checks paths and methods, and serves /healthz', async () => {
    const { server } = await start();
    const get = (path: string, method = 'GET') => request(`${server.url}${path}`, { method: method as 'GET' }).then(async (r) => ({ status: r.statusCode, allow: r.headers.allow, body: await r.body.text() }));
    expect(await get('/healthz')).toMatchObject({ status: 200, body: '{"status":"ok"}' });
    expect(await get('/healthz', 'POST')).toMatchObject({ status: 405, allow: 'GET, HEAD' });
    expect(await get('/webhooks/eppo')).toMatchObject({ status: 405, allow: 'POST' });
    expect(await get('/webhooks/other')).toMatchObject({ status: 404 });
    expect((await post(server, signed(1), 'application/json', '/webhooks/eppo?x=1')).status).toBe(202);
  });
});

describe('webhook server: its address', () => {
  it('url is where it is bound; localUrl is where a client on this machine reaches it', async () => {
    const all = (await start({ host: '0.0.0.0' })).server;
    expect(all.url).toBe(`http://0.0.0.0:${all.port}`);
    expect(all.localUrl).toBe(`http://127.0.0.1:${all.port}`);
    expect((await request(`${all.localUrl}/healthz`)).statusCode).toBe(200);
    const one = (await start({ host: '127.0.0.2' })).server;
    expect([one.url, one.localUrl]).toEqual([`http://127.0.0.2:${one.port}`, `http://127.0.0.2:${one.port}`]);
  });
});

describe('webhook server: queue', () => {
  it('coalesces deliveries for one experiment and runs a second pass only for deliveries during a run', async () => {
    const first = gate();
    const { server, handled, logs } = await start({ concurrency: 1 }, async (id) => {
      if (id === 1) await first.wait();
      return { action: 'proposed' };
    });
    expect((await post(server, signed(1))).status).toBe(202);
    await first.reached;
    const during = await Promise.all(Array.from({ length: 10 }, () => post(server, signed(1))));
    const others = await Promise.all([post(server, signed(2)), post(server, signed(2)), post(server, signed(3))]);
    expect([...during, ...others].every((r) => r.status === 202)).toBe(true);
    first.release();
    await server.idle();
    expect(handled).toEqual([1, 2, 3, 1]);
    const actions = logs.filter((l) => l.msg === 'delivery').map((l) => `${l.experiment_id}:${l.action}`);
    expect(actions.filter((a) => a === '1:coalesced')).toHaveLength(10);
    expect(actions).toContain('2:queued');
    expect(actions).toContain('2:coalesced');
  });

  it('answers 503 with Retry-After when the queue is full', async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const { server } = await start({ concurrency: 1, maxPending: 2, retryAfterSeconds: 7 }, async () => {
      await gate;
      return { action: 'x' };
    });
    expect((await post(server, signed(1))).status).toBe(202);
    expect((await post(server, signed(2))).status).toBe(202);
    const full = await post(server, signed(3));
    expect(full.status).toBe(503);
    expect(full.headers['retry-after']).toBe('7');
    expect((await post(server, signed(2))).status).toBe(202);
    release();
    await server.idle();
  });

  it('close() stops accepting and finishes the work in flight', async () => {
    const work = gate();
    let finished = false;
    const { server } = await start({}, async () => {
      await work.wait();
      finished = true;
      return { action: 'proposed' };
    });
    expect((await post(server, signed(9))).status).toBe(202);
    await work.reached;
    let closed = false;
    const closing = server.close().then(() => (closed = true));
    await new Promise((resolve) => setImmediate(resolve));
    expect(closed).toBe(false);
    work.release();
    await closing;
    expect(finished).toBe(true);
    await expect(post(server, signed(9))).rejects.toThrow();
  });

  it('tries a failed job again later, and gives up after the configured attempts', async () => {
    const timers = manualTimers();
    let calls = 0;
    const { server, logs, handled } = await start({ jobRetry: { attempts: 3, delayMs: 10 }, timers }, async (id) => {
      calls++;
      if (id === 1 && calls === 1) throw new Error('GitHub: proposing failed (HTTP 502)');
      if (id === 2) throw new Error('still down');
      return { action: 'proposed' };
    });
    await post(server, signed(1));
    await post(server, signed(2));
    await server.idle();
    expect(timers.due()).toEqual([10, 10]);
    timers.fire();
    await server.idle();
    expect(timers.due()).toEqual([20]);
    timers.fire();
    await server.idle();
    expect(timers.due()).toEqual([]);
    expect(handled.filter((id) => id === 1)).toHaveLength(2);
    expect(handled.filter((id) => id === 2)).toHaveLength(3);
    expect(logs.find((l) => l.experiment_id === 1 && l.msg === 'processed')).toMatchObject({ action: 'proposed' });
    expect(logs.filter((l) => l.experiment_id === 2 && l.msg === 'failed').map((l) => [l.attempt, l.next])).toEqual([
      [1, 'retry in 10 ms'],
      [2, 'retry in 20 ms'],
      [3, 'none; the scheduled outcomes sync will catch up'],
    ]);
  });

  it('a retry that falls due while the queue is full is logged as dropped, never lost silently', async () => {
    const timers = manualTimers();
    const work = gate();
    const { server, logs } = await start({ jobRetry: { attempts: 3, delayMs: 10 }, timers, maxPending: 1 }, async (id) => {
      if (id === 1) throw new Error('Eppo is down');
      await work.wait();
      return { action: 'proposed' };
    });
    await post(server, signed(1));
    await server.idle();
    expect((await post(server, signed(2))).status).toBe(202);
    await work.reached;
    timers.fire();
    expect(logs.filter((l) => l.msg === 'dropped')).toEqual([
      { msg: 'dropped', experiment_id: 1, action: 'error', reason: 'retry 2 not run: the queue is full', next: 'none; the scheduled outcomes sync will catch up' },
    ]);
    work.release();
    await server.idle();
  });

  it('close() drops the retries still waiting, and says so in the log', async () => {
    const timers = manualTimers();
    const { server, logs, handled } = await start({ jobRetry: { attempts: 3, delayMs: 30_000 }, timers }, async () => {
      throw new Error('Eppo is down');
    });
    await post(server, signed(11));
    await server.idle();
    expect(timers.due()).toEqual([30_000]);
    await server.close();
    expect(timers.due()).toEqual([]);
    expect(logs.at(-1)).toEqual({ msg: 'stopping', dropped_retries: 1, note: 'the scheduled outcomes sync will catch up' });
    expect(handled).toEqual([11]);
  });

  it('logs a failed job without its stack, and keeps going', async () => {
    const { server, logs } = await start({ jobRetry: { attempts: 1 } }, async (id) => {
      if (id === 1) throw new Error('GitHub: proposing failed (HTTP 500)');
      return { action: 'unchanged' };
    });
    await post(server, signed(1));
    await post(server, signed(2));
    await server.idle();
    expect(logs.filter((l) => l.msg !== 'delivery').map((l) => [l.experiment_id, l.action, l.error])).toEqual(
      expect.arrayContaining([
        [1, 'error', 'GitHub: proposing failed (HTTP 500)'],
        [2, 'unchanged', undefined],
      ]),
    );
  });
});

describe('trust item 10: stalled work and the health probe', () => {
  const health = async (server: WebhookServer) => {
    const res = await request(`${server.url}/healthz`);
    return { status: res.statusCode, body: JSON.parse(await res.body.text()) as Record<string, unknown> };
  };

  it('trust item 10: /healthz answers 503 stuck while a job runs longer than its timeout, and 200 again once it ends', async () => {
    const work = gate();
    const timers = manualTimers();
    const { server } = await start({ jobTimeoutMs: 50, timers }, async () => {
      await work.wait();
      return { action: 'proposed' };
    });
    expect(await health(server)).toEqual({ status: 200, body: { status: 'ok' } });
    expect((await post(server, signed(4))).status).toBe(202);
    await work.reached;
    timers.advance(50);
    expect(await health(server)).toEqual({ status: 200, body: { status: 'ok' } });
    timers.advance(1);
    expect(await health(server)).toEqual({ status: 503, body: { status: 'stuck', stuck_jobs: 1 } });
    work.release();
    await server.idle();
    expect(await health(server)).toEqual({ status: 200, body: { status: 'ok' } });
  });

  it('trust item 10: with GitHub stalled, the job fails at GITHUB_TIMEOUT_SECONDS and close() returns at once after it', async () => {
    const github = await startFakeGitHub();
    try {
      const host = createGitHubHostFromEnv({ GITHUB_TOKEN: github.token, GITHUB_REPOSITORY: 'acme/experiments', GITHUB_API_URL: github.url, GITHUB_TIMEOUT_SECONDS: '0.3' });
      github.stallNext(10);
      const { server, logs } = await start({ jobRetry: { attempts: 3, delayMs: 60_000 } }, async () => {
        await host.baseHead();
        return { action: 'proposed' };
      });
      expect((await post(server, signed(5))).status).toBe(202);
      await github.untilStalled();
      expect(github.stalled()).toBe(1);
      await server.close();
      // GitHub never answered: close() waited for the timeout only, not for GitHub.
      expect(github.requests.map((r) => r.status)).toEqual([0]);
      expect(logs.find((l) => l.msg === 'failed')).toMatchObject({
        experiment_id: 5,
        action: 'error',
        error: expect.stringMatching(/^GitHub: reading the head of the base branch in acme\/experiments failed: no complete answer within 0\.3 s/),
      });
      expect(github.requests).toHaveLength(1);
    } finally {
      await github.close();
    }
  });
});

describe('stopping: the grace period, then the work still running is cancelled', () => {
  it('close() waits closeGraceMs for a job in flight, then aborts its signal and resolves once it ends', async () => {
    const timers = manualTimers();
    let aborted = false;
    const work = gate();
    const { server, logs } = await start({ closeGraceMs: 60_000, timers }, async (_id, signal) => {
      void work.wait();
      await new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }));
      aborted = true;
      throw new Error('cancelled before Eppo answered');
    });
    expect((await post(server, signed(6))).status).toBe(202);
    await work.reached;
    let closed = false;
    const closing = server.close().then(() => void (closed = true));
    await timers.scheduled();
    expect(timers.due()).toEqual([60_000]);
    expect([aborted, closed]).toEqual([false, false]);
    timers.fire();
    await closing;
    expect(aborted).toBe(true);
    expect(logs.filter((l) => l.msg === 'stopping' || l.msg === 'failed').map((l) => [l.msg, l.cancelled_jobs ?? l.error, l.next])).toEqual([
      ['stopping', 1, undefined],
      ['failed', 'cancelled before Eppo answered', 'none; the scheduled outcomes sync will catch up'],
    ]);
  });

  it('close() cancels nothing when the work ends within the grace period', async () => {
    const timers = manualTimers();
    const work = gate();
    const { server, logs } = await start({ closeGraceMs: 60_000, timers }, async (_id, signal) => {
      await work.wait();
      return { action: signal.aborted ? 'cancelled' : 'proposed' };
    });
    await post(server, signed(7));
    await work.reached;
    const closing = server.close();
    work.release();
    await closing;
    expect(timers.due()).toEqual([]);
    expect(logs.find((l) => l.msg === 'processed')).toMatchObject({ experiment_id: 7, action: 'proposed' });
    expect(logs.some((l) => l.msg === 'stopping')).toBe(false);
  });

  it('a stalled GitHub read of a cancelled job ends at once: the host takes the signal', async () => {
    const github = await startFakeGitHub();
    const timers = manualTimers();
    const cancelJobs = new AbortController();
    try {
      // A long request timeout: only the cancellation can end the read.
      const host = createGitHubHostFromEnv({ GITHUB_TOKEN: github.token, GITHUB_REPOSITORY: 'acme/experiments', GITHUB_API_URL: github.url, GITHUB_TIMEOUT_SECONDS: '600' }, { signal: cancelJobs.signal });
      github.stallNext(1);
      const { server, logs } = await start({ closeGraceMs: 60_000, timers, cancelJobs }, async () => {
        await host.baseHead();
        return { action: 'proposed' };
      });
      await post(server, signed(8));
      await github.untilStalled();
      const closing = server.close();
      await timers.scheduled();
      timers.fire();
      await closing;
      expect(github.stalled()).toBe(0);
      expect(logs.find((l) => l.msg === 'failed')).toMatchObject({
        experiment_id: 8,
        error: 'GitHub: reading the head of the base branch in acme/experiments was cancelled: the command is stopping; the scheduled outcomes sync records what was left undone',
      });
    } finally {
      await github.close();
    }
  });
});

describe('trust item 11: webhook server edge cases', () => {
  it.each([
    ['415, a body that is not JSON', 'POST /webhooks/eppo HTTP/1.1\r\nHost: x\r\nContent-Type: text/plain\r\nContent-Length: 100000\r\n\r\nsome', 415],
    ['404, another path', 'POST /elsewhere HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n{"a":', 404],
    ['405, another method on the webhook', 'PUT /webhooks/eppo HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n{"a":', 405],
    ['405, a body posted to the health probe', 'POST /healthz HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n{"a":', 405],
  ])('trust item 11: after a %s, closes the connection instead of reading the declared body', async (_what, head, status) => {
    const { server, handled } = await start();
    const started = performance.now();
    const answer = await raw(server, [head], 3_000);
    expect(answer.text).toMatch(new RegExp(`^HTTP/1\\.1 ${status} `));
    expect(answer.text).toMatch(/\r\nconnection: close\r\n/i);
    expect(answer.closed).toBe(true);
    expect(performance.now() - started).toBeLessThan(2_000);
    expect(handled).toEqual([]);
  });

  it('trust item 11: a deeply nested unsigned body gets 401, like any other unsigned body', async () => {
    const { server, logs } = await start();
    const depth = 20_000;
    const body = `{"event":"experiment.status.updated","data":${'['.repeat(depth)}${']'.repeat(depth)},"signature":"${'a'.repeat(64)}"}`;
    expect(body.length).toBeLessThan(64 * 1024);
    const answer = await post(server, body);
    expect(answer).toMatchObject({ status: 401, body: { error: 'unauthorized' } });
    expect(logs.at(-1)).toMatchObject({ action: 'rejected', reason: 'invalid signature', status: 401 });
  });
});
