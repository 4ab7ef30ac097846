import { describe, expect, it } from 'vitest';
import {
  buildFlagSet,
  buildFlagsWithoutExperimentNote,
  checkFlags,
  findFlagsWithoutExperiment,
  readFlagFile,
  splitTolerance,
} from '../../src/flags/index.js';
import { checkoutYaml, definitionOf, flagdJson, flagSetOf, show, stringFlag } from './helpers.js';

const AT = Date.UTC(2026, 5, 1);
const half = { fractional: [['control', 50], ['green', 50]] };
const flagsWith = (checkout: Record<string, unknown>) => flagSetOf({ 'flags/web.json': flagdJson({ checkout }) });
const check = (definitionText: string, checkout: Record<string, unknown>, options: { rollout?: 'winner' | 'off' } = {}): string[] =>
  checkFlags([definitionOf(definitionText)], flagsWith(checkout), { at: AT, ...options }).map(show);

const plain = checkoutYaml([
  ['control', 0.5],
  ['green', 0.5],
]);
const concluded = `${plain}outcome:\n  status: Concluded\n  winning_variant_key: green\n`;

describe('flag rules', () => {
  it('accept a flag whose fractional matches the weights', () => {
    expect(check(plain, stringFlag(['control', 'green'], 'control', half))).toEqual([]);
  });

  it('flag-missing: warns when no flag has the key, unless the experiment has an outcome or a flag file is broken', () => {
    const flags = flagSetOf({ 'flags/web.json': flagdJson({ other: stringFlag(['a'], 'a') }) });
    expect(checkFlags([definitionOf(plain)], flags, { at: AT }).map(show)).toEqual([
      'experiments/checkout.yaml:1:17 warning [flag-missing] no flag in the flag files has the key "checkout", so the split the randomizer serves cannot be checked; add the flag or fix the key',
    ]);
    expect(checkFlags([definitionOf(concluded)], flags, { at: AT })).toEqual([]);
    const broken = buildFlagSet([readFlagFile('flags/web.json', flagdJson({ other: stringFlag(['a'], 'a') })), readFlagFile('flags/bad.json', '{')]);
    expect(checkFlags([definitionOf(plain)], broken, { at: AT })).toEqual([]);
  });

  it('flag-missing: suggests the flag whose key is one typo away, with its file', () => {
    const flags = flagSetOf({ 'flags/web.json': flagdJson({ chekout: stringFlag(['a'], 'a'), 'search-ranking': stringFlag(['a'], 'a') }) });
    expect(checkFlags([definitionOf(plain)], flags, { at: AT }).map(show)).toEqual([
      'experiments/checkout.yaml:1:17 warning [flag-missing] no flag in the flag files has the key "checkout", so the split the randomizer serves cannot be checked; did you mean flag "chekout" (flags/web.json)? Make the two keys equal, or add the flag',
    ]);
  });

  it('flag-disabled: warns about a DISABLED flag and checks no split', () => {
    expect(check(plain, { ...stringFlag(['control', 'green'], 'control', { fractional: [['control', 90], ['green', 10]] }), state: 'DISABLED' })).toEqual([
      `experiments/checkout.yaml:1:17 warning [flag-disabled] flag "checkout" (flags/web.json) is DISABLED, so flagd serves every subject the caller's default and nobody enters the experiment; set its state to ENABLED`,
    ]);
  });

  it('flag-variants: an active variation the flag does not have, at its variant_key', () => {
    const text = checkoutYaml([
      ['control', 0.5],
      ['greenn', 0.5],
    ]);
    expect(check(text, stringFlag(['control', 'green'], 'control', half))).toEqual([
      'experiments/checkout.yaml:10:18 error [flag-variants] "greenn" is not a variant of flag "checkout" (flags/web.json), which has control, green',
    ]);
    const inactive = `${plain.replace('variations:', 'variations:\n  - variant_key: retired\n    weight: 0\n    is_active: false')}`;
    expect(check(inactive, stringFlag(['control', 'green'], 'control', half))).toEqual([]);
  });

  it('flag-split: a computed share more than 0.01 off its weight, at the weight line', () => {
    expect(check(plain, stringFlag(['control', 'green'], 'control', { fractional: [['control', 60], ['green', 40]] }))).toEqual([
      'experiments/checkout.yaml:9:13 error [flag-split] flag serves control 0.60 (computed from the fractional in flags/web.json), the file says 0.50',
      'experiments/checkout.yaml:11:13 error [flag-split] flag serves green 0.40 (computed from the fractional in flags/web.json), the file says 0.50',
    ]);
  });

  it('flag-split: a difference of exactly 0.01 passes, a larger one does not', () => {
    expect(check(plain, stringFlag(['control', 'green'], 'control', { fractional: [['control', 51], ['green', 49]] }))).toEqual([]);
    expect(check(plain, stringFlag(['control', 'green'], 'control', { fractional: [['control', 511], ['green', 489]] }))).toHaveLength(2);
  });

  it('flag-split: variants outside the experiment are outside; the share entering is checked against traffic_allocation', () => {
    const flag = stringFlag(['control', 'green', 'off'], 'off', { fractional: [['control', 25], ['green', 25], ['off', 50]] });
    expect(check(checkoutYaml([['control', 0.5], ['green', 0.5]], 'traffic_allocation: 0.5'), flag)).toEqual([]);
    expect(check(plain, flag)).toEqual([
      'experiments/checkout.yaml:7:3 error [flag-split] flag puts 0.50 of subjects in the experiment (computed from the fractional in flags/web.json), the file says traffic_allocation 1.00 (the default)',
    ]);
    expect(check(checkoutYaml([['control', 0.5], ['green', 0.5]], 'traffic_allocation: 0.8'), flag)).toEqual([
      'experiments/checkout.yaml:6:21 error [flag-split] flag puts 0.50 of subjects in the experiment (computed from the fractional in flags/web.json), the file says traffic_allocation 0.80',
    ]);
  });

  it('flag-split: a flag without targeting serves its defaultVariant to everyone', () => {
    expect(check(plain, stringFlag(['control', 'green'], 'control'))).toEqual([
      'experiments/checkout.yaml:9:13 error [flag-split] flag serves control 1.00 (flags/web.json: the flag has no targeting), the file says 0.50',
      'experiments/checkout.yaml:11:13 error [flag-split] flag serves green 0.00 (flags/web.json: the flag has no targeting), the file says 0.50',
    ]);
  });

  it('flag-split: a fractional bucketing by another attribute is still computed', () => {
    const flag = stringFlag(['control', 'green'], 'control', { fractional: [{ cat: [{ var: '$flagd.flagKey' }, { var: 'email' }] }, ['control', 70], ['green', 30]] });
    expect(check(plain, flag)[0]).toBe('experiments/checkout.yaml:9:13 error [flag-split] flag serves control 0.70 (computed from the fractional in flags/web.json), the file says 0.50');
  });

  it('flag-rollout: a concluded experiment whose flag still splits traffic gets only a warning', () => {
    expect(check(concluded, stringFlag(['control', 'green'], 'control', { fractional: [['control', 90], ['green', 10]] }))).toEqual([
      'experiments/checkout.yaml:14:24 warning [flag-rollout] flag "checkout" (flags/web.json) still splits traffic; the outcome named green',
    ]);
    expect(check(concluded, stringFlag(['control', 'green'], 'control', half), { rollout: 'off' })).toEqual([]);
    expect(check(concluded, stringFlag(['control', 'green'], 'green'))).toEqual([]);
    expect(check(concluded, stringFlag(['x', 'y'], 'x'))).toEqual([]);
    expect(check(`${plain}outcome:\n  status: Concluded\n`, stringFlag(['control', 'green'], 'control', half))).toEqual([]);
  });

  it('checks every definition against its own flag', () => {
    const flags = flagSetOf({
      'flags/web.json': flagdJson({ checkout: stringFlag(['control', 'green'], 'control', half), search: stringFlag(['control', 'green'], 'control', { fractional: [['control', 1], ['green', 3]] }) }),
    });
    const search = definitionOf(plain.replace('experiment_key: checkout', 'experiment_key: search'), 'experiments/search.yaml');
    expect(checkFlags([definitionOf(plain), search], flags, { at: AT }).map(show)).toEqual([
      'experiments/search.yaml:9:13 error [flag-split] flag serves control 0.25 (computed from the fractional in flags/web.json), the file says 0.50',
      'experiments/search.yaml:11:13 error [flag-split] flag serves green 0.75 (computed from the fractional in flags/web.json), the file says 0.50',
    ]);
  });
});

