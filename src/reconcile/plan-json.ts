import { escapeJsonText } from '../util/index.js';
import type { Plan } from './types.js';

/** The plan as JSON (CLI.md), also the saved plan file format. Deterministic; safe to print in a CI log. */
export function renderPlanJson(plan: Plan): string {
  return `${escapeJsonText(JSON.stringify(plan, null, 2))}\n`;
}

export type ParsedPlan = { ok: true; plan: Plan } | { ok: false; message: string };

const ACTIONS = new Set(['create', 'update', 'unchanged', 'skip', 'conflict']);

/** Reads a saved plan, checking its shape enough to act on it safely. */
export function parsePlan(text: string): ParsedPlan {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (error) {
    return { ok: false, message: `not JSON (${(error as Error).message})` };
  }
  if (data === null || typeof data !== 'object' || Array.isArray(data)) return { ok: false, message: 'not a plan object' };
  const plan = data as Partial<Plan>;
  if (plan.format_version !== 1) return { ok: false, message: `unsupported format_version ${JSON.stringify(plan.format_version)} (this version reads 1)` };
  if (typeof plan.eppo_base_url !== 'string') return { ok: false, message: 'missing eppo_base_url' };
  if (!Array.isArray(plan.changes)) return { ok: false, message: 'missing changes[]' };
  for (const [i, c] of plan.changes.entries()) {
    const change = c as unknown as Record<string, unknown>;
    if (change === null || typeof change !== 'object' || !ACTIONS.has(change.action as string) || typeof change.experiment_key !== 'string') {
      return { ok: false, message: `changes[${i}] is not a valid change` };
    }
    if (change.action === 'update') {
      const req = change.request as { path?: unknown; body?: unknown } | undefined;
      if (typeof change.eppo_id !== 'number' || typeof change.live_fingerprint !== 'string' || typeof req?.body !== 'object' || req.body === null) {
        return { ok: false, message: `changes[${i}] (update ${change.experiment_key}) lacks eppo_id, request.body or live_fingerprint` };
      }
    }
    if (change.action === 'create') {
      const req = change.request as { body?: unknown } | undefined;
      if (typeof req?.body !== 'object' || req.body === null) return { ok: false, message: `changes[${i}] (create ${change.experiment_key}) lacks request.body` };
    }
  }
  if (!Array.isArray(plan.unmanaged)) plan.unmanaged = [];
  return { ok: true, plan: plan as Plan };
}
