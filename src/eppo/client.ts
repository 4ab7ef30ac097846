import { setTimeout as wait } from 'node:timers/promises';
import { Pool } from 'undici';
import { ConfigError, EppoApiError, InternalError } from '../errors.js';
import { checkSecretLength, DEFAULT_PARALLELISM, DEFAULT_REQUEST_TIMEOUT_MS, isLoopbackHost, redactValues } from '../util/index.js';
import type {
  EppoApi,
  EppoAssignmentSource,
  EppoEntity,
  EppoExperiment,
  EppoMetric,
  ExperimentWrite,
  ListExperimentsFilter,
} from './types.js';

export const DEFAULT_EPPO_BASE_URL = 'https://eppo.cloud/api/v1';

/** Page size for list endpoints (Eppo's maximum). */
export const PAGE_LIMIT = 250;

/** Where the base URL was set: a flag, the environment, eppo-gitops.yaml, or none of them (Eppo's own). */
export type BaseUrlSource = 'flag' | 'env' | 'settings' | 'default';

/** The setting a hint tells the user to check: the one the URL came from (setting EPPO_BASE_URL is the way to change the default). */
function urlSetting(source: BaseUrlSource | undefined): string {
  if (source === 'flag') return '--base-url';
  if (source === 'settings') return '"eppo_base_url" in eppo-gitops.yaml';
  return 'EPPO_BASE_URL';
}

/** 1,000,000 items: beyond this the server is not paging (offset ignored). */
const MAX_PAGES = 4_000;

export interface RetryEvent {
  method: string;
  path: string;
  attempt: number;
  delayMs: number;
  reason: string;
}

export interface EppoClientOptions {
  baseUrl: string;
  apiKey: string;
  /** whole request, headers and body; default 30 000 */
  requestTimeoutMs?: number;
  /** TCP/TLS connect; default 10 000 */
  connectTimeoutMs?: number;
  /** attempts per request, the first included; default 5 */
  maxAttempts?: number;
  /** backoff base; default 500 */
  retryBaseMs?: number;
  /** cap on any one wait, Retry-After included; default 30 000 */
  maxRetryDelayMs?: number;
  /** list pages in flight; default 4 */
  concurrency?: number;
  onRetry?: (e: RetryEvent) => void;
  /** where `baseUrl` was set, so a hint names that setting (default: EPPO_BASE_URL) */
  baseUrlSource?: BaseUrlSource;
  /**
   * Once aborted, reads in flight are cancelled, no retry waits or starts, and
   * every new call fails with a non-retryable EppoRequestError (`cancelled`).
   * A write in flight (POST, PUT) is not cancelled: its answer is the only way
   * to know whether it happened. It finishes, and fails with its own error
   * when it fails.
   */
  signal?: AbortSignal;
}

/**
 * An Eppo API failure raised by this client. `retryable` says whether trying
 * again could help; `notProcessed` is true only when the request provably never
 * reached the server (so even a create may be sent again); `retryAfterMs` is
 * the server's Retry-After, when it gave one.
 */
export class EppoRequestError extends EppoApiError {
  readonly retryable: boolean;
  readonly notProcessed: boolean;
  readonly retryAfterMs: number | undefined;
  /** no complete answer in time: the server may still be working on it */
  readonly timedOut: boolean;
  /** the client's signal was aborted: the caller no longer wants the answer */
  readonly cancelled: boolean;

  constructor(
    message: string,
    init: ConstructorParameters<typeof EppoApiError>[1] & { retryable: boolean; notProcessed?: boolean; retryAfterMs?: number; timedOut?: boolean; cancelled?: boolean },
  ) {
    super(message, init);
    this.retryable = init.retryable;
    this.notProcessed = init.notProcessed ?? false;
    this.retryAfterMs = init.retryAfterMs;
    this.timedOut = init.timedOut ?? false;
    this.cancelled = init.cancelled ?? false;
  }
}


