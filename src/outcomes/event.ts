/** The events Eppo sends; only a status change can conclude an experiment. */
export const OUTCOME_EVENTS: ReadonlySet<string> = new Set(['experiment.status.updated']);

export type WebhookEvent =
  | { kind: 'outcome'; event: string; experimentId: number; experimentKey?: string }
  | { kind: 'ignored'; event: string; reason: string }
  | { kind: 'invalid'; reason: string };

/**
 * Reads an Eppo webhook body (already JSON-parsed; the signature is checked
 * separately): an `experiment.status.updated` with an integer
 * `data.experiment_id` is work; other events are ignored; anything else is invalid.
 */
export function parseWebhookEvent(body: unknown): WebhookEvent {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return { kind: 'invalid', reason: 'the body is not a JSON object' };
  const { event, data } = body as { event?: unknown; data?: unknown };
  if (typeof event !== 'string' || event === '') return { kind: 'invalid', reason: 'the body has no "event" string' };
  if (!OUTCOME_EVENTS.has(event)) return { kind: 'ignored', event, reason: 'not an experiment status change' };
  if (typeof data !== 'object' || data === null) return { kind: 'invalid', reason: 'the body has no "data" object' };
  const { experiment_id: id, experiment_key: key } = data as { experiment_id?: unknown; experiment_key?: unknown };
  const experimentId = typeof id === 'string' && /^\d+$/.test(id) ? Number(id) : id;
  if (typeof experimentId !== 'number' || !Number.isSafeInteger(experimentId) || experimentId <= 0) {
    return { kind: 'invalid', reason: '"data.experiment_id" is not a positive integer' };
  }
  return { kind: 'outcome', event, experimentId, ...(typeof key === 'string' ? { experimentKey: key } : {}) };
}

/**
 * The Eppo body inside a GitHub `repository_dispatch` event file (its
 * `client_payload`), or the file itself when it already is an Eppo body.
 */
export function unwrapDispatchEvent(file: unknown): unknown {
  if (typeof file === 'object' && file !== null && 'client_payload' in file) {
    return (file as { client_payload: unknown }).client_payload;
  }
  return file;
}
