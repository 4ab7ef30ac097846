import { createHmac } from 'node:crypto';
import { Agent, request } from 'undici';
import type { FaultSet } from './faults.js';
import type { WebhookData, WebhookEventName } from './api-types.js';
import { nodeTimers, type EmulatorTimers, type WebhookReceiver } from './types.js';

/**
 * The signature the emulator puts on a delivery: lowercase hex HMAC-SHA256 of
 * `JSON.stringify(data)` with the receiver's secret (EPPO-API.md). Written
 * here, not taken from the receiver's verifier, so each checks the other.
 */
export function signDeliveryData(secret: string, data: WebhookData): string {
  return createHmac('sha256', secret).update(JSON.stringify(data)).digest('hex');
}

/** The exact body Eppo posts: event, data, and the signature of data. */
export function buildWebhookBody(event: WebhookEventName, data: WebhookData, secret: string): string {
  return JSON.stringify({ event, data, signature: signDeliveryData(secret, data) });
}

export interface WebhookRetry {
  /** attempts in all, including the first; default 5 */
  attempts?: number;
  /** delay before the 2nd attempt, doubled each time; default 50 ms */
  baseDelayMs?: number;
  /** cap on one delay; default 2000 ms */
  maxDelayMs?: number;
}

/** One delivery attempt, as `GET /__emulator/deliveries` lists it. */
export interface DeliveryAttempt {
  index: number;
  delivery: number;
  event: WebhookEventName;
  url: string;
  experiment_id: number;
  attempt: number;
  /** HTTP status, or null when the connection failed */
  status: number | null;
  error?: string;
  duplicate?: boolean;
  reordered?: boolean;
  at: string;
}

interface Job {
  id: number;
  event: WebhookEventName;
  data: WebhookData;
  receiver: WebhookReceiver;
  duplicate: boolean;
  reordered: boolean;
}

export interface DispatcherOptions {
  faults: FaultSet;
  retry: WebhookRetry | undefined;
  now: () => Date;
  log: (entry: Record<string, unknown>) => void;
  /** the waits between attempts and the reorder holds; default Node's */
  timers?: EmulatorTimers;
}

/**
 * Delivers webhook events to every receiver, at least once: retries on
 * non-2xx and network errors with bounded exponential backoff, and applies the
 * duplicate/reorder faults.
 */
export class WebhookDispatcher {
  readonly #opts: DispatcherOptions;
  readonly #attempts: number;
  readonly #baseDelayMs: number;
  readonly #maxDelayMs: number;
  readonly #agent = new Agent({ connect: { timeout: 5000 }, headersTimeout: 10_000, bodyTimeout: 10_000 });
  readonly #abort = new AbortController();
  readonly #timers = new Map<unknown, () => void>();
  readonly #clock: EmulatorTimers;
  readonly #held = new Map<string, Array<{ job: Job; release: () => void }>>();
  #log: DeliveryAttempt[] = [];
  #pending = 0;
  #nextJob = 1;
  #waiters: Array<() => void> = [];
  #closed = false;

  constructor(opts: DispatcherOptions) {
    this.#opts = opts;
    this.#clock = opts.timers ?? nodeTimers;
    this.#attempts = Math.max(1, opts.retry?.attempts ?? 5);
    this.#baseDelayMs = Math.max(0, opts.retry?.baseDelayMs ?? 50);
    this.#maxDelayMs = Math.max(0, opts.retry?.maxDelayMs ?? 2000);
  }

  dispatch(event: WebhookEventName, data: WebhookData, receivers: readonly WebhookReceiver[]): void {
    if (this.#closed) return;
    for (const receiver of receivers) {
      const faults = this.#opts.faults.forDelivery(event);
      const job: Job = { id: this.#nextJob++, event, data, receiver, duplicate: false, reordered: faults.reorderHoldMs !== undefined };
      if (faults.reorderHoldMs !== undefined) this.#hold(job, faults.reorderHoldMs);
      else this.#start(job);
      if (faults.duplicate) this.#start({ ...job, id: this.#nextJob++, duplicate: true, reordered: false });
    }
  }

  deliveries(since = 0): DeliveryAttempt[] {
    return this.#log.filter((d) => d.index >= since);
  }

  clearLog(): void {
    this.#log = [];
  }

  idle(): Promise<void> {
    if (this.#pending === 0) return Promise.resolve();
    return new Promise((resolve) => this.#waiters.push(resolve));
  }

  /** Stops every retry and held delivery and aborts attempts in flight. */
  async close(): Promise<void> {
    this.#closed = true;
    this.#abort.abort();
    for (const [timer, resolve] of this.#timers) {
      this.#clock.clearTimeout(timer);
      resolve();
    }
    this.#timers.clear();
    for (const held of this.#held.values()) for (const h of held) h.release();
    this.#held.clear();
    await this.idle();
    await this.#agent.destroy();
  }

  #hold(job: Job, holdMs: number): void {
    this.#pending++;
    const list = this.#held.get(job.receiver.url) ?? [];
    let released = false;
    const release = () => {
      if (released) return;
      released = true;
      this.#held.set(job.receiver.url, (this.#held.get(job.receiver.url) ?? []).filter((h) => h.job !== job));
      this.#pending--;
      this.#start(job);
    };
    list.push({ job, release });
    this.#held.set(job.receiver.url, list);
    void this.#sleep(holdMs).then(release);
  }

  #start(job: Job): void {
    this.#pending++;
    void this.#run(job).finally(() => {
      this.#pending--;
      if (this.#pending === 0) {
        const waiters = this.#waiters;
        this.#waiters = [];
        for (const w of waiters) w();
      }
    });
  }

  async #run(job: Job): Promise<void> {
    const body = buildWebhookBody(job.event, job.data, job.receiver.secret);
    for (let attempt = 1; attempt <= this.#attempts && !this.#closed; attempt++) {
      const ok = await this.#attempt(job, body, attempt);
      if (attempt === 1 && !job.reordered) this.#releaseHeld(job.receiver.url);
      if (ok) return;
      if (attempt < this.#attempts) await this.#sleep(Math.min(this.#maxDelayMs, this.#baseDelayMs * 2 ** (attempt - 1)));
    }
  }

  async #attempt(job: Job, body: string, attempt: number): Promise<boolean> {
    let status: number | null = null;
    let error: string | undefined;
    try {
      const res = await request(job.receiver.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'user-agent': 'eppo-gitops-emulator' },
        body,
        dispatcher: this.#agent,
        signal: this.#abort.signal,
      });
      status = res.statusCode;
      await res.body.dump();
    } catch (err) {
      error = err instanceof Error ? err.message : String(err);
    }
    const entry: DeliveryAttempt = {
      index: this.#log.length,
      delivery: job.id,
      event: job.event,
      url: job.receiver.url,
      experiment_id: job.data.experiment_id,
      attempt,
      status,
      ...(error === undefined ? {} : { error }),
      ...(job.duplicate ? { duplicate: true } : {}),
      ...(job.reordered ? { reordered: true } : {}),
      at: this.#opts.now().toISOString(),
    };
    this.#log.push(entry);
    this.#opts.log({ type: 'delivery', ...entry });
    return status !== null && status >= 200 && status < 300;
  }

  #releaseHeld(url: string): void {
    for (const h of [...(this.#held.get(url) ?? [])]) h.release();
  }

  #sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = this.#clock.setTimeout(() => {
        this.#timers.delete(timer);
        resolve();
      }, ms);
      this.#timers.set(timer, resolve);
    });
  }
}
