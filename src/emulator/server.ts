import { createServer, STATUS_CODES, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ConfigError } from '../errors.js';
import type { EppoExperiment } from '../eppo/types.js';
import { FaultSet, parseFaultSpecs, type RequestFaults } from './faults.js';
import { buildSeedState } from './seed.js';
import { loadStateFile, StateWriter } from './state-file.js';
import { EmulatorStore, renderExperiment, type ListQuery } from './store.js';
import type { ExperimentInput, ExperimentRecord, WebhookEvent, WebhookReceiver } from './types.js';
import { parseIsoDate } from './validate.js';
import { WebhookDispatcher, type WebhookRetry } from './webhooks.js';

export const DEFAULT_EMULATOR_API_KEY = 'emulator-key';
/** Largest request body accepted (1 MiB); bigger bodies get 413. */
export const MAX_BODY_BYTES = 1024 * 1024;
const API_PREFIX = '/api/v1';
const CONTROL_PREFIX = '/__emulator';
const MAX_LOG_ENTRIES = 50_000;

export interface EmulatorApiKey {
  key: string;
  access: 'read' | 'read-write';
}

export interface EmulatorOptions {
  /** default 0 (a free port) */
  port?: number;
  /** default 127.0.0.1 */
  host?: string;
  /** default: one read-write key, DEFAULT_EMULATOR_API_KEY */
  apiKeys?: EmulatorApiKey[];
  /** JSON state file, written atomically (temp + rename) and reloaded on start */
  statePath?: string;
  /** receivers that get every webhook event (kept across reset) */
  webhooks?: WebhookReceiver[];
  /** start from the seed data (default true); false starts empty */
  seed?: boolean;
  /** added to every API request */
  latencyMs?: number;
  /** clock, for status derivation and created_date */
  now?: () => Date;
  /** one JSON-able entry per request / delivery */
  log?: (entry: Record<string, unknown>) => void;
  webhookRetry?: WebhookRetry;
}

export interface RunningEmulator {
  /** API base, e.g. http://127.0.0.1:PORT/api/v1 */
  url: string;
  /** http://127.0.0.1:PORT (control endpoints under /__emulator/) */
  origin: string;
  /** the first read-write key */
  apiKey: string;
  /** insert experiments directly (bench/tests): full objects get ids, defaults, status */
  seedExperiments(items: ExperimentInput[]): EppoExperiment[];
  /** resolves when no webhook delivery is pending or retrying */
  idle(): Promise<void>;
  /** stops accepting, finishes in-flight requests, flushes state, stops retries */
  close(): Promise<void>;
}

/** One API request as `GET /__emulator/requests` lists it (never the token). */
export interface RequestLogEntry {
  index: number;
  method: string;
  path: string;
  query: Record<string, string>;
  /** null when the connection was dropped by a fault */
  status: number | null;
  at: string;
  body?: unknown;
  fault?: string;
}

interface Reply {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly headers?: Record<string, string>,
  ) {
    super(message);
  }
}

