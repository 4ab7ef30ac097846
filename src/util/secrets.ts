import { ConfigError } from '../errors.js';

/**
 * The shortest secret eppo-gitops accepts. Redacting means replacing every
 * occurrence of the value in a text; a value of a few characters also occurs
 * inside ordinary words ("k" in "network"), so it could not be redacted
 * without mangling messages, and it would be guessable anyway.
 */
export const MIN_SECRET_LENGTH = 8;

/**
 * Replaces every occurrence of each value with `***`: as it is, and as it
 * appears inside a JSON string or a URL (a log line or an echoed request).
 * Longer values go first, so a secret that contains another is replaced
 * whole. Values shorter than MIN_SECRET_LENGTH are left alone (they are
 * refused wherever a secret is used, see `checkSecretLength`).
 */
export function redactValues(text: string, values: Iterable<string | undefined>): string {
  const forms = new Set<string>();
  for (const raw of values) {
    const value = raw?.trim();
    if (value === undefined || value.length < MIN_SECRET_LENGTH) continue;
    forms.add(value);
    forms.add(JSON.stringify(value).slice(1, -1));
    forms.add(encodeURIComponent(value));
  }
  let out = text;
  for (const form of [...forms].sort((a, b) => b.length - a.length)) {
    if (out.includes(form)) out = out.split(form).join('***');
  }
  return out;
}

/**
 * Refuses a secret too short to be redacted reliably (MIN_SECRET_LENGTH), with
 * a ConfigError naming the variable it came from.
 */
export function checkSecretLength(name: string, value: string): void {
  if (value.length >= MIN_SECRET_LENGTH) return;
  throw new ConfigError(
    `${name} is ${value.length === 1 ? '1 character' : `${value.length} characters`} long; eppo-gitops refuses secrets shorter than ${MIN_SECRET_LENGTH} characters, because they cannot be kept out of messages without mangling ordinary words. Check the value of ${name}, and use the full key or a longer secret`,
  );
}
