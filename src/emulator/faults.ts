/**
 * Fault injection for `POST /__emulator/faults`. A fault applies to the next
 * `count` matching requests (default 1), or to a `share` of them drawn from a
 * PRNG seeded with `seed` (so a run is reproducible), or both (a share, at most
 * `count` times). Faults never apply to `/__emulator/` routes.
 */

/** Which requests (API faults) or deliveries (webhook faults) a fault applies to. */
export interface FaultMatch {
  /** API faults: HTTP method, case-insensitive */
  method?: string;
  /** API faults: path prefix, e.g. `/api/v1/experiments` */
  pathPrefix?: string;
  /** webhook faults: event name, e.g. `experiment.status.updated` */
  event?: string;
}

export interface FaultCommon {
  /** how many matching requests/deliveries it applies to; default 1 when no `share` */
  count?: number;
  /** probability 0..1 that a matching request/delivery is hit */
  share?: number;
  /** PRNG seed for `share` (mulberry32); default 0 */
  seed?: number;
  match?: FaultMatch;
}

/**
 * `before` (default): answer the fault instead of handling the request.
 * `after`: handle the request (a POST creates the experiment), then answer the
 * fault instead of the result — the client cannot know its write happened.
 */
export type FaultPhase = 'before' | 'after';

export type FaultSpec =
  | (FaultCommon & { kind: 'status'; status: 429 | 500 | 502 | 503 | 504; retryAfterSeconds?: number; phase?: FaultPhase })
  | (FaultCommon & { kind: 'latency'; ms: number })
  | (FaultCommon & { kind: 'drop'; phase?: FaultPhase })
  | (FaultCommon & { kind: 'webhook-duplicate' })
  | (FaultCommon & { kind: 'webhook-reorder'; holdMs?: number });

export type FaultKind = FaultSpec['kind'];

export interface ActiveFault {
  id: number;
  spec: FaultSpec;
  /** applications left; undefined = unlimited (a share without a count) */
  remaining: number | undefined;
  hits: number;
}

/** What to do to one API request. */
export interface RequestFaults {
  latencyMs: number;
  terminal?:
    | { kind: 'status'; phase: FaultPhase; status: number; retryAfterSeconds: number | undefined; faultId: number }
    | { kind: 'drop'; phase: FaultPhase; faultId: number };
}

/** What to do to one webhook delivery. */
export interface DeliveryFaults {
  duplicate: boolean;
  reorderHoldMs: number | undefined;
}

const STATUSES = [429, 500, 502, 503, 504];
const KINDS: FaultKind[] = ['status', 'latency', 'drop', 'webhook-duplicate', 'webhook-reorder'];

/** mulberry32: a tiny deterministic PRNG returning floats in [0, 1). */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Validates a fault request body: one spec or an array of specs. */
export function parseFaultSpecs(body: unknown): { ok: true; value: FaultSpec[] } | { ok: false; message: string } {
  const items = Array.isArray(body) ? body : [body];
  const out: FaultSpec[] = [];
  for (const [i, item] of items.entries()) {
    const at = Array.isArray(body) ? `[${i}].` : '';
    const problem = checkSpec(item, at);
    if (problem !== undefined) return { ok: false, message: problem };
    out.push(item as FaultSpec);
  }
  return { ok: true, value: out };
}

function checkSpec(item: unknown, at: string): string | undefined {
  if (typeof item !== 'object' || item === null || Array.isArray(item)) return `${at || 'fault '}must be a JSON object`;
  const f = item as Record<string, unknown>;
  if (typeof f['kind'] !== 'string' || !KINDS.includes(f['kind'] as FaultKind)) return `${at}kind must be one of ${KINDS.join(', ')}`;
  if (f['count'] !== undefined && !(Number.isInteger(f['count']) && (f['count'] as number) >= 1)) return `${at}count must be an integer >= 1`;
  if (f['share'] !== undefined && !(typeof f['share'] === 'number' && f['share'] >= 0 && f['share'] <= 1)) return `${at}share must be a number between 0 and 1`;
  if (f['seed'] !== undefined && !Number.isInteger(f['seed'])) return `${at}seed must be an integer`;
  if (f['phase'] !== undefined && f['phase'] !== 'before' && f['phase'] !== 'after') return `${at}phase must be "before" or "after"`;
  if (f['phase'] !== undefined && f['kind'] !== 'status' && f['kind'] !== 'drop') return `${at}phase applies only to kind status or drop`;
  const match = f['match'];
  if (match !== undefined) {
    if (typeof match !== 'object' || match === null || Array.isArray(match)) return `${at}match must be an object`;
    for (const key of ['method', 'pathPrefix', 'event']) {
      const v = (match as Record<string, unknown>)[key];
      if (v !== undefined && typeof v !== 'string') return `${at}match.${key} must be a string`;
    }
  }
  switch (f['kind']) {
    case 'status':
      if (!STATUSES.includes(f['status'] as number)) return `${at}status must be one of ${STATUSES.join(', ')}`;
      if (f['retryAfterSeconds'] !== undefined && !(Number.isInteger(f['retryAfterSeconds']) && (f['retryAfterSeconds'] as number) >= 0)) {
        return `${at}retryAfterSeconds must be an integer >= 0`;
      }
      return undefined;
    case 'latency':
      return typeof f['ms'] === 'number' && f['ms'] >= 0 && f['ms'] <= 600_000 ? undefined : `${at}ms must be a number between 0 and 600000`;
    case 'webhook-reorder':
      return f['holdMs'] === undefined || (typeof f['holdMs'] === 'number' && f['holdMs'] >= 0) ? undefined : `${at}holdMs must be a number >= 0`;
    default:
      return undefined;
  }
}

