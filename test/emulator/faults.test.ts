import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { mulberry32 } from '../../src/emulator/index.js';
import { manualTimers } from '../helpers/manual-timers.js';
import { startHarness, experimentBody, type Harness } from './helpers.js';

let h: Harness;
beforeEach(async () => {
  h = await startHarness();
});
afterEach(() => h.emu.close());

const statuses = async (n: number, path = '/definitions/entities') => {
  const out: number[] = [];
  for (let i = 0; i < n; i++) out.push((await h.api('GET', path)).status);
  return out;
};

describe('status faults', () => {
  it('answers 429 with Retry-After for the next N requests, then recovers', async () => {
    const added = await h.control('POST', '/faults', { kind: 'status', status: 429, retryAfterSeconds: 2, count: 2 });
    expect(added.status).toBe(201);
    expect(added.body).toEqual([expect.objectContaining({ id: 1, remaining: 2, hits: 0 })]);
    const first = await h.api('GET', '/experiments');
    expect(first.status).toBe(429);
    expect(first.headers['retry-after']).toBe('2');
    expect(first.body).toMatchObject({ statusCode: 429, error: 'Too Many Requests' });
    expect((await h.control('GET', '/faults')).body[0]).toMatchObject({ remaining: 1, hits: 1 });
    expect(await statuses(2, '/experiments')).toEqual([429, 200]);
    expect((await h.control('GET', '/faults')).body).toEqual([]);
  });

  it.each([500, 502, 503])('answers %i once by default', async (status) => {
    await h.control('POST', '/faults', { kind: 'status', status });
    const res = await h.api('GET', '/metrics');
    expect(res.status).toBe(status);
    expect(res.body.statusCode).toBe(status);
    expect(res.headers['retry-after']).toBeUndefined();
    expect((await h.api('GET', '/metrics')).status).toBe(200);
  });

  it('matches on method and path prefix, and never touches control routes', async () => {
    await h.control('POST', '/faults', { kind: 'status', status: 503, share: 1, match: { method: 'post', pathPrefix: '/api/v1/experiments' } });
    expect((await h.api('GET', '/experiments')).status).toBe(200);
    expect((await h.api('POST', '/metrics', {})).status).toBe(405);
    expect((await h.api('POST', '/experiments', experimentBody())).status).toBe(503);
    expect((await h.api('POST', '/experiments/', experimentBody())).status).toBe(503);
    await h.control('POST', '/faults', { kind: 'drop', share: 1 });
    expect((await h.control('GET', '/health')).status).toBe(200);
    expect((await h.control('DELETE', '/faults')).status).toBe(200);
    expect((await h.api('POST', '/experiments', experimentBody())).status).toBe(201);
  });

  it('phase after: the write happens, then the fault is answered instead of the result', async () => {
    await h.control('POST', '/faults', { kind: 'status', status: 502, phase: 'after', match: { method: 'POST' } });
    const res = await h.api('POST', '/experiments', experimentBody());
    expect(res.status).toBe(502);
    const list = (await h.api('GET', '/experiments')).body;
    expect(list.map((e: any) => e.experiment_key)).toEqual(['checkout-button-color']);
    const log = (await h.control('GET', '/requests')).body;
    expect(log[0]).toMatchObject({ method: 'POST', status: 502, fault: 'status 502 (after)' });
  });
});

