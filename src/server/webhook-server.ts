import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { describeError } from '../errors.js';
import { listen, sendAndClose, stuckJobTimeoutMs } from '../util/index.js';
import { describeCrash } from './describe-crash.js';
import { createJobRunner, systemTimers, type JobReport, type RunnerTimers } from './job-runner.js';
import { createWebhookHandler, type ServerLog } from './webhook-handler.js';

/** What the background handler did with one experiment; logged as `action`. */
export type HandleResult = { action: string; [key: string]: unknown };

export interface WebhookServerOptions {
  /** 0 picks a free port */
  port: number;
  /** default 127.0.0.1 */
  host?: string;
  /** EPPO_WEBHOOK_SECRET */
  secret: string;
  /**
   * processes one experiment in the background (after the 202); `signal` is
   * aborted when close() has waited `closeGraceMs` for the work in flight
   */
  handle(experimentId: number, signal: AbortSignal): Promise<HandleResult>;
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
  /** the clock and timers of the job retries and of the close grace; default the real ones */
  timers?: RunnerTimers;
  /**
   * how long close() waits for the work in flight before it cancels it;
   * default 30 000. The clients the jobs use should take the signal
   * (`cancelJobs`, or the one `handle` gets), so a stalled read cannot hold
   * the shutdown.
   */
  closeGraceMs?: number;
  /**
   * aborted when the grace is over, for clients made before the server (the
   * Eppo client, the git host); default: a controller of the server's own
   */
  cancelJobs?: AbortController;
  /**
   * a job running for longer than this is stuck: `GET /healthz` answers 503
   * `stuck` until it ends; default 180 000 (six 30 s request timeouts)
   */
  jobTimeoutMs?: number;
}

export interface WebhookServer {
  /** `http://host:port`, the address it is bound to */
  url: string;
  /**
   * where a client on this machine reaches it: `url`, or with loopback in
   * place of an address that stands for all of them (0.0.0.0, ::)
   */
  localUrl: string;
  port: number;
  /** resolves when no request is being read and no work is queued or running (a retry waiting out its delay does not count) */
  idle(): Promise<void>;
  /**
   * stops accepting, finishes requests and work in flight (cancelling the
   * work still running after `closeGraceMs`), then resolves
   */
  close(): Promise<void>;
}

/**
 * The webhook receiver behind `serve`: the webhook handler (`POST
 * /webhooks/eppo`, `GET /healthz`) on its own node:http server, feeding a job
 * runner that coalesces deliveries per experiment and retries failed runs.
 * Transport only: what happens to an experiment is `handle`'s business.
 */
