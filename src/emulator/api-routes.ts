import { HttpError } from '../util/index.js';
import type { EmulatorContext } from './context.js';
import { findExperiment, parsePagination, parseSince, readJsonBody } from './http.js';
import type { Route } from './router.js';
import type { ListQuery } from './store.js';

/** An Eppo API route: its path is below /api/v1, and it needs a key with `access`. */
export interface ApiRoute extends Route {
  access: 'read' | 'write';
}

/** The Eppo REST API (EPPO-API.md), in the order the Allow header lists methods. */
export function buildApiRoutes(ctx: EmulatorContext): ApiRoute[] {
  const { store } = ctx;

  return [
    {
      method: 'GET',
      path: 'experiments',
      access: 'read',
      handle({ query }) {
        const { limit, offset } = parsePagination(query);
        const filter: ListQuery = {};
        const key = query.get('experiment_key');
        if (key !== null) filter.experiment_key = key;
        const created = parseSince(query, 'created_since');
        if (created !== undefined) filter.created_since = created;
        const updated = parseSince(query, 'updated_since');
        if (updated !== undefined) filter.updated_since = updated;
        return { status: 200, body: store.list(filter, limit, offset).map((record) => ctx.render(record)) };
      },
    },
    {
      method: 'POST',
      path: 'experiments',
      access: 'write',
      async handle({ req, logBody }) {
        const body = await readJsonBody(req, true);
        logBody(body);
        const result = store.validate(body);
        if (!result.ok) throw new HttpError(400, result.message);
        const record = store.create(result.value);
        ctx.changed();
        return { status: 201, body: ctx.render(record) };
      },
    },
    {
      method: 'GET',
      path: 'experiments/:id',
      access: 'read',
      handle: ({ params }) => ({ status: 200, body: ctx.render(findExperiment(store, params['id']!)) }),
    },
    {
      method: 'PUT',
      path: 'experiments/:id',
      access: 'write',
      async handle({ req, params, logBody }) {
        const record = findExperiment(store, params['id']!);
        const body = await readJsonBody(req, true);
        logBody(body);
        const result = store.validate(body, record.experiment);
        if (!result.ok) throw new HttpError(400, result.message);
        store.update(record, result.value);
        ctx.changed();
        ctx.notify('experiment.configuration.updated', record);
        return { status: 200, body: ctx.render(record) };
      },
    },
    { method: 'GET', path: 'definitions/entities', access: 'read', handle: () => ({ status: 200, body: store.state.entities }) },
    { method: 'GET', path: 'definitions/assignments', access: 'read', handle: () => ({ status: 200, body: store.state.assignmentSources }) },
    {
      method: 'GET',
      path: 'metrics',
      access: 'read',
      handle({ query }) {
        const { limit, offset } = parsePagination(query);
        return { status: 200, body: store.state.metrics.slice(offset, offset + limit) };
      },
    },
  ];
}
