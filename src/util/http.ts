import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A request a server refuses: the status and message of its answer, and any
 * headers to send with it. Thrown inside a handler and turned into the
 * server's error body at its one answering place.
 */
export class HttpError extends Error {
  override readonly name = 'HttpError';

  constructor(
    readonly status: number,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

/** Why a request body could not be read; each server words its own answer. */
export type BodyFailure = 'too-large' | 'stalled' | 'gone' | 'failed';

/** `readRequestBody` rejects with this; `cause` is the stream error of a `failed` read. */
export class RequestBodyError extends Error {
  override readonly name = 'RequestBodyError';

  constructor(
    readonly reason: BodyFailure,
    cause?: unknown,
  ) {
    super(`request body: ${reason}`, cause === undefined ? undefined : { cause });
  }
}

export interface ReadBodyOptions {
  /** bytes accepted; more is a `too-large` failure */
  maxBytes: number;
  /**
   * `stop` (default): refuse a declared Content-Length over the limit before
   * reading, and stop reading the moment the limit is passed (the caller then
   * closes the connection). `drain`: read on to the end keeping nothing, so
   * the client has sent everything and can read the answer.
   */
  overflow?: 'stop' | 'drain';
  /** with `drain`: destroy the socket once this many bytes arrived */
  destroyAboveBytes?: number;
  /** longest pause between two chunks before a `stalled` failure; none by default */
  idleTimeoutMs?: number;
}

/**
 * Reads a request body as UTF-8 within a byte limit. Rejects with a
 * `RequestBodyError`: `too-large`, `stalled` (no chunk within
 * `idleTimeoutMs`), `gone` (the client went away before the end) or `failed`
 * (the stream errored).
 */
export function readRequestBody(req: IncomingMessage, options: ReadBodyOptions): Promise<string> {
  const max = options.maxBytes;
  const drain = options.overflow === 'drain';
  const declared = Number(req.headers['content-length']);
  if (!drain && Number.isFinite(declared) && declared > max) return Promise.reject(new RequestBodyError('too-large'));
  // Mounted behind a body parser, the stream is over before we start: say so rather than wait for an 'end' that came and went.
  if (req.readableEnded) return Promise.reject(new RequestBodyError('failed', new Error('the request body was already read by an earlier handler')));
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let tooLarge = false;
    let timer: NodeJS.Timeout | undefined;
    const armIdle = (): void => {
      if (options.idleTimeoutMs === undefined) return;
      clearTimeout(timer);
      timer = setTimeout(() => finish(new RequestBodyError('stalled')), options.idleTimeoutMs);
    };
    function finish(error?: RequestBodyError): void {
      clearTimeout(timer);
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('error', onError);
      req.off('aborted', onGone);
      req.off('close', onClose);
      if (error === undefined) resolve(Buffer.concat(chunks, size).toString('utf8'));
      else {
        req.pause();
        reject(error);
      }
    }
    function onData(chunk: Buffer): void {
      size += chunk.length;
      if (size > max) {
        if (!drain) return finish(new RequestBodyError('too-large'));
        tooLarge = true;
        chunks.length = 0;
        if (options.destroyAboveBytes !== undefined && size > options.destroyAboveBytes) req.socket.destroy();
      } else chunks.push(chunk);
      armIdle();
    }
    function onEnd(): void {
      finish(tooLarge ? new RequestBodyError('too-large') : undefined);
    }
    function onError(error: Error): void {
      finish(new RequestBodyError('failed', error));
    }
    function onGone(): void {
      finish(new RequestBodyError('gone'));
    }
    // A client that gives up may leave neither 'end' nor 'error', only 'close': without this the handler would wait forever.
    function onClose(): void {
      if (!req.readableEnded) onGone();
    }
    if (req.socket.destroyed) return onGone();
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('error', onError);
    req.on('aborted', onGone);
    req.on('close', onClose);
    armIdle();
  });
}

/** Whether a Content-Type names JSON: `application/json` or `application/<something>+json`, any parameters. */
export function isJsonContentType(contentType: string | undefined): boolean {
  if (contentType === undefined) return false;
  const type = contentType.split(';')[0]!.trim().toLowerCase();
  return type === 'application/json' || /^application\/[a-z0-9.+-]+\+json$/.test(type);
}

/**
 * Answers with `body` as JSON and its Content-Length; `headers` add to, or
 * replace, the defaults (Content-Type `application/json`). Does nothing once
 * an answer has started.
 */
export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  if (res.headersSent) return;
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), ...headers });
  res.end(text);
}

/**
 * Answers a request whose body is not wanted, then closes the connection.
 * Keeping it alive would make node:http read the unwanted body to its end
 * first, so a client declaring a large body could hold the connection for
 * the whole request timeout.
 */
export function sendAndClose(req: IncomingMessage, res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  res.shouldKeepAlive = false;
  sendJson(res, status, body, { ...headers, connection: 'close' });
  res.on('finish', () => req.destroy());
}

/**
 * Starts `server` listening; resolves with its origin (`http://host:port`,
 * IPv6 hosts in brackets) and port. Rejects with the listen error (EADDRINUSE,
 * EACCES…) as Node raised it, for the caller to word.
 */
export function listen(server: Server, port: number, host: string): Promise<{ origin: string; port: number }> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      const address = server.address() as AddressInfo;
      const hostForUrl = address.family === 'IPv6' ? `[${address.address}]` : address.address;
      resolve({ origin: `http://${hostForUrl}:${address.port}`, port: address.port });
    });
  });
}
