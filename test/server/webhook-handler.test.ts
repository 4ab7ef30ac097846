import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { request } from 'undici';
import { ConfigError } from '../../src/errors.js';
import { signWebhookData } from '../../src/outcomes/index.js';
import { createWebhookHandler, type PushResult, type WebhookHandlerOptions } from '../../src/server/index.js';

const SECRET = 'whsec-handler-test-secret';
const servers: Server[] = [];
afterEach(async () => {
  for (const server of servers.splice(0)) {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
});

function signed(experimentId: number, event = 'experiment.status.updated'): string {
  const data = { experiment_id: experimentId, experiment_key: `exp-${experimentId}` };
  return JSON.stringify({ event, data, signature: signWebhookData(data, SECRET) });
}

type Middleware = (req: IncomingMessage, res: ServerResponse, next: () => void) => void | Promise<unknown>;

/** A plain node:http server running an Express-style chain: each middleware passes on with next(); past the end is 404. */
async function serve(chain: Middleware[]): Promise<string> {
  const server = createServer((req, res) => {
    const step = (i: number): void => {
      const middleware = chain[i];
      if (middleware === undefined) {
        res.writeHead(404, { 'content-type': 'text/plain' }).end('nothing here');
        return;
      }
      void middleware(req, res, () => step(i + 1));
    };
    step(0);
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

/** The application's own route, next to the webhook handler. */
const ordersRoute: Middleware = (req, res, next) => {
  if (req.url !== '/orders') return next();
  res.writeHead(200, { 'content-type': 'text/plain' }).end('the orders page');
};

async function call(url: string, init: { method?: string; body?: string; contentType?: string } = {}) {
  const res = await request(url, {
    method: (init.method ?? 'GET') as 'GET',
    headers: init.contentType === undefined ? {} : { 'content-type': init.contentType },
    ...(init.body === undefined ? {} : { body: init.body }),
  });
  return { status: res.statusCode, headers: res.headers, text: await res.body.text() };
}

function handlerWith(over: Partial<WebhookHandlerOptions> = {}) {
  const enqueued: number[] = [];
  const logs: Array<Record<string, unknown>> = [];
  const answered: Array<[string | undefined, boolean]> = [];
  const handler = createWebhookHandler({
    secret: SECRET,
    enqueue: (id): PushResult => {
      enqueued.push(id);
      return 'queued';
    },
    log: (entry) => logs.push(entry),
    ...over,
  });
  /** The handler as middleware, recording what it resolved for each request. */
  const mounted: Middleware = async (req, res, next) => answered.push([req.url, await handler(req, res, next)]);
  return { handler, mounted, enqueued, logs, answered };
}

describe('webhook handler, mounted in another server', () => {
  it('answers its own paths and leaves every other path to next', async () => {
    const { mounted, enqueued, logs, answered } = handlerWith();
    const url = await serve([mounted, ordersRoute]);

    const delivery = await call(`${url}/webhooks/eppo`, { method: 'POST', body: signed(4521), contentType: 'application/json' });
    expect(delivery).toMatchObject({ status: 202, text: '{"status":"accepted"}' });
    expect(delivery.headers['content-type']).toBe('application/json');
    expect(enqueued).toEqual([4521]);
    expect(logs).toEqual([expect.objectContaining({ msg: 'delivery', experiment_id: 4521, action: 'queued', status: 202 })]);

    expect(await call(`${url}/orders`)).toMatchObject({ status: 200, text: 'the orders page' });
    expect(await call(`${url}/elsewhere`)).toMatchObject({ status: 404, text: 'nothing here' });
    expect(await call(`${url}/healthz`)).toMatchObject({ status: 200, text: '{"status":"ok"}' });
    expect(await call(`${url}/webhooks/eppo`)).toMatchObject({ status: 405, headers: { allow: 'POST' } });

    expect(answered).toEqual([
      ['/webhooks/eppo', true],
      ['/orders', false],
      ['/elsewhere', false],
      ['/healthz', true],
      ['/webhooks/eppo', true],
    ]);
    expect(enqueued).toEqual([4521]);
  });

  it('checks content type, signature and event before enqueueing anything', async () => {
    const { mounted, enqueued, logs } = handlerWith();
    const url = await serve([mounted]);
    const post = (body: string, contentType = 'application/json') => call(`${url}/webhooks/eppo`, { method: 'POST', body, contentType });
    expect((await post(signed(1), 'text/plain')).status).toBe(415);
    expect((await post('{"event": ')).status).toBe(400);
    expect(await post(JSON.stringify({ event: 'experiment.status.updated', data: { experiment_id: 1 }, signature: '0'.repeat(64) }))).toMatchObject({
      status: 401,
      text: '{"error":"unauthorized"}',
    });
    expect(await post(signed(1, 'experiment.metric.updated'))).toMatchObject({ status: 202, text: '{"status":"ignored"}' });
    expect(enqueued).toEqual([]);
    expect(logs.map((l) => [l.status, l.action])).toEqual([
      [415, 'rejected'],
      [400, 'rejected'],
      [401, 'rejected'],
      [202, 'ignored'],
    ]);
  });

  it('takes its paths from the options, and can leave the health probe to the host', async () => {
    const { mounted, enqueued } = handlerWith({ path: '/hooks/eppo', healthPath: false });
    const health: Middleware = (req, res, next) => (req.url === '/healthz' ? void res.writeHead(200).end('host health') : next());
    const url = await serve([mounted, health]);
    expect((await call(`${url}/hooks/eppo`, { method: 'POST', body: signed(3), contentType: 'application/json' })).status).toBe(202);
    expect((await call(`${url}/webhooks/eppo`, { method: 'POST', body: signed(4), contentType: 'application/json' })).status).toBe(404);
    expect(await call(`${url}/healthz`)).toMatchObject({ status: 200, text: 'host health' });
    expect(enqueued).toEqual([3]);
  });

  it('answers 503 with Retry-After when the queue is full or the host is stopping', async () => {
    let stopping = false;
    const { mounted } = handlerWith({ enqueue: () => 'full', retryAfterSeconds: 9, isStopping: () => stopping });
    const url = await serve([mounted]);
    const post = () => call(`${url}/webhooks/eppo`, { method: 'POST', body: signed(5), contentType: 'application/json' });
    expect(await post()).toMatchObject({ status: 503, text: '{"error":"busy, retry later"}', headers: { 'retry-after': '9' } });
    stopping = true;
    expect(await post()).toMatchObject({ status: 503, text: '{"error":"shutting down"}', headers: { 'retry-after': '9' } });
    expect(await call(`${url}/healthz`)).toMatchObject({ status: 503, text: '{"status":"stopping"}' });
  });

  it('resolves false without answering when there is no next, so a plain server answers itself', async () => {
    const { handler } = handlerWith();
    const server = createServer((req, res) => {
      void handler(req, res).then((handled) => {
        if (!handled) res.writeHead(418, { 'content-type': 'text/plain' }).end('the host answered');
      });
    });
    servers.push(server);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    expect(await call(`${url}/other`)).toMatchObject({ status: 418, text: 'the host answered' });
    expect((await call(`${url}/webhooks/eppo`, { method: 'POST', body: signed(6), contentType: 'application/json' })).status).toBe(202);
  });

  it('answers 400, instead of waiting forever, when an earlier middleware already read the body', async () => {
    const { mounted, enqueued } = handlerWith();
    const bodyParser: Middleware = (req, _res, next) => {
      req.resume();
      req.once('end', next);
    };
    const url = await serve([bodyParser, mounted]);
    const res = await call(`${url}/webhooks/eppo`, { method: 'POST', body: signed(8), contentType: 'application/json' });
    expect(res).toMatchObject({ status: 400, text: '{"error":"reading the body failed: the request body was already read by an earlier handler"}' });
    expect(enqueued).toEqual([]);
  });

  it('refuses an empty secret with a ConfigError that names the variable', () => {
    expect(() => createWebhookHandler({ secret: '', enqueue: () => 'queued' })).toThrow(ConfigError);
    expect(() => createWebhookHandler({ secret: '', enqueue: () => 'queued' })).toThrow(/EPPO_WEBHOOK_SECRET/);
  });
});

describe('trust item 11: a 500 says why in the log', () => {
  it('trust item 11: logs the cause of a 500, not only "internal error"', async () => {
    const { mounted, logs } = handlerWith({
      enqueue: () => {
        throw new TypeError('the queue exploded');
      },
    });
    const url = await serve([mounted]);
    const answer = await call(`${url}/webhooks/eppo`, { method: 'POST', contentType: 'application/json', body: signed(3) });
    expect(answer.status).toBe(500);
    expect(JSON.parse(answer.text)).toEqual({ error: 'internal error' });
    expect(logs.at(-1)).toMatchObject({ msg: 'delivery', action: 'rejected', reason: 'internal error', status: 500, error: 'TypeError: the queue exploded' });
  });
});
