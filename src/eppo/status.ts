/**
 * True when an Eppo status string means Concluded. Compared case-insensitively,
 * ignoring spaces, `_` and `-`, because only `Concluded` is a confirmed API
 * string; any other value (known or not) is "not concluded".
 */
export function isConcluded(status: string | null | undefined): boolean {
  if (typeof status !== 'string') return false;
  return status.replace(/[\s_-]+/g, '').toLowerCase() === 'concluded';
}