export async function startWebhookServer(options: WebhookServerOptions): Promise<WebhookServer> {
  const log = options.log ?? (() => {});
  const headersTimeout = options.headersTimeoutMs ?? 10_000;
  const requestTimeout = Math.max(options.requestTimeoutMs ?? 30_000, headersTimeout + 1);
  let closing = false;
  let inFlight = 0;
  let idleWaiters: Array<() => void> = [];

  const cancelJobs = options.cancelJobs ?? new AbortController();
  const timers = options.timers ?? systemTimers;
  const jobs = createJobRunner<number, HandleResult>({
    run: (experimentId) => options.handle(experimentId, cancelJobs.signal),
    report: (report) => log(jobLogEntry(report)),
    onError: (experimentId, error) => log({ msg: 'failed', experiment_id: experimentId, action: 'error', error: describeError(error) }),
    timeoutMs: options.jobTimeoutMs ?? stuckJobTimeoutMs({}),
    ...(options.concurrency !== undefined ? { concurrency: options.concurrency } : {}),
    ...(options.maxPending !== undefined ? { maxPending: options.maxPending } : {}),
    ...(options.jobRetry !== undefined ? { retry: options.jobRetry } : {}),
    timers,
  });
  const handler = createWebhookHandler({
    secret: options.secret,
    enqueue: (experimentId) => jobs.push(experimentId),
    log,
    isStopping: () => closing,
    stuckJobs: () => jobs.stuck(),
    ...(options.maxBodyBytes !== undefined ? { maxBodyBytes: options.maxBodyBytes } : {}),
    ...(options.bodyIdleTimeoutMs !== undefined ? { bodyIdleTimeoutMs: options.bodyIdleTimeoutMs } : {}),
    ...(options.retryAfterSeconds !== undefined ? { retryAfterSeconds: options.retryAfterSeconds } : {}),
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
    handler(req, res, () => sendAndClose(req, res, 404, { error: 'not found' })).catch((error: unknown) => {
      log({ msg: 'request', action: 'rejected', status: 500, reason: 'internal error', error: describeCrash(error) });
      sendAndClose(req, res, 500, { error: 'internal error' });
    });
  });
  server.on('clientError', (error: NodeJS.ErrnoException, socket) => {
    const status = error.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? '408 Request Timeout' : error.code === 'HPE_HEADER_OVERFLOW' ? '431 Request Header Fields Too Large' : '400 Bad Request';
    log({ msg: 'delivery', action: 'rejected', reason: error.code ?? 'bad request', status: Number(status.slice(0, 3)) });
    if (socket.writable) socket.end(`HTTP/1.1 ${status}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
    else socket.destroy();
  });

  function notifyIdle(): void {
    const waiters = idleWaiters;
    idleWaiters = [];
    for (const w of waiters) w();
  }

  async function idle(): Promise<void> {
    while (inFlight > 0 || jobs.size > 0) {
      if (jobs.size > 0) await jobs.idle();
      else await new Promise<void>((resolve) => idleWaiters.push(resolve));
    }
  }

  /** Whether `work` settles within `ms` (on the injected timers). */
  function finishesWithin(work: Promise<void>, ms: number): Promise<boolean> {
    return new Promise((resolve) => {
      const timer = timers.setTimeout(() => resolve(false), ms);
      void work.then(() => {
        timers.clearTimeout(timer);
        resolve(true);
      });
    });
  }

  const { origin, port } = await listen(server, options.port, options.host ?? '127.0.0.1');
  let closed: Promise<void> | undefined;

  return {
    url: origin,
    localUrl: origin.replace('//0.0.0.0:', '//127.0.0.1:').replace('//[::]:', '//[::1]:'),
    port,
    idle,
    close() {
      closed ??= (async () => {
        closing = true;
        const dropped = jobs.stop();
        if (dropped > 0) log({ msg: 'stopping', dropped_retries: dropped, note: 'the scheduled outcomes sync will catch up' });
        const stopped = new Promise<void>((resolve) => server.close(() => resolve()));
        server.closeIdleConnections();
        if (!(await finishesWithin(idle(), options.closeGraceMs ?? DEFAULT_CLOSE_GRACE_MS))) {
          log({ msg: 'stopping', cancelled_jobs: jobs.size, note: 'work still running after the grace period is cancelled; the scheduled outcomes sync will catch up' });
          cancelJobs.abort();
          await idle();
        }
        server.closeIdleConnections();
        await stopped;
      })();
      return closed;
    },
  };
}

/** How long close() waits for the work in flight: inside a usual one-minute shutdown grace period, with room to spare. */
const DEFAULT_CLOSE_GRACE_MS = 30_000;

/** The log line of one job run. */
function jobLogEntry(report: JobReport<number, HandleResult>): Record<string, unknown> {
  if (report.kind === 'dropped') {
    return { msg: 'dropped', experiment_id: report.key, action: 'error', reason: `retry ${report.attempt + 1} not run: the queue is full`, next: 'none; the scheduled outcomes sync will catch up' };
  }
  const duration = Math.round(report.durationMs * 10) / 10;
  if (report.kind === 'done') return { msg: 'processed', experiment_id: report.key, ...report.result, duration_ms: duration };
  return {
    msg: 'failed',
    experiment_id: report.key,
    action: 'error',
    error: describeError(report.error),
    attempt: report.attempt,
    next: report.retryInMs !== undefined ? `retry in ${report.retryInMs} ms` : 'none; the scheduled outcomes sync will catch up',
    duration_ms: duration,
  };
}
