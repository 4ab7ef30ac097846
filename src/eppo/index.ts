export type * from './types.js';
export {
  createEppoClient,
  DEFAULT_EPPO_BASE_URL,
  EppoRequestError,
  isLoopbackHost,
  parseBaseUrl,
  PAGE_LIMIT,
  type EppoClientOptions,
  type RetryEvent,
} from './client.js';
export { fetchWorkspace } from './workspace.js';
export { isConcluded } from './status.js';
