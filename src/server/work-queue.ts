import { describeCrash } from './describe-crash.js';

export type PushResult = 'queued' | 'coalesced' | 'full';

export interface WorkQueueOptions<K> {
  /** jobs running at once (different keys); default 2 */
  concurrency?: number;
  /** distinct keys waiting or running before `push` answers `full`; default 1000 */
  maxPending?: number;
  run(key: K): Promise<void>;
  /**
   * receives the error of a run that failed; the queue goes on with the next
   * one. Default: a line on stderr, so a failure is never dropped silently.
   */
  onError?(key: K, error: unknown): void;
}

export interface WorkQueue<K> {
  /**
   * Adds work for `key`. Work already waiting for the key absorbs it
   * (`coalesced`); work running for it gets one more run after it ends, so the
   * latest state is always read.
   */
  push(key: K): PushResult;
  /** keys waiting or running */
  readonly size: number;
  /** resolves when nothing waits or runs */
  idle(): Promise<void>;
}

/** A bounded in-process queue that coalesces work per key and never runs one key twice at once. */
export function createWorkQueue<K>(options: WorkQueueOptions<K>): WorkQueue<K> {
  const concurrency = Math.max(1, options.concurrency ?? 2);
  const maxPending = Math.max(1, options.maxPending ?? 1000);
  const waiting: K[] = [];
  const waitingSet = new Set<K>();
  const running = new Set<K>();
  const rerun = new Set<K>();
  let idleWaiters: Array<() => void> = [];
  const onError = options.onError ?? reportToStderr;

  const size = (): number => waitingSet.size + running.size;

  function pump(): void {
    while (running.size < concurrency) {
      const index = waiting.findIndex((k) => !running.has(k));
      if (index === -1) break;
      const [key] = waiting.splice(index, 1) as [K];
      waitingSet.delete(key);
      running.add(key);
      void Promise.resolve()
        .then(() => options.run(key))
        .catch((error: unknown) => {
          try {
            onError(key, error);
          } catch {
            reportToStderr(key, error);
          }
        })
        .then(() => {
          running.delete(key);
          if (rerun.delete(key) && !waitingSet.has(key)) {
            waiting.push(key);
            waitingSet.add(key);
          }
          pump();
          if (size() === 0) {
            const waiters = idleWaiters;
            idleWaiters = [];
            for (const w of waiters) w();
          }
        });
    }
  }

  return {
    push(key) {
      if (waitingSet.has(key)) return 'coalesced';
      if (running.has(key)) {
        rerun.add(key);
        return 'coalesced';
      }
      if (size() >= maxPending) return 'full';
      waiting.push(key);
      waitingSet.add(key);
      pump();
      return 'queued';
    },
    get size() {
      return size();
    },
    idle() {
      if (size() === 0) return Promise.resolve();
      return new Promise((resolve) => idleWaiters.push(resolve));
    },
  };
}

function reportToStderr(key: unknown, error: unknown): void {
  process.stderr.write(`${JSON.stringify({ time: new Date().toISOString(), msg: 'job failed', key: String(key), error: describeCrash(error) })}\n`);
}
