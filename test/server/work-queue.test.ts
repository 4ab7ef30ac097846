import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createWorkQueue } from '../../src/server/index.js';

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

describe('work queue', () => {
  it('never runs one key twice at once and bounds distinct keys', async () => {
    const active = new Set<string>();
    let overlap = false;
    const ran: string[] = [];
    const q = createWorkQueue<string>({
      concurrency: 3,
      maxPending: 3,
      run: async (k) => {
        if (active.has(k)) overlap = true;
        active.add(k);
        ran.push(k);
        await new Promise((r) => setTimeout(r, 10));
        active.delete(k);
      },
    });
    expect(['a', 'a', 'b', 'c', 'd', 'a'].map((k) => q.push(k))).toEqual(['queued', 'coalesced', 'queued', 'queued', 'full', 'coalesced']);
    await vi.runAllTimersAsync();
    await q.idle();
    expect(overlap).toBe(false);
    expect(ran.sort()).toEqual(['a', 'a', 'b', 'c']);
    expect(q.size).toBe(0);
  });

  it('runs at most `concurrency` keys at once, in push order', async () => {
    let active = 0;
    let peak = 0;
    const ran: number[] = [];
    const q = createWorkQueue<number>({
      concurrency: 2,
      run: async (k) => {
        active++;
        peak = Math.max(peak, active);
        ran.push(k);
        await new Promise((r) => setTimeout(r, 100));
        active--;
      },
    });
    for (const k of [1, 2, 3, 4, 5]) q.push(k);
    await vi.advanceTimersByTimeAsync(0);
    expect(ran).toEqual([1, 2]);
    await vi.advanceTimersByTimeAsync(100);
    expect(ran).toEqual([1, 2, 3, 4]);
    await vi.runAllTimersAsync();
    expect(ran).toEqual([1, 2, 3, 4, 5]);
    expect(peak).toBe(2);
  });
});

describe('trust item 11: a failing job is reported, not dropped', () => {
  it('trust item 11: hands the error of a failed run to onError, and goes on with the next', async () => {
    const reported: Array<[string, unknown]> = [];
    const ran: string[] = [];
    const q = createWorkQueue<string>({
      concurrency: 1,
      run: async (k) => {
        ran.push(k);
        if (k === 'bad') throw new Error('it broke');
      },
      onError: (key, error) => reported.push([key, error]),
    });
    q.push('bad');
    q.push('good');
    await q.idle();
    expect(ran).toEqual(['bad', 'good']);
    expect(reported).toHaveLength(1);
    expect(reported[0]![0]).toBe('bad');
    expect((reported[0]![1] as Error).message).toBe('it broke');
  });

  it('trust item 11: without onError, a failed run is written to stderr as one JSON line', async () => {
    const lines: string[] = [];
    const spy = vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
      lines.push(String(chunk));
      return true;
    });
    try {
      const q = createWorkQueue<number>({
        run: async () => {
          throw new RangeError('out of range');
        },
      });
      q.push(7);
      await q.idle();
    } finally {
      spy.mockRestore();
    }
    expect(lines).toHaveLength(1);
    expect(JSON.parse(lines[0]!)).toMatchObject({ msg: 'job failed', key: '7', error: 'RangeError: out of range' });
  });
});