/** Checks and normalises an API base URL (no trailing slash). Throws ConfigError. */
export function parseBaseUrl(baseUrl: string): URL {
  let url: URL;
  try {
    url = new URL(baseUrl);
  } catch {
    throw new ConfigError(`the Eppo base URL "${baseUrl}" is not a valid URL; set EPPO_BASE_URL or --base-url to e.g. ${DEFAULT_EPPO_BASE_URL}`);
  }
  if (url.username !== '' || url.password !== '') {
    throw new ConfigError('the Eppo base URL must not contain credentials; put the API key in EPPO_API_KEY');
  }
  if (url.protocol === 'http:') {
    if (!isLoopbackHost(url.hostname)) {
      throw new ConfigError(
        `refusing plain http for the Eppo base URL ${url.origin}: the API key would travel unencrypted. Use https (plain http is allowed only for loopback: localhost, 127.0.0.0/8, ::1)`,
      );
    }
  } else if (url.protocol !== 'https:') {
    throw new ConfigError(`the Eppo base URL must be https (got ${url.protocol}//); e.g. ${DEFAULT_EPPO_BASE_URL}`);
  }
  if (url.search !== '' || url.hash !== '') {
    throw new ConfigError(`the Eppo base URL must not have a query or fragment: ${url.origin}${url.pathname}`);
  }
  url.pathname = url.pathname.replace(/\/+$/, '');
  return url;
}

const NEVER_RETRY = new Set([400, 401, 403, 404, 405, 409, 413, 415, 422]);

/** Error codes that mean the connection was never established, so nothing was sent. */
const CONNECT_FAILURES = new Set([
  'ECONNREFUSED',
  'UND_ERR_CONNECT_TIMEOUT',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EADDRNOTAVAIL',
]);

function hintFor(status: number | undefined, method: string, setting: string): string | undefined {
  switch (status) {
    case 401:
      return 'check EPPO_API_KEY: Eppo did not accept the key';
    case 403:
      return method === 'GET'
        ? 'the key needs read access to Experiments, Metrics and Definitions'
        : 'the key needs Experiments read/write';
    case 404:
      return `not found: check the id, and that ${setting} ends in /api/v1`;
    case 405:
      return `Eppo does not allow this method here; check ${setting}`;
    case 409:
      return 'Eppo reports a conflict; run plan again';
    case 413:
      return 'the request body is too large for Eppo';
    case 422:
    case 400:
      return 'Eppo rejected the request body; check the definition values';
    case 429:
      return 'rate limited by Eppo; try again later or lower --parallelism';
    default:
      if (status !== undefined && status >= 500) return 'Eppo had a server error; try again later';
      return undefined;
  }
}

/** Parses Retry-After (seconds or an HTTP date) into milliseconds from `now`. */
export function parseRetryAfter(value: string | string[] | undefined, now: number): number | undefined {
  const raw = Array.isArray(value) ? value[0] : value;
  if (raw === undefined) return undefined;
  const text = raw.trim();
  if (/^\d+(\.\d+)?$/.test(text)) return Math.round(Number(text) * 1000);
  const at = Date.parse(text);
  if (Number.isNaN(at)) return undefined;
  return Math.max(0, at - now);
}

interface RawResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
}

type Attempt = { ok: true; value: unknown } | { ok: false; error: EppoRequestError };

/**
 * The undici adapter of the `EppoApi` port: one keep-alive pool per origin,
 * connect and request timeouts, retries with exponential backoff and full
 * jitter (Retry-After honoured), no redirects, the token never in a message.
 */
