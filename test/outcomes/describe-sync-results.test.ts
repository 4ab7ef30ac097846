import { describe, expect, it } from 'vitest';
import { describeSyncResults, isOutcomeFailure, type RecordOutcomeResult } from '../../src/outcomes/index.js';

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
