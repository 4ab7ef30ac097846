import { setTimeout as sleep } from 'node:timers/promises';
import { describeError } from '../errors.js';
import { DEFAULT_PARALLELISM } from '../util/index.js';
import { backoffDelay, describeMalformedExperiment, EppoRequestError, groupExperimentsByKey, type EppoApi, type EppoExperiment } from '../eppo/index.js';
import { fingerprint } from './canonical.js';
import { holdsWrite } from './holds-write.js';
import type { ApplyResult, ApplyResultItem, Change, CreateChange, Plan, UpdateChange } from './types.js';

export interface ApplyProgress {
  item: ApplyResultItem;
  /** how many changes have finished, this one included */
  done: number;
  total: number;
}

export interface ApplyOptions {
  /** changes in flight; default 4 */
  parallelism?: number;
  /** create attempts after ambiguous failures; default 5 */
  maxCreateAttempts?: number;
  /** backoff base between create attempts; default 500 */
  retryBaseMs?: number;
  /** cap on one wait; default 30 000 */
  maxRetryDelayMs?: number;
  onProgress?: (progress: ApplyProgress) => void;
  /**
   * once aborted (Ctrl-C), no further change starts and no create waits to be
   * tried again; those in flight finish
   */
  signal?: AbortSignal;
  /** called once when `signal` aborts while changes are being applied */
  onStopping?: () => void;
}

/** Why a change was not started after the run was interrupted. */
export const INTERRUPTED_REASON = 'not started: apply was interrupted; run plan again to see what is left';

/** Above this many touched experiments, one full list is cheaper than one GET each. */
const LIST_THRESHOLD = 20;

/**
 * What re-reading a saved plan's experiments found: every change still holds
 * (`fresh`); every change's live object already is what the plan would write
 * (`applied`: it was applied before, so there is nothing to do); or anything
 * else (`stale`, one message per change that no longer holds).
 */
export type PlanFreshness = { state: 'fresh' } | { state: 'applied' } | { state: 'stale'; messages: string[] };

type Verdict = { kind: 'fresh' } | { kind: 'stale'; message: string; applied: boolean };

/**
 * Re-reads every experiment a plan touches. `fresh` when every change still
 * holds; then each update's planned body is exactly the live object re-merged
 * with the owned fields. Otherwise one message per change that no longer holds
 * (an update whose live object moved or vanished, a create whose key now
 * exists), and a plan that was already applied is told from one that went
 * stale: `applied` only when every create's key now names exactly one
 * experiment, and every update's experiment is still the one planned, and each
 * holds every writable field the plan's request sends (dates as instants,
 * numbers within the plan's tolerance; metrics Eppo attached by itself on a
 * create are allowed). Never a guess: anything short of that is stale.
 */
export async function checkPlanFreshness(api: EppoApi, plan: Plan): Promise<PlanFreshness> {
  const verdicts = await verdictsFor(api, plan);
  const stale = verdicts.filter((v): v is Extract<Verdict, { kind: 'stale' }> => v.kind === 'stale');
  if (stale.length === 0) return { state: 'fresh' };
  if (stale.length === verdicts.length && stale.every((v) => v.applied)) return { state: 'applied' };
  return { state: 'stale', messages: stale.map((v) => v.message) };
}

async function verdictsFor(api: EppoApi, plan: Plan): Promise<Verdict[]> {
  const touched = plan.changes.filter((c): c is CreateChange | UpdateChange => c.action === 'create' || c.action === 'update');
  if (touched.length === 0) return [];
  if (touched.length > LIST_THRESHOLD) {
    const all = await api.listExperiments();
    const byKey = groupExperimentsByKey(all.filter((e) => typeof e.experiment_key === 'string'));
    return touched.map((change) => verdict(change, byKey.get(change.experiment_key) ?? []));
  }
  // Read through the same list endpoint the plan was built from, so the
  // fingerprints compare like with like (at most LIST_THRESHOLD reads at once).
  return Promise.all(touched.map(async (change) => verdict(change, await findByKey(api, change.experiment_key))));
}

/** One change against the live experiments that have its key now. */
function verdict(change: CreateChange | UpdateChange, found: EppoExperiment[]): Verdict {
  if (change.action === 'create') {
    if (found.length === 0) return { kind: 'fresh' };
    const only = found.length === 1 ? found[0]! : undefined;
    const applied = only !== undefined && describeMalformedExperiment(only) === undefined && holdsWrite(only, change.request.body, 'create');
    return { kind: 'stale', message: createdMessage(change.experiment_key), applied };
  }
  const live = found.find((e) => e.id === change.eppo_id);
  if (live === undefined) return { kind: 'stale', message: goneMessage(change), applied: false };
  const message = `stale plan: ${change.experiment_key} changed in Eppo since the plan was made; run plan again`;
  // A plan is only ever built on a readable experiment, so one that is not readable now has moved.
  if (describeMalformedExperiment(live) !== undefined) return { kind: 'stale', message, applied: false };
  if (found.length === 1 && fingerprint(live) === change.live_fingerprint) return { kind: 'fresh' };
  return { kind: 'stale', message, applied: found.length === 1 && holdsWrite(live, change.request.body, 'update') };
}

function createdMessage(key: string): string {
  return `stale plan: ${key} was created in Eppo since the plan was made; run plan again`;
}

