/**
 * An error no code of the server expected (a bug, or a handler that threw),
 * for a log line: its class name comes first, since a TypeError says more
 * than its message alone.
 */
export function describeCrash(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}
