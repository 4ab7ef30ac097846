import { connect } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { EmulatorInputError } from '../../src/errors.js';
import { startHarness, experimentBody, call, type Harness } from './helpers.js';

const ISO_MS = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
let clock: Date;
let h: Harness;

beforeEach(async () => {
  clock = new Date('2026-03-01T12:00:00.000Z');
  h = await startHarness({
    now: () => clock,
    apiKeys: [
      { key: 'rw-key', access: 'read-write' },
      { key: 'ro-key', access: 'read' },
    ],
  });
});
afterEach(() => h.emu.close());

describe('definitions', () => {
  it('serves the seed entities and assignment sources as bare arrays with fixed ids', async () => {
    const entities = await h.api('GET', '/definitions/entities');
    expect(entities.status).toBe(200);
    expect(entities.body).toEqual([
      { id: 1, name: 'user' },
      { id: 2, name: 'company' },
    ]);
    const sources = await h.api('GET', '/definitions/assignments/');
    expect(sources.status).toBe(200);
    expect(sources.body.map((s: any) => [s.id, s.name, s.entity_id])).toEqual([
      [1, 'User assignments', 1],
      [2, 'Company assignments', 2],
      [3, 'Mobile app assignments', 1],
    ]);
    for (const key of ['sql', 'experiment_key_column', 'timestamp_column', 'entity_join_column_name']) {
      expect(typeof sources.body[0][key]).toBe('string');
    }
  });

  it('paginates metrics and marks the guardrails', async () => {
    const all = await h.api('GET', '/metrics');
    expect(all.body.map((m: any) => m.id)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    expect(all.body.filter((m: any) => m.is_guardrail).map((m: any) => m.name)).toEqual(['Page load time', 'Error rate']);
    expect(all.body.find((m: any) => m.id === 6)).toMatchObject({ name: 'Seats purchased', entity_id: 2 });
    const page = await h.api('GET', '/metrics/?limit=3&offset=6');
    expect(page.body.map((m: any) => m.id)).toEqual([7, 8]);
    expect((await h.api('GET', '/metrics?offset=8')).body).toEqual([]);
    expect((await h.api('GET', '/metrics?limit=251')).status).toBe(400);
  });
});

describe('experiments: create and read', () => {
  it('answers 201 with the full object, variation ids and guardrails attached', async () => {
    const res = await h.api('POST', '/experiments', experimentBody());
    expect(res.status).toBe(201);
    const exp = res.body;
    expect(Number.isInteger(exp.id)).toBe(true);
    expect(exp).toMatchObject({
      name: 'Checkout button colour',
      experiment_key: 'checkout-button-color',
      status: 'Running',
      winning_variant_key: null,
      outcome: null,
      concluded_date: null,
      created_date: '2026-03-01T12:00:00.000Z',
      is_traffic_imbalanced: false,
      results_url: `${h.emu.origin}/experiments/${exp.id}`,
    });
    expect(exp.created_date).toMatch(ISO_MS);
    expect(exp.variations.map((v: any) => Number.isInteger(v.id))).toEqual([true, true]);
    expect(exp.metrics).toEqual([
      { metric_id: 1, is_primary: true },
      { metric_id: 7, is_primary: false },
      { metric_id: 8, is_primary: false },
    ]);
    const got = await h.api('GET', `/experiments/${exp.id}/`);
    expect(got.status).toBe(200);
    expect(got.body).toEqual(exp);
  });

  it('accepts the trailing-slash create, normalises dates to ISO UTC with ms, fills defaults', async () => {
    const body = experimentBody({ assignments_start_date: '2026-02-01', hypothesis: undefined, traffic_allocation: undefined });
    const res = await h.api('POST', '/experiments/', body);
    expect(res.status).toBe(201);
    expect(res.body.assignments_start_date).toBe('2026-02-01T00:00:00.000Z');
    expect(res.body.hypothesis).toBeNull();
    expect(res.body.traffic_allocation).toBe(1);
  });

  it('does not attach a guardrail twice when the body already lists it', async () => {
    const res = await h.api('POST', '/experiments', experimentBody({ metrics: [{ metric_id: 7, is_primary: true }] }));
    expect(res.body.metrics).toEqual([
      { metric_id: 7, is_primary: true },
      { metric_id: 8, is_primary: false },
    ]);
  });

  it('gives 404 with a JSON error for an unknown or non-integer id', async () => {
    for (const id of ['999', 'abc']) {
      const res = await h.api('GET', `/experiments/${id}`);
      expect(res.status).toBe(404);
      expect(res.body).toEqual({ statusCode: 404, error: 'Not Found', message: `experiment ${id} not found` });
    }
  });

  it('derives the status from the dates with the clock', async () => {
    const draftNoStart = (await h.api('POST', '/experiments', experimentBody({ assignments_start_date: null }))).body;
    const draftFuture = (await h.api('POST', '/experiments', experimentBody({ assignments_start_date: '2026-04-01T00:00:00Z' }))).body;
    const wrap = (await h.api('POST', '/experiments', experimentBody({ assignments_start_date: '2026-01-01', assignments_end_date: '2026-02-01' }))).body;
    expect([draftNoStart.status, draftFuture.status, wrap.status]).toEqual(['Draft', 'Draft', 'Wrap Up']);
    clock = new Date('2026-04-02T00:00:00.000Z');
    expect((await h.api('GET', `/experiments/${draftFuture.id}`)).body.status).toBe('Running');
    expect((await h.api('GET', `/experiments/${draftNoStart.id}`)).body.status).toBe('Draft');
  });
});

describe('experiments: decision', () => {
  it('concludes with a decision, stays concluded, and reopens', async () => {
    const exp = (await h.api('POST', '/experiments', experimentBody())).body;
    clock = new Date('2026-03-10T08:00:00.000Z');
    const decided = await h.control('POST', `/experiments/${exp.id}/decision`, { winning_variant_key: 'green', outcome: 'POSITIVE' });
    expect(decided.status).toBe(200);
    expect(decided.body).toMatchObject({ status: 'Concluded', winning_variant_key: 'green', outcome: 'POSITIVE', concluded_date: '2026-03-10T08:00:00.000Z' });
    clock = new Date('2030-01-01T00:00:00.000Z');
    expect((await h.api('GET', `/experiments/${exp.id}`)).body.status).toBe('Concluded');
    const reopened = await h.control('DELETE', `/experiments/${exp.id}/decision`);
    expect(reopened.body).toMatchObject({ status: 'Running', winning_variant_key: null, outcome: null, concluded_date: null });
  });

  it('rejects a winner that is not a variation, a missing outcome, and an unknown experiment', async () => {
    const exp = (await h.api('POST', '/experiments', experimentBody())).body;
    const bad = await h.control('POST', `/experiments/${exp.id}/decision`, { winning_variant_key: 'red', outcome: 'POSITIVE' });
    expect(bad.status).toBe(400);
    expect(bad.body.message).toBe(`winning_variant_key must name a variation of experiment ${exp.id} (blue, green)`);
    expect((await h.control('POST', `/experiments/${exp.id}/decision`, { winning_variant_key: 'blue' })).status).toBe(400);
    expect((await h.control('POST', '/experiments/4242/decision', { winning_variant_key: 'blue', outcome: 'NEUTRAL' })).status).toBe(404);
  });
});

describe('experiments: update', () => {
  it('merges the fields received, keeps variation ids by variant_key, bumps updated_since', async () => {
    const exp = (await h.api('POST', '/experiments', experimentBody())).body;
    const res = await h.api('PUT', `/experiments/${exp.id}`, { hypothesis: 'Green wins.' });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ ...exp, hypothesis: 'Green wins.' });
    const variations = [
      { ...exp.variations[0], weighted_expected_traffic: 0.4 },
      { ...exp.variations[1], weighted_expected_traffic: 0.4 },
      { name: 'Red', variant_key: 'red', is_control: false, weighted_expected_traffic: 0.2, is_active: true },
    ];
    const second = await h.api('PUT', `/experiments/${exp.id}/`, { ...res.body, variations });
    expect(second.status).toBe(200);
    expect(second.body.variations.slice(0, 2).map((v: any) => v.id)).toEqual(exp.variations.map((v: any) => v.id));
    expect(second.body.variations[2].id).not.toBe(exp.variations[0].id);
    expect(second.body.created_date).toBe(exp.created_date);
  });

  it('validates the merged result', async () => {
    const exp = (await h.api('POST', '/experiments', experimentBody())).body;
    const zero = await h.api('PUT', `/experiments/${exp.id}`, { traffic_allocation: 0 });
    expect(zero.status).toBe(400);
    expect(zero.body.message).toBe('traffic_allocation must be greater than 0 and at most 1, got 0');
    const before = await h.api('PUT', `/experiments/${exp.id}`, { assignments_end_date: '2025-01-01' });
    expect(before.body.message).toBe('assignments_end_date must be after assignments_start_date');
    expect((await h.api('GET', `/experiments/${exp.id}`)).body).toEqual(exp);
    expect((await h.api('PUT', '/experiments/777', { hypothesis: 'x' })).status).toBe(404);
  });

  it('answers 405 with Allow for PATCH and other unsupported methods', async () => {
    const exp = (await h.api('POST', '/experiments', experimentBody())).body;
    const patch = await h.api('PATCH', `/experiments/${exp.id}`, { hypothesis: 'x' });
    expect(patch.status).toBe(405);
    expect(patch.headers['allow']).toBe('GET, PUT');
    expect(patch.body.error).toBe('Method Not Allowed');
    const del = await h.api('DELETE', '/experiments');
    expect(del.status).toBe(405);
    expect(del.headers['allow']).toBe('GET, POST');
    expect((await h.api('POST', '/metrics', {})).headers['allow']).toBe('GET');
  });
});

