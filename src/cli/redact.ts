import { redactValues } from '../util/index.js';
import type { Io, Output } from './io.js';

/** Environment variables whose values must never reach any output. */
export const SECRET_ENV = ['EPPO_API_KEY', 'EPPO_WEBHOOK_SECRET', 'GITHUB_TOKEN'] as const;

/** Replaces every secret value from the environment with `***` (values under 8 characters are refused where they are used, and left alone here). */
export function redactSecrets(text: string, env: Record<string, string | undefined>): string {
  return redactValues(
    text,
    SECRET_ENV.map((name) => env[name]),
  );
}

/**
 * The same Io, with every write to stdout and stderr passing through
 * `redactSecrets`: whatever a command prints (results, warnings, errors from
 * a server that echoes a token), no secret from the environment gets out.
 */
export function redactingIo(io: Io): Io {
  const wrap = (output: Output): Output => ({
    write: (chunk: string) => output.write(redactSecrets(chunk, io.env)),
    ...(output.isTTY === undefined ? {} : { isTTY: output.isTTY }),
  });
  return { ...io, stdout: wrap(io.stdout), stderr: wrap(io.stderr) };
}
