import type { ApiExperiment, WebhookEventName } from './api-types.js';
import type { FaultSet } from './faults.js';
import type { RequestLog } from './request-log.js';
import type { EmulatorStore } from './store.js';
import type { ExperimentRecord, WebhookReceiver } from './types.js';
import type { WebhookDispatcher } from './webhooks.js';

/** What the route handlers share: the workspace and the emulator's own state around it. */
export interface EmulatorContext {
  readonly store: EmulatorStore;
  readonly faults: FaultSet;
  readonly dispatcher: WebhookDispatcher;
  readonly requests: RequestLog;
  /** start from the seed data (true) or empty, on start and on reset */
  readonly seed: boolean;
  /** the API base URL, e.g. http://127.0.0.1:PORT/api/v1 */
  apiUrl(): string;
  /** receivers of every event: the configured ones, then the registered ones */
  receivers(): WebhookReceiver[];
  register(receiver: WebhookReceiver): void;
  /** forgets the registered receivers; the configured ones stay */
  clearRegistered(): void;
  /** the experiment as the API returns it */
  render(record: ExperimentRecord): ApiExperiment;
  /** the workspace changed: write the state file soon */
  changed(): void;
  /** delivers `event` about the experiment to every receiver */
  notify(event: WebhookEventName, record: ExperimentRecord): void;
}