describe('experiments: list', () => {
  const many = (n: number, key = (i: number) => `exp-${i}`) =>
    Array.from({ length: n }, (_, i) => experimentBody({ experiment_key: key(i), name: `Experiment ${i}` }));

  it('pages with limit and offset; the last page is shorter; past the end is []', async () => {
    h.emu.seedExperiments(many(7));
    const pages: number[][] = [];
    for (let offset = 0; offset < 9; offset += 3) {
      const res = await h.api('GET', `/experiments?limit=3&offset=${offset}`);
      expect(res.status).toBe(200);
      pages.push(res.body.map((e: any) => e.id));
    }
    expect(pages).toEqual([[1, 2, 3], [4, 5, 6], [7]]);
    expect((await h.api('GET', '/experiments?limit=3&offset=7')).body).toEqual([]);
    expect((await h.api('GET', '/experiments?offset=100')).body).toEqual([]);
  });

  it('defaults to 50 and accepts 1 and 250', async () => {
    h.emu.seedExperiments(many(60));
    expect((await h.api('GET', '/experiments')).body).toHaveLength(50);
    expect((await h.api('GET', '/experiments/?limit=250')).body).toHaveLength(60);
    expect((await h.api('GET', '/experiments?limit=1&offset=59')).body.map((e: any) => e.id)).toEqual([60]);
  });

  it.each([
    ['limit=0', 'limit must be an integer between 1 and 250, got "0"'],
    ['limit=251', 'limit must be an integer between 1 and 250, got "251"'],
    ['limit=ten', 'limit must be an integer between 1 and 250, got "ten"'],
    ['limit=2.5', 'limit must be an integer between 1 and 250, got "2.5"'],
    ['offset=-1', 'offset must be an integer >= 0, got "-1"'],
    ['created_since=yesterday', 'created_since must be an ISO-8601 timestamp (e.g. 2026-01-05T00:00:00.000Z), got "yesterday"'],
    ['updated_since=2026-13-45', 'updated_since must be an ISO-8601 timestamp (e.g. 2026-01-05T00:00:00.000Z), got "2026-13-45"'],
  ])('rejects %s with 400', async (query, message) => {
    const res = await h.api('GET', `/experiments?${query}`);
    expect(res.status).toBe(400);
    expect(res.body).toEqual({ statusCode: 400, error: 'Bad Request', message });
  });

  it('filters by experiment_key (which need not be unique)', async () => {
    h.emu.seedExperiments(many(5, (i) => (i % 2 === 0 ? 'shared-flag' : `own-${i}`)));
    const res = await h.api('GET', '/experiments?experiment_key=shared-flag');
    expect(res.body.map((e: any) => e.id)).toEqual([1, 3, 5]);
    expect((await h.api('GET', '/experiments?experiment_key=shared-flag&limit=2&offset=2')).body.map((e: any) => e.id)).toEqual([5]);
    expect((await h.api('GET', '/experiments?experiment_key=nope')).body).toEqual([]);
  });

  it('filters by created_since and updated_since', async () => {
    const early = (await h.api('POST', '/experiments', experimentBody({ experiment_key: 'early' }))).body;
    clock = new Date('2026-03-05T00:00:00.000Z');
    const late = (await h.api('POST', '/experiments', experimentBody({ experiment_key: 'late' }))).body;
    const created = await h.api('GET', '/experiments?created_since=2026-03-02T00:00:00.000Z');
    expect(created.body.map((e: any) => e.id)).toEqual([late.id]);
    clock = new Date('2026-03-09T00:00:00.000Z');
    await h.api('PUT', `/experiments/${early.id}`, { hypothesis: 'edited' });
    const updated = await h.api('GET', '/experiments?updated_since=2026-03-08');
    expect(updated.body.map((e: any) => e.id)).toEqual([early.id]);
    expect(updated.body[0]).not.toHaveProperty('updated_date');
    expect((await h.api('GET', '/experiments?updated_since=2026-03-01T00:00:00Z')).body).toHaveLength(2);
  });
});

