import { readFile } from 'node:fs/promises';
import { isDefinitionFile } from '../definitions/index.js';
import { ConfigError } from '../errors.js';
import { parsePlan } from './plan-json.js';
import type { Plan } from './types.js';

/**
 * Reads a saved plan for apply: `path` is where it is, `shown` the name as the
 * user gave it, `local` whether the run uses the embedded emulator (the advice
 * then says --local). A file that cannot be read, that is a definition, or
 * that is not a usable plan is a ConfigError that says how to make a plan.
 */
export async function readPlanFile(path: string, shown: string, local: boolean): Promise<Plan> {
  const flag = local ? ' --local' : '';
  // Never suggest "--out <the file given>": it may be a definition, and plan would overwrite it.
  const howTo = `apply takes a plan file; run "eppo-gitops plan${flag} --out plan.json", then "eppo-gitops apply${flag} plan.json"`;
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new ConfigError(`cannot read the plan file ${shown} (${code ?? String(error)}); ${howTo}`);
  }
  const parsed = parsePlan(text);
  if (parsed.ok) return parsed.plan;
  if (isDefinitionFile(shown)) throw new ConfigError(`${shown} looks like a definition file, not a plan: ${howTo}`);
  throw new ConfigError(`${shown} is not a usable plan file: ${parsed.message}; ${howTo}`);
}
