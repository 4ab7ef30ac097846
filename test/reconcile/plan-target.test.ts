import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { checkPlanTarget } from '../../src/reconcile/index.js';

describe('checkPlanTarget', () => {
  let cwd: string;
  beforeEach(async () => {
    cwd = await mkdtemp(join(tmpdir(), 'eppo-plan-target-'));
    await mkdir(join(cwd, 'experiments'));
    await writeFile(join(cwd, 'experiments/a.yaml'), 'experiment_key: a\n');
  });
  afterEach(async () => {
    await rm(cwd, { recursive: true, force: true });
  });

  it('allows a new file, an empty one, and a saved plan of any version', async () => {
    expect(await checkPlanTarget(cwd, 'plan.json', 'experiments')).toBeUndefined();
    await writeFile(join(cwd, 'empty.json'), '\n');
    expect(await checkPlanTarget(cwd, 'empty.json', 'experiments')).toBeUndefined();
    await writeFile(join(cwd, 'old.json'), '{"format_version": 0}');
    expect(await checkPlanTarget(cwd, 'old.json', 'experiments')).toBeUndefined();
  });

  it('refuses the definitions folder, through a link too, and a file that is not a plan', async () => {
    expect(await checkPlanTarget(cwd, 'experiments/a.yaml', 'experiments')).toBe('inside-definitions');
    expect(await checkPlanTarget(cwd, 'experiments/new.json', 'experiments')).toBe('inside-definitions');
    await symlink(join(cwd, 'experiments'), join(cwd, 'link'));
    expect(await checkPlanTarget(cwd, 'link/new.json', 'experiments')).toBe('inside-definitions');
    await writeFile(join(cwd, 'notes.json'), '{"todo": 1}');
    expect(await checkPlanTarget(cwd, 'notes.json', 'experiments')).toBe('not-a-plan');
  });
});
