import { describe, expect, it } from 'vitest';
import { matchRoute, type Route } from '../../src/emulator/router.js';

const reply = () => ({ status: 200, body: null });
const routes: Route[] = [
  { method: 'GET', path: 'experiments', handle: reply },
  { method: 'POST', path: 'experiments', handle: reply },
  { method: 'GET', path: 'experiments/:id', handle: reply },
  { method: 'PUT', path: 'experiments/:id', handle: reply },
  { method: 'POST', path: 'experiments/:id/decision', handle: reply },
  { method: 'DELETE', path: 'experiments/:id/decision', handle: reply },
  { method: 'GET', path: 'definitions/entities', handle: reply },
];

describe('route table', () => {
  it.each([
    ['GET', 'experiments', { kind: 'found', route: routes[0], params: {} }],
    ['POST', 'experiments', { kind: 'found', route: routes[1], params: {} }],
    ['PUT', 'experiments/42', { kind: 'found', route: routes[3], params: { id: '42' } }],
    ['GET', 'experiments/not-a-number', { kind: 'found', route: routes[2], params: { id: 'not-a-number' } }],
    ['DELETE', 'experiments/7/decision', { kind: 'found', route: routes[5], params: { id: '7' } }],
    ['PATCH', 'experiments/7', { kind: 'method-not-allowed', allow: ['GET', 'PUT'] }],
    ['DELETE', 'experiments', { kind: 'method-not-allowed', allow: ['GET', 'POST'] }],
    ['HEAD', 'definitions/entities', { kind: 'method-not-allowed', allow: ['GET'] }],
    ['GET', 'experiments/7/decision', { kind: 'method-not-allowed', allow: ['POST', 'DELETE'] }],
    ['GET', 'experiments/7/variations', { kind: 'not-found' }],
    ['GET', 'definitions', { kind: 'not-found' }],
    ['GET', 'definitions/entities/1', { kind: 'not-found' }],
    ['GET', '', { kind: 'not-found' }],
  ])('%s %s', (method, path, expected) => {
    expect(matchRoute(routes, method, path.split('/').filter((s) => s !== ''))).toEqual(expected);
  });
});