describe('latency and dropped connections', () => {
  it('adds latency to the matching request only, and answers once it is over', async () => {
    const timers = manualTimers();
    const slow = await startHarness({ timers });
    try {
      await slow.control('POST', '/faults', { kind: 'latency', ms: 150, match: { pathPrefix: '/api/v1/metrics' } });
      expect((await slow.api('GET', '/experiments')).status).toBe(200);
      expect(timers.due()).toEqual([]);
      expect((await slow.control('GET', '/faults')).body).toHaveLength(1);
      let answered = false;
      const metrics = slow.api('GET', '/metrics').then((r) => ((answered = true), r));
      await timers.scheduled();
      expect(timers.due()).toEqual([150]);
      expect(answered).toBe(false);
      timers.fire();
      expect((await metrics).status).toBe(200);
      expect((await slow.control('GET', '/faults')).body).toEqual([]);
    } finally {
      await slow.emu.close();
    }
  });

  it('adds latencyMs to every API request, and a latency fault on top', async () => {
    const timers = manualTimers();
    const slow = await startHarness({ latencyMs: 120, timers });
    try {
      const entities = slow.api('GET', '/definitions/entities');
      await timers.scheduled();
      expect(timers.due()).toEqual([120]);
      timers.fire();
      expect((await entities).status).toBe(200);
      slow.emu.addFaults({ kind: 'latency', ms: 30 });
      const metrics = slow.api('GET', '/metrics');
      await timers.scheduled(2);
      expect(timers.due()).toEqual([150]);
      timers.fire();
      expect((await metrics).status).toBe(200);
    } finally {
      await slow.emu.close();
    }
  });

  it('close() finishes a request in flight before it resolves', async () => {
    const timers = manualTimers();
    const slow = await startHarness({ timers });
    slow.emu.addFaults({ kind: 'latency', ms: 200 });
    const pending = slow.api('POST', '/experiments', experimentBody());
    // The request arrived: it waits out its latency.
    await timers.scheduled();
    let closed = false;
    const closing = slow.emu.close().then(() => void (closed = true));
    await new Promise<void>((resolve) => setImmediate(resolve));
    expect(closed).toBe(false);
    timers.fire();
    await closing;
    expect((await pending).status).toBe(201);
    await expect(slow.api('GET', '/experiments')).rejects.toThrow();
  });

  it('drops the connection without an answer', async () => {
    await h.control('POST', '/faults', { kind: 'drop' });
    await expect(h.api('GET', '/experiments')).rejects.toThrow();
    expect((await h.api('GET', '/experiments')).status).toBe(200);
    const log = (await h.control('GET', '/requests')).body;
    expect(log[0]).toMatchObject({ status: null, fault: 'drop (before)' });
  });

  it('drop after: the experiment is created although the client sees no answer', async () => {
    await h.control('POST', '/faults', { kind: 'drop', phase: 'after', match: { method: 'POST' } });
    await expect(h.api('POST', '/experiments', experimentBody())).rejects.toThrow();
    expect((await h.api('GET', '/experiments')).body).toHaveLength(1);
    await expect(h.api('POST', '/experiments', experimentBody({ experiment_key: 'second' }))).resolves.toMatchObject({ status: 201 });
  });
});

describe('shares and seeds', () => {
  const pattern = async (seed: number) => {
    const other = await startHarness();
    try {
      await other.control('POST', '/faults', { kind: 'status', status: 503, share: 0.5, seed });
      const out: number[] = [];
      for (let i = 0; i < 24; i++) out.push((await other.api('GET', '/definitions/entities')).status);
      return out;
    } finally {
      await other.emu.close();
    }
  };

  it('is deterministic for a seed and follows mulberry32', async () => {
    const a = await pattern(42);
    expect(await pattern(42)).toEqual(a);
    expect(a).toContain(200);
    expect(a).toContain(503);
    const rng = mulberry32(42);
    expect(a).toEqual(Array.from({ length: 24 }, () => (rng() < 0.5 ? 503 : 200)));
    expect(await pattern(7)).not.toEqual(a);
  });

  it('combines share with count: at most count hits', async () => {
    await h.control('POST', '/faults', { kind: 'status', status: 500, share: 1, count: 3 });
    expect(await statuses(5)).toEqual([500, 500, 500, 200, 200]);
  });

  it('share 0 never fires', async () => {
    await h.control('POST', '/faults', { kind: 'status', status: 500, share: 0, seed: 3 });
    expect(await statuses(5)).toEqual([200, 200, 200, 200, 200]);
  });
});

describe('fault specs', () => {
  it.each<[unknown, string]>([
    [{ kind: 'explode' }, 'kind must be one of status, latency, drop, webhook-duplicate, webhook-reorder'],
    [{ kind: 'status', status: 404 }, 'status must be one of 429, 500, 502, 503, 504'],
    [{ kind: 'status', status: 500, count: 0 }, 'count must be an integer >= 1'],
    [{ kind: 'status', status: 500, share: 2 }, 'share must be a number between 0 and 1'],
    [{ kind: 'status', status: 500, phase: 'during' }, 'phase must be "before" or "after"'],
    [{ kind: 'latency', ms: 10, phase: 'after' }, 'phase applies only to kind status or drop'],
    [{ kind: 'latency' }, 'ms must be a number between 0 and 600000'],
    [{ kind: 'drop', match: { method: 1 } }, 'match.method must be a string'],
    [[{ kind: 'drop' }, { kind: 'status' }], '[1].status must be one of 429, 500, 502, 503, 504'],
  ])('rejects %j', async (spec, message) => {
    const res = await h.control('POST', '/faults', spec);
    expect(res.status).toBe(400);
    expect(res.body.message).toBe(message);
    expect((await h.control('GET', '/faults')).body).toEqual([]);
  });

  it('accepts an array of specs', async () => {
    const res = await h.control('POST', '/faults', [
      { kind: 'status', status: 429, retryAfterSeconds: 0 },
      { kind: 'latency', ms: 1, count: 4 },
    ]);
    expect(res.body.map((f: any) => f.spec.kind)).toEqual(['status', 'latency']);
    const first = await h.api('GET', '/experiments');
    expect(first.status).toBe(429);
    expect(first.headers['retry-after']).toBe('0');
  });
});
