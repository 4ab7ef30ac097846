import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ConfigError, describeError, EppoApiError } from '../../src/errors.js';
import { syncOutcomes } from '../../src/outcomes/index.js';
import { control } from '../eppo/helpers.js';
import { startHarness, type Harness } from '../outcomes/harness.js';

describe('describeError', () => {
  it('gives an Eppo API error its request, status, message and hint on one line; anything else its message', () => {
    expect(describeError(new EppoApiError('Eppo answered 403', { method: 'POST', path: '/experiments', status: 403, hint: 'the key needs Experiments read/write' }))).toBe(
      'POST /experiments 403: Eppo answered 403 (the key needs Experiments read/write)',
    );
    expect(describeError(new EppoApiError('no answer', { method: 'GET', path: '/metrics' }))).toBe('GET /metrics: no answer');
    expect(describeError(new ConfigError('EPPO_API_KEY is not set'))).toBe('EPPO_API_KEY is not set');
    expect(describeError('plain')).toBe('plain');
  });
});

describe('outcomes sync keeps the endpoint and the hint of an Eppo failure', () => {
  let h: Harness;
  beforeEach(async () => {
    h = await startHarness();
  });
  afterEach(async () => {
    await h.close();
  });

  it('in the failed result of the experiment it could not read', async () => {
    await h.decide('green', 'POSITIVE');
    const path = `/api/v1/experiments/${h.experimentId}`;
    await control(h.emu, 'POST', '/faults', { kind: 'status', status: 503, count: 10, match: { method: 'GET', pathPrefix: path } });
    const [result] = await syncOutcomes({ eppo: h.eppo, host: h.host, dir: 'experiments' });
    expect(result).toMatchObject({ action: 'failed', error: expect.stringMatching(new RegExp(`^GET /experiments/${h.experimentId} 503: Eppo answered 503`)) });
  });
});