export function createEppoClient(options: EppoClientOptions): EppoApi {
  const base = parseBaseUrl(options.baseUrl);
  if (options.apiKey === '') throw new ConfigError('EPPO_API_KEY is empty; set it to an Eppo API key');
  checkSecretLength('EPPO_API_KEY', options.apiKey.trim());
  const apiKey = options.apiKey;
  const basePath = base.pathname;
  const baseUrl = `${base.origin}${basePath}`;
  const requestTimeoutMs = options.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS;
  const connectTimeoutMs = options.connectTimeoutMs ?? 10_000;
  const maxAttempts = Math.max(1, options.maxAttempts ?? 5);
  const retryBaseMs = options.retryBaseMs ?? 500;
  const maxRetryDelayMs = options.maxRetryDelayMs ?? 30_000;
  const concurrency = Math.max(1, options.concurrency ?? DEFAULT_PARALLELISM);
  const cancel = options.signal;
  const cancelled = (): boolean => cancel?.aborted === true;
  const setting = urlSetting(options.baseUrlSource);
  // What to check when an answer is not shaped like Eppo's.
  const notEppoHint = `check ${setting}: it should point at the Eppo REST API (…/api/v1)`;
  const unreachableHint =
    options.baseUrlSource === 'default'
      ? `check that ${base.host} is reachable (the default Eppo URL; set EPPO_BASE_URL or pass --base-url to use another)`
      : `check that ${base.host} is reachable and ${setting} is right`;

  const pool = new Pool(base.origin, {
    connect: { timeout: connectTimeoutMs },
    headersTimeout: requestTimeoutMs,
    bodyTimeout: requestTimeoutMs,
    keepAliveTimeout: 10_000,
    keepAliveMaxTimeout: 60_000,
  });
  let closed = false;

  const redact = (text: string): string => redactValues(text, [apiKey]);

  async function send(method: string, path: string, body: unknown): Promise<RawResponse> {
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(new Error('request timeout')), requestTimeoutMs);
    try {
      const headers: Record<string, string> = {
        'x-eppo-token': apiKey,
        accept: 'application/json',
        'user-agent': 'eppo-gitops',
      };
      let payload: string | undefined;
      if (body !== undefined) {
        payload = JSON.stringify(body);
        headers['content-type'] = 'application/json';
      }
      const res = await pool.request({
        path: basePath + path,
        method: method as 'GET',
        headers,
        body: payload,
        signal: cancel === undefined || method !== 'GET' ? controller.signal : AbortSignal.any([controller.signal, cancel]),
      });
      const text = await res.body.text();
      return { status: res.statusCode, headers: res.headers, text };
    } catch (error) {
      if (controller.signal.aborted && !cancelled()) {
        const e = new Error(`no complete answer within ${requestTimeoutMs} ms`) as Error & { code: string };
        e.code = 'EPPO_REQUEST_TIMEOUT';
        e.cause = error;
        throw e;
      }
      throw error;
    } finally {
      clearTimeout(timer);
    }
  }

  function describeNetworkError(error: unknown): { code: string; message: string } {
    const e = error as { code?: unknown; message?: unknown; cause?: { code?: unknown } };
    const code = typeof e.code === 'string' ? e.code : typeof e.cause?.code === 'string' ? e.cause.code : 'ERROR';
    const message = typeof e.message === 'string' ? e.message : String(error);
    return { code, message };
  }

  async function attemptOnce(method: string, path: string, body: unknown): Promise<Attempt> {
    let res: RawResponse;
    try {
      res = await send(method, path, body);
    } catch (error) {
      const { code, message } = describeNetworkError(error);
      const notProcessed = CONNECT_FAILURES.has(code);
      const timedOut = code === 'EPPO_REQUEST_TIMEOUT' || code === 'UND_ERR_HEADERS_TIMEOUT' || code === 'UND_ERR_BODY_TIMEOUT';
      const reason = timedOut ? `timed out (${message})` : `network error ${code}: ${message}`;
      return {
        ok: false,
        error: new EppoRequestError(redact(`${reason} calling ${baseUrl}`), {
          method,
          path,
          retryable: true,
          notProcessed,
          timedOut,
          hint: notProcessed ? unreachableHint : 'the connection failed; try again',
          cause: error,
        }),
      };
    }
    const { status } = res;
    if (status >= 300 && status < 400) {
      const location = res.headers.location;
      const loc = Array.isArray(location) ? location[0] : location;
      let where = 'an unknown location';
      if (loc !== undefined) {
        try {
          where = `host ${new URL(loc, baseUrl).host}`;
        } catch {
          where = 'an unparseable location';
        }
      }
      return {
        ok: false,
        error: new EppoRequestError(`Eppo answered a ${status} redirect to ${where}; redirects are not followed and the token is not sent there`, {
          method,
          path,
          status,
          retryable: false,
          hint: `set ${setting} to the final API URL (e.g. https://eppo.cloud/api/v1)`,
        }),
      };
    }
    if (status >= 200 && status < 300) {
      if (res.text.trim() === '') return { ok: true, value: undefined };
      try {
        return { ok: true, value: JSON.parse(res.text) as unknown };
      } catch (error) {
        return {
          ok: false,
          error: new EppoRequestError(`Eppo answered ${status} with a body that is not JSON`, {
            method,
            path,
            status,
            retryable: false,
            hint: notEppoHint,
            cause: error,
          }),
        };
      }
    }
    const retryable = !NEVER_RETRY.has(status) && (status === 429 || status === 408 || status >= 500);
    const retryAfterMs = parseRetryAfter(res.headers['retry-after'], Date.now());
    // Redacted before it is cut: a cut through an echoed key would leave most of it.
    const detail = errorDetail(res.text, redact);
    return {
      ok: false,
      error: new EppoRequestError(redact(`Eppo answered ${status}${detail === '' ? '' : `: ${detail}`}`), {
        method,
        path,
        status,
        retryable,
        ...(retryAfterMs === undefined ? {} : { retryAfterMs }),
        ...(hintFor(status, method, setting) === undefined ? {} : { hint: hintFor(status, method, setting)! }),
      }),
    };
  }

  /**
   * GET and PUT (a whole merged object) are idempotent and retried on any
   * retryable failure. POST creates are retried only when the request provably
   * never left (connection refused / connect timeout): after a timeout, a 5xx
   * or even a 429 the server may have created it, and only the caller can look
   * the key up before trying again.
   */
  async function call(method: string, path: string, body?: unknown): Promise<unknown> {
    if (closed) throw new InternalError(`${method} ${path} was called on an Eppo client that is closed`);
    const idempotent = method !== 'POST';
    for (let attempt = 1; ; attempt++) {
      if (cancelled()) throw cancelledError(method, path);
      const result = await attemptOnce(method, path, body);
      if (result.ok) return result.value;
      // A write that was answered keeps its own error: whether it happened is what the caller must learn.
      if (cancelled()) throw method === 'GET' ? cancelledError(method, path, result.error) : result.error;
      const { error } = result;
      const mayRetry = error.retryable && (idempotent || error.notProcessed) && attempt < maxAttempts;
      if (!mayRetry) throw error;
      const delayMs = backoffDelay(attempt, retryBaseMs, maxRetryDelayMs, error.retryAfterMs);
      options.onRetry?.({ method, path, attempt, delayMs, reason: error.message });
      await wait(delayMs, undefined, cancel === undefined ? undefined : { signal: cancel }).catch(() => undefined);
    }
  }

  function cancelledError(method: string, path: string, cause?: unknown): EppoRequestError {
    return new EppoRequestError('request cancelled: the caller aborted it before Eppo answered', {
      method,
      path,
      retryable: false,
      cancelled: true,
      ...(cause === undefined ? {} : { cause }),
    });
  }

  function expectArray<T>(value: unknown, method: string, path: string): T[] {
    if (!Array.isArray(value)) throw new EppoApiError(`expected a JSON array from Eppo, got ${describeJsonKind(value)}`, { method, path, hint: notEppoHint });
    for (const item of value) {
      if (item === null || typeof item !== 'object' || typeof (item as { id?: unknown }).id !== 'number') {
        throw new EppoApiError(`expected objects with a numeric "id" in the list from Eppo, got ${describeJsonKind(item)}`, { method, path, hint: notEppoHint });
      }
    }
    return value as T[];
  }

  function expectObject<T>(value: unknown, method: string, path: string): T {
    if (value === null || typeof value !== 'object' || Array.isArray(value) || typeof (value as { id?: unknown }).id !== 'number') {
      throw new EppoApiError(`expected a JSON object with a numeric "id" from Eppo, got ${describeJsonKind(value)}`, { method, path, hint: notEppoHint });
    }
    return value as T;
  }

  async function listPaged<T extends { id: number }>(path: string, query: Record<string, string> = {}): Promise<T[]> {
    const pageUrl = (index: number): string => {
      const params = new URLSearchParams({ ...query, limit: String(PAGE_LIMIT), offset: String(index * PAGE_LIMIT) });
      return `${path}?${params.toString()}`;
    };
    const first = expectArray<T>(await call('GET', pageUrl(0)), 'GET', pageUrl(0));
    const pages = new Map<number, T[]>([[0, first]]);
    // A page longer than the limit means the server ignores pagination: it is the whole list.
    let end = first.length !== PAGE_LIMIT ? 0 : Infinity;
    let next = 1;
    let failure: unknown;
    const worker = async (): Promise<void> => {
      while (failure === undefined && next <= end) {
        const index = next++;
        if (index >= MAX_PAGES) {
          failure ??= new EppoApiError(`more than ${MAX_PAGES} pages of ${PAGE_LIMIT}: Eppo does not seem to honour limit/offset`, {
            method: 'GET',
            path,
            hint: notEppoHint,
          });
          return;
        }
        try {
          const url = pageUrl(index);
          const page = expectArray<T>(await call('GET', url), 'GET', url);
          pages.set(index, page);
          if (page.length < PAGE_LIMIT) end = Math.min(end, index);
        } catch (error) {
          failure ??= error;
        }
      }
    };
    if (end !== 0) await Promise.all(Array.from({ length: concurrency }, () => worker()));
    if (failure !== undefined) throw failure;
    const out: T[] = [];
    const seen = new Set<number>();
    for (let i = 0; i <= end; i++) {
      for (const item of pages.get(i) ?? []) {
        if (seen.has(item.id)) continue;
        seen.add(item.id);
        out.push(item);
      }
    }
    return out;
  }

  return {
    baseUrl,
    async listEntities() {
      const path = '/definitions/entities';
      return expectArray<EppoEntity>(await call('GET', path), 'GET', path);
    },
    async listAssignmentSources() {
      const path = '/definitions/assignments';
      return expectArray<EppoAssignmentSource>(await call('GET', path), 'GET', path);
    },
    listMetrics() {
      return listPaged<EppoMetric>('/metrics');
    },
    listExperiments(filter: ListExperimentsFilter = {}) {
      const query: Record<string, string> = {};
      if (filter.experiment_key !== undefined) query.experiment_key = filter.experiment_key;
      if (filter.created_since !== undefined) query.created_since = filter.created_since;
      if (filter.updated_since !== undefined) query.updated_since = filter.updated_since;
      return listPaged<EppoExperiment>('/experiments', query);
    },
    async getExperiment(id: number) {
      const path = `/experiments/${encodeURIComponent(String(id))}`;
      return expectObject<EppoExperiment>(await call('GET', path), 'GET', path);
    },
    async createExperiment(body: ExperimentWrite) {
      const path = '/experiments';
      return expectObject<EppoExperiment>(await call('POST', path, body), 'POST', path);
    },
    async updateExperiment(id: number, body: ExperimentWrite) {
      const path = `/experiments/${encodeURIComponent(String(id))}`;
      return expectObject<EppoExperiment>(await call('PUT', path, body), 'PUT', path);
    },
    async close() {
      if (closed) return;
      closed = true;
      await pool.close();
    },
  };
}

