/**
 * Timers that fire only when the test says so, and a clock that moves only
 * when told: the schedule of retries, latency, holds and grace periods
 * without waiting for it. Fits both the job runner's RunnerTimers and the
 * emulator's EmulatorTimers.
 */
export interface ManualTimers {
  now(): number;
  setTimeout(callback: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
  /** moves the clock (`now`) on; fires nothing */
  advance(ms: number): void;
  /** the delays of the timers pending, in the order they were set */
  due(): number[];
  /** fires every timer pending now (not the ones they set) */
  fire(): void;
  /** resolves once `count` timers in all have been set (an awaited event, never a sleep) */
  scheduled(count?: number): Promise<void>;
  /** fires every timer pending, and from now on every new one at once: for tearing down */
  release(): void;
}

export function manualTimers(): ManualTimers {
  const pending = new Map<symbol, { callback: () => void; ms: number }>();
  const waiters: Array<{ count: number; resolve: () => void }> = [];
  let set = 0;
  let clock = 0;
  let released = false;
  return {
    now: () => clock,
    advance: (ms) => void (clock += ms),
    setTimeout(callback, ms) {
      const handle = Symbol('timer');
      if (released) {
        setImmediate(callback);
        return handle;
      }
      pending.set(handle, { callback, ms });
      set++;
      for (const waiter of waiters.filter((w) => w.count <= set)) {
        waiters.splice(waiters.indexOf(waiter), 1);
        waiter.resolve();
      }
      return handle;
    },
    clearTimeout: (handle) => void pending.delete(handle as symbol),
    due: () => [...pending.values()].map((t) => t.ms),
    fire() {
      const timers = [...pending.values()];
      pending.clear();
      for (const t of timers) t.callback();
    },
    release() {
      released = true;
      const timers = [...pending.values()];
      pending.clear();
      for (const t of timers) t.callback();
    },
    scheduled: (count = 1) => (set >= count ? Promise.resolve() : new Promise((resolve) => waiters.push({ count, resolve }))),
  };
}
