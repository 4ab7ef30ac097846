import type { IncomingMessage } from 'node:http';

/** What a route answers: a status and a JSON body. */
export interface Reply {
  status: number;
  body: unknown;
  headers?: Record<string, string>;
}

/** One matched request, as a route handler sees it. */
export interface Call {
  req: IncomingMessage;
  /** the `:name` segments of the route's path */
  params: Record<string, string>;
  query: URLSearchParams;
  /** keeps a parsed request body in the request log (API requests only) */
  logBody(body: unknown): void;
}

export interface Route {
  method: string;
  /** segments below the route table's prefix; `:name` matches any one segment */
  path: string;
  handle(call: Call): Promise<Reply> | Reply;
}

export type RouteMatch<R extends Route> =
  | { kind: 'found'; route: R; params: Record<string, string> }
  /** the path exists, not with this method; `allow` lists its methods in table order */
  | { kind: 'method-not-allowed'; allow: string[] }
  | { kind: 'not-found' };

/**
 * Finds the route for `method` and the path `segments` (empty segments already
 * removed). A path that exists with other methods is `method-not-allowed`, so
 * 404, 405 and the Allow header all come from the one table.
 */
export function matchRoute<R extends Route>(routes: readonly R[], method: string, segments: readonly string[]): RouteMatch<R> {
  const allow: string[] = [];
  for (const route of routes) {
    const params = matchPath(route.path, segments);
    if (params === undefined) continue;
    if (route.method === method) return { kind: 'found', route, params };
    if (!allow.includes(route.method)) allow.push(route.method);
  }
  return allow.length > 0 ? { kind: 'method-not-allowed', allow } : { kind: 'not-found' };
}

function matchPath(path: string, segments: readonly string[]): Record<string, string> | undefined {
  const pattern = path.split('/').filter((s) => s !== '');
  if (pattern.length !== segments.length) return undefined;
  const params: Record<string, string> = {};
  for (const [i, part] of pattern.entries()) {
    const segment = segments[i]!;
    if (part.startsWith(':')) params[part.slice(1)] = segment;
    else if (part !== segment) return undefined;
  }
  return params;
}