/** Exponential backoff with full jitter; a Retry-After wins (capped). */
export function backoffDelay(attempt: number, baseMs: number, capMs: number, retryAfterMs?: number, random: () => number = Math.random): number {
  if (retryAfterMs !== undefined) return Math.min(capMs, retryAfterMs);
  const ceiling = Math.min(capMs, baseMs * 2 ** (attempt - 1));
  return Math.floor(random() * ceiling);
}

function describeJsonKind(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'object') return 'an object';
  if (value === undefined) return 'an empty body';
  return `a ${typeof value}`;
}

/** The server's own words from an error body, redacted, on one line, at most 300 characters. */
function errorDetail(text: string, redact: (text: string) => string): string {
  const trimmed = text.trim();
  if (trimmed === '') return '';
  try {
    const parsed = JSON.parse(trimmed) as { message?: unknown; error?: unknown };
    const msg = typeof parsed.message === 'string' ? parsed.message : typeof parsed.error === 'string' ? parsed.error : undefined;
    if (msg !== undefined) return clip(redact(msg));
  } catch {
    // not JSON: fall through to the raw text
  }
  return /^[\x20-\x7e\s]*$/.test(trimmed) && !trimmed.startsWith('<') ? clip(redact(trimmed)) : '';
}

function clip(text: string): string {
  const oneLine = text.replace(/\s+/g, ' ');
  return oneLine.length > 300 ? `${oneLine.slice(0, 300)}…` : oneLine;
}
