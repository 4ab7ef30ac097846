/**
 * Operational failures. Validation problems are data (`Problem[]`), never these.
 * Each adapter wraps its low-level errors into one of these classes at one
 * boundary, with `{ cause }`, and every message says what to do next.
 */

/** Wrong flags, a missing environment variable, an unreadable config file. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

/** Bad command-line usage; the CLI prints the command's help hint. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

export interface EppoApiErrorInit {
  method: string;
  path: string;
  status?: number;
  hint?: string;
  cause?: unknown;
}

/** A failed call to the Eppo REST API (after retries, when retryable). */
export class EppoApiError extends Error {
  override readonly name = 'EppoApiError';
  readonly method: string;
  readonly path: string;
  readonly status: number | undefined;
  readonly hint: string | undefined;

  constructor(message: string, init: EppoApiErrorInit) {
    super(message, init.cause === undefined ? undefined : { cause: init.cause });
    this.method = init.method;
    this.path = init.path;
    this.status = init.status;
    this.hint = init.hint;
  }
}

/** A failed call to the git host (GitHub API or the local git CLI). */
export class GitHostError extends Error {
  override readonly name = 'GitHostError';
  readonly status: number | undefined;

  constructor(message: string, options?: { status?: number; cause?: unknown }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.status = options?.status;
  }
}

/**
 * Experiments handed to the emulator directly (`seedExperiments`,
 * `POST /__emulator/experiments`) that it refuses: one is invalid, or forces an
 * id that is already taken. The message names the experiment and the field.
 */
export class EmulatorInputError extends Error {
  override readonly name = 'EmulatorInputError';
}

/**
 * A definition file that cannot take the outcome block without rewriting
 * more than that block (it is not one block mapping, an alias elsewhere
 * refers into the old block, the result would not read back). Thrown by the
 * outcome edit; the outcome change turns it into a refusal with this message.
 */
export class OutcomeEditError extends Error {
  override readonly name = 'OutcomeEditError';
}

/** A bug: something that should never happen. */
export class InternalError extends Error {
  override readonly name = 'InternalError';
}

/**
 * One line for an operational failure, wherever it is shown (the CLI, apply's
 * results, the server's log, outcomes sync): for an Eppo API error its
 * request, status, message and hint (`POST /experiments 503: Eppo answered
 * 503 (the hint)`), for anything else its message.
 */
export function describeError(error: unknown): string {
  if (error instanceof EppoApiError) {
    const status = error.status === undefined ? '' : ` ${error.status}`;
    const hint = error.hint === undefined ? '' : ` (${error.hint})`;
    return `${error.method} ${error.path}${status}: ${error.message}${hint}`;
  }
  return error instanceof Error ? error.message : String(error);
}
