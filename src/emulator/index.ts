export {
  DEFAULT_EMULATOR_API_KEY,
  MAX_BODY_BYTES,
  startEmulator,
  type EmulatorApiKey,
  type EmulatorOptions,
  type RequestLogEntry,
  type RunningEmulator,
} from './server.js';
export type { ExperimentInput, WebhookEvent, WebhookReceiver, EmulatorState, StoredExperiment } from './types.js';
export type { FaultSpec, FaultMatch, FaultPhase, FaultKind, ActiveFault } from './faults.js';
export { mulberry32 } from './faults.js';
export { signWebhookData, buildWebhookBody, type WebhookData, type WebhookRetry, type DeliveryAttempt } from './webhooks.js';
export { buildSeedState } from './seed.js';
export { deriveStatus } from './store.js';
export { validateExperimentBody } from './validate.js';
