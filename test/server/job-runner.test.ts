import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createJobRunner, type JobReport, type JobRunnerOptions, type RunnerTimers } from '../../src/server/index.js';

// The runner gets the clock and timers through its options; under vi.useFakeTimers these globals are the fake ones.
const fakeTimers: RunnerTimers = {
  now: () => Date.now(),
  setTimeout: (callback, ms) => setTimeout(callback, ms),
  clearTimeout: (handle) => clearTimeout(handle as NodeJS.Timeout),
};

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

interface Run {
  key: number;
  at: number;
}

/** A runner whose job `run` answers; it records every run with its (fake) start time and every report. */
function runner(run: (key: number, runs: Run[]) => Promise<string>, over: Partial<JobRunnerOptions<number, string>> = {}) {
  const runs: Run[] = [];
  const reports: Array<JobReport<number, string>> = [];
  const jobs = createJobRunner<number, string>({
    run: (key) => {
      runs.push({ key, at: Date.now() });
      return run(key, runs);
    },
    report: (r) => reports.push(r),
    timers: fakeTimers,
    ...over,
  });
  return { jobs, runs, reports, start: Date.now() };
}

const failures = (reports: Array<JobReport<number, string>>) =>
  reports.flatMap((r) => (r.kind === 'failed' ? [{ key: r.key, attempt: r.attempt, retryInMs: r.retryInMs, error: (r.error as Error).message }] : []));

