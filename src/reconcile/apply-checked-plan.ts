import { EppoRequestError, type EppoApi } from '../eppo/index.js';
import { applyPlan, checkPlanFreshness, INTERRUPTED_REASON, type ApplyOptions } from './apply.js';
import { planHasChanges } from './build-plan.js';
import { isInSync } from './render-text.js';
import type { ApplyResult, Plan } from './types.js';

/**
 * What an apply came to. Only `applied` wrote anything; `result` is what
 * `renderApplyJson` prints (empty when nothing was applied).
 *
 * - `nothing-to-apply`: the plan has no create or update (`inSync`: and no
 *   skip, conflict or note either, so Eppo matches the definitions)
 * - `interrupted-before`: the signal was aborted before the first change
 * - `already-applied`: every change's live object already is what the plan
 *   would write
 * - `stale`: some change no longer holds (one message each); nothing was changed
 * - `applied`: the changes ran; `interrupted` when the signal stopped some of
 *   them before they started
 */
export type ApplyOutcome =
  | { kind: 'nothing-to-apply'; inSync: boolean; result: ApplyResult }
  | { kind: 'interrupted-before' }
  | { kind: 'already-applied'; result: ApplyResult }
  | { kind: 'stale'; messages: string[] }
  | { kind: 'applied'; result: ApplyResult; interrupted: boolean };

/**
 * The last steps of every apply, with a saved plan or a plan just made:
 * nothing to do, or interrupted before starting, or the freshness check
 * (`checkPlanFreshness`: a stale plan is refused whole, one applied before is
 * nothing to do), then `applyPlan`. When the API client shares `signal`, the
 * reads it cancels count as interrupted before starting.
 */
export async function applyCheckedPlan(api: EppoApi, plan: Plan, options: ApplyOptions = {}): Promise<ApplyOutcome> {
  const aborted = (): boolean => options.signal?.aborted === true;
  if (!planHasChanges(plan)) return { kind: 'nothing-to-apply', inSync: isInSync(plan), result: emptyApplyResult() };
  if (aborted()) return { kind: 'interrupted-before' };
  let freshness: Awaited<ReturnType<typeof checkPlanFreshness>>;
  try {
    freshness = await checkPlanFreshness(api, plan);
  } catch (error) {
    // A read the signal cancelled is an interruption, not a failure: nothing was changed.
    if (aborted() && error instanceof EppoRequestError && error.cancelled) return { kind: 'interrupted-before' };
    throw error;
  }
  if (aborted()) return { kind: 'interrupted-before' };
  if (freshness.state === 'applied') return { kind: 'already-applied', result: emptyApplyResult() };
  if (freshness.state === 'stale') return { kind: 'stale', messages: freshness.messages };
  const result = await applyPlan(api, plan, options);
  return { kind: 'applied', result, interrupted: result.results.some((r) => r.reason === INTERRUPTED_REASON) };
}

function emptyApplyResult(): ApplyResult {
  return { results: [], summary: { applied: 0, failed: 0, skipped: 0 } };
}