describe('splitTolerance', () => {
  it('is max(0.01, 6·√(p(1−p)/n))', () => {
    expect(splitTolerance(0.5, 100_000)).toBe(0.01);
    expect(splitTolerance(0.5, 2_000)).toBeCloseTo(6 * Math.sqrt(0.25 / 2_000), 12);
    expect(splitTolerance(0.1, 1_000)).toBeCloseTo(0.0569209978830308, 12);
    expect(splitTolerance(1, 5_000)).toBe(0.01);
    expect(splitTolerance(0.5, 0)).toBe(Infinity);
  });
});

describe('flags without an experiment', () => {
  it('lists enabled flags with a fractional and no definition, as a note', () => {
    const flags = flagSetOf({
      'flags/web.json': flagdJson({
        checkout: stringFlag(['control', 'green'], 'control', half),
        zeta: stringFlag(['a', 'b', 'off'], 'a', { if: [{ '==': [{ var: 'country' }, 'NL'] }, { fractional: [['a', 1], ['b', 1]] }, 'off'] }),
        // Everyone outside NL gets "a", an arm: new refuses it (flag-split), so the note leaves it out.
        tgt: stringFlag(['a', 'b'], 'a', { if: [{ '==': [{ var: 'country' }, 'NL'] }, { fractional: [['a', 1], ['b', 1]] }, 'a'] }),
        alpha: stringFlag(['a', 'b'], 'a', { fractional: [['a', 1], ['b', 1]] }),
        off: { ...stringFlag(['a', 'b'], 'a', { fractional: [['a', 1], ['b', 1]] }), state: 'DISABLED' },
        single: stringFlag(['a'], 'a'),
      }),
    });
    expect(findFlagsWithoutExperiment(flags, [definitionOf(plain)])).toEqual(['alpha', 'zeta']);
    expect(buildFlagsWithoutExperimentNote(flags, [definitionOf(plain)])).toBe('flags without an experiment: alpha, zeta; run eppo-gitops new <key>');
    expect(buildFlagsWithoutExperimentNote(flagsWith(stringFlag(['control', 'green'], 'control', half)), [definitionOf(plain)])).toBeUndefined();
    // The checks have a time budget in all (each split under an if is measured): once spent, the rest are listed unchecked.
    expect(findFlagsWithoutExperiment(flags, [definitionOf(plain)], { budgetMs: -1 })).toEqual(['alpha', 'tgt', 'zeta']);
  });
});
