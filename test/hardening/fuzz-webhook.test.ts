// Fuzzing the webhook receiver: the pure parts (event parsing and signature
// check) with any JSON value, and the real server over HTTP with signed,
// mutated, malformed and oversized deliveries and raw socket garbage. The server
// must answer each one as an independent oracle says, never 500, never crash,
// and run the background job for exactly the validly signed outcome events.
import { createHmac } from 'node:crypto';
import { connect } from 'node:net';
import fc from 'fast-check';
import { Agent, request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseWebhookEvent, signWebhookData, verifyWebhookSignature } from '../../src/outcomes/index.js';
import { startWebhookServer, type WebhookServer } from '../../src/server/index.js';
import { fuzzRuns, timeoutFor } from './helpers.js';

const SECRET = 'whsec-fuzz-3f9a';
const MAX_BODY = 64 * 1024;
const figures: string[] = [];
afterAll(() => console.log(`[hardening] webhook fuzz: ${figures.join('; ')}`));

/** The signature as EPPO-API.md defines it, computed independently of the code under test. */
function oracleSignature(data: unknown, secret = SECRET): string {
  return createHmac('sha256', secret).update(JSON.stringify(data) ?? '').digest('hex');
}

function oracleValid(body: unknown): boolean {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return false;
  const { data, signature } = body as { data?: unknown; signature?: unknown };
  return data !== undefined && typeof signature === 'string' && signature === oracleSignature(data);
}

const EVENTS = ['experiment.status.updated', 'experiment.configuration.updated', 'experiment.metric.updated', 'flag.configuration.updated', '', 'EXPERIMENT.STATUS.UPDATED', 'experiment.status.updated ', '__proto__'];
const idArb = fc.oneof({ weight: 4, arbitrary: fc.integer({ min: 1, max: 2 ** 31 }) }, { weight: 1, arbitrary: fc.constantFrom(0, -1, 1.5, 2 ** 53, Number.MAX_SAFE_INTEGER, '42', '0042', ' 7', '1e3', null, true, [1], { a: 1 }) });
const dataArb = fc.oneof(
  { weight: 4, arbitrary: fc.record({ experiment_id: idArb, experiment_key: fc.oneof(fc.string({ maxLength: 20 }), fc.constant(undefined)) }, { requiredKeys: ['experiment_id'] }) },
  { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 3 }) },
);
/** A body and whether it is signed with the right secret. */
const bodyArb = fc.record({
  event: fc.oneof({ weight: 4, arbitrary: fc.constant('experiment.status.updated') }, fc.constantFrom(...EVENTS), fc.string({ maxLength: 30 }), fc.jsonValue({ maxDepth: 1 })),
  data: dataArb,
  signing: fc.constantFrom('right', 'right', 'wrong-secret', 'upper', 'truncated', 'none', 'garbage'),
  extra: fc.dictionary(fc.constantFrom('__proto__', 'constructor', 'x', 'signature2'), fc.jsonValue({ maxDepth: 1 }), { maxKeys: 2 }),
});

type BodyCase = typeof bodyArb extends fc.Arbitrary<infer T> ? T : never;

function buildBody(b: BodyCase): Record<string, unknown> {
  const out: Record<string, unknown> = JSON.parse(JSON.stringify({ ...b.extra }));
  out.event = b.event;
  if (b.data !== undefined) out.data = b.data;
  const right = oracleSignature(b.data);
  if (b.signing === 'right') out.signature = right;
  if (b.signing === 'wrong-secret') out.signature = oracleSignature(b.data, 'other');
  if (b.signing === 'upper') out.signature = right.toUpperCase();
  if (b.signing === 'truncated') out.signature = right.slice(0, 63);
  if (b.signing === 'garbage') out.signature = 'zz';
  return out;
}

describe('pure webhook handling', () => {
  const pureRuns = fuzzRuns(5000);
  it('parseWebhookEvent and verifyWebhookSignature never throw and agree with the oracle', { timeout: timeoutFor(pureRuns, 2) }, () => {
    const runs = pureRuns;
    let valid = 0;
    fc.assert(
      fc.property(fc.oneof(bodyArb.map(buildBody), fc.anything({ maxDepth: 3, withBigInt: false }) as fc.Arbitrary<unknown>), (body) => {
        const parsed = parseWebhookEvent(body);
        expect(['outcome', 'ignored', 'invalid']).toContain(parsed.kind);
        if (parsed.kind === 'outcome') {
          expect(Number.isSafeInteger(parsed.experimentId) && parsed.experimentId > 0).toBe(true);
          expect(parsed.event).toBe('experiment.status.updated');
        }
        const ok = verifyWebhookSignature(body, SECRET);
        let expected = false;
        try {
          expected = oracleValid(body);
        } catch {
          expected = false; // JSON.stringify throws on cycles: no signature can match
        }
        expect(ok).toBe(expected);
        if (ok) valid++;
      }),
      { numRuns: runs },
    );
    expect(valid).toBeGreaterThan(0);
    figures.push(`pure: ${runs} bodies (${valid} validly signed)`);
  });

  it('the signature covers exactly JSON.stringify(data): key order and number spelling matter', () => {
    const data = { experiment_id: 7, experiment_key: 'k' };
    const sig = signWebhookData(data, SECRET);
    expect(sig).toBe(oracleSignature(data));
    expect(verifyWebhookSignature({ data: { experiment_key: 'k', experiment_id: 7 }, signature: sig }, SECRET)).toBe(false);
    expect(verifyWebhookSignature({ data: { experiment_id: 7.0, experiment_key: 'k' }, signature: sig }, SECRET)).toBe(true);
    expect(verifyWebhookSignature({ data: { experiment_id: '7', experiment_key: 'k' }, signature: sig }, SECRET)).toBe(false);
  });
});