/** Starts the Eppo emulator on node:http; resolves once it listens. */
export async function startEmulator(options: EmulatorOptions = {}): Promise<RunningEmulator> {
  const now = options.now ?? (() => new Date());
  const log = options.log ?? (() => undefined);
  const seed = options.seed ?? true;
  const apiKeys = options.apiKeys ?? [{ key: DEFAULT_EMULATOR_API_KEY, access: 'read-write' }];
  if (apiKeys.length === 0) throw new ConfigError('the emulator needs at least one API key');
  const apiKey = (apiKeys.find((k) => k.access === 'read-write') ?? apiKeys[0])!.key;
  const keyAccess = new Map(apiKeys.map((k) => [k.key, k.access]));

  const loaded = options.statePath === undefined ? undefined : await loadStateFile(options.statePath);
  const store = new EmulatorStore(loaded ?? buildSeedState(seed), now);
  const writer =
    options.statePath === undefined
      ? undefined
      : new StateWriter(options.statePath, () => JSON.stringify(store.state), (error) =>
          log({ type: 'error', message: `cannot write the state file: ${(error as Error).message}` }),
        );
  if (loaded === undefined) writer?.schedule();

  const faults = new FaultSet();
  const configuredWebhooks = [...(options.webhooks ?? [])];
  let registeredWebhooks: WebhookReceiver[] = [];
  const dispatcher = new WebhookDispatcher({ faults, retry: options.webhookRetry, now, log });
  let requestLog: RequestLogEntry[] = [];
  let requestCount = 0;
  let closing = false;
  let origin = '';

  const receivers = () => [...configuredWebhooks, ...registeredWebhooks];
  const render = (record: ExperimentRecord) => renderExperiment(record.experiment, now(), origin);
  const changed = () => writer?.schedule();
  const notify = (event: WebhookEvent, record: ExperimentRecord) =>
    dispatcher.dispatch(event, { experiment_id: record.experiment.id, experiment_key: record.experiment.experiment_key }, receivers());

  function authorise(req: IncomingMessage, write: boolean): void {
    const token = req.headers['x-eppo-token'];
    if (token === undefined || token === '') throw new HttpError(401, 'missing X-Eppo-Token header: send an Eppo API key');
    const access = typeof token === 'string' ? keyAccess.get(token) : undefined;
    if (access === undefined) throw new HttpError(401, 'invalid API key in X-Eppo-Token');
    if (write && access !== 'read-write') throw new HttpError(403, 'this API key is read-only; writing experiments needs a read/write key');
  }

  async function readJson(req: IncomingMessage, strictType: boolean): Promise<unknown> {
    const type = req.headers['content-type'];
    if (strictType && !isJsonType(type)) {
      throw new HttpError(415, `content-type must be application/json, got ${type === undefined ? 'none' : JSON.stringify(type)}`);
    }
    const text = await readBody(req);
    if (text.trim() === '' && !strictType) return {};
    try {
      return JSON.parse(text) as unknown;
    } catch (error) {
      throw new HttpError(400, `malformed JSON body: ${(error as Error).message}`);
    }
  }

  function pagination(params: URLSearchParams): { limit: number; offset: number } {
    const limitText = params.get('limit');
    const offsetText = params.get('offset');
    const limit = limitText === null ? 50 : /^\d+$/.test(limitText) ? Number(limitText) : NaN;
    if (!(limit >= 1 && limit <= 250)) throw new HttpError(400, `limit must be an integer between 1 and 250, got ${JSON.stringify(limitText)}`);
    const offset = offsetText === null ? 0 : /^\d+$/.test(offsetText) ? Number(offsetText) : NaN;
    if (!(offset >= 0)) throw new HttpError(400, `offset must be an integer >= 0, got ${JSON.stringify(offsetText)}`);
    return { limit, offset };
  }

  function since(params: URLSearchParams, name: 'created_since' | 'updated_since'): Date | undefined {
    const value = params.get(name);
    if (value === null) return undefined;
    const date = parseIsoDate(value);
    if (date === undefined) throw new HttpError(400, `${name} must be an ISO-8601 timestamp (e.g. 2026-01-05T00:00:00.000Z), got ${JSON.stringify(value)}`);
    return date;
  }

  function findExperiment(idText: string): ExperimentRecord {
    const record = /^\d+$/.test(idText) ? store.get(Number(idText)) : undefined;
    if (record === undefined) throw new HttpError(404, `experiment ${idText} not found`);
    return record;
  }

  function allow(method: string, allowed: string[]): void {
    if (!allowed.includes(method)) {
      throw new HttpError(405, `method ${method} is not allowed here; allowed: ${allowed.join(', ')}`, { allow: allowed.join(', ') });
    }
  }

  async function routeApi(req: IncomingMessage, path: string, params: URLSearchParams, entry: RequestLogEntry): Promise<Reply> {
    const method = req.method ?? 'GET';
    const parts = path.slice(API_PREFIX.length).split('/').filter((p) => p !== '');
    const route = parts.join('/');
    if (path.startsWith(`${API_PREFIX}/`) && route === 'experiments') {
      allow(method, ['GET', 'POST']);
      authorise(req, method === 'POST');
      if (method === 'GET') {
        const { limit, offset } = pagination(params);
        const query: ListQuery = {};
        const key = params.get('experiment_key');
        if (key !== null) query.experiment_key = key;
        const created = since(params, 'created_since');
        if (created !== undefined) query.created_since = created;
        const updated = since(params, 'updated_since');
        if (updated !== undefined) query.updated_since = updated;
        return { status: 200, body: store.list(query, limit, offset).map(render) };
      }
      const body = await readJson(req, true);
      entry.body = body;
      const result = store.validate(body);
      if (!result.ok) throw new HttpError(400, result.message);
      const record = store.create(result.value);
      changed();
      return { status: 201, body: render(record) };
    }
    if (path.startsWith(`${API_PREFIX}/`) && parts.length === 2 && parts[0] === 'experiments') {
      allow(method, ['GET', 'PUT']);
      authorise(req, method === 'PUT');
      const record = findExperiment(parts[1]!);
      if (method === 'GET') return { status: 200, body: render(record) };
      const body = await readJson(req, true);
      entry.body = body;
      const result = store.validate(body, record.experiment);
      if (!result.ok) throw new HttpError(400, result.message);
      store.update(record, result.value);
      changed();
      notify('experiment.configuration.updated', record);
      return { status: 200, body: render(record) };
    }
    if (path.startsWith(`${API_PREFIX}/`) && (route === 'definitions/entities' || route === 'definitions/assignments' || route === 'metrics')) {
      allow(method, ['GET']);
      authorise(req, false);
      if (route === 'definitions/entities') return { status: 200, body: store.state.entities };
      if (route === 'definitions/assignments') return { status: 200, body: store.state.assignmentSources };
      const { limit, offset } = pagination(params);
      return { status: 200, body: store.state.metrics.slice(offset, offset + limit) };
    }
    throw new HttpError(404, `no such endpoint: ${method} ${path}`);
  }

  async function routeControl(req: IncomingMessage, path: string, params: URLSearchParams): Promise<Reply> {
    const method = req.method ?? 'GET';
    const route = path.slice(CONTROL_PREFIX.length).split('/').filter((p) => p !== '');
    const at = route.join('/');
    const sinceIndex = () => {
      const value = params.get('since');
      if (value === null) return 0;
      if (!/^\d+$/.test(value)) throw new HttpError(400, `since must be an integer >= 0, got ${JSON.stringify(value)}`);
      return Number(value);
    };
    switch (at) {
      case 'health':
        allow(method, ['GET']);
        return { status: 200, body: { ok: true, experiments: store.size, url: `${origin}${API_PREFIX}` } };
      case 'requests':
        allow(method, ['GET']);
        return { status: 200, body: requestLog.filter((r) => r.index >= sinceIndex()) };
      case 'deliveries':
        allow(method, ['GET']);
        return { status: 200, body: dispatcher.deliveries(sinceIndex()) };
      case 'reset':
        allow(method, ['POST']);
        store.reset(seed);
        faults.clear();
        requestLog = [];
        requestCount = 0;
        dispatcher.clearLog();
        registeredWebhooks = [];
        changed();
        return { status: 200, body: { ok: true } };
      case 'webhooks': {
        allow(method, ['GET', 'POST', 'DELETE']);
        if (method === 'GET') return { status: 200, body: receivers().map((r) => ({ url: r.url })) };
        if (method === 'DELETE') {
          registeredWebhooks = [];
          return { status: 200, body: { ok: true } };
        }
        const body = (await readJson(req, false)) as Record<string, unknown>;
        const url = body['url'];
        const secret = body['secret'];
        if (typeof url !== 'string' || !/^https?:\/\//.test(url) || !URL.canParse(url)) throw new HttpError(400, 'url must be an http(s) URL');
        if (typeof secret !== 'string' || secret === '') throw new HttpError(400, 'secret must be a non-empty string');
        registeredWebhooks.push({ url, secret });
        return { status: 201, body: { url } };
      }
      case 'faults': {
        allow(method, ['GET', 'POST', 'DELETE']);
        if (method === 'GET') return { status: 200, body: faults.list() };
        if (method === 'DELETE') {
          faults.clear();
          return { status: 200, body: { ok: true } };
        }
        const parsed = parseFaultSpecs(await readJson(req, false));
        if (!parsed.ok) throw new HttpError(400, parsed.message);
        return { status: 201, body: faults.add(parsed.value) };
      }
      case 'experiments': {
        allow(method, ['POST']);
        const body = await readJson(req, false);
        if (!Array.isArray(body)) throw new HttpError(400, 'request body must be an array of experiments');
        let records: ExperimentRecord[];
        try {
          records = store.insert(body as ExperimentInput[]);
        } catch (error) {
          throw new HttpError(400, (error as Error).message);
        }
        changed();
        return { status: 201, body: records.map(render) };
      }
    }
    if (route.length === 3 && route[0] === 'experiments' && route[2] === 'decision') {
      allow(method, ['POST', 'DELETE']);
      const record = findExperiment(route[1]!);
      if (method === 'DELETE') {
        store.reopen(record);
      } else {
        const body = (await readJson(req, false)) as Record<string, unknown>;
        const winner = body['winning_variant_key'] ?? null;
        const outcome = body['outcome'];
        const concluded = body['concluded_date'];
        if (winner !== null && (typeof winner !== 'string' || !record.experiment.variations.some((v) => v.variant_key === winner))) {
          const keys = record.experiment.variations.map((v) => v.variant_key).join(', ');
          throw new HttpError(400, `winning_variant_key must name a variation of experiment ${record.experiment.id} (${keys})`);
        }
        if (typeof outcome !== 'string' || outcome === '') throw new HttpError(400, 'outcome must be a non-empty string, e.g. POSITIVE, NEGATIVE or NEUTRAL');
        let concludedDate: string | undefined;
        if (concluded !== undefined) {
          const date = typeof concluded === 'string' ? parseIsoDate(concluded) : undefined;
          if (date === undefined) throw new HttpError(400, 'concluded_date must be an ISO-8601 timestamp');
          concludedDate = date.toISOString();
        }
        store.decide(record, winner, outcome, concludedDate);
      }
      changed();
      notify('experiment.status.updated', record);
      return { status: 200, body: render(record) };
    }
    throw new HttpError(404, `no such control endpoint: ${method} ${path}`);
  }

  function send(res: ServerResponse, reply: Reply): void {
    const body = reply.body === undefined ? '' : JSON.stringify(reply.body);
    res.writeHead(reply.status, {
      'content-type': 'application/json; charset=utf-8',
      'content-length': Buffer.byteLength(body),
      ...(closing ? { connection: 'close' } : {}),
      ...reply.headers,
    });
    res.end(body);
  }

  function faultReply(terminal: NonNullable<RequestFaults['terminal']> & { kind: 'status' }): Reply {
    return {
      status: terminal.status,
      body: errorBody(terminal.status, `injected fault ${terminal.faultId}: ${terminal.status} ${STATUS_CODES[terminal.status] ?? ''}`.trim()),
      ...(terminal.retryAfterSeconds === undefined ? {} : { headers: { 'retry-after': String(terminal.retryAfterSeconds) } }),
    };
  }

  function remember(entry: RequestLogEntry): void {
    requestLog.push(entry);
    if (requestLog.length > MAX_LOG_ENTRIES) requestLog = requestLog.slice(-MAX_LOG_ENTRIES / 2);
  }

  async function handleApi(req: IncomingMessage, res: ServerResponse, url: URL, path: string, started: number): Promise<void> {
    const method = req.method ?? 'GET';
    const entry: RequestLogEntry = {
      index: requestCount++,
      method,
      path: url.pathname,
      query: Object.fromEntries(url.searchParams),
      status: null,
      at: now().toISOString(),
    };
    remember(entry);
    const injected = faults.forRequest(method, path);
    const delay = (options.latencyMs ?? 0) + injected.latencyMs;
    if (delay > 0) await new Promise((resolve) => setTimeout(resolve, delay));
    const terminal = injected.terminal;
    let reply: Reply | undefined;
    if (terminal === undefined || terminal.phase === 'after') {
      try {
        reply = await routeApi(req, path, url.searchParams, entry);
      } catch (error) {
        reply = errorReply(error, log);
      }
    }
    if (terminal !== undefined) {
      entry.fault = `${terminal.kind}${terminal.kind === 'status' ? ` ${terminal.status}` : ''} (${terminal.phase})`;
      if (terminal.kind === 'drop') {
        req.socket.destroy();
        log({ type: 'request', method, path: url.pathname, status: null, fault: entry.fault, ms: Date.now() - started });
        return;
      }
      reply = faultReply(terminal);
    }
    entry.status = reply!.status;
    send(res, reply!);
    log({ type: 'request', method, path: url.pathname, status: reply!.status, ...(entry.fault ? { fault: entry.fault } : {}), ms: Date.now() - started });
  }

  let inFlight = 0;
  const server = createServer((req, res) => {
    inFlight++;
    const started = Date.now();
    const url = new URL(req.url ?? '/', 'http://emulator.invalid');
    const path = url.pathname.length > 1 ? url.pathname.replace(/\/+$/, '') : url.pathname;
    const isControl = path === CONTROL_PREFIX || path.startsWith(`${CONTROL_PREFIX}/`);
    const work = isControl
      ? routeControl(req, path, url.searchParams)
          .catch((error: unknown) => errorReply(error, log))
          .then((reply) => {
            send(res, reply);
            log({ type: 'control', method: req.method, path: url.pathname, status: reply.status, ms: Date.now() - started });
          })
      : handleApi(req, res, url, path, started);
    void work
      .catch((error: unknown) => {
        log({ type: 'error', message: (error as Error).message });
        if (!res.headersSent) send(res, errorReply(error, log));
      })
      .finally(() => {
        inFlight--;
        if (closing) server.closeIdleConnections();
      });
  });
  server.keepAliveTimeout = 5000;

  await new Promise<void>((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) => {
      const where = `${options.host ?? '127.0.0.1'}:${options.port ?? 0}`;
      reject(
        error.code === 'EADDRINUSE'
          ? new ConfigError(`cannot start the emulator: ${where} is already in use; pick another --port (0 = any free port)`, { cause: error })
          : new ConfigError(`cannot start the emulator on ${where}: ${error.message}`, { cause: error }),
      );
    });
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => resolve());
  });
  const address = server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  origin = `http://${host}:${address.port}`;

  let closed: Promise<void> | undefined;
  return {
    url: `${origin}${API_PREFIX}`,
    origin,
    apiKey,
    seedExperiments(items) {
      const records = store.insert(items);
      changed();
      return records.map(render);
    },
    idle: () => dispatcher.idle(),
    close() {
      closed ??= (async () => {
        closing = true;
        const stopped = new Promise<void>((resolve) => server.close(() => resolve()));
        server.closeIdleConnections();
        await stopped;
        while (inFlight > 0) await new Promise((resolve) => setTimeout(resolve, 5));
        await dispatcher.close();
        await writer?.flush();
      })();
      return closed;
    },
  };
}

