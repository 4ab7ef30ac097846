import { ConfigError } from '../errors.js';

/**
 * A `*_TIMEOUT_SECONDS` variable in milliseconds: undefined when unset or
 * blank, a ConfigError naming the variable when it is not a number of seconds
 * above 0 and at most 3600.
 */
export function parseTimeoutSeconds(name: string, raw: string | undefined): number | undefined {
  const text = raw?.trim();
  if (text === undefined || text === '') return undefined;
  const seconds = Number(text);
  if (!/^\d+(\.\d+)?$/.test(text) || !(seconds > 0) || seconds > 3600) {
    throw new ConfigError(`${name} must be a number of seconds greater than 0 and at most 3600, not "${text}"`);
  }
  return Math.ceil(seconds * 1000);
}

/** How long one Eppo or GitHub request may take when its *_TIMEOUT_SECONDS is not set. */
export const DEFAULT_REQUEST_TIMEOUT_MS = 30_000;

/** A job makes a handful of requests in turn: one running for this many request timeouts is stuck, not slow. */
const REQUEST_TIMEOUTS_PER_JOB = 6;

/**
 * How long one webhook job may run before serve counts it as stuck: six of
 * the longer request timeout, EPPO_TIMEOUT_SECONDS or GITHUB_TIMEOUT_SECONDS
 * (each 30 s when unset, so 180 s). A ConfigError when either is not a number
 * of seconds.
 */
export function stuckJobTimeoutMs(env: Record<string, string | undefined>): number {
  const longest = Math.max(
    parseTimeoutSeconds('EPPO_TIMEOUT_SECONDS', env.EPPO_TIMEOUT_SECONDS) ?? DEFAULT_REQUEST_TIMEOUT_MS,
    parseTimeoutSeconds('GITHUB_TIMEOUT_SECONDS', env.GITHUB_TIMEOUT_SECONDS) ?? DEFAULT_REQUEST_TIMEOUT_MS,
  );
  return REQUEST_TIMEOUTS_PER_JOB * longest;
}
