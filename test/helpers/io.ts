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
