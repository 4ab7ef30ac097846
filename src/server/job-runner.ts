import { performance } from 'node:perf_hooks';
import { createWorkQueue, type PushResult } from './work-queue.js';

/** The clock and timers a job runner uses; tests pass fakes. */
export interface RunnerTimers {
  /** milliseconds on a monotonic clock */
  now(): number;
  /** schedules `callback` once after `ms`; must not keep the process alive */
  setTimeout(callback: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

/** The real clock: `performance.now()` and unref'd Node timers. */
export const systemTimers: RunnerTimers = {
  now: () => performance.now(),
  setTimeout(callback, ms) {
    const timer = setTimeout(callback, ms);
    timer.unref();
    return timer;
  },
  clearTimeout: (handle) => clearTimeout(handle as NodeJS.Timeout),
};

/** What became of one run: reported once per run, never thrown. */
export type JobReport<K, R> =
  | { kind: 'done'; key: K; result: R; durationMs: number }
  /** `retryInMs` is when the next run is due, or undefined when there is none */
  | { kind: 'failed'; key: K; error: unknown; attempt: number; retryInMs: number | undefined; durationMs: number }
  /** a retry that fell due while the queue was full: it does not run (the failed `attempt` was the last) */
  | { kind: 'dropped'; key: K; attempt: number; reason: 'queue full' };

export interface JobRunnerOptions<K, R> {
  run(key: K): Promise<R>;
  report?(report: JobReport<K, R>): void;
  /** jobs running at once (different keys); default 2 */
  concurrency?: number;
  /** distinct keys waiting or running before `push` answers `full`; default 1000 */
  maxPending?: number;
  /**
   * a failed job runs again, up to `attempts` runs in all (default 3), after
   * `delayMs` (default 30 000), doubled each time
   */
  retry?: { attempts?: number; delayMs?: number };
  /** default `systemTimers` */
  timers?: RunnerTimers;
  /** a run going on for longer than this counts as stuck (`stuck`); default: never */
  timeoutMs?: number;
  /**
   * receives an error that escaped a run's own handling (a `report` that
   * threw); default: written to stderr, so nothing is lost silently
   */
  onError?(key: K, error: unknown): void;
}

export interface JobRunner<K> {
  /**
   * Adds a job for `key`; coalesced with one waiting or running for it (see
   * `WorkQueue.push`). A retry of the key waiting out its delay is cancelled:
   * this run takes its place.
   */
  push(key: K): PushResult;
  /** keys waiting or running */
  readonly size: number;
  /** failed jobs waiting out their delay */
  readonly retrying: number;
  /** runs going on for longer than `timeoutMs` right now (0 without a timeout) */
  stuck(): number;
  /** resolves when nothing waits or runs (a retry waiting out its delay does not count) */
  idle(): Promise<void>;
  /**
   * Drops the retries waiting out their delay and schedules no new one; jobs
   * waiting or running still run. Answers how many retries it dropped.
   */
  stop(): number;
}

/**
 * A bounded queue of jobs, coalesced per key, that runs a failed job again
 * after a delay that doubles each time, a bounded number of times. The clock
 * and timers are injected, so tests drive the schedule with fake timers.
 */
export function createJobRunner<K, R>(options: JobRunnerOptions<K, R>): JobRunner<K> {
  const timers = options.timers ?? systemTimers;
  const report = options.report ?? (() => {});
  const maxAttempts = Math.max(1, options.retry?.attempts ?? 3);
  const delayMs = options.retry?.delayMs ?? 30_000;
  const failedRuns = new Map<K, number>();
  /** at most one retry per key, waiting out its delay */
  const retryTimers = new Map<K, unknown>();
  const runningSince = new Map<K, number>();
  let stopped = false;

  const queue = createWorkQueue<K>({
    ...(options.concurrency !== undefined ? { concurrency: options.concurrency } : {}),
    ...(options.maxPending !== undefined ? { maxPending: options.maxPending } : {}),
    ...(options.onError !== undefined ? { onError: options.onError } : {}),
    async run(key) {
      const started = timers.now();
      runningSince.set(key, started);
      try {
        await runOnce(key, started);
      } finally {
        runningSince.delete(key);
      }
    },
  });

  async function runOnce(key: K, started: number): Promise<void> {
    let result: R;
    try {
      result = await options.run(key);
    } catch (error) {
      const attempt = (failedRuns.get(key) ?? 0) + 1;
      const retryInMs = attempt < maxAttempts && !stopped ? delayMs * 2 ** (attempt - 1) : undefined;
      report({ kind: 'failed', key, error, attempt, retryInMs, durationMs: timers.now() - started });
      if (retryInMs === undefined) {
        failedRuns.delete(key);
        return;
      }
      failedRuns.set(key, attempt);
      cancelRetry(key);
      retryTimers.set(
        key,
        timers.setTimeout(() => {
          retryTimers.delete(key);
          if (stopped) return;
          if (queue.push(key) === 'full') {
            failedRuns.delete(key);
            report({ kind: 'dropped', key, attempt, reason: 'queue full' });
          }
        }, retryInMs),
      );
      return;
    }
    failedRuns.delete(key);
    report({ kind: 'done', key, result, durationMs: timers.now() - started });
  }

  function cancelRetry(key: K): void {
    const timer = retryTimers.get(key);
    if (timer === undefined) return;
    timers.clearTimeout(timer);
    retryTimers.delete(key);
  }

  return {
    push(key) {
      const result = queue.push(key);
      if (result !== 'full') cancelRetry(key);
      return result;
    },
    get size() {
      return queue.size;
    },
    get retrying() {
      return retryTimers.size;
    },
    stuck() {
      const limit = options.timeoutMs;
      if (limit === undefined) return 0;
      const now = timers.now();
      let count = 0;
      for (const since of runningSince.values()) if (now - since > limit) count++;
      return count;
    },
    idle: () => queue.idle(),
    stop() {
      stopped = true;
      const dropped = retryTimers.size;
      for (const [key, timer] of retryTimers) {
        timers.clearTimeout(timer);
        failedRuns.delete(key);
      }
      retryTimers.clear();
      return dropped;
    },
  };
}