function isJsonType(type: string | undefined): boolean {
  if (type === undefined) return false;
  const mime = type.split(';')[0]!.trim().toLowerCase();
  return mime === 'application/json' || (mime.startsWith('application/') && mime.endsWith('+json'));
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let tooLarge = false;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        tooLarge = true;
        chunks.length = 0;
        if (size > 16 * MAX_BODY_BYTES) req.socket.destroy();
      } else {
        chunks.push(chunk);
      }
    });
    req.on('end', () => {
      if (tooLarge) reject(new HttpError(413, `request body is larger than ${MAX_BODY_BYTES} bytes (1 MiB)`, { connection: 'close' }));
      else resolve(Buffer.concat(chunks).toString('utf8'));
    });
    req.on('error', reject);
    // A client that gave up (timeout) leaves neither 'end' nor 'error': without this the handler waits forever and close() hangs.
    const gone = () => reject(new HttpError(499, 'the client closed the connection before the body was read'));
    if (req.socket.destroyed) gone();
    else req.on('close', () => { if (!req.readableEnded) gone(); });
  });
}

function errorBody(status: number, message: string) {
  return { statusCode: status, error: STATUS_CODES[status] ?? 'Error', message };
}

function errorReply(error: unknown, log: (entry: Record<string, unknown>) => void): Reply {
  if (error instanceof HttpError) {
    return { status: error.status, body: errorBody(error.status, error.message), ...(error.headers ? { headers: error.headers } : {}) };
  }
  const message = error instanceof Error ? error.message : String(error);
  log({ type: 'error', message });
  return { status: 500, body: errorBody(500, `internal emulator error: ${message}`) };
}
