import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * The signature Eppo puts in a webhook body: lowercase hex of
 * HMAC-SHA256(secret, JSON.stringify(data)) — the `data` object only, compact.
 */
export function signWebhookData(data: unknown, secret: string): string {
  return createHmac('sha256', secret).update(JSON.stringify(data) ?? '').digest('hex');
}

const HEX_SHA256 = /^[0-9a-f]{64}$/;

/**
 * True when `body.signature` is the signature of `body.data` under `secret`.
 * A missing, non-hex or wrong signature, a missing `data`, `data` nested too
 * deep to serialise or an empty secret is false; it never throws. The compare
 * is constant-time after a length check.
 */
export function verifyWebhookSignature(body: unknown, secret: string): boolean {
  if (secret.length === 0) return false;
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return false;
  const { data, signature } = body as { data?: unknown; signature?: unknown };
  if (data === undefined || typeof signature !== 'string') return false;
  if (!HEX_SHA256.test(signature)) return false;
  let signed: string;
  try {
    signed = signWebhookData(data, secret);
  } catch {
    // Nested too deep to serialise (a RangeError): Eppo never signed such a body.
    return false;
  }
  const expected = Buffer.from(signed, 'hex');
  const given = Buffer.from(signature, 'hex');
  if (given.length !== expected.length) return false;
  return timingSafeEqual(given, expected);
}
