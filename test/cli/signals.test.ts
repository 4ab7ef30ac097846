import { describe, expect, it } from 'vitest';
import { watchSignals, type CliSignal, type SignalTarget } from '../../src/cli/signals.js';

/** A stand-in for `process`: signals are raised by hand, exits are recorded. */
function target(): SignalTarget & { raise(signal: CliSignal): void; exits: number[] } {
  const listeners = new Map<CliSignal, () => void>();
  const exits: number[] = [];
  return {
    on: (signal, listener) => listeners.set(signal, listener),
    exit: (code) => void exits.push(code),
    raise: (signal) => listeners.get(signal)!(),
    exits,
  };
}

describe('watchSignals', () => {
  it('a command that only reads quits at the first signal: 130 for SIGINT, 143 for SIGTERM', () => {
    const interrupted = target();
    watchSignals(interrupted, true);
    interrupted.raise('SIGINT');
    expect(interrupted.exits).toEqual([130]);
    const terminated = target();
    watchSignals(terminated, true);
    terminated.raise('SIGTERM');
    expect(terminated.exits).toEqual([143]);
  });

  it('another command is asked to stop at the first signal and quits at the second', () => {
    const process = target();
    const watch = watchSignals(process, false);
    process.raise('SIGTERM');
    expect(process.exits).toEqual([]);
    expect(watch.signal.aborted).toBe(true);
    expect(watch.signal.reason).toBe('SIGTERM');
    process.raise('SIGINT');
    expect(process.exits).toEqual([130]);
  });

  it('once the command has returned, the first signal quits: nothing is left to stop gracefully', () => {
    const process = target();
    const watch = watchSignals(process, false);
    watch.finished();
    process.raise('SIGTERM');
    expect(process.exits).toEqual([143]);
    expect(watch.signal.aborted).toBe(false);
  });
});