describe('the webhook server over HTTP', () => {
  let server: WebhookServer;
  const handled: number[] = [];
  const agent = new Agent({ connections: 4, keepAliveTimeout: 5_000 });
  beforeAll(async () => {
    server = await startWebhookServer({
      port: 0,
      secret: SECRET,
      maxPending: 100_000,
      headersTimeoutMs: 500,
      requestTimeoutMs: 1_000,
      bodyIdleTimeoutMs: 300,
      handle: async (id) => {
        handled.push(id);
        return { action: 'unchanged' };
      },
    });
  });
  afterAll(async () => {
    await server.close();
    await agent.close();
  });

  async function post(body: string | Buffer, contentType: string | undefined, method = 'POST', path = '/webhooks/eppo'): Promise<{ status: number; text: string }> {
    const res = await request(`${server.url}${path}`, {
      method: method as 'POST',
      headers: contentType === undefined ? {} : { 'content-type': contentType },
      body: method === 'GET' || method === 'HEAD' ? undefined : body,
      dispatcher: agent,
    });
    return { status: res.statusCode, text: await res.body.text() };
  }

  const httpRuns = fuzzRuns(1500);
  it('answers signed, mutated, malformed and oversized deliveries as the oracle says, never 500; only valid outcome events are processed', { timeout: timeoutFor(httpRuns, 20) }, async () => {
    const runs = httpRuns;
    const expectedIds = new Set<number>();
    const statuses = new Map<number, number>();
    const mutation = fc.oneof(
      { weight: 6, arbitrary: fc.constant({ kind: 'none' as const }) },
      { weight: 2, arbitrary: fc.record({ kind: fc.constant('flip' as const), at: fc.nat(), bit: fc.integer({ min: 0, max: 7 }) }) },
      { weight: 1, arbitrary: fc.record({ kind: fc.constant('truncate' as const), at: fc.nat() }) },
      { weight: 1, arbitrary: fc.record({ kind: fc.constant('insert' as const), at: fc.nat(), token: fc.constantFrom('{', '}', '"', ',', '[', '\u0000', '\\u0000', '\uD800', '😀', 'null', '"__proto__":', ' ', '\n') }) },
      { weight: 1, arbitrary: fc.record({ kind: fc.constant('pad' as const), bytes: fc.constantFrom(MAX_BODY - 200, MAX_BODY + 1, 3 * MAX_BODY) }) },
    );
    const requestArb = fc.record({
      body: bodyArb,
      mutation,
      contentType: fc.oneof({ weight: 8, arbitrary: fc.constant('application/json') }, { weight: 1, arbitrary: fc.constantFrom('application/json; charset=utf-8', 'application/vnd.eppo+json', 'text/plain', 'application/x-www-form-urlencoded', 'APPLICATION/JSON', '') }, { weight: 1, arbitrary: fc.constant(undefined) }),
      method: fc.oneof({ weight: 15, arbitrary: fc.constant('POST') }, { weight: 1, arbitrary: fc.constantFrom('GET', 'PUT', 'DELETE', 'PATCH') }),
      path: fc.oneof({ weight: 15, arbitrary: fc.constant('/webhooks/eppo') }, { weight: 1, arbitrary: fc.constantFrom('/webhooks/eppo/', '/WEBHOOKS/EPPO', '/webhooks/eppo?x=1', '/', '/webhooks/eppo/../eppo', '/healthz') }),
    });
    await fc.assert(
      fc.asyncProperty(requestArb, async (r) => {
        const json = buildBody(r.body);
        let text = JSON.stringify(json);
        let bytes: Buffer;
        const m = r.mutation;
        if (m.kind === 'pad') {
          json.pad = 'x'.repeat(m.bytes);
          text = JSON.stringify(json);
        }
        bytes = Buffer.from(text, 'utf8');
        if (m.kind === 'flip' && bytes.length > 0) bytes[m.at % bytes.length] = bytes[m.at % bytes.length]! ^ (1 << m.bit);
        if (m.kind === 'truncate') bytes = bytes.subarray(0, m.at % (bytes.length + 1));
        if (m.kind === 'insert') {
          const at = m.at % (bytes.length + 1);
          bytes = Buffer.concat([bytes.subarray(0, at), Buffer.from(m.token, 'utf8'), bytes.subarray(at)]);
        }
        const { status, text: answer } = await post(bytes, r.contentType, r.method, r.path);
        statuses.set(status, (statuses.get(status) ?? 0) + 1);
        expect(status, answer).not.toBe(500);
        expect(() => JSON.parse(answer)).not.toThrow();

        // The oracle: route, method, content type, size, JSON, signature, event.
        const path = new URL(r.path, 'http://x').pathname; // undici sends the normalised path
        let expected: number;
        let parsedBody: unknown;
        const decoded = bytes.toString('utf8');
        try {
          parsedBody = JSON.parse(decoded);
        } catch {
          parsedBody = undefined;
        }
        const type = (r.contentType ?? '').split(';')[0]!.trim().toLowerCase();
        const jsonType = type === 'application/json' || /^application\/[a-z0-9.+-]+\+json$/.test(type);
        if (path === '/healthz') expected = r.method === 'GET' ? 200 : 405;
        else if (path !== '/webhooks/eppo') expected = 404;
        else if (r.method !== 'POST') expected = 405;
        else if (!jsonType) expected = 415;
        else if (bytes.length > MAX_BODY) expected = 413;
        else if (parsedBody === undefined) expected = 400;
        else if (!oracleValid(parsedBody)) expected = 401;
        else {
          const event = parseWebhookEvent(parsedBody);
          expected = event.kind === 'invalid' ? 400 : 202;
          if (event.kind === 'outcome') expectedIds.add(event.experimentId);
        }
        expect(status, `${r.method} ${r.path} ${r.contentType} ${decoded.slice(0, 200)}`).toBe(expected);
      }),
      { numRuns: runs },
    );
    await server.idle();
    expect(new Set(handled)).toEqual(expectedIds);
    expect(expectedIds.size).toBeGreaterThan(0);
    const health = await request(`${server.url}/healthz`, { dispatcher: agent });
    expect(health.statusCode).toBe(200);
    await health.body.dump();
    const byStatus = [...statuses].sort((a, b) => a[0] - b[0]).map(([s, n]) => `${s}×${n}`).join(' ');
    figures.push(`HTTP: ${runs} requests (${byStatus}); ${expectedIds.size} experiments processed, as expected`);
  });

  const rawRuns = Math.max(100, Math.floor(fuzzRuns(100) / 20));
  it('raw socket garbage: every connection is answered with a 4xx or closed, and the server keeps serving', { timeout: timeoutFor(rawRuns, 100) }, async () => {
    const runs = rawRuns;
    const lines = [
      'POST /webhooks/eppo HTTP/1.1\r\n',
      'Host: x\r\n',
      'Content-Type: application/json\r\n',
      'Content-Length: 10\r\n',
      'Content-Length: -1\r\n',
      'Transfer-Encoding: chunked\r\n',
      'Transfer-Encoding: chunked, identity\r\n',
      `X-Long: ${'a'.repeat(20_000)}\r\n`,
      '\r\n',
      '5\r\n{"a":\r\n',
      'zz\r\n',
      '0\r\n\r\n',
      'GET / HTTP/9.9\r\n',
      'POST  /webhooks/eppo  HTTP/1.1\r\n',
      '\u0000\u0001\u00ff',
      'POST /webhooks/eppo HTTP/1.1\nHost: x\n\n',
    ];
    let answered = 0;
    let closed = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(fc.oneof(fc.constantFrom(...lines), fc.uint8Array({ maxLength: 64 }).map((b) => Buffer.from(b).toString('latin1'))), { minLength: 1, maxLength: 8 }), async (chunks) => {
        const reply = await new Promise<{ text: string }>((resolve) => {
          const socket = connect(server.port, '127.0.0.1');
          let text = '';
          const done = (): void => {
            socket.destroy();
            resolve({ text });
          };
          socket.on('data', (d) => (text += d.toString('latin1')));
          socket.on('close', done);
          socket.on('error', done);
          socket.on('connect', () => {
            for (const c of chunks) socket.write(Buffer.from(c, 'latin1'));
            socket.end();
          });
          setTimeout(done, 3_000);
        });
        if (reply.text === '') closed++;
        else {
          answered++;
          const statuses = [...reply.text.matchAll(/HTTP\/1\.1 (\d{3})/g)].map((x) => Number(x[1]));
          for (const s of statuses) expect(s, reply.text.slice(0, 200)).not.toBe(500);
        }
      }),
      { numRuns: runs },
    );
    const health = await request(`${server.url}/healthz`, { dispatcher: agent });
    expect(health.statusCode).toBe(200);
    await health.body.dump();
    figures.push(`raw sockets: ${runs} connections of garbage (${answered} answered, ${closed} closed without an answer), server healthy after`);
  });
});
