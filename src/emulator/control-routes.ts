import { EmulatorInputError } from '../errors.js';
import { HttpError } from '../util/index.js';
import type { EmulatorContext } from './context.js';
import { parseFaultSpecs } from './faults.js';
import { findExperiment, parseSinceIndex, readJsonBody } from './http.js';
import type { Call, Reply, Route } from './router.js';
import type { ExperimentInput, ExperimentRecord } from './types.js';
import { parseIsoDate } from './validate.js';

const OK: Reply = { status: 200, body: { ok: true } };

/** The control endpoints under /__emulator (docs/emulator.md), in the order the Allow header lists methods. */
export function buildControlRoutes(ctx: EmulatorContext): Route[] {
  const { store, faults, dispatcher } = ctx;

  async function decide({ req, params }: Call): Promise<Reply> {
    const record = findExperiment(store, params['id']!);
    const body = (await readJsonBody(req, false)) as Record<string, unknown>;
    const winner = body['winning_variant_key'] ?? null;
    const outcome = body['outcome'];
    const concluded = body['concluded_date'];
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
    return decided(record);
  }

  function decided(record: ExperimentRecord): Reply {
    ctx.changed();
    ctx.notify('experiment.status.updated', record);
    return { status: 200, body: ctx.render(record) };
  }

  return [
    { method: 'GET', path: 'health', handle: () => ({ status: 200, body: { ok: true, experiments: store.size, url: ctx.apiUrl() } }) },
    { method: 'GET', path: 'requests', handle: ({ query }) => ({ status: 200, body: ctx.requests.since(parseSinceIndex(query)) }) },
    { method: 'GET', path: 'deliveries', handle: ({ query }) => ({ status: 200, body: dispatcher.deliveries(parseSinceIndex(query)) }) },
    {
      method: 'POST',
      path: 'reset',
      handle() {
        store.reset(ctx.seed);
        faults.clear();
        ctx.requests.clear();
        dispatcher.clearLog();
        ctx.clearRegistered();
        ctx.changed();
        return OK;
      },
    },
    { method: 'GET', path: 'webhooks', handle: () => ({ status: 200, body: ctx.receivers().map((r) => ({ url: r.url })) }) },
    {
      method: 'POST',
      path: 'webhooks',
      async handle({ req }) {
        const body = (await readJsonBody(req, false)) as Record<string, unknown>;
        const url = body['url'];
        const secret = body['secret'];
        if (typeof url !== 'string' || !/^https?:\/\//.test(url) || !URL.canParse(url)) throw new HttpError(400, 'url must be an http(s) URL');
        if (typeof secret !== 'string' || secret === '') throw new HttpError(400, 'secret must be a non-empty string');
        ctx.register({ url, secret });
        return { status: 201, body: { url } };
      },
    },
    {
      method: 'DELETE',
      path: 'webhooks',
      handle() {
        ctx.clearRegistered();
        return OK;
      },
    },
    { method: 'GET', path: 'faults', handle: () => ({ status: 200, body: faults.list() }) },
    {
      method: 'POST',
      path: 'faults',
      async handle({ req }) {
        const parsed = parseFaultSpecs(await readJsonBody(req, false));
        if (!parsed.ok) throw new HttpError(400, parsed.message);
        return { status: 201, body: faults.add(parsed.value) };
      },
    },
    {
      method: 'DELETE',
      path: 'faults',
      handle() {
        faults.clear();
        return OK;
      },
    },
    {
      method: 'POST',
      path: 'experiments',
      async handle({ req }) {
        const body = await readJsonBody(req, false);
        if (!Array.isArray(body)) throw new HttpError(400, 'request body must be an array of experiments');
        let records: ExperimentRecord[];
        try {
          records = store.insert(body as ExperimentInput[]);
        } catch (error) {
          if (error instanceof EmulatorInputError) throw new HttpError(400, error.message);
          throw error;
        }
        ctx.changed();
        return { status: 201, body: records.map((record) => ctx.render(record)) };
      },
    },
    { method: 'POST', path: 'experiments/:id/decision', handle: decide },
    {
      method: 'DELETE',
      path: 'experiments/:id/decision',
      handle({ params }) {
        const record = findExperiment(store, params['id']!);
        store.reopen(record);
        return decided(record);
      },
    },
  ];
}