/** The active faults, in the order they were added. */
export class FaultSet {
  #faults: Array<ActiveFault & { rng: () => number }> = [];
  #nextId = 1;

  add(specs: FaultSpec[]): ActiveFault[] {
    const added = specs.map((spec) => ({
      id: this.#nextId++,
      spec,
      remaining: spec.count ?? (spec.share === undefined ? 1 : undefined),
      hits: 0,
      rng: mulberry32(spec.seed ?? 0),
    }));
    this.#faults.push(...added);
    return added.map(publicView);
  }

  clear(): void {
    this.#faults = [];
  }

  list(): ActiveFault[] {
    return this.#faults.map(publicView);
  }

  /** Decides the faults for one API request (consumes counts and PRNG draws). */
  forRequest(method: string, path: string): RequestFaults {
    const out: RequestFaults = { latencyMs: 0 };
    for (const fault of this.#faults) {
      const { spec } = fault;
      if (spec.kind !== 'status' && spec.kind !== 'latency' && spec.kind !== 'drop') continue;
      if (spec.kind !== 'latency' && out.terminal !== undefined) continue;
      if (spec.match?.method !== undefined && spec.match.method.toUpperCase() !== method.toUpperCase()) continue;
      if (spec.match?.pathPrefix !== undefined && !path.startsWith(spec.match.pathPrefix)) continue;
      if (!this.#fire(fault)) continue;
      if (spec.kind === 'latency') out.latencyMs += spec.ms;
      else if (spec.kind === 'drop') out.terminal = { kind: 'drop', phase: spec.phase ?? 'before', faultId: fault.id };
      else {
        const retryAfter = spec.retryAfterSeconds ?? (spec.status === 429 ? 1 : undefined);
        out.terminal = { kind: 'status', phase: spec.phase ?? 'before', status: spec.status, retryAfterSeconds: retryAfter, faultId: fault.id };
      }
    }
    this.#prune();
    return out;
  }

  /** Decides the faults for one webhook delivery. */
  forDelivery(event: string): DeliveryFaults {
    const out: DeliveryFaults = { duplicate: false, reorderHoldMs: undefined };
    for (const fault of this.#faults) {
      const { spec } = fault;
      if (spec.kind !== 'webhook-duplicate' && spec.kind !== 'webhook-reorder') continue;
      if (spec.match?.event !== undefined && spec.match.event !== event) continue;
      if (spec.kind === 'webhook-duplicate' && !out.duplicate && this.#fire(fault)) out.duplicate = true;
      if (spec.kind === 'webhook-reorder' && out.reorderHoldMs === undefined && this.#fire(fault)) out.reorderHoldMs = spec.holdMs ?? 2000;
    }
    this.#prune();
    return out;
  }

  #fire(fault: ActiveFault & { rng: () => number }): boolean {
    if (fault.remaining === 0) return false;
    if (fault.spec.share !== undefined && !(fault.rng() < fault.spec.share)) return false;
    if (fault.remaining !== undefined) fault.remaining--;
    fault.hits++;
    return true;
  }

  #prune(): void {
    this.#faults = this.#faults.filter((f) => f.remaining !== 0);
  }
}

function publicView(f: ActiveFault): ActiveFault {
  return { id: f.id, spec: f.spec, remaining: f.remaining, hits: f.hits };
}
