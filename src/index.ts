export * from './errors.js';
export type * from './definitions/types.js';
export type * from './eppo/types.js';
export { main } from './cli/main.js';