describe('authentication', () => {
  it('needs a valid X-Eppo-Token (401) and a read/write key for writes (403)', async () => {
    const missing = await h.api('GET', '/experiments', undefined, null);
    expect(missing.status).toBe(401);
    expect(missing.body).toEqual({ statusCode: 401, error: 'Unauthorized', message: 'missing X-Eppo-Token header: send an Eppo API key' });
    expect((await h.api('GET', '/definitions/entities', undefined, 'wrong')).status).toBe(401);
    expect((await h.api('GET', '/experiments', undefined, 'ro-key')).status).toBe(200);
    const create = await h.api('POST', '/experiments', experimentBody(), 'ro-key');
    expect(create.status).toBe(403);
    expect(create.body.error).toBe('Forbidden');
    const exp = (await h.api('POST', '/experiments', experimentBody())).body;
    expect((await h.api('PUT', `/experiments/${exp.id}`, { hypothesis: 'x' }, 'ro-key')).status).toBe(403);
    expect(h.emu.apiKey).toBe('rw-key');
  });
});

describe('validation', () => {
  const two = experimentBody()['variations'] as Array<Record<string, unknown>>;
  it.each<[string, Record<string, unknown>, string]>([
    ['weight type', { variations: [two[0], { ...two[1], weighted_expected_traffic: '0.5' }] }, 'variations[1].weighted_expected_traffic must be a number'],
    ['weight range', { variations: [two[0], { ...two[1], weighted_expected_traffic: 1.5 }] }, 'variations[1].weighted_expected_traffic must be between 0 and 1, got 1.5'],
    ['weight missing', { variations: [{ ...two[0], weighted_expected_traffic: undefined }, two[1]] }, 'variations[0].weighted_expected_traffic is required'],
    ['name missing', { name: undefined }, 'name is required'],
    ['name type', { name: 42 }, 'name must be a string'],
    ['key empty', { experiment_key: ' ' }, 'experiment_key must not be empty'],
    ['entity type', { entity_id: '1' }, 'entity_id must be an integer'],
    ['entity unknown', { entity_id: 99 }, 'entity_id 99 does not exist (known: 1 user, 2 company)'],
    ['source unknown', { assignment_source_id: 9 }, 'assignment_source_id 9 does not exist (known: 1 User assignments, 2 Company assignments, 3 Mobile app assignments)'],
    ['source entity', { assignment_source_id: 2 }, 'assignment_source_id 2 (Company assignments) belongs to entity_id 2, not entity_id 1'],
    ['metric unknown', { metrics: [{ metric_id: 42, is_primary: true }] }, 'metrics[0].metric_id 42 does not exist (known: 1 Checkout conversion, 2 Revenue per user, 3 Orders per user, 4 Activation rate, 5 Session length, 6 Seats purchased, 7 Page load time, 8 Error rate)'],
    ['metric twice', { metrics: [{ metric_id: 1, is_primary: true }, { metric_id: 1, is_primary: false }] }, 'metrics[1].metric_id 1 is listed twice'],
    ['metric primary type', { metrics: [{ metric_id: 1, is_primary: 'yes' }] }, 'metrics[0].is_primary must be a boolean'],
    ['no control', { variations: [{ ...two[0], is_control: false }, two[1]] }, 'variations must have exactly one control (is_control: true), found 0'],
    ['two controls', { variations: [two[0], { ...two[1], is_control: true }] }, 'variations must have exactly one control (is_control: true), found 2'],
    ['one variation', { variations: [two[0]] }, 'variations must have at least 2 items, got 1'],
    ['variations missing', { variations: undefined }, 'variations is required'],
    ['duplicate variant', { variations: [two[0], { ...two[1], variant_key: 'blue' }] }, 'variations[1].variant_key "blue" is used by another variation'],
    ['is_active type', { variations: [two[0], { ...two[1], is_active: 1 }] }, 'variations[1].is_active must be a boolean'],
    ['start date', { assignments_start_date: '05/01/2026' }, 'assignments_start_date must be an ISO-8601 date or date-time (e.g. 2026-01-05T00:00:00.000Z) or null'],
    ['date order', { assignments_end_date: '2026-01-01T00:00:00Z' }, 'assignments_end_date must be after assignments_start_date'],
    ['traffic zero', { traffic_allocation: 0 }, 'traffic_allocation must be greater than 0 and at most 1, got 0'],
    ['traffic above 1', { traffic_allocation: 1.01 }, 'traffic_allocation must be greater than 0 and at most 1, got 1.01'],
    ['traffic type', { traffic_allocation: '1' }, 'traffic_allocation must be a number'],
    ['hypothesis type', { hypothesis: ['x'] }, 'hypothesis must be a string or null'],
  ])('400 for %s', async (_label, over, message) => {
    const res = await h.api('POST', '/experiments', experimentBody(over));
    expect(res.status).toBe(400);
    expect(res.body).toEqual({ statusCode: 400, error: 'Bad Request', message });
    expect((await h.api('GET', '/experiments')).body).toEqual([]);
  });

  it('rejects a body that is not an object', async () => {
    const res = await h.api('POST', '/experiments', [experimentBody()]);
    expect(res.status).toBe(400);
    expect(res.body.message).toBe('request body must be a JSON object');
  });

  it('ignores read-only and unknown fields in a body', async () => {
    const res = await h.api('POST', '/experiments', experimentBody({ id: 999, status: 'Concluded', surprise: true }));
    expect(res.status).toBe(201);
    expect(res.body.id).toBe(1);
    expect(res.body.status).toBe('Running');
    expect(res.body).not.toHaveProperty('surprise');
  });
});

