import { describe, expect, it } from 'vitest';
import { buildServedSplit, checkFlags, clearFlagdCache, clearServedSplitCache, readFlagFile } from '../../src/flags/index.js';
import type { Flag } from '../../src/flags/index.js';
import { checkoutYaml, definitionOf, flagdJson, flagSetOf, show, stringFlag } from './helpers.js';

// These evaluate 100,000 subjects with flagd-core per flag.
const AT = Date.UTC(2026, 5, 1);
const flagOf = (checkout: Record<string, unknown>): Flag => readFlagFile('flags/web.json', flagdJson({ checkout })).flags[0]!;
const plain = checkoutYaml([
  ['control', 0.5],
  ['green', 0.5],
]);

/** subject-1, subject-10…19, subject-100…199, …: 11,111 of the 100,000 subjects. */
const startsWithOne = { starts_with: [{ var: 'targetingKey' }, 'subject-1'] };

describe('buildServedSplit, measured', () => {
  it('measures a targeting that is more than one fractional, over 100,000 subjects', () => {
    const split = buildServedSplit(flagOf(stringFlag(['control', 'green', 'off'], 'off', { if: [startsWithOne, 'off', { fractional: [['control', 50], ['green', 50]] }] })), AT);
    expect(split.method).toBe('measured');
    expect(split.subjects).toBe(100_000);
    expect(split.shares['off']).toBe(0.11111);
    expect(split.shares['control']! + split.shares['green']!).toBeCloseTo(0.88889, 10);
    expect(Math.abs(split.shares['control']! - 0.444445)).toBeLessThan(0.01);
    expect(split.none).toBe(0);
  });

  it('counts subjects whose evaluation fails as getting no variant', () => {
    const split = buildServedSplit(flagOf(stringFlag(['control', 'green'], 'control', { if: [startsWithOne, 'nope', 'green'] })), AT);
    expect(split.none).toBe(0.11111);
    expect(split.shares).toEqual({ green: 0.88889 });
  });

  it('caches by flag key and content, and measures again when the flag changes', () => {
    clearServedSplitCache();
    const targeting = { if: [startsWithOne, 'off', { fractional: [['control', 50], ['green', 50]] }] };
    const first = buildServedSplit(flagOf(stringFlag(['control', 'green', 'off'], 'off', targeting)), AT);
    const again = buildServedSplit(flagOf(stringFlag(['control', 'green', 'off'], 'off', targeting)), AT + 86_400_000);
    expect(again).toBe(first);
    const changed = buildServedSplit(flagOf(stringFlag(['control', 'green', 'off'], 'off', { ...targeting, if: [startsWithOne, 'control', targeting.if[2]] })), AT);
    expect(changed).not.toBe(first);
    expect(changed.shares['off']).toBeUndefined();
  });

  it('stops a measurement that runs out of time after the subjects evaluated so far', () => {
    clearServedSplitCache();
    const split = buildServedSplit(flagOf(stringFlag(['control', 'green'], 'control', { if: [startsWithOne, 'green', { fractional: [['control', 1], ['green', 1]] }] })), AT, { budgetMs: 0 });
    expect(split.subjects).toBe(1000);
    expect(split.shares['control']! + split.shares['green']!).toBeCloseTo(1, 10);
  });

  it('evaluates rules on $flagd.timestamp at the time given, reproducibly, and leaves the clock alone', () => {
    const launch = Date.UTC(2026, 0, 1) / 1000;
    const flag = flagOf(stringFlag(['control', 'green'], 'control', { if: [{ '>=': [{ var: '$flagd.timestamp' }, launch] }, { fractional: [['control', 1], ['green', 1]] }, 'control'] }));
    const before = buildServedSplit(flag, Date.UTC(2025, 11, 31, 23, 59, 59));
    expect(before.shares).toEqual({ control: 1 });
    const after = buildServedSplit(flag, Date.UTC(2026, 0, 1));
    expect(after.shares['green']).toBeGreaterThan(0.45);
    expect(buildServedSplit(flag, new Date(Date.UTC(2026, 0, 1)))).toEqual(after);
    expect(buildServedSplit(flag, Date.UTC(2025, 11, 31, 23, 59, 59))).toEqual(before);
    expect(Math.abs(Date.now() - new Date().getTime())).toBeLessThan(1000);
    expect(Date.now()).toBeGreaterThan(Date.UTC(2026, 0, 1) - 366 * 86_400_000);
  });
});

