import { escapeJsonText, escapeText, isObject } from '../util/index.js';
import { countChanges } from './build-plan.js';
import type { Change, Plan, PlanSummary } from './types.js';

/** The plan as JSON (CLI.md), also the saved plan file format. Deterministic; safe to print in a CI log. */
export function renderPlanJson(plan: Plan): string {
  return `${escapeJsonText(JSON.stringify(plan, null, 2))}\n`;
}

/**
 * A plan apply can use, or why not. `savedPlan` says whether the text is a
 * saved plan all the same (JSON with a `format_version`: another version, or
 * a damaged one), as opposed to some other file.
 */
export type ParsedPlan = { ok: true; plan: Plan } | { ok: false; message: string; savedPlan: boolean };

const ACTIONS = ['create', 'update', 'unchanged', 'skip', 'conflict'] as const;
const COUNTS = [...ACTIONS, 'unmanaged'] as const;

class Refused extends Error {}

function refuse(message: string): never {
  throw new Refused(message);
}

/**
 * Reads a saved plan, checking every part that apply and the renderers use, so
 * that a damaged or hand-edited file is refused with a message instead of
 * failing halfway. The summary must agree with the changes: it is what the
 * plan's reviewers read, so a file where they disagree was changed after the
 * plan was made, and apply must not guess which half is right. Never throws.
 */
export function parsePlan(text: string): ParsedPlan {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (error) {
    // The parser quotes the text it read, line breaks and all: one line, whatever the file holds.
    return { ok: false, message: `not JSON (${escapeText((error as Error).message)})`, savedPlan: false };
  }
  try {
    return { ok: true, plan: checkPlan(data) };
  } catch (error) {
    if (error instanceof Refused) return { ok: false, message: error.message, savedPlan: isObject(data) && 'format_version' in data };
    throw error;
  }
}

function checkPlan(data: unknown): Plan {
  if (!isObject(data)) refuse('not a plan object');
  if (data.format_version !== 1) refuse(`unsupported format_version ${JSON.stringify(data.format_version)} (this version reads 1)`);
  if (typeof data.eppo_base_url !== 'string') refuse('missing eppo_base_url');
  if (!Array.isArray(data.changes)) refuse('missing changes[]');
  const changes = data.changes.map((c, i) => checkChange(c, i));
  const unmanaged = data.unmanaged === undefined ? [] : data.unmanaged;
  if (!Array.isArray(unmanaged)) refuse('unmanaged is not a list');
  unmanaged.forEach((u, i) => {
    if (!isObject(u) || typeof u.experiment_key !== 'string' || !isId(u.eppo_id)) refuse(`unmanaged[${i}] is not an experiment_key with an eppo_id`);
  });
  const summary = checkSummary(data.summary, changes, unmanaged.length);
  const writes = new Set<string>();
  for (const change of changes) {
    if (change.action !== 'create' && change.action !== 'update') continue;
    if (writes.has(change.experiment_key)) refuse(`${change.experiment_key} is created or updated twice; a plan writes each experiment once`);
    writes.add(change.experiment_key);
  }
  return { ...(data as unknown as Plan), summary, changes, unmanaged: unmanaged as Plan['unmanaged'] };
}

function checkChange(value: unknown, i: number): Change {
  const at = `changes[${i}]`;
  if (!isObject(value) || !(ACTIONS as readonly unknown[]).includes(value.action) || typeof value.experiment_key !== 'string') {
    refuse(`${at} is not a valid change`);
  }
  const what = `${at} (${String(value.action)} ${value.experiment_key})`;
  if (typeof value.file !== 'string') refuse(`${what} lacks file`);
  if (value.notes !== undefined && !(Array.isArray(value.notes) && value.notes.every((n) => typeof n === 'string'))) refuse(`${what} has notes that are not text`);
  const body = isObject(value.request) ? value.request.body : undefined;
  switch (value.action) {
    case 'create':
      if (!isObject(body)) refuse(`${what} lacks request.body`);
      if (value.fields !== undefined) checkFields(value.fields, what);
      break;
    case 'update':
      if (!isId(value.eppo_id) || typeof value.live_fingerprint !== 'string' || !isObject(body)) {
        refuse(`${what} lacks eppo_id, request.body or live_fingerprint`);
      }
      checkFields(value.fields, what);
      break;
    case 'unchanged':
      if (!isId(value.eppo_id)) refuse(`${what} lacks eppo_id`);
      break;
    case 'skip':
      if (typeof value.reason !== 'string') refuse(`${what} lacks reason`);
      if (value.eppo_id !== undefined && !isId(value.eppo_id)) refuse(`${what} has an eppo_id that is not an id`);
      checkFields(value.fields, what);
      break;
    case 'conflict':
      if (typeof value.reason !== 'string') refuse(`${what} lacks reason`);
      if (!Array.isArray(value.eppo_ids) || !value.eppo_ids.every(isId)) refuse(`${what} lacks eppo_ids`);
      break;
  }
  return value as unknown as Change;
}

function checkFields(fields: unknown, what: string): void {
  if (!Array.isArray(fields) || !fields.every((f) => isObject(f) && typeof f.path === 'string')) refuse(`${what} lacks fields (each with a path)`);
}

function checkSummary(value: unknown, changes: Change[], unmanaged: number): PlanSummary {
  if (!isObject(value)) refuse('missing summary');
  const counted = countChanges(changes, unmanaged);
  const said = (key: (typeof COUNTS)[number]): unknown => value[key];
  if (COUNTS.some((key) => said(key) !== counted[key])) {
    const show = (count: (key: (typeof COUNTS)[number]) => unknown): string => COUNTS.map((key) => `${JSON.stringify(count(key)) ?? 'nothing'} ${key}`).join(', ');
    refuse(`its summary (${show(said)}) disagrees with its changes (${show((key) => counted[key])}), so it was changed after the plan was made`);
  }
  return counted;
}

function isId(value: unknown): value is number {
  return Number.isSafeInteger(value) && (value as number) > 0;
}

