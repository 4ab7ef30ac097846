import { createServer, STATUS_CODES, type IncomingMessage, type ServerResponse } from 'node:http';
import { ConfigError, EmulatorInputError } from '../errors.js';
import { HttpError, listen, sendJson } from '../util/index.js';
import { buildApiRoutes, type ApiRoute } from './api-routes.js';
import type { ApiExperiment } from './api-types.js';
import type { EmulatorContext } from './context.js';
import { buildControl, type Decision } from './control.js';
import { buildControlRoutes } from './control-routes.js';
import { FaultSet, type ActiveFault, type FaultSpec, type RequestFaults } from './faults.js';
import { errorBody, errorReply, receiveBody } from './http.js';
import { RequestLog, type RequestLogEntry } from './request-log.js';
import { matchRoute, type Call, type Reply, type Route } from './router.js';
import { buildSeedState } from './seed.js';
import { loadStateFile, resolveStatePath, StateWriter } from './state-file.js';
import { acquireStateLock, type StateLock } from './state-lock.js';
import { EmulatorStore, renderExperiment } from './store.js';
import { nodeTimers, type EmulatorTimers, type ExperimentInput, type WebhookReceiver } from './types.js';
import { WebhookDispatcher, type WebhookRetry } from './webhooks.js';

export const DEFAULT_EMULATOR_API_KEY = 'emulator-key';
const API_PREFIX = '/api/v1';
const CONTROL_PREFIX = '/__emulator';
const JSON_UTF8 = { 'content-type': 'application/json; charset=utf-8' };

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
  /** JSON state file, written atomically (temp + rename) and reloaded on start; locked (`<file>.lock`) while the emulator runs */
  statePath?: string;
  /**
   * How the user picks another state file, offered when this one is not valid
   * state (the emulator command: "pass another --state file"); without it the
   * message says only to move the file away or delete it.
   */
  otherStateFile?: string;
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
  /** the timers of the latency, the webhook retries and the reorder holds; default Node's (tests pass their own) */
  timers?: EmulatorTimers;
}

export interface RunningEmulator {
  /** API base, e.g. http://127.0.0.1:PORT/api/v1 */
  url: string;
  /** http://127.0.0.1:PORT (control endpoints under /__emulator/) */
  origin: string;
  /** the first read-write key */
  apiKey: string;
  /** insert experiments directly (bench/tests): full objects get ids, defaults, status */
  seedExperiments(items: ExperimentInput[]): ApiExperiment[];
  /**
   * "Make decision" (as `POST /__emulator/experiments/{id}/decision`): the
   * experiment is concluded and experiment.status.updated is delivered.
   * Throws EmulatorInputError for an unknown id or a bad decision.
   */
  decide(id: number, decision: Decision): ApiExperiment;
  /** registers a webhook receiver until reset (as `POST /__emulator/webhooks`); throws EmulatorInputError for a bad one */
  addWebhook(receiver: WebhookReceiver): void;
  /** adds faults (as `POST /__emulator/faults`); throws EmulatorInputError for a bad spec */
  addFaults(spec: FaultSpec | FaultSpec[]): ActiveFault[];
  /** the API request log from index `since` (as `GET /__emulator/requests`) */
  requests(since?: number): RequestLogEntry[];
  /** resolves when no webhook delivery is pending or retrying */
  idle(): Promise<void>;
  /**
   * stops accepting, finishes in-flight requests, flushes state, stops
   * retries; rejects with a ConfigError naming the state file when the latest
   * changes could not be written to it
   */
  close(): Promise<void>;
}