describe('transport errors', () => {
  it('415 when a write is not JSON; a charset parameter is fine', async () => {
    const url = `${h.emu.url}/experiments`;
    const raw = JSON.stringify(experimentBody());
    const none = await call(url, { method: 'POST', token: 'rw-key', raw, contentType: null });
    expect(none.status).toBe(415);
    expect(none.body.error).toBe('Unsupported Media Type');
    expect((await call(url, { method: 'POST', token: 'rw-key', raw, contentType: 'text/plain' })).status).toBe(415);
    expect((await call(url, { method: 'POST', token: 'rw-key', raw, contentType: 'Application/JSON; charset=UTF-8' })).status).toBe(201);
  });

  it('400 on malformed JSON', async () => {
    const res = await call(`${h.emu.url}/experiments`, { method: 'POST', token: 'rw-key', raw: '{"name": ' });
    expect(res.status).toBe(400);
    expect(res.body.message).toMatch(/^malformed JSON body: /);
  });

  it('413 over 1 MiB, and 1 MiB itself is read', async () => {
    const big = JSON.stringify({ ...experimentBody(), hypothesis: 'x'.repeat(1024 * 1024) });
    const res = await call(`${h.emu.url}/experiments`, { method: 'POST', token: 'rw-key', raw: big });
    expect(res.status).toBe(413);
    expect(res.body.error).toBe('Payload Too Large');
    const body = experimentBody({ hypothesis: '' });
    const fits = JSON.stringify({ ...body, hypothesis: 'y'.repeat(1024 * 1024 - JSON.stringify(body).length) });
    expect(Buffer.byteLength(fits)).toBe(1024 * 1024);
    expect((await call(`${h.emu.url}/experiments`, { method: 'POST', token: 'rw-key', raw: fits })).status).toBe(201);
  });

  it('logs 499, not a server error, for a client that goes away before its body arrives', async () => {
    const entries: Array<Record<string, unknown>> = [];
    let logged!: () => void;
    const requestLogged = new Promise<void>((resolve) => (logged = resolve));
    const emu = await startHarness({
      log: (entry) => {
        entries.push(entry);
        if (entry.type === 'request') logged();
      },
    });
    try {
      const socket = connect(Number(new URL(emu.emu.origin).port), '127.0.0.1');
      socket.write(`POST /api/v1/experiments HTTP/1.1\r\nHost: x\r\nX-Eppo-Token: ${emu.emu.apiKey}\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"na`);
      // The request is in the log (status null) once its headers are read; then the client goes.
      while ((await emu.control('GET', '/requests')).body.length === 0);
      socket.destroy();
      await requestLogged;
      expect(entries.filter((e) => e.type !== 'control')).toEqual([expect.objectContaining({ type: 'request', method: 'POST', status: 499 })]);
      expect((await emu.control('GET', '/requests')).body.map((r: any) => [r.method, r.status])).toEqual([['POST', 499]]);
      expect((await emu.api('GET', '/experiments')).body).toEqual([]);
    } finally {
      await emu.emu.close();
    }
  });

  it('drops the connection of a client that goes on sending past 16 MiB', async () => {
    const port = Number(new URL(h.emu.origin).port);
    const result = await new Promise<{ sent: number; answer: string }>((resolve) => {
      const socket = connect(port, '127.0.0.1');
      const chunk = Buffer.alloc(1024 * 1024, 'x');
      let sent = 0;
      let answer = '';
      socket.on('data', (d) => (answer += d.toString('utf8')));
      socket.on('error', () => undefined);
      socket.on('close', () => resolve({ sent, answer }));
      const pump = (): void => {
        while (!socket.destroyed && sent < 64 * chunk.length) {
          sent += chunk.length;
          if (!socket.write(chunk)) return void socket.once('drain', pump);
        }
      };
      socket.write(`POST /api/v1/experiments HTTP/1.1\r\nHost: x\r\nX-Eppo-Token: rw-key\r\nContent-Type: application/json\r\nContent-Length: ${64 * chunk.length}\r\n\r\n`);
      pump();
    });
    expect(result.answer).toBe('');
    expect(result.sent).toBeLessThan(64 * 1024 * 1024);
    expect((await h.control('GET', '/requests')).body.map((r: any) => r.status)).toEqual([499]);
  });

  it('400 for a request target no URL parser accepts; the emulator goes on serving and closes', async () => {
    const port = Number(new URL(h.emu.origin).port);
    const answer = await new Promise<string>((resolve) => {
      const socket = connect(port, '127.0.0.1');
      let text = '';
      socket.on('data', (d) => {
        text += d.toString('utf8');
        if (text.includes('\r\n\r\n') && text.includes('}')) socket.end();
      });
      socket.on('close', () => resolve(text));
      socket.write('GET http://[ HTTP/1.1\r\nHost: x\r\n\r\n');
    });
    expect(answer).toMatch(/^HTTP\/1\.1 400 Bad Request\r\n/);
    expect(JSON.parse(answer.slice(answer.indexOf('\r\n\r\n') + 4))).toEqual({
      statusCode: 400,
      error: 'Bad Request',
      message: 'malformed request target: send a path such as /api/v1/experiments',
    });
    expect((await h.api('GET', '/experiments')).status).toBe(200);
    await h.emu.close();
  });

  it('404 JSON for unknown routes, with or without a token', async () => {
    for (const url of [`${h.emu.url}/nope`, `${h.emu.origin}/somewhere`, `${h.emu.url}/experiments/1/variations`, `${h.emu.origin}/__emulator/nope`]) {
      const res = await call(url, { token: 'rw-key' });
      expect(res.status).toBe(404);
      expect(res.body.statusCode).toBe(404);
      expect(res.body.error).toBe('Not Found');
    }
  });
});

