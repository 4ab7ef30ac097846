import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { performance } from 'node:perf_hooks';
import { parseWebhookEvent, verifyWebhookSignature } from '../outcomes/index.js';
import { createWorkQueue } from './work-queue.js';

export const WEBHOOK_PATH = '/webhooks/eppo';
export const HEALTH_PATH = '/healthz';

export type ServerLog = (entry: Record<string, unknown>) => void;

/** What the background handler did with one experiment; logged as `action`. */
export type HandleResult = { action: string; [key: string]: unknown };

export interface WebhookServerOptions {
  /** 0 picks a free port */
  port: number;
  /** default 127.0.0.1 */
  host?: string;
  /** EPPO_WEBHOOK_SECRET */
  secret: string;
  /** processes one experiment in the background (after the 202) */
  handle(experimentId: number): Promise<HandleResult>;
  /** one JSON-able entry per delivery and per processed job; never given a secret */
  log?: ServerLog;
  /** default 64 KiB */
  maxBodyBytes?: number;
  /** time to receive the request headers; default 10 000 ms */
  headersTimeoutMs?: number;
  /** time to receive the whole request; default 30 000 ms */
  requestTimeoutMs?: number;
  /** longest pause between two body chunks; default 5 000 ms */
  bodyIdleTimeoutMs?: number;
  /** experiments processed at once; default 2 */
  concurrency?: number;
  /** experiments waiting or running before deliveries get 503; default 1000 */
  maxPending?: number;
  /** seconds in Retry-After when the queue is full; default 5 */
  retryAfterSeconds?: number;
  /**
   * a failed job is tried again later, up to `attempts` runs in all (default 3),
   * after `delayMs` (default 30 000), doubled each time; beyond that the
   * scheduled `outcomes sync` catches up
   */
  jobRetry?: { attempts?: number; delayMs?: number };
}

export interface WebhookServer {
  /** `http://host:port` */
  url: string;
  port: number;
  /** resolves when no request is being read and no work is queued or running (a retry waiting out its delay does not count) */
  idle(): Promise<void>;
  /** stops accepting, finishes requests and work in flight, then resolves */
  close(): Promise<void>;
}

class HttpFailure extends Error {
  constructor(
    readonly status: number,
    readonly reason: string,
  ) {
    super(reason);
  }
}

/**
 * The webhook receiver: `POST /webhooks/eppo` verifies the Eppo signature,
 * answers 202 at once and hands the experiment id to a bounded queue that
 * coalesces deliveries per experiment; `GET /healthz` answers 200. Transport
 * only: what happens to an experiment is `handle`'s business.
 */
