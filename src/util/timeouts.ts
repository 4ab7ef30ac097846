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
