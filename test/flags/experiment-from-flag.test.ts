import { describe, expect, it } from 'vitest';
import { parseDefinition } from '../../src/definitions/index.js';
import { buildExperimentFromFlag, nameFromKey, readFlagFile } from '../../src/flags/index.js';
import type { Flag } from '../../src/flags/index.js';
import { flagdJson, stringFlag } from './helpers.js';

const flagOf = (key: string, flag: Record<string, unknown>): Flag => readFlagFile('flags/web.flagd.json', flagdJson({ [key]: flag })).flags[0]!;
const options = { entity: 'User', assignmentSource: 'Assignments', startDate: '2026-06-01', file: 'experiments/checkout-button.yaml', schemaPath: '../schemas/experiment.schema.json' };

describe('buildExperimentFromFlag', () => {
  it('writes one variation per variant the fractional serves, weights its shares, defaultVariant the control', () => {
    const flag = flagOf('checkout-button', stringFlag(['control', 'green', 'unused'], 'control', { fractional: [['green', 25], ['control', 75]] }));
    const result = buildExperimentFromFlag(flag, options);
    expect(result).toEqual({
      ok: true,
      spec: {
        experiment_key: 'checkout-button',
        name: 'Checkout button',
        entity: 'User',
        assignment_source: 'Assignments',
        assignments_start_date: '2026-06-01',
        variations: [
          { variant_key: 'green', weight: 0.25 },
          { variant_key: 'control', is_control: true, weight: 0.75 },
        ],
      },
      comments: ['written by eppo-gitops new from flag checkout-button in flags/web.flagd.json'],
      text: [
        '# yaml-language-server: $schema=../schemas/experiment.schema.json',
        '# written by eppo-gitops new from flag checkout-button in flags/web.flagd.json',
        'experiment_key: checkout-button',
        'name: Checkout button',
        'entity: User',
        'assignment_source: Assignments',
        'assignments_start_date: 2026-06-01',
        'variations:',
        '  - variant_key: green',
        '    weight: 0.25',
        '  - variant_key: control',
        '    is_control: true',
        '    weight: 0.75',
        '',
      ].join('\n'),
    });
    if (result.ok) expect(parseDefinition(options.file, result.text).problems).toEqual([]);
  });

  it('takes the first variant as the control when defaultVariant is not served, and says so', () => {
    const flag = flagOf('checkout-button', stringFlag(['off', 'a', 'b', 'c'], 'off', { fractional: [['a', 1], ['b', 1], ['c', 1]] }));
    const result = buildExperimentFromFlag(flag, options);
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.comments[1]).toBe("the flag's defaultVariant off is not among the variants its fractional serves: a, its first variant, is the control; check it");
    expect(result.spec.variations).toEqual([
      { variant_key: 'a', is_control: true, weight: 0.333333 },
      { variant_key: 'b', weight: 0.333333 },
      { variant_key: 'c', weight: 0.333334 },
    ]);
    expect(result.text).toContain('# the flag\'s defaultVariant off is not among');
    expect(parseDefinition(options.file, result.text).problems).toEqual([]);
  });

  it('reads the fractional inside a larger targeting, and asks to check traffic_allocation', () => {
    const flag = flagOf('checkout-button', stringFlag(['grey', 'green'], null, { if: [{ '==': [{ var: 'country' }, 'NL'] }, { fractional: [['grey', 1], ['green', 1]] }, 'grey'] }));
    const result = buildExperimentFromFlag(flag, options);
    expect(result).toMatchObject({
      ok: true,
      comments: [
        'written by eppo-gitops new from flag checkout-button in flags/web.flagd.json',
        'the flag does more than one fractional: check traffic_allocation against its targeting',
        'the flag has no defaultVariant: grey, its first variant, is the control; check it',
      ],
    });
    if (result.ok) expect(parseDefinition(options.file, result.text).problems).toEqual([]);
  });

  it('takes a variant named control as the control before the defaultVariant, which is often a holdout', () => {
    const flag = flagOf('checkout-button', stringFlag(['off', 'green', 'control'], 'off', { fractional: [['off', 2], ['green', 1], ['control', 1]] }));
    const named = buildExperimentFromFlag(flag, options);
    expect(named.ok && named.spec.variations).toEqual([
      { variant_key: 'off', weight: 0.5 },
      { variant_key: 'green', weight: 0.25 },
      { variant_key: 'control', is_control: true, weight: 0.25 },
    ]);
    const held = buildExperimentFromFlag(flag, { ...options, holdouts: ['off'], trafficAllocation: 0.5 });
    expect(held.ok && held.spec).toMatchObject({
      traffic_allocation: 0.5,
      variations: [
        { variant_key: 'green', weight: 0.5 },
        { variant_key: 'control', is_control: true, weight: 0.5 },
      ],
    });
    const chosen = buildExperimentFromFlag(flag, { ...options, control: 'green', holdouts: ['off'] });
    expect(chosen.ok && chosen.spec.variations.find((v) => v.is_control === true)?.variant_key).toBe('green');
  });

  it.each([
    ['no fractional', stringFlag(['a', 'b'], 'a'), 'flag "checkout-button" (flags/web.flagd.json) has no fractional in its targeting, so it splits no traffic to start an experiment from'],
    ['one variant served', stringFlag(['a', 'b'], 'a', { fractional: [['a', 1], ['b', 0]] }), 'the fractional of flag "checkout-button" (flags/web.flagd.json) serves 1 variant; an experiment needs at least 2'],
    [
      'two fractionals',
      stringFlag(['a', 'b'], 'a', { if: [{ '==': [{ var: 'x' }, 1] }, { fractional: [['a', 1], ['b', 1]] }, { fractional: [['a', 1], ['b', 3]] }] }),
      'flag "checkout-button" (flags/web.flagd.json) has 2 fractionals in its targeting; write the experiment file by hand',
    ],
    ['a variant that cannot be a variant_key', stringFlag(['a', 'big button'], 'a', { fractional: [['a', 1], ['big button', 1]] }), 'variant "big button" of flag "checkout-button" cannot be a variant_key (letters, digits, ".", "_", "-"); rename it in the flag first'],
  ])('refuses a flag with %s', (_name, flag, message) => {
    expect(buildExperimentFromFlag(flagOf('checkout-button', flag), options)).toEqual({ ok: false, message });
  });

  it('refuses a key that cannot be an experiment_key, and a file name that does not match', () => {
    expect(buildExperimentFromFlag(flagOf('new checkout', stringFlag(['a', 'b'], 'a', { fractional: [['a', 1], ['b', 1]] })), options)).toEqual({
      ok: false,
      message: 'flag key "new checkout" cannot be an experiment_key (letters, digits, ".", "_", "-"; at most 128, starting with a letter or digit)',
    });
    const result = buildExperimentFromFlag(flagOf('checkout-button', stringFlag(['a', 'b'], 'a', { fractional: [['a', 1], ['b', 1]] })), { ...options, entity: '' });
    expect(result).toEqual({ ok: false, message: 'the experiment file would not pass validate: entity must not be empty' });
  });
});

describe('nameFromKey', () => {
  it.each([
    ['checkout-button-color', 'Checkout button color'],
    ['search_v2.ranking', 'Search v2 ranking'],
    ['x', 'X'],
  ])('%s → %s', (key, name) => {
    expect(nameFromKey(key)).toBe(name);
  });
});