describe('job runner', () => {
  it('runs a failed job again after a delay that doubles, then gives up after the configured attempts', async () => {
    const { jobs, runs, reports, start } = runner(async () => {
      throw new Error('Eppo: 503');
    }, { retry: { attempts: 3, delayMs: 1_000 } });
    expect(jobs.push(7)).toBe('queued');
    await jobs.idle();
    expect(runs.map((r) => r.at - start)).toEqual([0]);
    expect(jobs.retrying).toBe(1);

    await vi.advanceTimersByTimeAsync(999);
    expect(runs).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(runs.map((r) => r.at - start)).toEqual([0, 1_000]);

    await vi.advanceTimersByTimeAsync(1_999);
    expect(runs).toHaveLength(2);
    await vi.advanceTimersByTimeAsync(1);
    expect(runs.map((r) => r.at - start)).toEqual([0, 1_000, 3_000]);
    expect(jobs.retrying).toBe(0);

    await vi.advanceTimersByTimeAsync(60 * 60_000);
    expect(runs).toHaveLength(3);
    expect(failures(reports)).toEqual([
      { key: 7, attempt: 1, retryInMs: 1_000, error: 'Eppo: 503' },
      { key: 7, attempt: 2, retryInMs: 2_000, error: 'Eppo: 503' },
      { key: 7, attempt: 3, retryInMs: undefined, error: 'Eppo: 503' },
    ]);
  });

  it('uses 3 attempts 30 s apart, doubling, by default', async () => {
    const { jobs, runs, start } = runner(async () => {
      throw new Error('down');
    });
    jobs.push(1);
    await vi.runAllTimersAsync();
    expect(runs.map((r) => r.at - start)).toEqual([0, 30_000, 90_000]);
  });

  it('reports a success with its result and duration, and a success resets the attempt count', async () => {
    const { jobs, reports } = runner(
      async (key, runs) => {
        await new Promise((resolve) => setTimeout(resolve, 250));
        if (runs.length === 1 || runs.length === 3) throw new Error(`run ${runs.length} failed`);
        return `done ${key}`;
      },
      { retry: { attempts: 2, delayMs: 100 } },
    );
    jobs.push(4);
    await vi.runAllTimersAsync();
    jobs.push(4);
    await vi.runAllTimersAsync();
    expect(reports.map((r) => (r.kind === 'done' ? ['done', r.key, r.result, r.durationMs] : r.kind === 'failed' ? ['failed', r.key, r.attempt, r.retryInMs, r.durationMs] : [r.kind]))).toEqual([
      ['failed', 4, 1, 100, 250],
      ['done', 4, 'done 4', 250],
      ['failed', 4, 1, 100, 250],
      ['done', 4, 'done 4', 250],
    ]);
  });

  it('keeps going after a failed job: the others run and are reported', async () => {
    const { jobs, reports } = runner(async (key) => {
      if (key === 1) throw new TypeError('a bug in the handler');
      return 'ok';
    }, { retry: { attempts: 1 } });
    jobs.push(1);
    jobs.push(2);
    jobs.push(3);
    await jobs.idle();
    expect(reports.map((r) => [r.kind, r.key])).toEqual([
      ['failed', 1],
      ['done', 2],
      ['done', 3],
    ]);
    const failed = reports[0]!;
    expect(failed.kind === 'failed' && failed.error).toBeInstanceOf(TypeError);
    expect(failed).toMatchObject({ attempt: 1, retryInMs: undefined });
  });

  it('coalesces: a push for a waiting key merges into it, one for a running key gives exactly one more run', async () => {
    const { jobs, runs } = runner(
      async () => {
        await new Promise((resolve) => setTimeout(resolve, 100));
        return 'ok';
      },
      { concurrency: 1 },
    );
    expect(jobs.push(1)).toBe('queued');
    expect(jobs.push(2)).toBe('queued');
    expect(jobs.push(2)).toBe('coalesced');
    await vi.advanceTimersByTimeAsync(50);
    expect(runs.map((r) => r.key)).toEqual([1]);
    expect([jobs.push(1), jobs.push(1), jobs.push(1)]).toEqual(['coalesced', 'coalesced', 'coalesced']);
    await vi.runAllTimersAsync();
    expect(runs.map((r) => r.key)).toEqual([1, 2, 1]);
    expect(jobs.size).toBe(0);
  });

  it('answers full beyond maxPending distinct keys', async () => {
    const { jobs } = runner(async () => 'ok', { concurrency: 1, maxPending: 2 });
    expect([jobs.push(1), jobs.push(2), jobs.push(3), jobs.push(2)]).toEqual(['queued', 'queued', 'full', 'coalesced']);
    await jobs.idle();
  });

  it('idle() resolves when nothing waits or runs, without waiting for a retry that is due later', async () => {
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const { jobs, runs } = runner(async (key) => {
      if (key === 1) throw new Error('fails');
      await gate;
      return 'ok';
    }, { retry: { attempts: 2, delayMs: 5_000 } });
    jobs.push(1);
    jobs.push(2);
    let idle = false;
    void jobs.idle().then(() => (idle = true));
    await vi.advanceTimersByTimeAsync(0);
    expect(idle).toBe(false);
    expect(jobs.size).toBe(1);
    release();
    await vi.advanceTimersByTimeAsync(0);
    expect(idle).toBe(true);
    expect(jobs.retrying).toBe(1);
    await vi.advanceTimersByTimeAsync(5_000);
    expect(runs.map((r) => r.key)).toEqual([1, 2, 1]);
  });

  it('stop() drops the retries waiting out their delay, and schedules none for a job that fails later', async () => {
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const { jobs, runs, reports } = runner(async (key) => {
      if (key === 2) await gate;
      throw new Error(`job ${key} failed`);
    }, { retry: { attempts: 3, delayMs: 1_000 } });
    jobs.push(1);
    jobs.push(2);
    await vi.advanceTimersByTimeAsync(0);
    expect(jobs.retrying).toBe(1);
    expect(jobs.stop()).toBe(1);
    expect(jobs.retrying).toBe(0);
    release();
    await jobs.idle();
    await vi.advanceTimersByTimeAsync(60_000);
    expect(runs.map((r) => r.key)).toEqual([1, 2]);
    expect(failures(reports)).toEqual([
      { key: 1, attempt: 1, retryInMs: 1_000, error: 'job 1 failed' },
      { key: 2, attempt: 1, retryInMs: undefined, error: 'job 2 failed' },
    ]);
  });
});

