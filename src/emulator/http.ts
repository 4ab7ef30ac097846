import { STATUS_CODES, type IncomingMessage } from 'node:http';
import { HttpError, isJsonContentType, readRequestBody, RequestBodyError } from '../util/index.js';
import type { Reply } from './router.js';
import type { EmulatorStore } from './store.js';
import type { ExperimentRecord } from './types.js';
import { parseIsoDate } from './validate.js';

/** Largest request body accepted (1 MiB); bigger bodies get 413. */
export const MAX_BODY_BYTES = 1024 * 1024;

/**
 * Reads a JSON body. `strictType` (the API's writes) demands an
 * application/json Content-Type (415); without it (control endpoints) an
 * empty body is `{}`. Over 1 MiB is 413, read to the end so the client sees
 * the answer, unless it goes on past 16 MiB.
 */
export async function readJsonBody(req: IncomingMessage, strictType: boolean): Promise<unknown> {
  const type = req.headers['content-type'];
  if (strictType && !isJsonContentType(type)) {
    throw new HttpError(415, `content-type must be application/json, got ${type === undefined ? 'none' : JSON.stringify(type)}`);
  }
  const text = await (received.get(req) ?? readBody(req));
  if (text.trim() === '' && !strictType) return {};
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw new HttpError(400, `malformed JSON body: ${(error as Error).message}`);
  }
}

/** Bodies read as they arrived, before the request waited (see receiveBody). */
const received = new WeakMap<IncomingMessage, Promise<string>>();

/**
 * Reads the body now, for a route that runs later (after injected latency):
 * a request that arrived whole is handled even when its client has gone
 * meanwhile, as a real server would (a create the client timed out on still
 * happens).
 */
export function receiveBody(req: IncomingMessage): void {
  if (received.has(req)) return;
  const body = readBody(req);
  // Reported when a route asks for the body; a route that never does needs no answer.
  body.catch(() => undefined);
  received.set(req, body);
}

async function readBody(req: IncomingMessage): Promise<string> {
  try {
    return await readRequestBody(req, { maxBytes: MAX_BODY_BYTES, overflow: 'drain', destroyAboveBytes: 16 * MAX_BODY_BYTES });
  } catch (error) {
    if (!(error instanceof RequestBodyError)) throw error;
    if (error.reason === 'too-large') throw new HttpError(413, `request body is larger than ${MAX_BODY_BYTES} bytes (1 MiB)`, { connection: 'close' });
    if (error.reason === 'gone') throw new HttpError(499, 'the client closed the connection before the body was read');
    throw error.reason === 'failed' ? error.cause : error;
  }
}

/** `limit` (1..250, default 50) and `offset` (>= 0, default 0) of a list call. */
export function parsePagination(query: URLSearchParams): { limit: number; offset: number } {
  const limitText = query.get('limit');
  const offsetText = query.get('offset');
  const limit = limitText === null ? 50 : /^\d+$/.test(limitText) ? Number(limitText) : NaN;
  if (!(limit >= 1 && limit <= 250)) throw new HttpError(400, `limit must be an integer between 1 and 250, got ${JSON.stringify(limitText)}`);
  const offset = offsetText === null ? 0 : /^\d+$/.test(offsetText) ? Number(offsetText) : NaN;
  if (!(offset >= 0)) throw new HttpError(400, `offset must be an integer >= 0, got ${JSON.stringify(offsetText)}`);
  return { limit, offset };
}

/** An ISO-8601 query parameter, or undefined when absent. */
export function parseSince(query: URLSearchParams, name: 'created_since' | 'updated_since'): Date | undefined {
  const value = query.get(name);
  if (value === null) return undefined;
  const date = parseIsoDate(value);
  if (date === undefined) throw new HttpError(400, `${name} must be an ISO-8601 timestamp (e.g. 2026-01-05T00:00:00.000Z), got ${JSON.stringify(value)}`);
  return date;
}

/** The `since` index of a log listing (default 0). */
export function parseSinceIndex(query: URLSearchParams): number {
  const value = query.get('since');
  if (value === null) return 0;
  if (!/^\d+$/.test(value)) throw new HttpError(400, `since must be an integer >= 0, got ${JSON.stringify(value)}`);
  return Number(value);
}

/** The experiment a path's `{id}` names, or 404. */
export function findExperiment(store: EmulatorStore, idText: string): ExperimentRecord {
  const record = /^\d+$/.test(idText) ? store.get(Number(idText)) : undefined;
  if (record === undefined) throw new HttpError(404, `experiment ${idText} not found`);
  return record;
}

/** The error body the emulator answers (EPPO-API.md): `{statusCode, error, message}`. */
export function errorBody(status: number, message: string): { statusCode: number; error: string; message: string } {
  return { statusCode: status, error: STATUS_CODES[status] ?? 'Error', message };
}

/** The reply for an error a route threw: its own status for an HttpError, else a logged 500. */
export function errorReply(error: unknown, log: (entry: Record<string, unknown>) => void): Reply {
  if (error instanceof HttpError) return { status: error.status, body: errorBody(error.status, error.message), headers: error.headers };
  const message = error instanceof Error ? error.message : String(error);
  log({ type: 'error', message });
  return { status: 500, body: errorBody(500, `internal emulator error: ${message}`) };
}
