/** The signals the CLI answers, and the exit code each gives when it ends the process (128 + its number). */
export const SIGNAL_EXIT_CODES = { SIGINT: 130, SIGTERM: 143 } as const;

export type CliSignal = keyof typeof SIGNAL_EXIT_CODES;

/** What `watchSignals` needs of `process`: injected, so the policy runs in tests without ending the test run. */
export interface SignalTarget {
  on(signal: CliSignal, listener: () => void): unknown;
  exit(code: number): void;
}

export interface SignalWatch {
  /** aborted on the first signal of a command that stops gracefully; the command's Io.signal */
  signal: AbortSignal;
  /** call once the command has returned: from then on any signal ends the process at once */
  finished(): void;
}

/**
 * What a signal does to a running command. A command that only reads (or
 * writes files a rerun completes) quits at the first signal; the others are
 * asked to stop gracefully (their signal is aborted) and quit at the second.
 * Once the command has returned, nothing watches the signal any more, so any
 * signal quits: whatever still holds the process open (a server, a timer)
 * must not outlive a Ctrl-C or a SIGTERM.
 */
export function watchSignals(target: SignalTarget, quitAtOnce: boolean): SignalWatch {
  const controller = new AbortController();
  let done = false;
  for (const name of Object.keys(SIGNAL_EXIT_CODES) as CliSignal[]) {
    target.on(name, () => {
      if (quitAtOnce || done || controller.signal.aborted) target.exit(SIGNAL_EXIT_CODES[name]);
      else controller.abort(name);
    });
  }
  return {
    signal: controller.signal,
    finished: () => {
      done = true;
    },
  };
}
