/**
 * Everything the CLI touches of the outside world, injected so that
 * `main(argv, io)` runs in-process in tests (like probot's readEnvOptions).
 */
export interface Output {
  write(chunk: string): unknown;
  /** true when attached to a terminal (colours, prompts) */
  isTTY?: boolean;
}

export interface Io {
  stdout: Output;
  stderr: Output;
  env: Record<string, string | undefined>;
  cwd: string;
  /** Asks a yes/no question on a terminal; absent when not interactive. */
  confirm?: (question: string) => Promise<boolean>;
  /** Aborted on SIGINT/SIGTERM, for long-running commands (serve, emulator). */
  signal?: AbortSignal;
}

/** What main hands a command besides its arguments and the Io. */
export interface CommandContext {
  /** main itself, for a command that runs other commands (demo); a command never imports main, which imports it */
  main(argv: string[], io: Io): Promise<number>;
}

export interface Command {
  name: string;
  /** one line for the command list */
  summary: string;
  /** the full `--help` text */
  help: string;
  /** returns the exit code */
  run(args: string[], io: Io, context: CommandContext): Promise<number>;
}