describe('flag-split, measured', () => {
  const check = (definition: string, checkout: Record<string, unknown>): string[] =>
    checkFlags([definitionOf(definition)], flagSetOf({ 'flags/web.json': flagdJson({ checkout }) }), { at: AT }).map(show);

  it('accepts a measured split within max(0.01, 6·√(p(1−p)/n)) and says how it was obtained when not', () => {
    const targeting = (control: number, green: number) => ({ if: [startsWithOne, 'off', { fractional: [['control', control], ['green', green]] }] });
    const allocated = checkoutYaml([['control', 0.5], ['green', 0.5]], 'traffic_allocation: 0.89');
    expect(check(allocated, stringFlag(['control', 'green', 'off'], 'off', targeting(50, 50)))).toEqual([]);
    const problems = check(allocated, stringFlag(['control', 'green', 'off'], 'off', targeting(60, 40)));
    expect(problems).toHaveLength(2);
    expect(problems[0]).toMatch(/^experiments\/checkout\.yaml:10:13 error \[flag-split\] flag serves control 0\.(59|60|61) \(measured over 100,000 subjects with flags\/web\.json\), the file says 0\.50$/);
    expect(problems[1]).toMatch(/^experiments\/checkout\.yaml:12:13 error \[flag-split\] flag serves green 0\.(39|40|41) \(measured over 100,000 subjects with flags\/web\.json\), the file says 0\.50$/);
    expect(check(plain, stringFlag(['control', 'green', 'off'], 'off', targeting(50, 50)))).toEqual([
      'experiments/checkout.yaml:7:3 error [flag-split] flag puts 0.89 of subjects in the experiment (measured over 100,000 subjects with flags/web.json), the file says traffic_allocation 1.00 (the default)',
    ]);
  });

  it('widens the tolerance when few subjects entered', () => {
    // subject-1…: 11,111 enter; 6·√(0.25/11111) ≈ 0.0285, so a 52/48 split passes where 0.01 would not.
    const flag = stringFlag(['control', 'green', 'off'], 'off', { if: [startsWithOne, { fractional: [['control', 52], ['green', 48]] }, 'off'] });
    expect(check(checkoutYaml([['control', 0.5], ['green', 0.5]], 'traffic_allocation: 0.11111'), flag)).toEqual([]);
  });

  it('warns that the split cannot be measured when fewer than 1,000 subjects enter', () => {
    const flag = stringFlag(['control', 'green', 'off'], 'off', { if: [{ '==': [{ var: 'country' }, 'NL'] }, { fractional: [['control', 50], ['green', 50]] }, 'off'] });
    expect(check(plain, flag)).toEqual([
      'experiments/checkout.yaml:7:3 warning [flag-split] the split of flag "checkout" could not be measured: only 0 of 100,000 simulated subjects (targetingKey only) entered the experiment; its targeting likely reads attributes the simulation does not have',
    ]);
  });

  it('warns that the split cannot be measured when the targeting is too slow to evaluate', () => {
    clearServedSplitCache();
    const flag = stringFlag(['control', 'green'], 'control', { if: [startsWithOne, 'green', { fractional: [['control', 1], ['green', 1]] }] });
    // A measurement that ran out of time is cached like any other; checkFlags then finds it.
    expect(buildServedSplit(flagOf(flag), AT, { budgetMs: 0 }).subjects).toBe(1000);
    expect(check(plain, flag)).toEqual([
      'experiments/checkout.yaml:7:3 warning [flag-split] the split of flag "checkout" could not be measured: its targeting is too slow to evaluate for 100,000 subjects (1,000 done in the time allowed)',
    ]);
    clearServedSplitCache();
  });

  it('flag-rollout: measures whether a concluded experiment’s flag still splits traffic', () => {
    const concluded = `${plain}outcome:\n  status: Concluded\n  winning_variant_key: green\n`;
    const splitting = stringFlag(['control', 'green'], 'control', { if: [startsWithOne, 'green', { fractional: [['control', 1], ['green', 1]] }] });
    expect(check(concluded, splitting)).toEqual(['experiments/checkout.yaml:14:24 warning [flag-rollout] flag "checkout" (flags/web.json) still splits traffic; the outcome named green']);
    const rolledOutButCountry = stringFlag(['control', 'green'], 'green', { if: [{ '==': [{ var: 'country' }, 'NL'] }, 'control', 'green'] });
    expect(check(concluded, rolledOutButCountry)).toEqual([]);
  });
});

describe('measured splits of flags whose content flagd-core validated once', () => {
  it('a flag read after another one with the same content is measured with its own key, as when read alone', () => {
    const targeting = { if: [startsWithOne, 'off', { fractional: [['control', 50], ['green', 50]] }] };
    const text = flagdJson({ first: stringFlag(['control', 'green', 'off'], 'off', targeting), second: stringFlag(['control', 'green', 'off'], 'off', targeting) });
    clearFlagdCache();
    clearServedSplitCache();
    const second = readFlagFile('flags/web.json', text).flags[1]!;
    const together = buildServedSplit(second, AT);
    clearFlagdCache();
    clearServedSplitCache();
    const aloneText = flagdJson({ second: stringFlag(['control', 'green', 'off'], 'off', targeting) });
    const alone = buildServedSplit(readFlagFile('flags/web.json', aloneText).flags[0]!, AT);
    expect(together).toEqual(alone);
    // fractional buckets by flag key and targetingKey: another key splits the same subjects differently.
    clearServedSplitCache();
    const first = buildServedSplit(readFlagFile('flags/web.json', text).flags[0]!, AT);
    expect(first.shares['control']).not.toBe(together.shares['control']);
  });
});
