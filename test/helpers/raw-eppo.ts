// An Eppo API on 127.0.0.1 port 0 that serves whatever JSON it is given, for
// tests of data the emulator would never hold (it validates everything it
// stores): null variations, names that are not text, deep nesting. Read-only:
// GET /definitions/entities, /definitions/assignments, /metrics and
// /experiments (paged, with ?experiment_key=) and /experiments/{id}.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface RawWorkspace {
  entities: unknown[];
  assignmentSources: unknown[];
  metrics: unknown[];
  experiments: unknown[];
}

export interface RawEppo {
  /** API base, ending in /api/v1 */
  url: string;
  /** replace what is served from now on */
  data: RawWorkspace;
  close(): Promise<void>;
}

export async function startRawEppo(data: RawWorkspace): Promise<RawEppo> {
  const state: { data: RawWorkspace } = { data };
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://raw.invalid');
    const path = url.pathname.replace(/^\/api\/v1/, '');
    const { entities, assignmentSources, metrics, experiments } = state.data;
    const page = (items: unknown[]): unknown[] => {
      const offset = Number(url.searchParams.get('offset') ?? 0);
      return items.slice(offset, offset + Number(url.searchParams.get('limit') ?? 50));
    };
    const keyOf = (e: unknown): unknown => (e !== null && typeof e === 'object' ? (e as Record<string, unknown>).experiment_key : undefined);
    let body: unknown;
    if (path === '/definitions/entities') body = entities;
    else if (path === '/definitions/assignments') body = assignmentSources;
    else if (path === '/metrics') body = page(metrics);
    else if (path === '/experiments') {
      const key = url.searchParams.get('experiment_key');
      body = page(key === null ? experiments : experiments.filter((e) => keyOf(e) === key));
    } else if (/^\/experiments\/\d+$/.test(path)) {
      body = experiments.find((e) => e !== null && typeof e === 'object' && (e as { id?: unknown }).id === Number(path.slice(13)));
    }
    res.writeHead(body === undefined ? 404 : 200, { 'content-type': 'application/json' });
    res.end(JSON.stringify(body ?? { message: 'not found' }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/api/v1`,
    get data() {
      return state.data;
    },
    set data(next: RawWorkspace) {
      state.data = next;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