describe('trust item 11: the job runner never drops a failure', () => {
  it('a retry falling due while the queue is full is reported dropped, and the key starts afresh', async () => {
    let failing = true;
    const gates: Array<() => void> = [];
    const { jobs, runs, reports } = runner(
      async (key) => {
        if (key === 1 && failing) throw new Error('down');
        await new Promise<void>((resolve) => gates.push(resolve));
        return `done ${key}`;
      },
      { retry: { attempts: 3, delayMs: 1_000 }, maxPending: 2 },
    );
    jobs.push(1);
    await vi.advanceTimersByTimeAsync(0);
    expect(jobs.retrying).toBe(1);
    // Two other keys fill the queue while the retry waits.
    expect([jobs.push(2), jobs.push(3)]).toEqual(['queued', 'queued']);
    await vi.advanceTimersByTimeAsync(1_000);
    expect(runs.map((r) => r.key)).toEqual([1, 2, 3]);
    expect(reports.at(-1)).toEqual({ kind: 'dropped', key: 1, attempt: 1, reason: 'queue full' });
    expect(jobs.retrying).toBe(0);
    for (const release of gates.splice(0)) release();
    await jobs.idle();
    // The dropped retry left no count behind: a new failure is attempt 1 again.
    jobs.push(1);
    await vi.advanceTimersByTimeAsync(0);
    expect(failures(reports).map((f) => f.attempt)).toEqual([1, 1]);
    failing = false;
    jobs.stop();
  });

  it('a new delivery takes the place of a retry waiting out its delay: no extra run, one timer per key', async () => {
    let calls = 0;
    const { jobs, runs, reports, start } = runner(
      async () => {
        calls++;
        throw new Error(`down ${calls}`);
      },
      { retry: { attempts: 3, delayMs: 1_000 } },
    );
    jobs.push(5);
    await vi.advanceTimersByTimeAsync(0);
    expect(jobs.retrying).toBe(1);
    await vi.advanceTimersByTimeAsync(400);
    expect(jobs.push(5)).toBe('queued');
    await vi.advanceTimersByTimeAsync(0);
    // The delivery ran at 400 and failed (attempt 2): its retry is the only timer; the first one is gone.
    expect(jobs.retrying).toBe(1);
    await vi.advanceTimersByTimeAsync(10_000);
    expect(runs.map((r) => r.at - start)).toEqual([0, 400, 2_400]);
    expect(failures(reports).map((f) => [f.attempt, f.retryInMs])).toEqual([
      [1, 1_000],
      [2, 2_000],
      [3, undefined],
    ]);
    expect(jobs.retrying).toBe(0);
  });

  it('trust item 11: a report that throws reaches onError with the job key, and the runner goes on', async () => {
    const errors: Array<[number, string]> = [];
    const ran: number[] = [];
    const runner = createJobRunner<number, string>({
      run: async (key) => {
        ran.push(key);
        return 'done';
      },
      report: (r) => {
        if (r.key === 1) throw new Error('the log is full');
      },
      onError: (key, error) => errors.push([key, (error as Error).message]),
    });
    runner.push(1);
    runner.push(2);
    await runner.idle();
    expect(ran).toEqual([1, 2]);
    expect(errors).toEqual([[1, 'the log is full']]);
  });

  it('trust item 10: counts a run as stuck once it has gone on longer than timeoutMs', async () => {
    let now = 0;
    const timers = { now: () => now, setTimeout: () => 0, clearTimeout: () => {} };
    let release!: () => void;
    const runner = createJobRunner<number, string>({
      run: () => new Promise((resolve) => (release = () => resolve('x'))),
      timeoutMs: 1_000,
      timers,
    });
    expect(runner.stuck()).toBe(0);
    runner.push(1);
    await Promise.resolve();
    await Promise.resolve();
    now = 1_000;
    expect(runner.stuck()).toBe(0);
    now = 1_001;
    expect(runner.stuck()).toBe(1);
    release();
    await runner.idle();
    expect(runner.stuck()).toBe(0);
  });
});
