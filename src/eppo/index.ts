export type * from './types.js';
export {
  backoffDelay,
  createEppoClient,
  DEFAULT_EPPO_BASE_URL,
  EppoRequestError,
  parseBaseUrl,
  PAGE_LIMIT,
  type BaseUrlSource,
  type EppoClientOptions,
  type RetryEvent,
} from './client.js';
export { fetchWorkspace } from './workspace.js';
export { isConcluded } from './status.js';
export { describeMalformedExperiment } from './live-shape.js';
export { groupExperimentsByKey } from './group-by-key.js';
export { describeTwins, describeUnreadableExperiment } from './live-refusals.js';
export { checkLocalTarget, connectEppo, LOCAL_BASE_URL, LOCAL_STATE_DIR, type ConnectEppoOptions, type EppoConnection } from './connect-eppo.js';
