import type { Io } from '../../src/cli/io.js';

export interface CapturedIo extends Io {
  out(): string;
  err(): string;
}

/** An in-process Io that records what the CLI prints. */
export function captureIo(init: Partial<Io> = {}): CapturedIo {
  let out = '';
  let err = '';
  return {
    stdout: { write: (s: string) => (out += s), isTTY: false },
    stderr: { write: (s: string) => (err += s), isTTY: false },
    env: {},
    cwd: process.cwd(),
    ...init,
    out: () => out,
    err: () => err,
  };
}

export interface WatchedIo extends CapturedIo {
  /**
   * Resolves once `text` has been printed on the stream (an awaited event,
   * never a poll); rejects when `stopped` settles first (the command ended).
   */
  until(stream: 'out' | 'err', text: string | RegExp, stopped?: Promise<unknown>): Promise<void>;
}

/** A captured Io whose output can be waited for. */
export function watchedIo(init: Partial<Io> = {}): WatchedIo {
  const io = captureIo(init);
  const waiters: Array<() => void> = [];
  const notify = (): void => {
    for (const waiter of waiters.splice(0)) waiter();
  };
  for (const stream of [io.stdout, io.stderr]) {
    const write = stream.write.bind(stream);
    stream.write = (chunk: string) => {
      const written = write(chunk);
      notify();
      return written;
    };
  }
  const until = (stream: 'out' | 'err', text: string | RegExp, stopped?: Promise<unknown>): Promise<void> =>
    new Promise((resolve, reject) => {
      const printed = (): string => (stream === 'out' ? io.out() : io.err());
      const check = (): void => {
        const now = printed();
        if (typeof text === 'string' ? now.includes(text) : text.test(now)) resolve();
        else waiters.push(check);
      };
      void stopped?.then((code) => reject(new Error(`the command exited (${String(code)}) before printing ${String(text)}: ${io.err()}`)));
      check();
    });
  return Object.assign(io, { until });
}
