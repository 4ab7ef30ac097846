import type { IncomingMessage, ServerResponse } from 'node:http';
import { performance } from 'node:perf_hooks';
import { ConfigError } from '../errors.js';
import { parseWebhookEvent, verifyWebhookSignature } from '../outcomes/index.js';
import { checkSecretLength, HttpError, isJsonContentType, readRequestBody, RequestBodyError, sendAndClose, sendJson } from '../util/index.js';
import { describeCrash } from './describe-crash.js';
import type { PushResult } from './work-queue.js';

export const WEBHOOK_PATH = '/webhooks/eppo';
export const HEALTH_PATH = '/healthz';

export type ServerLog = (entry: Record<string, unknown>) => void;

export interface WebhookHandlerOptions {
  /** EPPO_WEBHOOK_SECRET */
  secret: string;
  /** takes a verified outcome event's experiment id for the background; `full` answers 503 */
  enqueue(experimentId: number): PushResult;
  /** one JSON-able entry per delivery; never given a secret */
  log?: ServerLog;
  /** where Eppo posts; default WEBHOOK_PATH */
  path?: string;
  /** the health probe, or false for none; default HEALTH_PATH */
  healthPath?: string | false;
  /** default 64 KiB */
  maxBodyBytes?: number;
  /** longest pause between two body chunks; default 5 000 ms */
  bodyIdleTimeoutMs?: number;
  /** seconds in Retry-After on a 503; default 5 */
  retryAfterSeconds?: number;
  /** true once the host is shutting down: deliveries get 503 and the health probe says `stopping` */
  isStopping?: () => boolean;
  /** jobs running for longer than they should (`JobRunner.stuck`): while any is, the health probe answers 503 `stuck` */
  stuckJobs?: () => number;
}

/**
 * A `(req, res, next?)` request handler for node:http and Express-style
 * servers. It answers only its own paths and resolves true when it did; any
 * other path goes to `next` (when given) and resolves false.
 */
export type WebhookHandler = (req: IncomingMessage, res: ServerResponse, next?: () => void) => Promise<boolean>;

/**
 * The webhook receiver as a mountable handler, in the manner of
 * @octokit/webhooks' `createNodeMiddleware`: `POST <path>` checks the content
 * type (415), reads the body within limits (413, 408), verifies the Eppo
 * signature before trusting anything in it (401), parses the event (400),
 * hands the experiment id to `enqueue` and answers 202 at once (503 with
 * Retry-After when the queue is full). `GET <healthPath>` answers 200, or 503
 * while stopping or while a job is stuck. Answers are JSON.
 */
export function createWebhookHandler(options: WebhookHandlerOptions): WebhookHandler {
  if (options.secret === '') {
    throw new ConfigError('the webhook secret is empty: pass the secret configured on the Eppo webhook (EPPO_WEBHOOK_SECRET)');
  }
  checkSecretLength('EPPO_WEBHOOK_SECRET', options.secret);
  const log = options.log ?? (() => {});
  const path = options.path ?? WEBHOOK_PATH;
  const healthPath = options.healthPath ?? HEALTH_PATH;
  const maxBody = options.maxBodyBytes ?? 64 * 1024;
  const bodyIdle = options.bodyIdleTimeoutMs ?? 5_000;
  const retryAfter = String(options.retryAfterSeconds ?? 5);
  const stopping = options.isStopping ?? (() => false);
  const stuckJobs = options.stuckJobs ?? (() => 0);

  async function receive(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const started = performance.now();
    const entry: Record<string, unknown> = { msg: 'delivery' };
    let status = 500;
    try {
      if (stopping()) throw new HttpError(503, 'shutting down');
      if (!isJsonContentType(req.headers['content-type'])) throw new HttpError(415, 'content type must be application/json');
      const raw = await readBody(req);
      let body: unknown;
      try {
        body = JSON.parse(raw);
      } catch {
        throw new HttpError(400, 'malformed JSON');
      }
      // Nothing from an unverified body reaches the log.
      if (!verifyWebhookSignature(body, options.secret)) throw new HttpError(401, 'invalid signature');
      const parsed = parseWebhookEvent(body);
      if (parsed.kind !== 'invalid') entry.event = parsed.event.slice(0, 100);
      if (parsed.kind === 'outcome') entry.experiment_id = parsed.experimentId;
      if (parsed.kind === 'invalid') throw new HttpError(400, parsed.reason);
      if (parsed.kind === 'ignored') {
        entry.action = 'ignored';
        status = 202;
        return sendJson(res, 202, { status: 'ignored' });
      }
      const pushed = options.enqueue(parsed.experimentId);
      if (pushed === 'full') {
        entry.action = 'rejected';
        entry.reason = 'queue full';
        status = 503;
        return sendJson(res, 503, { error: 'busy, retry later' }, { 'retry-after': retryAfter });
      }
      entry.action = pushed;
      status = 202;
      return sendJson(res, 202, { status: 'accepted' });
    } catch (error) {
      const failure = error instanceof HttpError ? error : new HttpError(500, 'internal error');
      status = failure.status;
      entry.action = 'rejected';
      entry.reason = failure.message;
      // Never the body: a 500 comes after the signature check, or from code that never saw it.
      if (!(error instanceof HttpError)) entry.error = describeCrash(error);
      if (failure.status === 413 || failure.status === 408 || failure.status === 415) {
        // The body was not read (or only part of it): closing beats reading it to the end.
        sendAndClose(req, res, failure.status, { error: failure.message });
        return;
      }
      // 401 says nothing about why, so a prober learns nothing about the secret.
      return sendJson(res, failure.status, { error: failure.status === 401 ? 'unauthorized' : failure.message }, failure.status === 503 ? { 'retry-after': retryAfter } : {});
    } finally {
      log({ ...entry, status, duration_ms: ms(started) });
    }
  }

  async function readBody(req: IncomingMessage): Promise<string> {
    try {
      return await readRequestBody(req, { maxBytes: maxBody, overflow: 'stop', idleTimeoutMs: bodyIdle });
    } catch (error) {
      if (!(error instanceof RequestBodyError)) throw error;
      switch (error.reason) {
        case 'too-large':
          throw new HttpError(413, `body over ${maxBody} bytes`);
        case 'stalled':
          throw new HttpError(408, 'the request body stalled');
        case 'gone':
          throw new HttpError(400, 'the client went away');
        case 'failed':
          throw new HttpError(400, `reading the body failed: ${error.cause instanceof Error ? error.cause.message : String(error.cause)}`);
      }
    }
  }

  function health(): [number, Record<string, unknown>] {
    if (stopping()) return [503, { status: 'stopping' }];
    const stuck = stuckJobs();
    if (stuck > 0) return [503, { status: 'stuck', stuck_jobs: stuck }];
    return [200, { status: 'ok' }];
  }

  return async (req, res, next) => {
    const requestPath = (req.url ?? '/').split('?')[0];
    if (healthPath !== false && requestPath === healthPath) {
      if (req.method !== 'GET' && req.method !== 'HEAD') sendAndClose(req, res, 405, { error: 'method not allowed' }, { allow: 'GET, HEAD' });
      else sendJson(res, ...health());
      return true;
    }
    if (requestPath !== path) {
      next?.();
      return false;
    }
    if (req.method !== 'POST') sendAndClose(req, res, 405, { error: 'method not allowed' }, { allow: 'POST' });
    else await receive(req, res);
    return true;
  };
}

function ms(start: number): number {
  return Math.round((performance.now() - start) * 10) / 10;
}
