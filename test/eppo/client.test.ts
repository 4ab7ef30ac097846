import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ConfigError, EppoApiError, InternalError } from '../../src/errors.js';
import { isLoopbackHost } from '../../src/util/index.js';
import {
  createEppoClient,
  EppoRequestError,
  fetchWorkspace,
  isConcluded,
  parseBaseUrl,
  type EppoApi,
} from '../../src/eppo/index.js';
import { backoffDelay, parseRetryAfter } from '../../src/eppo/client.js';
import { FAST, startTestEppo, type TestEppo } from './helpers.js';

function seedBody(key: string, over: Record<string, unknown> = {}) {
  return {
    name: `Experiment ${key}`,
    experiment_key: key,
    entity_id: 1,
    assignment_source_id: 1,
    assignments_start_date: '2026-01-05T00:00:00.000Z',
    hypothesis: null,
    traffic_allocation: 1,
    variations: [
      { name: 'Control', variant_key: 'control', is_control: true, weighted_expected_traffic: 0.5, is_active: true },
      { name: 'Green', variant_key: 'green', is_control: false, weighted_expected_traffic: 0.5, is_active: true },
    ],
    metrics: [{ metric_id: 1, is_primary: true }],
    ...over,
  };
}

/** Resolves once `check` holds (polled every 5 ms), or fails after 5 s. */
async function until(check: () => boolean): Promise<void> {
  for (const deadline = Date.now() + 5_000; !check(); ) {
    if (Date.now() > deadline) throw new Error('condition not met within 5 s');
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

/** A bare HTTP server whose answers a test scripts; records what it received. */
async function scriptedServer(handler: (req: { method: string; url: string; headers: IncomingHttpHeaders }, res: import('node:http').ServerResponse) => void) {
  const seen: Array<{ method: string; url: string; headers: IncomingHttpHeaders }> = [];
  const server: Server = createServer((req, res) => {
    const entry = { method: req.method ?? 'GET', url: req.url ?? '/', headers: req.headers };
    seen.push(entry);
    req.resume();
    req.on('end', () => handler(entry, res));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}/api/v1`,
    seen,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

describe('base URL checks', () => {
  it.each([
    ['http://127.0.0.1:8080/api/v1', true],
    ['http://127.9.9.9/api/v1', true],
    ['http://localhost:1/api/v1', true],
    ['http://[::1]:9/api/v1', true],
    ['https://eppo.cloud/api/v1/', true],
  ])('accepts %s', (url, ok) => {
    expect(() => parseBaseUrl(url)).not.toThrow();
    expect(ok).toBe(true);
  });

  it.each(['http://eppo.cloud/api/v1', 'http://10.0.0.1/api/v1', 'http://127.0.0.1.example.com/api/v1', 'http://128.0.0.1/api/v1'])(
    'refuses plain http to %s with a ConfigError that says why',
    (url) => {
      expect(() => createEppoClient({ baseUrl: url, apiKey: 'k' })).toThrow(ConfigError);
      expect(() => createEppoClient({ baseUrl: url, apiKey: 'k' })).toThrow(/plain http .*loopback/);
    },
  );

  it('refuses non-URLs and other schemes, and strips a trailing slash', () => {
    expect(() => parseBaseUrl('eppo.cloud')).toThrow(/not a valid URL/);
    expect(() => parseBaseUrl('ftp://eppo.cloud/api/v1')).toThrow(/must be https/);
    expect(parseBaseUrl('https://eppo.cloud/api/v1/').pathname).toBe('/api/v1');
    expect(isLoopbackHost('127.0.0.300')).toBe(false);
  });
});

describe('Retry-After and backoff', () => {
  it('parses seconds and HTTP dates', () => {
    const now = Date.parse('2026-01-01T00:00:00Z');
    expect(parseRetryAfter('3', now)).toBe(3000);
    expect(parseRetryAfter('Thu, 01 Jan 2026 00:00:05 GMT', now)).toBe(5000);
    expect(parseRetryAfter('Wed, 31 Dec 2025 00:00:00 GMT', now)).toBe(0);
    expect(parseRetryAfter('soon', now)).toBeUndefined();
    expect(parseRetryAfter(undefined, now)).toBeUndefined();
  });

  it('uses full jitter under an exponential ceiling, and lets Retry-After win up to the cap', () => {
    expect(backoffDelay(1, 500, 30_000, undefined, () => 0.999)).toBe(499);
    expect(backoffDelay(4, 500, 30_000, undefined, () => 0.5)).toBe(2000);
    expect(backoffDelay(20, 500, 30_000, undefined, () => 0.999)).toBe(29_970);
    expect(backoffDelay(1, 500, 30_000, 7000)).toBe(7000);
    expect(backoffDelay(1, 500, 30_000, 90_000)).toBe(30_000);
  });

  it('compares statuses loosely for Concluded only', () => {
    expect(['Concluded', 'CONCLUDED', ' concluded ', 'con-cluded', 'con_cluded'].map(isConcluded)).toEqual([true, true, true, true, true]);
    expect(['Running', 'Wrap Up', '', null, undefined, 'Concluded!'].map(isConcluded)).toEqual([false, false, false, false, false, false]);
  });
});

describe('client against the emulator', () => {
  let t: TestEppo;
  let retries: Array<{ method: string; path: string; attempt: number; delayMs: number; reason: string }>;
  beforeEach(async () => {
    retries = [];
    t = await startTestEppo({}, { onRetry: (e) => retries.push(e) });
  });
  afterEach(async () => {
    await t.close();
  });

  it('reads the workspace, 4 lists in parallel, with the token header', async () => {
    const ws = await fetchWorkspace(t.api);
    expect(ws.entities.map((e) => e.name)).toEqual(['user', 'company']);
    expect(ws.assignmentSources.map((s) => s.id)).toEqual([1, 2, 3]);
    expect(ws.metrics).toHaveLength(8);
    expect(ws.experiments).toEqual([]);
    const log = await t.requests();
    expect(log.map((r) => r.path).sort()).toEqual(['/api/v1/definitions/assignments', '/api/v1/definitions/entities', '/api/v1/experiments', '/api/v1/metrics']);
    expect(log.every((r) => r.status === 200)).toBe(true);
  });

  it('a call on a closed client is a bug of the caller (InternalError), and sends nothing', async () => {
    const api = createEppoClient({ ...FAST, baseUrl: t.emu.url, apiKey: t.emu.apiKey });
    await api.close();
    const before = (await t.requests()).length;
    await expect(api.listEntities()).rejects.toThrow(new InternalError('GET /definitions/entities was called on an Eppo client that is closed'));
    expect((await t.requests()).length).toBe(before);
  });

  it('pages lists with limit 250 until a short page, keeping unknown fields', async () => {
    t.emu.seedExperiments(Array.from({ length: 600 }, (_, i) => seedBody(`exp-${String(i).padStart(4, '0')}`)));
    const all = await t.api.listExperiments();
    expect(all).toHaveLength(600);
    expect(new Set(all.map((e) => e.id)).size).toBe(600);
    expect(all.map((e) => e.experiment_key)).toEqual([...all.map((e) => e.experiment_key)].sort());
    const pages = (await t.requests()).filter((r) => r.path === '/api/v1/experiments');
    expect(pages.every((r) => r.query.limit === '250')).toBe(true);
    expect(pages.map((r) => Number(r.query.offset)).sort((a, b) => a - b).slice(0, 3)).toEqual([0, 250, 500]);
    // a short page stops the speculative fetches: at most one wave beyond it
    expect(pages.length).toBeLessThanOrEqual(3 + 4);
  });

  it('filters by experiment_key', async () => {
    t.emu.seedExperiments([seedBody('a'), seedBody('b')]);
    const found = await t.api.listExperiments({ experiment_key: 'b' });
    expect(found.map((e) => e.experiment_key)).toEqual(['b']);
  });

  it('retries 429 honouring Retry-After (capped), then succeeds', async () => {
    await t.faults({ kind: 'status', status: 429, retryAfterSeconds: 2, count: 2, match: { pathPrefix: '/api/v1/definitions/entities' } });
    const entities = await t.api.listEntities();
    expect(entities).toHaveLength(2);
    expect(retries.map((r) => [r.attempt, r.delayMs])).toEqual([
      [1, 50],
      [2, 50],
    ]);
    expect(retries[0]!.reason).toMatch(/429/);
  });

  it('retries 500s with backoff and gives up after 5 attempts with status and hint', async () => {
    await t.faults({ kind: 'status', status: 500, count: 10, match: { pathPrefix: '/api/v1/definitions/entities' } });
    const error = await t.api.listEntities().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(EppoApiError);
    expect(error).toMatchObject({ method: 'GET', path: '/definitions/entities', status: 500 });
    expect((error as EppoApiError).hint).toMatch(/server error/);
    const log = (await t.requests()).filter((r) => r.path === '/api/v1/definitions/entities');
    expect(log).toHaveLength(5);
    expect(retries).toHaveLength(4);
  });

  it('retries a dropped connection and a timeout on GET', async () => {
    await t.faults([
      { kind: 'drop', count: 1, match: { pathPrefix: '/api/v1/definitions/assignments' } },
      { kind: 'latency', ms: 800, count: 1, match: { pathPrefix: '/api/v1/definitions/entities' } },
    ]);
    const fast = createEppoClient({ ...FAST, requestTimeoutMs: 300, baseUrl: t.emu.url, apiKey: t.emu.apiKey, onRetry: (e) => retries.push(e) });
    try {
      expect(await fast.listAssignmentSources()).toHaveLength(3);
      expect(await fast.listEntities()).toHaveLength(2);
    } finally {
      await fast.close();
    }
    expect(retries.map((r) => r.path)).toEqual(['/definitions/assignments', '/definitions/entities']);
    expect(retries[1]!.reason).toMatch(/timed out/);
  });

  it('never retries a POST after a 500, a 429 or a drop: the caller must look the key up', async () => {
    for (const fault of [
      { kind: 'status', status: 500 },
      { kind: 'status', status: 429, retryAfterSeconds: 0 },
      { kind: 'drop' },
    ] as const) {
      await t.faults({ ...fault, count: 1, phase: 'after', match: { method: 'POST', pathPrefix: '/api/v1/experiments' } });
      const error = await t.api.createExperiment(seedBody(`post-${fault.kind}-${'status' in fault ? fault.status : 0}`)).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(EppoRequestError);
      expect((error as EppoRequestError).retryable).toBe(true);
      expect((error as EppoRequestError).notProcessed).toBe(false);
    }
    const posts = (await t.requests()).filter((r) => r.method === 'POST');
    expect(posts).toHaveLength(3);
    expect(await t.api.listExperiments()).toHaveLength(3);
  });

  it('does not retry 400/401/404 and gives hints', async () => {
    const bad = await t.api.createExperiment({ name: 'x' }).catch((e: unknown) => e);
    expect(bad).toMatchObject({ status: 400, method: 'POST' });
    const missing = await t.api.getExperiment(999).catch((e: unknown) => e);
    expect(missing).toMatchObject({ status: 404, path: '/experiments/999' });
    expect((missing as EppoApiError).hint).toMatch(/not found/);
    const wrongKey = createEppoClient({ ...FAST, baseUrl: t.emu.url, apiKey: 'not-the-key-1234' });
    try {
      const denied = await wrongKey.listEntities().catch((e: unknown) => e);
      expect(denied).toMatchObject({ status: 401 });
      expect((denied as EppoApiError).hint).toMatch(/EPPO_API_KEY/);
      expect((denied as Error).message).not.toContain('not-the-key-1234');
    } finally {
      await wrongKey.close();
    }
    expect(retries).toEqual([]);
  });

  it('gives 403 the permission hint', async () => {
    const { startEmulator } = await import('../../src/emulator/index.js');
    const emu = await startEmulator({ port: 0, apiKeys: [{ key: 'read-only-key', access: 'read' }] });
    const api = createEppoClient({ ...FAST, baseUrl: emu.url, apiKey: 'read-only-key' });
    try {
      const error = await api.createExperiment(seedBody('x')).catch((e: unknown) => e);
      expect(error).toMatchObject({ status: 403 });
      expect((error as EppoApiError).hint).toBe('the key needs Experiments read/write');
    } finally {
      await api.close();
      await emu.close();
    }
  });
});

describe('client against scripted servers', () => {
  const closers: Array<() => Promise<void>> = [];
  afterEach(async () => {
    while (closers.length > 0) await closers.pop()!();
  });
  const client = (url: string, extra: Record<string, unknown> = {}): EppoApi => {
    const api = createEppoClient({ ...FAST, baseUrl: url, apiKey: 'secret-token-value', ...extra });
    closers.push(() => api.close());
    return api;
  };

  it('does not follow redirects and never sends the token to the other host', async () => {
    const other = await scriptedServer((_req, res) => res.end('[]'));
    closers.push(other.close);
    const redirecting = await scriptedServer((_req, res) => {
      res.writeHead(302, { location: `${other.url.replace('127.0.0.1', 'localhost')}/definitions/entities` });
      res.end();
    });
    closers.push(redirecting.close);
    const error = await client(redirecting.url).listEntities().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(EppoApiError);
    expect((error as Error).message).toMatch(/302 redirect to host localhost:\d+/);
    expect(redirecting.seen).toHaveLength(1);
    expect(redirecting.seen[0]!.headers['x-eppo-token']).toBe('secret-token-value');
    expect(other.seen).toHaveLength(0);
  });

  it('redacts the token from messages, even when the server echoes it', async () => {
    const echo = await scriptedServer((req, res) => {
      res.writeHead(400, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ message: `bad token ${String(req.headers['x-eppo-token'])}` }));
    });
    closers.push(echo.close);
    const error = await client(echo.url).listEntities().catch((e: unknown) => e);
    expect((error as Error).message).toBe('Eppo answered 400: bad token ***');
  });

  it.each([
    ['JSON', (key: string, pad: number) => JSON.stringify({ message: `${'x'.repeat(pad)} key ${key} rejected` })],
    ['plain text', (key: string, pad: number) => `${'x'.repeat(pad)} key ${key} rejected`],
  ])('trust item 7: redacts an echoed key before cutting a long %s detail, wherever the cut falls', async (_kind, body) => {
    const key = 'eppo-key-7f3a9c1d-5b2e-4a10-9c8f-d2e1'; // 36 characters
    for (const pad of [250, 270, 280, 285, 290, 295, 296, 310]) {
      const echo = await scriptedServer((_req, res) => {
        res.writeHead(400, { 'content-type': 'text/plain' });
        res.end(body(key, pad));
      });
      const api = createEppoClient({ ...FAST, baseUrl: echo.url, apiKey: key, maxAttempts: 1 });
      const error = (await api.listEntities().catch((e: unknown) => e)) as Error;
      await api.close();
      await echo.close();
      expect(error.message).toMatch(/^Eppo answered 400: x+/);
      for (let start = 0; start + 6 <= key.length; start++) {
        expect(error.message.includes(key.slice(start, start + 6)), `a piece of the key at ${start} shows with ${pad} characters before it`).toBe(false);
      }
    }
  });

  it.each(['k', 'short12', ' 1234567 '])('trust item 7: refuses a key under 8 characters (%j) with a message that says why', (apiKey) => {
    expect(() => createEppoClient({ baseUrl: 'https://eppo.cloud/api/v1', apiKey })).toThrow(ConfigError);
    expect(() => createEppoClient({ baseUrl: 'https://eppo.cloud/api/v1', apiKey })).toThrow(/EPPO_API_KEY is \d characters? long; .*shorter than 8 characters/);
  });

  it('stops paging when the server ignores limit and offset', async () => {
    const items = Array.from({ length: 300 }, (_, i) => ({ id: i + 1, name: `m${i}` }));
    const server = await scriptedServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify(items));
    });
    closers.push(server.close);
    expect(await client(server.url).listMetrics()).toHaveLength(300);
    expect(server.seen).toHaveLength(1);
  });

  it('passes unknown fields through', async () => {
    const server = await scriptedServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ id: 7, name: 'x', experiment_key: 'x', brand_new_field: { nested: [1, 2] } }));
    });
    closers.push(server.close);
    const exp = await client(server.url).getExperiment(7);
    expect(exp.brand_new_field).toEqual({ nested: [1, 2] });
    expect(server.seen[0]).toMatchObject({ method: 'GET', url: '/api/v1/experiments/7' });
  });

  it('checks response shapes: an array where one is expected', async () => {
    const wrong = await scriptedServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{"data": []}');
    });
    closers.push(wrong.close);
    await expect(client(wrong.url).listEntities()).rejects.toThrow(/expected a JSON array from Eppo, got an object/);
    await expect(client(wrong.url).getExperiment(1)).rejects.toThrow(/numeric "id"/);
  });

  it('says to check EPPO_BASE_URL for every answer not shaped like Eppo\'s: the list, each item, one object', async () => {
    const hint = 'check EPPO_BASE_URL: it should point at the Eppo REST API (…/api/v1)';
    const items = await scriptedServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('[{"name": "no id"}]');
    });
    closers.push(items.close);
    await expect(client(items.url).listEntities()).rejects.toMatchObject({ message: expect.stringMatching(/numeric "id" in the list/), hint });
    const object = await scriptedServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{"id": "7"}');
    });
    closers.push(object.close);
    await expect(client(object.url).getExperiment(7)).rejects.toMatchObject({ message: expect.stringMatching(/JSON object with a numeric "id"/), hint });
    const list = await scriptedServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{"data": []}');
    });
    closers.push(list.close);
    await expect(client(list.url).listEntities()).rejects.toMatchObject({ hint });
  });

  it('stops at once when its signal is aborted: the request in flight is cancelled, nothing is retried', async () => {
    let answer: (() => void) | undefined;
    const silent = await scriptedServer((_req, res) => {
      answer = () => res.end('[]');
    });
    closers.push(async () => {
      answer?.();
      await silent.close();
    });
    const controller = new AbortController();
    const api = client(silent.url, { signal: controller.signal, requestTimeoutMs: 20_000 });
    const pending = api.listEntities().catch((e: unknown) => e);
    await until(() => silent.seen.length === 1);
    const started = Date.now();
    controller.abort();
    const error = await pending;
    expect(Date.now() - started).toBeLessThan(1_000);
    expect(error).toBeInstanceOf(EppoRequestError);
    expect(error).toMatchObject({ cancelled: true, retryable: false, timedOut: false, method: 'GET', path: '/definitions/entities' });
    expect((error as Error).message).toMatch(/cancelled/);
    // later calls fail without sending anything
    await expect(api.listMetrics()).rejects.toMatchObject({ cancelled: true });
    expect(silent.seen).toHaveLength(1);
  });

  it('lets a write in flight finish when its signal is aborted: its answer says whether it happened', async () => {
    let answer: (() => void) | undefined;
    const slow = await scriptedServer((req, res) => {
      if (req.method === 'POST') {
        answer = () => {
          res.writeHead(201, { 'content-type': 'application/json' });
          res.end(JSON.stringify({ id: 9, experiment_key: 'x' }));
        };
      } else {
        res.end('[]');
      }
    });
    closers.push(slow.close);
    const controller = new AbortController();
    const api = client(slow.url, { signal: controller.signal, requestTimeoutMs: 20_000 });
    const pending = api.createExperiment(seedBody('x'));
    await until(() => answer !== undefined);
    controller.abort();
    await new Promise((r) => setTimeout(r, 50));
    answer!();
    expect(await pending).toMatchObject({ id: 9 });
    // a new call after the abort is not sent
    await expect(api.listEntities()).rejects.toMatchObject({ cancelled: true });
    expect(slow.seen.map((r) => r.method)).toEqual(['POST']);
  });

  it('cuts a retry wait short when its signal is aborted, and sends no further attempt', async () => {
    const busy = await scriptedServer((_req, res) => {
      res.writeHead(503, { 'retry-after': '30' });
      res.end();
    });
    closers.push(busy.close);
    const controller = new AbortController();
    const waits: number[] = [];
    const api = client(busy.url, { signal: controller.signal, maxRetryDelayMs: 60_000, onRetry: (e: { delayMs: number }) => waits.push(e.delayMs) });
    const pending = api.listExperiments().catch((e: unknown) => e);
    await until(() => waits.length === 1);
    const started = Date.now();
    controller.abort();
    const error = await pending;
    expect(waits).toEqual([30_000]);
    expect(Date.now() - started).toBeLessThan(1_000);
    expect(error).toMatchObject({ cancelled: true, retryable: false });
    expect(busy.seen).toHaveLength(1);
  });

  it('retries a create only when the connection was refused (nothing was sent)', async () => {
    const gone = await scriptedServer((_req, res) => res.end('{}'));
    const url = gone.url;
    await gone.close();
    const seen: string[] = [];
    const error = await client(url, { onRetry: (e: { reason: string }) => seen.push(e.reason) }).createExperiment(seedBody('x')).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(EppoRequestError);
    expect((error as EppoRequestError).notProcessed).toBe(true);
    expect(seen).toHaveLength(4);
    expect(seen[0]).toMatch(/ECONNREFUSED/);
  });
});
