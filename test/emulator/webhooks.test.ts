import { createHmac, timingSafeEqual } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { manualTimers, type ManualTimers } from '../helpers/manual-timers.js';
import { startHarness, experimentBody, startReceiver } from './helpers.js';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()!();
});

async function setup(statuses: number[] = [], retry = { attempts: 5, baseDelayMs: 5, maxDelayMs: 20 }, timers?: ManualTimers) {
  const receiver = await startReceiver(statuses);
  cleanups.push(receiver.close);
  const h = await startHarness({ webhookRetry: retry, ...(timers ? { timers } : {}) });
  cleanups.push(() => h.emu.close());
  expect((await h.control('POST', '/webhooks', { url: receiver.url, secret: 'whsec-test' })).status).toBe(201);
  return { h, receiver };
}

function expectedSignature(secret: string, data: unknown): string {
  return createHmac('sha256', secret).update(JSON.stringify(data)).digest('hex');
}

describe('webhooks', () => {
  it('delivers a decision as a signed experiment.status.updated that verifies with an independent HMAC', async () => {
    const { h, receiver } = await setup();
    const exp = (await h.api('POST', '/experiments', experimentBody())).body;
    await h.emu.idle();
    expect(receiver.received).toHaveLength(0);
    await h.control('POST', `/experiments/${exp.id}/decision`, { winning_variant_key: 'green', outcome: 'POSITIVE' });
    await h.emu.idle();
    expect(receiver.received).toHaveLength(1);
    const hook = receiver.received[0]!;
    expect(hook.headers['content-type']).toBe('application/json');
    expect(hook.body).toEqual({
      event: 'experiment.status.updated',
      data: { experiment_id: exp.id, experiment_key: 'checkout-button-color' },
      signature: expect.stringMatching(/^[0-9a-f]{64}$/),
    });
    const mine = Buffer.from(expectedSignature('whsec-test', hook.body.data), 'hex');
    const theirs = Buffer.from(hook.body.signature, 'hex');
    expect(theirs.length).toBe(mine.length);
    expect(timingSafeEqual(mine, theirs)).toBe(true);
    expect(hook.body.signature).not.toBe(expectedSignature('another-secret', hook.body.data));
  });

  it('delivers experiment.configuration.updated on PUT and a status update on reopen', async () => {
    const { h, receiver } = await setup();
    const exp = (await h.api('POST', '/experiments', experimentBody())).body;
    await h.api('PUT', `/experiments/${exp.id}`, { hypothesis: 'new' });
    await h.control('DELETE', `/experiments/${exp.id}/decision`);
    await h.emu.idle();
    expect(receiver.received.map((r) => r.body.event)).toEqual(['experiment.configuration.updated', 'experiment.status.updated']);
    const failedPut = await h.api('PUT', `/experiments/${exp.id}`, { traffic_allocation: 3 });
    expect(failedPut.status).toBe(400);
    await h.emu.idle();
    expect(receiver.received).toHaveLength(2);
  });

  it('retries a receiver that fails twice, with the attempts in the delivery log', async () => {
    const { h, receiver } = await setup([500, 503]);
    const exp = (await h.api('POST', '/experiments', experimentBody())).body;
    await h.control('POST', `/experiments/${exp.id}/decision`, { winning_variant_key: 'blue', outcome: 'NEGATIVE' });
    await h.emu.idle();
    expect(receiver.received).toHaveLength(3);
    expect(new Set(receiver.received.map((r) => r.raw)).size).toBe(1);
    const log = (await h.control('GET', '/deliveries')).body;
    expect(log.map((d: any) => [d.event, d.url, d.status, d.attempt])).toEqual([
      ['experiment.status.updated', receiver.url, 500, 1],
      ['experiment.status.updated', receiver.url, 503, 2],
      ['experiment.status.updated', receiver.url, 200, 3],
    ]);
  });

  it('gives up after the configured attempts, and retries network errors', async () => {
    const { h, receiver } = await setup([500, 500, 500, 500], { attempts: 3, baseDelayMs: 1, maxDelayMs: 2 });
    const exp = (await h.api('POST', '/experiments', experimentBody())).body;
    await h.control('POST', `/experiments/${exp.id}/decision`, { winning_variant_key: 'blue', outcome: 'NEUTRAL' });
    await h.emu.idle();
    expect(receiver.received).toHaveLength(3);
    await h.control('POST', '/webhooks', { url: 'http://127.0.0.1:1/closed', secret: 's' });
    await h.api('PUT', `/experiments/${exp.id}`, { name: 'Renamed' });
    await h.emu.idle();
    const failed = (await h.control('GET', '/deliveries')).body.filter((d: any) => d.url === 'http://127.0.0.1:1/closed');
    expect(failed.map((d: any) => [d.status, d.attempt])).toEqual([
      [null, 1],
      [null, 2],
      [null, 3],
    ]);
    expect(failed[0].error).toEqual(expect.any(String));
  });

  it('delivers to receivers given as options, and lists them without secrets', async () => {
    const receiver = await startReceiver();
    cleanups.push(receiver.close);
    const h = await startHarness({ webhooks: [{ url: receiver.url, secret: 'opt-secret' }] });
    cleanups.push(() => h.emu.close());
    expect((await h.control('GET', '/webhooks')).body).toEqual([{ url: receiver.url }]);
    const exp = (await h.api('POST', '/experiments', experimentBody())).body;
    await h.control('POST', `/experiments/${exp.id}/decision`, { winning_variant_key: 'green', outcome: 'POSITIVE' });
    await h.emu.idle();
    expect(receiver.received[0]!.body.signature).toBe(expectedSignature('opt-secret', receiver.received[0]!.body.data));
    await h.control('POST', '/reset');
    expect((await h.control('GET', '/webhooks')).body).toEqual([{ url: receiver.url }]);
  });

  it('rejects a bad registration', async () => {
    const { h } = await setup();
    expect((await h.control('POST', '/webhooks', { url: 'ftp://x', secret: 's' })).status).toBe(400);
    expect((await h.control('POST', '/webhooks', { url: 'http://127.0.0.1:5/x', secret: '' })).body.message).toBe('secret must be a non-empty string');
  });

  it('duplicates a delivery under the webhook-duplicate fault', async () => {
    const { h, receiver } = await setup();
    const exp = (await h.api('POST', '/experiments', experimentBody())).body;
    await h.control('POST', '/faults', { kind: 'webhook-duplicate', count: 1, match: { event: 'experiment.status.updated' } });
    await h.api('PUT', `/experiments/${exp.id}`, { name: 'not matched' });
    await h.control('POST', `/experiments/${exp.id}/decision`, { winning_variant_key: 'green', outcome: 'POSITIVE' });
    await h.emu.idle();
    expect(receiver.received.map((r) => r.body.event)).toEqual([
      'experiment.configuration.updated',
      'experiment.status.updated',
      'experiment.status.updated',
    ]);
    expect(receiver.received[1]!.raw).toBe(receiver.received[2]!.raw);
    expect((await h.control('GET', '/deliveries')).body.filter((d: any) => d.duplicate)).toHaveLength(1);
  });

  it('reorders a delivery under the webhook-reorder fault: it arrives after the next one', async () => {
    const timers = manualTimers();
    const { h, receiver } = await setup([], undefined, timers);
    const a = (await h.api('POST', '/experiments', experimentBody({ experiment_key: 'a' }))).body;
    const b = (await h.api('POST', '/experiments', experimentBody({ experiment_key: 'b' }))).body;
    await h.control('POST', '/faults', { kind: 'webhook-reorder', holdMs: 5000 });
    await h.control('POST', `/experiments/${a.id}/decision`, { winning_variant_key: 'green', outcome: 'POSITIVE' });
    // Held: no attempt at all is made until the next delivery (or holdMs).
    expect(timers.due()).toEqual([5000]);
    expect((await h.control('GET', '/deliveries')).body).toEqual([]);
    expect(receiver.received).toHaveLength(0);
    await h.control('POST', `/experiments/${b.id}/decision`, { winning_variant_key: 'blue', outcome: 'NEGATIVE' });
    await h.emu.idle();
    expect(receiver.received.map((r) => r.body.data.experiment_key)).toEqual(['b', 'a']);
  });

  it('releases a held delivery after holdMs when nothing follows', async () => {
    const { h, receiver } = await setup();
    const a = (await h.api('POST', '/experiments', experimentBody())).body;
    await h.control('POST', '/faults', { kind: 'webhook-reorder', holdMs: 30 });
    await h.control('POST', `/experiments/${a.id}/decision`, { winning_variant_key: 'green', outcome: 'POSITIVE' });
    await h.emu.idle();
    expect(receiver.received).toHaveLength(1);
    expect((await h.control('GET', '/deliveries')).body[0].reordered).toBe(true);
  });

  it('close() stops pending retries promptly: it never waits out a retry delay', async () => {
    const receiver = await startReceiver([500, 500, 500, 500, 500]);
    cleanups.push(receiver.close);
    const timers = manualTimers();
    const h = await startHarness({ webhookRetry: { attempts: 5, baseDelayMs: 10_000, maxDelayMs: 10_000 }, timers });
    h.emu.addWebhook({ url: receiver.url, secret: 's' });
    const exp = (await h.api('POST', '/experiments', experimentBody())).body;
    h.emu.decide(exp.id, { winning_variant_key: 'green', outcome: 'POSITIVE' });
    // The first attempt failed and the retry waits out its delay.
    await timers.scheduled();
    expect(timers.due()).toEqual([10_000]);
    // The delay never elapses here (no timer fires): close() resolves all the same, and cancels it.
    await h.emu.close();
    await h.emu.idle();
    expect(timers.due()).toEqual([]);
    expect(receiver.received).toHaveLength(1);
  });
});
