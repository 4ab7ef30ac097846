import { HttpError } from '../util/index.js';
import type { ApiExperiment } from './api-types.js';
import type { EmulatorContext } from './context.js';
import { parseFaultSpecs, type ActiveFault } from './faults.js';
import { findExperiment } from './http.js';
import type { ExperimentRecord, WebhookReceiver } from './types.js';
import { parseIsoDate } from './validate.js';

/** "Make decision": what `POST /__emulator/experiments/{id}/decision` and `RunningEmulator.decide` take. */
export interface Decision {
  /** a variant of the experiment, or null (no winner) */
  winning_variant_key: string | null;
  /** e.g. POSITIVE, NEGATIVE, NEUTRAL */
  outcome: string;
  /** default: now */
  concluded_date?: string;
}

/**
 * The control operations behind the `/__emulator` endpoints and the
 * RunningEmulator methods, one implementation for both. Bad input is an
 * HttpError (400, or 404 for an unknown experiment) whose message says what
 * is wrong.
 */
export function buildControl(ctx: EmulatorContext) {
  const { store, faults } = ctx;
  function statusUpdated(record: ExperimentRecord): ApiExperiment {
    ctx.changed();
    ctx.notify('experiment.status.updated', record);
    return ctx.render(record);
  }
  return {
    /** concludes the experiment with this decision and delivers experiment.status.updated */
    decide(idText: string, body: unknown): ApiExperiment {
      const record = findExperiment(store, idText);
      const input = requireObject(body);
      const winner = input['winning_variant_key'] ?? null;
      const outcome = input['outcome'];
      const concluded = input['concluded_date'];
      if (winner !== null && (typeof winner !== 'string' || !record.experiment.variations.some((v) => v.variant_key === winner))) {
        const keys = record.experiment.variations.map((v) => v.variant_key).join(', ');
        throw new HttpError(400, `winning_variant_key must name a variation of experiment ${record.experiment.id} (${keys})`);
      }
      if (typeof outcome !== 'string' || outcome === '') throw new HttpError(400, 'outcome must be a non-empty string, e.g. POSITIVE, NEGATIVE or NEUTRAL');
      let concludedDate: string | undefined;
      if (concluded !== undefined) {
        const date = typeof concluded === 'string' ? parseIsoDate(concluded) : undefined;
        if (date === undefined) throw new HttpError(400, 'concluded_date must be an ISO-8601 timestamp');
        concludedDate = date.toISOString();
      }
      store.decide(record, winner, outcome, concludedDate);
      return statusUpdated(record);
    },
    /** reopens a concluded experiment and delivers experiment.status.updated */
    reopen(idText: string): ApiExperiment {
      const record = findExperiment(store, idText);
      store.reopen(record);
      return statusUpdated(record);
    },
    /** a receiver of every webhook event until reset */
    addWebhook(body: unknown): WebhookReceiver {
      const input = requireObject(body);
      const url = input['url'];
      const secret = input['secret'];
      if (typeof url !== 'string' || !/^https?:\/\//.test(url) || !URL.canParse(url)) throw new HttpError(400, 'url must be an http(s) URL');
      if (typeof secret !== 'string' || secret === '') throw new HttpError(400, 'secret must be a non-empty string');
      ctx.register({ url, secret });
      return { url, secret };
    },
    /** one fault spec or an array of them */
    addFaults(body: unknown): ActiveFault[] {
      const parsed = parseFaultSpecs(body);
      if (!parsed.ok) throw new HttpError(400, parsed.message);
      return faults.add(parsed.value);
    },
  };
}

/** A control body must be a JSON object: `null`, a number or an array is a 400, never a crash. */
function requireObject(body: unknown): Record<string, unknown> {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new HttpError(400, 'request body must be a JSON object');
  return body as Record<string, unknown>;
}

export type Control = ReturnType<typeof buildControl>;
