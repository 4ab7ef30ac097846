import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { request } from 'undici';
import { startEmulator, type EmulatorOptions, type RunningEmulator } from '../../src/emulator/index.js';

export interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: any;
}

/** One HTTP call with undici; the body is parsed as JSON when there is one. */
export async function call(
  url: string,
  init: { method?: string; token?: string | null; body?: unknown; raw?: string | Buffer; contentType?: string | null } = {},
): Promise<Answer> {
  const headers: Record<string, string> = {};
  if (init.token !== null && init.token !== undefined) headers['x-eppo-token'] = init.token;
  const payload = init.raw ?? (init.body === undefined ? undefined : JSON.stringify(init.body));
  if (payload !== undefined && init.contentType !== null) headers['content-type'] = init.contentType ?? 'application/json';
  const res = await request(url, { method: (init.method ?? 'GET') as 'GET', headers, ...(payload === undefined ? {} : { body: payload }) });
  const text = await res.body.text();
  return { status: res.statusCode, headers: res.headers, body: text === '' ? undefined : JSON.parse(text) };
}

export interface Harness {
  emu: RunningEmulator;
  /** API call with the read-write key (unless `token` says otherwise) */
  api(method: string, path: string, body?: unknown, token?: string | null): Promise<Answer>;
  control(method: string, path: string, body?: unknown): Promise<Answer>;
}

export async function startHarness(options: EmulatorOptions = {}): Promise<Harness> {
  const emu = await startEmulator({ webhookRetry: { attempts: 5, baseDelayMs: 5, maxDelayMs: 20 }, ...options });
  return {
    emu,
    api: (method, path, body, token) => call(`${emu.url}${path}`, { method, body, token: token === undefined ? emu.apiKey : token }),
    control: (method, path, body) => call(`${emu.origin}/__emulator${path}`, { method, body }),
  };
}

/** A valid create body; `over` replaces fields. */
export function experimentBody(over: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    name: 'Checkout button colour',
    experiment_key: 'checkout-button-color',
    entity_id: 1,
    assignment_source_id: 1,
    assignments_start_date: '2026-01-05T00:00:00.000Z',
    assignments_end_date: null,
    hypothesis: 'A green button raises checkout conversion.',
    traffic_allocation: 1,
    variations: [
      { name: 'Blue', variant_key: 'blue', is_control: true, weighted_expected_traffic: 0.5, is_active: true },
      { name: 'Green', variant_key: 'green', is_control: false, weighted_expected_traffic: 0.5, is_active: true },
    ],
    metrics: [{ metric_id: 1, is_primary: true }],
    ...over,
  };
}

export interface ReceivedHook {
  raw: string;
  body: any;
  headers: IncomingMessage['headers'];
}

/** A webhook receiver on 127.0.0.1:0 that answers `statuses` in turn (then 200). */
export async function startReceiver(statuses: number[] = []): Promise<{ url: string; received: ReceivedHook[]; until(count: number): Promise<void>; close(): Promise<void> }> {
  const received: ReceivedHook[] = [];
  const waiters: Array<{ count: number; resolve: () => void }> = [];
  const queue = [...statuses];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const raw = Buffer.concat(chunks).toString('utf8');
      received.push({ raw, body: JSON.parse(raw), headers: req.headers });
      res.writeHead(queue.shift() ?? 200).end();
      for (const waiter of waiters.filter((w) => w.count <= received.length)) {
        waiters.splice(waiters.indexOf(waiter), 1);
        waiter.resolve();
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/hook`,
    received,
    /** resolves once `count` deliveries in all have arrived */
    until: (count) => (received.length >= count ? Promise.resolve() : new Promise((resolve) => waiters.push({ count, resolve }))),
    close: () => new Promise<void>((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }),
  };
}
