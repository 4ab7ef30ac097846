import { readFile, realpath } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { isWithin } from '../util/index.js';
import { parsePlan } from './plan-json.js';

/** Why a plan is not saved at a place: inside the definitions folder, or over a file that is not a plan. */
export type PlanTargetRefusal = 'inside-definitions' | 'not-a-plan';

/**
 * Whether `plan --out` may write its plan at `out` (relative to `cwd`):
 * never inside the definitions folder `dir`, through links too (the folder,
 * or the file's parent, may be a link into the other), and never over an
 * existing file that is not a saved plan (a definition, say, when "apply
 * experiments/x.yaml" was answered with "plan --out experiments/x.yaml").
 * An empty file, or a plan of any version, may be replaced. Undefined when
 * the place is fine. Checked before Eppo is read, so nothing is wasted.
 */
export async function checkPlanTarget(cwd: string, out: string, dir: string): Promise<PlanTargetRefusal | undefined> {
  const target = resolve(cwd, out);
  const folder = resolve(cwd, dir);
  const realTarget = join(await realpath(dirname(target)).catch(() => dirname(target)), basename(target));
  const realFolder = await realpath(folder).catch(() => folder);
  if (isWithin(target, folder) || isWithin(realTarget, realFolder)) return 'inside-definitions';
  let existing: string;
  try {
    existing = await readFile(target, 'utf8');
  } catch {
    return undefined; // absent, or unreadable: saving reports what is wrong
  }
  if (existing.trim() === '') return undefined;
  const parsed = parsePlan(existing);
  return parsed.ok || parsed.savedPlan ? undefined : 'not-a-plan';
}