function goneMessage(change: UpdateChange): string {
  return `stale plan: ${change.experiment_key} (#${change.eppo_id}) no longer exists in Eppo under that key; run plan again`;
}

/** Live experiments with exactly this key (the filter is applied here too, in case the server ignores it). */
async function findByKey(api: EppoApi, key: string): Promise<EppoExperiment[]> {
  const found = await api.listExperiments({ experiment_key: key });
  return found.filter((e) => e.experiment_key === key);
}

/**
 * Applies the creates and updates of a plan with bounded parallelism. Each
 * change is independent: a failure is recorded and the others go on. A create
 * that fails ambiguously (5xx, dropped connection, 429) is looked up by key
 * before it is tried again, so nothing is created twice; after a timeout it is
 * looked up but never sent again in this run (the server may still be on it).
 * Once `signal` is aborted no further create or update starts (they are
 * reported as skipped); the ones in flight finish and are reported.
 * The caller checks freshness first (`checkPlanFreshness`; `applyCheckedPlan`
 * does both).
 */
export async function applyPlan(api: EppoApi, plan: Plan, options: ApplyOptions = {}): Promise<ApplyResult> {
  const parallelism = Math.max(1, options.parallelism ?? DEFAULT_PARALLELISM);
  const acting = plan.changes.filter((c) => c.action !== 'unchanged');
  const results: ApplyResultItem[] = new Array(acting.length);
  let next = 0;
  let done = 0;
  const worker = async (): Promise<void> => {
    while (next < acting.length) {
      const index = next++;
      const change = acting[index]!;
      const item =
        options.signal?.aborted === true && (change.action === 'create' || change.action === 'update')
          ? { experiment_key: change.experiment_key, action: change.action, status: 'skipped' as const, ...(change.action === 'update' ? { eppo_id: change.eppo_id } : {}), reason: INTERRUPTED_REASON }
          : await applyChange(api, change, options);
      results[index] = item;
      done++;
      options.onProgress?.({ item, done, total: acting.length });
    }
  };
  const stopping = (): void => options.onStopping?.();
  options.signal?.addEventListener('abort', stopping, { once: true });
  try {
    await Promise.all(Array.from({ length: Math.min(parallelism, Math.max(1, acting.length)) }, () => worker()));
  } finally {
    options.signal?.removeEventListener('abort', stopping);
  }
  const summary = { applied: 0, failed: 0, skipped: 0 };
  for (const r of results) summary[r.status]++;
  return { results, summary };
}

async function applyChange(api: EppoApi, change: Change, options: ApplyOptions): Promise<ApplyResultItem> {
  const base = { experiment_key: change.experiment_key, action: change.action };
  switch (change.action) {
    case 'create':
      return { ...base, ...(await createOnce(api, change, options)) };
    case 'update':
      try {
        const updated = await api.updateExperiment(change.eppo_id, change.request.body);
        return { ...base, status: 'applied', eppo_id: updated.id };
      } catch (error) {
        return { ...base, status: 'failed', eppo_id: change.eppo_id, error: describeError(error) };
      }
    case 'skip':
      return { ...base, status: 'skipped', ...(change.eppo_id === undefined ? {} : { eppo_id: change.eppo_id }), reason: change.reason };
    case 'conflict':
      return { ...base, status: 'skipped', reason: change.reason };
    case 'unchanged':
      return { ...base, status: 'skipped', eppo_id: change.eppo_id };
  }
}

async function createOnce(
  api: EppoApi,
  change: CreateChange,
  options: ApplyOptions,
): Promise<Pick<ApplyResultItem, 'status' | 'eppo_id' | 'error'>> {
  const maxAttempts = Math.max(1, options.maxCreateAttempts ?? 5);
  const baseMs = options.retryBaseMs ?? 500;
  const capMs = options.maxRetryDelayMs ?? 30_000;
  for (let attempt = 1; ; attempt++) {
    try {
      const created = await api.createExperiment(change.request.body);
      return { status: 'applied', eppo_id: created.id };
    } catch (error) {
      const ambiguous = error instanceof EppoRequestError && error.retryable;
      if (!ambiguous) return { status: 'failed', error: describeError(error) };
      let found: EppoExperiment[];
      try {
        found = await findByKey(api, change.experiment_key);
      } catch (lookupError) {
        return {
          status: 'failed',
          error: `${describeError(error)}; then looking the key up failed too (${describeError(lookupError)}), so it is unknown whether it was created: run plan again`,
        };
      }
      const first = found.sort((a, b) => a.id - b.id)[0];
      if (first !== undefined) return { status: 'applied', eppo_id: first.id };
      if (error.timedOut) {
        // Eppo may still be working on the request; creating again could make a twin.
        return {
          status: 'failed',
          error: `${describeError(error)}; it is not in Eppo yet but may still be created, so it is not sent again: run plan again in a minute`,
        };
      }
      if (attempt >= maxAttempts) return { status: 'failed', error: `${describeError(error)} (after ${attempt} attempts)` };
      const waited = await sleep(backoffDelay(attempt, baseMs, capMs, error.retryAfterMs), true, { signal: options.signal }).catch(() => false);
      if (!waited) {
        return {
          status: 'failed',
          error: `${describeError(error)}; apply was interrupted before trying again, so it is unknown whether it was created: run plan again`,
        };
      }
    }
  }
}
