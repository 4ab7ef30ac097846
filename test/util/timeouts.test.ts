import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/errors.js';
import { DEFAULT_REQUEST_TIMEOUT_MS, stuckJobTimeoutMs } from '../../src/util/index.js';

describe('stuckJobTimeoutMs', () => {
  it('is six of the longer request timeout: 180 s by default', () => {
    expect(DEFAULT_REQUEST_TIMEOUT_MS).toBe(30_000);
    expect(stuckJobTimeoutMs({})).toBe(180_000);
    expect(stuckJobTimeoutMs({ EPPO_TIMEOUT_SECONDS: '5' })).toBe(180_000);
    expect(stuckJobTimeoutMs({ EPPO_TIMEOUT_SECONDS: '45', GITHUB_TIMEOUT_SECONDS: '10' })).toBe(270_000);
    expect(stuckJobTimeoutMs({ EPPO_TIMEOUT_SECONDS: '5', GITHUB_TIMEOUT_SECONDS: '5' })).toBe(30_000);
  });

  it('refuses a timeout that is not a number of seconds, naming the variable', () => {
    expect(() => stuckJobTimeoutMs({ GITHUB_TIMEOUT_SECONDS: 'soon' })).toThrow(ConfigError);
    expect(() => stuckJobTimeoutMs({ GITHUB_TIMEOUT_SECONDS: 'soon' })).toThrow(/^GITHUB_TIMEOUT_SECONDS must be a number of seconds/);
  });
});
