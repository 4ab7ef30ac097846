import { createHmac } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { signWebhookData, verifyWebhookSignature } from '../../src/outcomes/index.js';

const SECRET = 'whsec-test-secret';
const data = { experiment_id: 4521, experiment_key: 'checkout-button-color' };

describe('webhook signature', () => {
  it('is the lowercase hex HMAC-SHA256 of JSON.stringify(data), computed independently', () => {
    const expected = createHmac('sha256', SECRET).update('{"experiment_id":4521,"experiment_key":"checkout-button-color"}').digest('hex');
    expect(signWebhookData(data, SECRET)).toBe(expected);
    expect(verifyWebhookSignature({ event: 'experiment.status.updated', data, signature: expected }, SECRET)).toBe(true);
  });

  it.each([
    ['missing signature', { event: 'e', data }],
    ['empty signature', { event: 'e', data, signature: '' }],
    ['uppercase hex', { event: 'e', data, signature: signWebhookData(data, SECRET).toUpperCase() }],
    ['not hex', { event: 'e', data, signature: 'z'.repeat(64) }],
    ['too short', { event: 'e', data, signature: signWebhookData(data, SECRET).slice(0, 62) }],
    ['too long', { event: 'e', data, signature: `${signWebhookData(data, SECRET)}00` }],
    ['other secret', { event: 'e', data, signature: signWebhookData(data, 'another') }],
    ['data changed', { event: 'e', data: { ...data, experiment_id: 4522 }, signature: signWebhookData(data, SECRET) }],
    ['number became string', { event: 'e', data: { ...data, experiment_id: '4521' }, signature: signWebhookData(data, SECRET) }],
    ['no data', { event: 'e', signature: signWebhookData(data, SECRET) }],
    ['signature is not a string', { event: 'e', data, signature: 12 }],
    ['body is an array', [data]],
    ['body is null', null],
  ])('rejects %s', (_name, body) => {
    expect(verifyWebhookSignature(body, SECRET)).toBe(false);
  });

  it('rejects everything under an empty secret', () => {
    expect(verifyWebhookSignature({ data, signature: signWebhookData(data, '') }, '')).toBe(false);
  });

  it('accepts exactly the signed data (property)', () => {
    fc.assert(
      fc.property(fc.jsonValue(), fc.string({ minLength: 1 }), fc.string({ minLength: 1 }), (value, secret, other) => {
        const signature = signWebhookData(value, secret);
        expect(verifyWebhookSignature({ data: value, signature }, secret)).toBe(value !== undefined);
        if (other !== secret) expect(verifyWebhookSignature({ data: value, signature }, other)).toBe(false);
      }),
      { numRuns: 200 },
    );
  });
});