/** Starts the Eppo emulator on node:http; resolves once it listens. */
export async function startEmulator(options: EmulatorOptions = {}): Promise<RunningEmulator> {
  const now = options.now ?? (() => new Date());
  const timers = options.timers ?? nodeTimers;
  const log = options.log ?? (() => undefined);
  const seed = options.seed ?? true;
  const apiKeys = options.apiKeys ?? [{ key: DEFAULT_EMULATOR_API_KEY, access: 'read-write' }];
  if (apiKeys.length === 0) throw new ConfigError('the emulator needs at least one API key');
  const apiKey = (apiKeys.find((k) => k.access === 'read-write') ?? apiKeys[0])!.key;
  const keyAccess = new Map(apiKeys.map((k) => [k.key, k.access]));

  // One file, however it is named (a link to it included): its lock, its reads and its writes.
  const statePath = options.statePath === undefined ? undefined : await resolveStatePath(options.statePath);
  // Locked before it is read: from here on no other emulator writes this state file.
  const lock: StateLock | undefined = statePath === undefined ? undefined : await acquireStateLock(statePath);
  let loaded;
  try {
    loaded = statePath === undefined ? undefined : await loadStateFile(statePath, options.otherStateFile);
  } catch (error) {
    await lock?.release();
    throw error;
  }
  const store = new EmulatorStore(loaded ?? buildSeedState(seed), now);
  const writer =
    statePath === undefined
      ? undefined
      : new StateWriter(statePath, () => JSON.stringify(store.state), (error) =>
          log({ type: 'error', message: `cannot write the state file: ${(error as Error).message}` }),
        );
  if (loaded === undefined) writer?.schedule();

  const configuredWebhooks = [...(options.webhooks ?? [])];
  let registeredWebhooks: WebhookReceiver[] = [];
  let origin = '';
  const faults = new FaultSet();
  const ctx: EmulatorContext = {
    store,
    faults,
    dispatcher: new WebhookDispatcher({ faults, retry: options.webhookRetry, now, log, timers }),
    requests: new RequestLog(),
    seed,
    apiUrl: () => `${origin}${API_PREFIX}`,
    receivers: () => [...configuredWebhooks, ...registeredWebhooks],
    register: (receiver) => void registeredWebhooks.push(receiver),
    clearRegistered: () => void (registeredWebhooks = []),
    render: (record) => renderExperiment(record.experiment, now(), origin),
    changed: () => writer?.schedule(),
    notify: (event, record) =>
      ctx.dispatcher.dispatch(event, { experiment_id: record.experiment.id, experiment_key: record.experiment.experiment_key }, ctx.receivers()),
  };
  const apiRoutes = buildApiRoutes(ctx);
  const control = buildControl(ctx);
  const controlRoutes = buildControlRoutes(ctx, control);
  let closing = false;

  function authorise(req: IncomingMessage, write: boolean): void {
    const token = req.headers['x-eppo-token'];
    if (token === undefined || token === '') throw new HttpError(401, 'missing X-Eppo-Token header: send an Eppo API key');
    const access = typeof token === 'string' ? keyAccess.get(token) : undefined;
    if (access === undefined) throw new HttpError(401, 'invalid API key in X-Eppo-Token');
    if (write && access !== 'read-write') throw new HttpError(403, 'this API key is read-only; writing experiments needs a read/write key');
  }

  /** Finds the route in `routes` and runs it: 404 and 405 (with Allow) come from the table. */
  async function dispatch<R extends Route>(
    routes: readonly R[],
    segments: string[] | undefined,
    call: Omit<Call, 'params'>,
    notFound: string,
    check?: (route: R) => void,
  ): Promise<Reply> {
    const method = call.req.method ?? 'GET';
    const match = segments === undefined ? ({ kind: 'not-found' } as const) : matchRoute(routes, method, segments);
    if (match.kind === 'not-found') throw new HttpError(404, notFound);
    if (match.kind === 'method-not-allowed') {
      const allow = match.allow.join(', ');
      throw new HttpError(405, `method ${method} is not allowed here; allowed: ${allow}`, { allow });
    }
    check?.(match.route);
    return match.route.handle({ ...call, params: match.params });
  }

  function send(res: ServerResponse, reply: Reply): void {
    sendJson(res, reply.status, reply.body, { ...JSON_UTF8, ...(closing ? { connection: 'close' } : {}), ...reply.headers });
  }

  function faultReply(terminal: NonNullable<RequestFaults['terminal']> & { kind: 'status' }): Reply {
    return {
      status: terminal.status,
      body: errorBody(terminal.status, `injected fault ${terminal.faultId}: ${terminal.status} ${STATUS_CODES[terminal.status] ?? ''}`.trim()),
      ...(terminal.retryAfterSeconds === undefined ? {} : { headers: { 'retry-after': String(terminal.retryAfterSeconds) } }),
    };
  }

  /** An API request: logged, delayed and faulted as configured, then routed. */
  async function handleApi(req: IncomingMessage, res: ServerResponse, url: URL, path: string, started: number): Promise<void> {
    const method = req.method ?? 'GET';
    const entry: RequestLogEntry = ctx.requests.start(method, url, now());
    const injected = faults.forRequest(method, path);
    const delay = (options.latencyMs ?? 0) + injected.latencyMs;
    if (delay > 0) {
      receiveBody(req);
      await new Promise<void>((resolve) => timers.setTimeout(resolve, delay));
    }
    const terminal = injected.terminal;
    let reply: Reply | undefined;
    if (terminal === undefined || terminal.phase === 'after') {
      const segments = path.startsWith(`${API_PREFIX}/`) ? segmentsOf(path, API_PREFIX) : undefined;
      const call = { req, query: url.searchParams, logBody: (body: unknown) => void (entry.body = body) };
      reply = await dispatch<ApiRoute>(apiRoutes, segments, call, `no such endpoint: ${method} ${path}`, (route) => authorise(req, route.access === 'write')).catch(
        (error: unknown) => errorReply(error, log),
      );
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

  /** A control request: never logged in the request log, never faulted, no key. */
  async function handleControl(req: IncomingMessage, res: ServerResponse, url: URL, path: string, started: number): Promise<void> {
    const call = { req, query: url.searchParams, logBody: () => undefined };
    const reply = await dispatch(controlRoutes, segmentsOf(path, CONTROL_PREFIX), call, `no such control endpoint: ${req.method ?? 'GET'} ${path}`).catch(
      (error: unknown) => errorReply(error, log),
    );
    send(res, reply);
    log({ type: 'control', method: req.method, path: url.pathname, status: reply.status, ms: Date.now() - started });
  }

  let inFlight = 0;
  let drained: (() => void) | undefined;
  const server = createServer((req, res) => {
    inFlight++;
    const started = Date.now();
    // Everything that can throw runs inside the promise chain: one malformed request never takes the emulator down.
    void (async () => {
      const url = parseTarget(req.url);
      const path = url.pathname.length > 1 ? url.pathname.replace(/\/+$/, '') : url.pathname;
      const isControl = path === CONTROL_PREFIX || path.startsWith(`${CONTROL_PREFIX}/`);
      await (isControl ? handleControl : handleApi)(req, res, url, path, started);
    })()
      .catch((error: unknown) => {
        if (!(error instanceof HttpError)) log({ type: 'error', message: (error as Error).message });
        if (!res.headersSent) send(res, errorReply(error, log));
      })
      .finally(() => {
        inFlight--;
        if (closing) server.closeIdleConnections();
        if (inFlight === 0) drained?.();
      });
  });
  server.keepAliveTimeout = 5000;

  const host = options.host ?? '127.0.0.1';
  const port = options.port ?? 0;
  try {
    ({ origin } = await listen(server, port, host));
  } catch (error) {
    // The listen error is the one to report; the state file is flushed as far as it goes.
    await writer?.flush().catch(() => undefined);
    await lock?.release();
    const where = `${host}:${port}`;
    throw (error as NodeJS.ErrnoException).code === 'EADDRINUSE'
      ? new ConfigError(`cannot start the emulator: ${where} is already in use; pick another --port (0 = any free port)`, { cause: error })
      : new ConfigError(`cannot start the emulator on ${where}: ${(error as Error).message}`, { cause: error });
  }

  await lock?.announce(ctx.apiUrl()).catch((error: unknown) => log({ type: 'error', message: `cannot record the address in the state file's lock: ${(error as Error).message}` }));

  let closed: Promise<void> | undefined;
  return {
    url: ctx.apiUrl(),
    origin,
    apiKey,
    seedExperiments(items) {
      const records = store.insert(items);
      ctx.changed();
      return records.map((record) => ctx.render(record));
    },
    decide: (id, decision) => inProcess(() => control.decide(String(id), decision)),
    addWebhook: (receiver) => void inProcess(() => control.addWebhook(receiver)),
    addFaults: (spec) => inProcess(() => control.addFaults(spec)),
    requests: (since = 0) => ctx.requests.since(since),
    idle: () => ctx.dispatcher.idle(),
    close() {
      closed ??= (async () => {
        closing = true;
        const stopped = new Promise<void>((resolve) => server.close(() => resolve()));
        server.closeIdleConnections();
        await stopped;
        if (inFlight > 0) await new Promise<void>((resolve) => (drained = resolve));
        await ctx.dispatcher.close();
        try {
          await writer?.flush();
        } finally {
          await lock?.release();
        }
      })();
      return closed;
    },
  };
}

/** The request target as a URL; one that no URL parser accepts is a 400. */
function parseTarget(target: string | undefined): URL {
  try {
    return new URL(target ?? '/', 'http://emulator.invalid');
  } catch {
    throw new HttpError(400, 'malformed request target: send a path such as /api/v1/experiments');
  }
}

/** A control call made in-process: the HTTP API's 400 and 404 become an EmulatorInputError with the same message. */
function inProcess<T>(call: () => T): T {
  try {
    return call();
  } catch (error) {
    if (error instanceof HttpError) throw new EmulatorInputError(error.message);
    throw error;
  }
}

/** The path's segments below `prefix`, empty ones left out (so `//` and a trailing `/` don't matter). */
function segmentsOf(path: string, prefix: string): string[] {
  return path
    .slice(prefix.length)
    .split('/')
    .filter((s) => s !== '');
}