export async function startWebhookServer(options: WebhookServerOptions): Promise<WebhookServer> {
  if (options.secret === '') throw new Error('the webhook secret is empty');
  const log = options.log ?? (() => {});
  const maxBody = options.maxBodyBytes ?? 64 * 1024;
  const headersTimeout = options.headersTimeoutMs ?? 10_000;
  const requestTimeout = Math.max(options.requestTimeoutMs ?? 30_000, headersTimeout + 1);
  const bodyIdle = options.bodyIdleTimeoutMs ?? 5_000;
  const retryAfter = String(options.retryAfterSeconds ?? 5);
  let closing = false;
  let inFlight = 0;
  let idleWaiters: Array<() => void> = [];

  const maxAttempts = Math.max(1, options.jobRetry?.attempts ?? 3);
  const retryDelayMs = options.jobRetry?.delayMs ?? 30_000;
  const failedRuns = new Map<number, number>();
  const retryTimers = new Set<NodeJS.Timeout>();

  const queue = createWorkQueue<number>({
    ...(options.concurrency !== undefined ? { concurrency: options.concurrency } : {}),
    ...(options.maxPending !== undefined ? { maxPending: options.maxPending } : {}),
    async run(experimentId) {
      const started = performance.now();
      try {
        const result = await options.handle(experimentId);
        failedRuns.delete(experimentId);
        log({ msg: 'processed', experiment_id: experimentId, ...result, duration_ms: ms(started) });
      } catch (error) {
        const runs = (failedRuns.get(experimentId) ?? 0) + 1;
        const retry = runs < maxAttempts && !closing;
        log({
          msg: 'failed',
          experiment_id: experimentId,
          action: 'error',
          error: error instanceof Error ? error.message : String(error),
          attempt: runs,
          next: retry ? `retry in ${retryDelayMs * 2 ** (runs - 1)} ms` : 'none; the scheduled outcomes sync will catch up',
          duration_ms: ms(started),
        });
        if (!retry) {
          failedRuns.delete(experimentId);
          return;
        }
        failedRuns.set(experimentId, runs);
        const timer = setTimeout(() => {
          retryTimers.delete(timer);
          if (!closing) queue.push(experimentId);
        }, retryDelayMs * 2 ** (runs - 1));
        timer.unref();
        retryTimers.add(timer);
      }
    },
  });

  const server = createServer({
    headersTimeout: headersTimeout,
    requestTimeout: requestTimeout,
    keepAliveTimeout: 5_000,
    connectionsCheckingInterval: Math.max(50, Math.min(1_000, Math.floor(headersTimeout / 4))),
  });

  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    inFlight++;
    res.on('close', () => {
      inFlight--;
      notifyIdle();
    });
    void route(req, res);
  });
  server.on('clientError', (error: NodeJS.ErrnoException, socket) => {
    const status = error.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? '408 Request Timeout' : error.code === 'HPE_HEADER_OVERFLOW' ? '431 Request Header Fields Too Large' : '400 Bad Request';
    log({ msg: 'delivery', action: 'rejected', reason: error.code ?? 'bad request', status: Number(status.slice(0, 3)) });
    if (socket.writable) socket.end(`HTTP/1.1 ${status}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
    else socket.destroy();
  });

  async function route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = (req.url ?? '/').split('?')[0];
    if (path === HEALTH_PATH) {
      if (req.method !== 'GET' && req.method !== 'HEAD') return send(res, 405, { error: 'method not allowed' }, { allow: 'GET, HEAD' });
      return send(res, closing ? 503 : 200, { status: closing ? 'stopping' : 'ok' });
    }
    if (path !== WEBHOOK_PATH) return send(res, 404, { error: 'not found' });
    if (req.method !== 'POST') return send(res, 405, { error: 'method not allowed' }, { allow: 'POST' });
    const started = performance.now();
    const entry: Record<string, unknown> = { msg: 'delivery' };
    let status = 500;
    try {
      if (closing) throw new HttpFailure(503, 'shutting down');
      if (!isJson(req.headers['content-type'])) throw new HttpFailure(415, 'content type must be application/json');
      const raw = await readBody(req, maxBody, bodyIdle);
      let body: unknown;
      try {
        body = JSON.parse(raw);
      } catch {
        throw new HttpFailure(400, 'malformed JSON');
      }
      // Nothing from an unverified body reaches the log.
      if (!verifyWebhookSignature(body, options.secret)) throw new HttpFailure(401, 'invalid signature');
      const parsed = parseWebhookEvent(body);
      if (parsed.kind !== 'invalid') entry.event = parsed.event.slice(0, 100);
      if (parsed.kind === 'outcome') entry.experiment_id = parsed.experimentId;
      if (parsed.kind === 'invalid') throw new HttpFailure(400, parsed.reason);
      if (parsed.kind === 'ignored') {
        entry.action = 'ignored';
        status = 202;
        return send(res, 202, { status: 'ignored' });
      }
      const pushed = queue.push(parsed.experimentId);
      if (pushed === 'full') {
        entry.action = 'rejected';
        entry.reason = 'queue full';
        status = 503;
        return send(res, 503, { error: 'busy, retry later' }, { 'retry-after': retryAfter });
      }
      entry.action = pushed;
      status = 202;
      return send(res, 202, { status: 'accepted' });
    } catch (error) {
      const failure = error instanceof HttpFailure ? error : new HttpFailure(500, 'internal error');
      status = failure.status;
      entry.action = 'rejected';
      entry.reason = failure.reason;
      if (failure.status === 413 || failure.status === 408) {
        res.shouldKeepAlive = false;
        send(res, failure.status, { error: failure.reason }, { connection: 'close' });
        res.on('finish', () => req.destroy());
        return;
      }
      // 401 says nothing about why, so a prober learns nothing about the secret.
      return send(res, failure.status, { error: failure.status === 401 ? 'unauthorized' : failure.reason }, failure.status === 503 ? { 'retry-after': retryAfter } : {});
    } finally {
      log({ ...entry, status, duration_ms: ms(started) });
    }
  }

  function notifyIdle(): void {
    const waiters = idleWaiters;
    idleWaiters = [];
    for (const w of waiters) w();
  }

  async function idle(): Promise<void> {
    while (inFlight > 0 || queue.size > 0) {
      if (queue.size > 0) await queue.idle();
      else await new Promise<void>((resolve) => idleWaiters.push(resolve));
    }
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host ?? '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  const hostForUrl = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  let closed: Promise<void> | undefined;

  return {
    url: `http://${hostForUrl}:${address.port}`,
    port: address.port,
    idle,
    close() {
      closed ??= (async () => {
        closing = true;
        for (const timer of retryTimers) clearTimeout(timer);
        if (retryTimers.size > 0) log({ msg: 'stopping', dropped_retries: retryTimers.size, note: 'the scheduled outcomes sync will catch up' });
        retryTimers.clear();
        const stopped = new Promise<void>((resolve) => server.close(() => resolve()));
        server.closeIdleConnections();
        await idle();
        server.closeIdleConnections();
        await stopped;
      })();
      return closed;
    },
  };
}

function send(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  if (res.headersSent) return;
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), ...headers });
  res.end(text);
}

function isJson(contentType: string | undefined): boolean {
  if (contentType === undefined) return false;
  const type = contentType.split(';')[0]!.trim().toLowerCase();
  return type === 'application/json' || /^application\/[a-z0-9.+-]+\+json$/.test(type);
}

/** Reads the body up to `max` bytes; stops reading (413) beyond it, 408 when the client stalls. */
function readBody(req: IncomingMessage, max: number, idleMs: number): Promise<string> {
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > max) return Promise.reject(new HttpFailure(413, `body over ${max} bytes`));
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let timer = setTimeout(onIdle, idleMs);
    function onIdle(): void {
      finish(new HttpFailure(408, 'the request body stalled'));
    }
    function finish(error?: Error): void {
      clearTimeout(timer);
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('error', onError);
      req.off('aborted', onAborted);
      if (error) {
        req.pause();
        reject(error);
      } else resolve(Buffer.concat(chunks, size).toString('utf8'));
    }
    function onData(chunk: Buffer): void {
      size += chunk.length;
      if (size > max) return finish(new HttpFailure(413, `body over ${max} bytes`));
      chunks.push(chunk);
      clearTimeout(timer);
      timer = setTimeout(onIdle, idleMs);
    }
    function onEnd(): void {
      finish();
    }
    function onError(error: Error): void {
      finish(new HttpFailure(400, `reading the body failed: ${error.message}`));
    }
    function onAborted(): void {
      finish(new HttpFailure(400, 'the client went away'));
    }
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('error', onError);
    req.on('aborted', onAborted);
  });
}

function ms(start: number): number {
  return Math.round((performance.now() - start) * 10) / 10;
}
