import { describe, expect, it } from 'vitest';
import { buildResultFields, describeSyncResults, isOutcomeFailure, type RecordOutcomeResult } from '../../src/outcomes/index.js';

const who = { experimentId: 1, experimentKey: 'k' };
const pr = { number: 3, url: 'https://github.com/acme/experiments/pull/3' };

describe('describeSyncResults', () => {
  it('counts merged, closed, unchanged and already-proposed results as settled, and every failure kind as failed', () => {
    const results: RecordOutcomeResult[] = [
      { ...who, action: 'proposed', file: 'f', branch: 'b', commit: 'c' },
      { ...who, action: 'updated', file: 'f', branch: 'b', commit: 'c' },
      { ...who, action: 'unchanged', file: 'f' },
      { ...who, action: 'already-proposed', file: 'f', branch: 'b', commit: 'c' },
      { ...who, action: 'merged', file: 'f', branch: 'b', pr },
      { ...who, action: 'closed-unmerged', file: 'f', branch: 'b', pr },
      { ...who, action: 'failed', error: 'x' },
      { ...who, action: 'conflict', experimentIds: [1, 2] },
      { ...who, action: 'not-editable', file: 'f', reason: 'r' },
    ];
    expect(describeSyncResults(results)).toBe('Outcomes: 9 concluded and managed; 1 proposed, 1 updated, 4 already recorded or proposed, 3 failed.');
    expect(results.filter(isOutcomeFailure).map((r) => r.action)).toEqual(['failed', 'conflict', 'not-editable']);
  });
});

describe('buildResultFields', () => {
  it('maps every field of a result to snake_case JSON, losing none of them', () => {
    const cases: Array<[RecordOutcomeResult, Record<string, unknown>]> = [
      [{ action: 'not-found', experimentId: 9 }, { experiment_id: 9, action: 'not-found' }],
      [{ ...who, action: 'not-concluded', status: 'Running' }, { experiment_id: 1, action: 'not-concluded', experiment_key: 'k', eppo_status: 'Running' }],
      [{ ...who, action: 'ambiguous', files: ['a.yaml', 'b.yaml'] }, { experiment_id: 1, action: 'ambiguous', experiment_key: 'k', files: ['a.yaml', 'b.yaml'] }],
      [{ ...who, action: 'not-editable', file: 'f', reason: 'r' }, { experiment_id: 1, action: 'not-editable', experiment_key: 'k', file: 'f', reason: 'r' }],
      [
        { ...who, action: 'proposed', file: 'f', branch: 'b', commit: 'c', pr, flagFile: 'flags/web.flagd.json', leftOut: ['winning_variant_key'] },
        { experiment_id: 1, action: 'proposed', experiment_key: 'k', file: 'f', branch: 'b', commit: 'c', pr: 3, pr_url: pr.url, flag_file: 'flags/web.flagd.json', left_out: ['winning_variant_key'] },
      ],
      [{ ...who, action: 'updated', file: 'f', branch: 'b', commit: 'c', flagLeft: 'no flag' }, { experiment_id: 1, action: 'updated', experiment_key: 'k', file: 'f', branch: 'b', commit: 'c', flag_left: 'no flag' }],
      [{ ...who, action: 'failed', error: 'GitHub: down' }, { experiment_id: 1, action: 'failed', experiment_key: 'k', error: 'GitHub: down' }],
      [{ ...who, action: 'conflict', experimentIds: [1, 2] }, { experiment_id: 1, action: 'conflict', experiment_key: 'k', experiment_ids: [1, 2] }],
    ];
    for (const [result, fields] of cases) expect(buildResultFields(result)).toEqual(fields);
  });
});
