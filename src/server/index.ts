export { startWebhookServer, type HandleResult, type WebhookServer, type WebhookServerOptions } from './webhook-server.js';
export { createWebhookHandler, HEALTH_PATH, WEBHOOK_PATH, type ServerLog, type WebhookHandler, type WebhookHandlerOptions } from './webhook-handler.js';
export { createJobRunner, type JobReport, type JobRunner, type JobRunnerOptions, type RunnerTimers } from './job-runner.js';
export { createWorkQueue, type PushResult } from './work-queue.js';
