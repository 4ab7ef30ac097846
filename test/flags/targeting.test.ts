import { describe, expect, it } from 'vitest';
import { fractionalShares, hasFractional, servedOutsideFractional } from '../../src/flags/index.js';

const variants = ['a', 'b', 'c'];

describe('fractionalShares', () => {
  it.each([
    ['weights', { fractional: [['a', 1], ['b', 3]] }, { a: 0.25, b: 0.75 }],
    ['a missing weight counts 1', { fractional: [['a'], ['b', 1]] }, { a: 0.5, b: 0.5 }],
    ['a repeated variant adds up', { fractional: [['a', 1], ['b', 2], ['a', 1]] }, { a: 0.5, b: 0.5 }],
    ['a negative weight is 0, as flagd clamps it', { fractional: [['a', -5], ['b', 1]] }, { b: 1 }],
    ['bucketing by an attribute', { fractional: [{ var: 'email' }, ['a', 1], ['c', 1]] }, { a: 0.5, c: 0.5 }],
    ['a literal bucketing key puts everyone in one bucket: measured', { fractional: ['everyone', ['a', 1], ['b', 1]] }, undefined],
    ['all weights 0: flagd serves the default: measured', { fractional: [['a', 0], ['b', 0]] }, undefined],
    ['weights past 2^31 - 1: flagd serves the default: measured', { fractional: [['a', 2147483647], ['b', 1]] }, undefined],
    ['a weight that is a rule: measured', { fractional: [['a', { var: 'w' }], ['b', 1]] }, undefined],
    ['a variant the flag lacks: measured (and a flag-file error)', { fractional: [['a', 1], ['z', 1]] }, undefined],
    ['more than a fractional: measured', { if: [true, { fractional: [['a', 1]] }, 'b'] }, undefined],
  ])('%s', (_name, targeting, shares) => {
    expect(fractionalShares({ targeting, variants })).toEqual(shares);
  });
});

describe('hasFractional', () => {
  it('finds a fractional at any depth', () => {
    expect(hasFractional({ if: [{ '==': [1, 1] }, { fractional: [['a', 1]] }, 'b'] })).toBe(true);
    expect(hasFractional({ if: [{ '==': [1, 1] }, 'a', 'b'] })).toBe(false);
    expect(hasFractional(undefined)).toBe(false);
  });
});

describe('servedOutsideFractional', () => {
  const half = { fractional: [['a', 1], ['b', 1]] };
  it.each([
    ['an else branch', { if: [{ '==': [{ var: 'country' }, 'DE'] }, half, 'c'] }, 'a', ['c']],
    ['no else: the defaultVariant', { if: [{ '==': [{ var: 'country' }, 'DE'] }, half] }, 'a', ['a']],
    ['a then branch and several conditions', { if: [{ var: 'beta' }, 'b', { var: 'x' }, half, 'c'] }, 'a', ['b', 'c']],
    ['a nested if', { if: [{ var: 'x' }, { if: [{ var: 'y' }, half, 'c'] }, 'a'] }, 'c', ['a', 'c']],
    ['a string that is not a variant', { if: [{ var: 'x' }, half, 'nope'] }, 'a', []],
    ['a single fractional: nothing outside it', half, 'a', []],
    ['no fractional at all', { if: [{ var: 'x' }, 'a', 'b'] }, 'a', []],
  ])('%s', (_name, targeting, defaultVariant, expected) => {
    expect(servedOutsideFractional({ targeting, variants, defaultVariant }).sort()).toEqual(expected);
  });
});
