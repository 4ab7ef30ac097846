import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { KEY_PATTERN, isValidKey } from '../../src/definitions/index.js';

describe('the key pattern of experiment_key and variant_key', () => {
  it('is the one the JSON Schema gives keys, so code and schema accept the same keys', () => {
    const schema = JSON.parse(readFileSync(new URL('../../schemas/experiment.schema.json', import.meta.url), 'utf8'));
    expect(schema.$defs.key.pattern).toBe(KEY_PATTERN.source);
  });

  it('allows letters, digits, ".", "_" and "-", starting with a letter or digit, at most 128', () => {
    for (const key of ['a', 'checkout-button-color', 'v2.1_test', 'A'.repeat(128)]) expect(isValidKey(key), key).toBe(true);
    for (const key of ['', '-a', '.hidden', 'has space', '../escape', 'a/b', 'A'.repeat(129), 'ünïcode']) expect(isValidKey(key), key).toBe(false);
  });
});

describe('the parallelism limits', () => {
  it('are the ones the settings schema allows', async () => {
    const { DEFAULT_PARALLELISM, MAX_PARALLELISM } = await import('../../src/util/index.js');
    const schema = JSON.parse(readFileSync(new URL('../../schemas/config.schema.json', import.meta.url), 'utf8'));
    expect(schema.properties.parallelism.maximum).toBe(MAX_PARALLELISM);
    expect(schema.properties.parallelism.description).toContain(`Default ${DEFAULT_PARALLELISM}.`);
  });
});