describe('control endpoints', () => {
  it('answers 400, never 500, to a body that is JSON but not an object', async () => {
    const id = (await h.api('POST', '/experiments', experimentBody())).body.id;
    for (const raw of ['null', '42', '"text"', '[]']) {
      for (const path of ['/webhooks', `/experiments/${id}/decision`]) {
        const res = await call(`${h.emu.origin}/__emulator${path}`, { method: 'POST', raw });
        expect([raw, path, res.status, res.body.message]).toEqual([raw, path, 400, 'request body must be a JSON object']);
      }
      // An empty array is an empty list of faults or experiments; anything else that is not an object is refused.
      if (raw !== '[]') {
        expect((await call(`${h.emu.origin}/__emulator/faults`, { method: 'POST', raw })).status).toBe(400);
        expect((await call(`${h.emu.origin}/__emulator/experiments`, { method: 'POST', raw })).status).toBe(400);
      }
    }
  });

  it('the same control in-process: decide, addWebhook, addFaults and the request log, with the same checks', async () => {
    const id = (await h.api('POST', '/experiments', experimentBody())).body.id;
    expect(() => h.emu.decide(id, { winning_variant_key: 'purple', outcome: 'POSITIVE' })).toThrow(
      new EmulatorInputError(`winning_variant_key must name a variation of experiment ${id} (blue, green)`),
    );
    expect(() => h.emu.decide(999, { winning_variant_key: 'green', outcome: 'POSITIVE' })).toThrow(new EmulatorInputError('experiment 999 not found'));
    expect(() => h.emu.addWebhook({ url: 'ftp://x', secret: 's' })).toThrow(new EmulatorInputError('url must be an http(s) URL'));
    expect(() => h.emu.addFaults({ kind: 'status', status: 418 } as never)).toThrow(EmulatorInputError);

    expect(h.emu.decide(id, { winning_variant_key: 'green', outcome: 'POSITIVE', concluded_date: '2026-02-10T12:00:00Z' })).toMatchObject({
      id,
      status: 'Concluded',
      winning_variant_key: 'green',
      outcome: 'POSITIVE',
      concluded_date: '2026-02-10T12:00:00.000Z',
    });
    h.emu.addWebhook({ url: 'http://127.0.0.1:9/hook', secret: 'whsec' });
    expect((await h.control('GET', '/webhooks')).body).toEqual([{ url: 'http://127.0.0.1:9/hook' }]);
    expect(h.emu.addFaults([{ kind: 'status', status: 503 }])).toEqual([{ id: 1, spec: { kind: 'status', status: 503 }, remaining: 1, hits: 0 }]);
    expect((await h.api('GET', `/experiments/${id}`)).status).toBe(503);
    expect(h.emu.requests().map((r) => [r.method, r.path, r.status])).toEqual([
      ['POST', '/api/v1/experiments', 201],
      ['GET', `/api/v1/experiments/${id}`, 503],
    ]);
    expect(h.emu.requests(1)).toHaveLength(1);
  });

  it('logs API requests without the token, from a since index', async () => {
    await h.api('GET', '/experiments?limit=5');
    await h.api('POST', '/experiments', experimentBody());
    await h.control('GET', '/health');
    const log = await h.control('GET', '/requests');
    expect(log.body.map((r: any) => [r.index, r.method, r.path, r.status])).toEqual([
      [0, 'GET', '/api/v1/experiments', 200],
      [1, 'POST', '/api/v1/experiments', 201],
    ]);
    expect(log.body[0].query).toEqual({ limit: '5' });
    expect(log.body[1].body).toMatchObject({ experiment_key: 'checkout-button-color' });
    expect(log.body[0].at).toMatch(ISO_MS);
    expect(JSON.stringify(log.body)).not.toContain('rw-key');
    expect((await h.control('GET', '/requests?since=1')).body.map((r: any) => r.index)).toEqual([1]);
    expect((await h.control('GET', '/requests?since=x')).status).toBe(400);
    expect((await h.control('GET', '/deliveries?since=-1')).status).toBe(400);
  });

  it('derives 405 and Allow from the route table for control endpoints too', async () => {
    const cases: Array<[string, string, string]> = [
      ['PUT', '/webhooks', 'GET, POST, DELETE'],
      ['PATCH', '/faults', 'GET, POST, DELETE'],
      ['GET', '/reset', 'POST'],
      ['POST', '/health', 'GET'],
      ['GET', '/experiments/1/decision', 'POST, DELETE'],
      ['DELETE', '/experiments', 'POST'],
    ];
    for (const [method, path, allow] of cases) {
      const res = await h.control(method, path);
      expect([method, path, res.status, res.headers['allow'], res.body.message]).toEqual([method, path, 405, allow, `method ${method} is not allowed here; allowed: ${allow}`]);
    }
    expect((await h.control('POST', '/experiments/1/decision/now')).body.message).toBe('no such control endpoint: POST /__emulator/experiments/1/decision/now');
    expect((await h.control('POST', '/experiments/x/decision', { outcome: 'POSITIVE' })).body.message).toBe('experiment x not found');
  });

  it('reports health and resets state, faults, log and registered webhooks', async () => {
    await h.api('POST', '/experiments', experimentBody());
    await h.control('POST', '/faults', { kind: 'status', status: 503, count: 5 });
    await h.control('POST', '/webhooks', { url: 'http://127.0.0.1:9/hook', secret: 's' });
    expect((await h.control('GET', '/health')).body).toEqual({ ok: true, experiments: 1, url: h.emu.url });
    const reset = await h.control('POST', '/reset');
    expect(reset.status).toBe(200);
    expect((await h.control('GET', '/faults')).body).toEqual([]);
    expect((await h.control('GET', '/webhooks')).body).toEqual([]);
    expect((await h.control('GET', '/requests')).body).toEqual([]);
    expect((await h.api('GET', '/experiments')).body).toEqual([]);
    expect((await h.api('GET', '/definitions/entities')).body).toHaveLength(2);
    expect((await h.api('POST', '/experiments', experimentBody())).body.id).toBe(1);
  });

  it('inserts experiments in bulk with forced read fields', async () => {
    const res = await h.control('POST', '/experiments', [
      { ...experimentBody(), id: 4521, created_date: '2025-12-01T00:00:00.000Z', concluded_date: '2026-02-01T00:00:00.000Z', winning_variant_key: 'green', outcome: 'POSITIVE' },
    ]);
    expect(res.status).toBe(201);
    expect(res.body[0]).toMatchObject({ id: 4521, status: 'Concluded', outcome: 'POSITIVE', created_date: '2025-12-01T00:00:00.000Z' });
    expect((await h.api('POST', '/experiments', experimentBody())).body.id).toBe(4522);
    const bad = await h.control('POST', '/experiments', [experimentBody({ entity_id: 7 })]);
    expect(bad.status).toBe(400);
    expect(bad.body.message).toContain('entity_id 7 does not exist');
    const taken = await h.control('POST', '/experiments', [{ ...experimentBody(), id: 4521 }]);
    expect([taken.status, taken.body.message]).toEqual([400, 'experiment 0: id 4521 is already taken']);
  });

  it('refuses invalid experiments given to seedExperiments with an EmulatorInputError that names the field', () => {
    expect(() => h.emu.seedExperiments([experimentBody({ traffic_allocation: 2 })])).toThrow(EmulatorInputError);
    expect(() => h.emu.seedExperiments([experimentBody({ traffic_allocation: 2 })])).toThrow(
      'experiment 0 (checkout-button-color): traffic_allocation must be greater than 0 and at most 1, got 2',
    );
  });

  it('starts empty with seed: false', async () => {
    const empty = await startHarness({ seed: false });
    try {
      expect((await empty.api('GET', '/definitions/entities')).body).toEqual([]);
      expect((await empty.api('GET', '/metrics')).body).toEqual([]);
    } finally {
      await empty.emu.close();
    }
  });
});
