import { EmulatorInputError } from '../errors.js';
import { HttpError } from '../util/index.js';
import type { EmulatorContext } from './context.js';
import type { Control } from './control.js';
import { parseSinceIndex, readJsonBody } from './http.js';
import type { Reply, Route } from './router.js';
import type { ExperimentInput, ExperimentRecord } from './types.js';

const OK: Reply = { status: 200, body: { ok: true } };

/** The control endpoints under /__emulator (docs/emulator.md), in the order the Allow header lists methods. */
export function buildControlRoutes(ctx: EmulatorContext, control: Control): Route[] {
  const { store, faults, dispatcher } = ctx;

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
        const { url } = control.addWebhook(await readJsonBody(req, false));
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
        return { status: 201, body: control.addFaults(await readJsonBody(req, false)) };
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
    { method: 'POST', path: 'experiments/:id/decision', handle: async ({ req, params }) => ({ status: 200, body: control.decide(params['id']!, await readJsonBody(req, false)) }) },
    { method: 'DELETE', path: 'experiments/:id/decision', handle: ({ params }) => ({ status: 200, body: control.reopen(params['id']!) }) },
  ];
}
