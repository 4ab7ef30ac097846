export { DEFAULT_EMULATOR_API_KEY, startEmulator, type EmulatorApiKey, type EmulatorOptions, type RunningEmulator } from './server.js';
export { MAX_BODY_BYTES } from './http.js';
export type { Decision } from './control.js';
export type { RequestLogEntry } from './request-log.js';
export type {
  ApiAssignmentSource,
  ApiEntity,
  ApiExperiment,
  ApiExperimentWrite,
  ApiMetric,
  ApiMetricRef,
  ApiVariation,
  ApiVariationFields,
  ApiWritableFields,
  WebhookData,
  WebhookEventName,
} from './api-types.js';
export type { EmulatorTimers, ExperimentInput, WebhookReceiver, EmulatorState, StoredExperiment } from './types.js';
export type { FaultSpec, FaultMatch, FaultPhase, FaultKind, ActiveFault } from './faults.js';
export { mulberry32 } from './faults.js';
export { signDeliveryData, buildWebhookBody, type WebhookRetry, type DeliveryAttempt } from './webhooks.js';
export { buildSeedState } from './seed.js';
export { deriveStatus } from './store.js';
export { validateExperimentBody } from './validate.js';
