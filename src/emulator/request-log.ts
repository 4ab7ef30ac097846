const MAX_ENTRIES = 50_000;

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

/** The API request log, for assertions; bounded, it forgets the older half when full. */
export class RequestLog {
  #entries: RequestLogEntry[] = [];
  #count = 0;

  /** Logs a request as it arrives; the caller fills in its status, body and fault. */
  start(method: string, url: URL, at: Date): RequestLogEntry {
    const entry: RequestLogEntry = { index: this.#count++, method, path: url.pathname, query: Object.fromEntries(url.searchParams), status: null, at: at.toISOString() };
    this.#entries.push(entry);
    if (this.#entries.length > MAX_ENTRIES) this.#entries = this.#entries.slice(-MAX_ENTRIES / 2);
    return entry;
  }

  /** The entries from index `since` on. */
  since(since: number): RequestLogEntry[] {
    return this.#entries.filter((r) => r.index >= since);
  }

  /** Forgets everything and counts from 0 again. */
  clear(): void {
    this.#entries = [];
    this.#count = 0;
  }
}
