import { join, sep } from 'node:path';
import { describe, expect, it } from 'vitest';
import { displayPath, isWithin, toPosix } from '../../src/util/index.js';

describe('isWithin', () => {
  const root = join(sep, 'repo');

  it('holds for the folder itself and anything below it', () => {
    expect(isWithin(root, root)).toBe(true);
    expect(isWithin(join(root, 'experiments'), root)).toBe(true);
    expect(isWithin(join(root, 'experiments', 'a.yaml'), root)).toBe(true);
    expect(isWithin(join(root, 'a', '..', 'b'), root)).toBe(true);
  });

  it('refuses every way out: a parent, a sibling that shares the prefix, .. inside the path, another root', () => {
    expect(isWithin(join(sep, 'repo-other', 'x.yaml'), root)).toBe(false);
    expect(isWithin(sep, root)).toBe(false);
    expect(isWithin(join(root, '..', 'secret.yaml'), root)).toBe(false);
    expect(isWithin(join(root, 'experiments', '..', '..', 'etc', 'passwd'), root)).toBe(false);
    expect(isWithin(join(sep, 'etc', 'passwd'), root)).toBe(false);
  });

  it('takes a name that only starts with two dots as a name, not a way up', () => {
    expect(isWithin(join(root, '..data'), root)).toBe(true);
    expect(isWithin(join(root, '...'), root)).toBe(true);
  });

  it('works on relative paths from the same place', () => {
    expect(isWithin('experiments/a.yaml', 'experiments')).toBe(true);
    expect(isWithin('../outside', '.')).toBe(false);
    expect(isWithin('plan.json', 'experiments')).toBe(false);
  });
});

describe('toPosix and displayPath', () => {
  it('shows paths with / and relative to the folder given, "." for the folder itself', () => {
    expect(toPosix(['a', 'b', 'c.yaml'].join(sep))).toBe('a/b/c.yaml');
    expect(displayPath(join(sep, 'repo'), join(sep, 'repo', 'experiments', 'a.yaml'))).toBe('experiments/a.yaml');
    expect(displayPath(join(sep, 'repo'), join(sep, 'repo'))).toBe('.');
    expect(displayPath(join(sep, 'repo'), join(sep, 'other', 'a.yaml'))).toBe('../other/a.yaml');
  });
});
