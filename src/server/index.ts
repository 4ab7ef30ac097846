export { HEALTH_PATH, startWebhookServer, WEBHOOK_PATH, type HandleResult, type ServerLog, type WebhookServer, type WebhookServerOptions } from './webhook-server.js';
export { createWorkQueue, type PushResult, type WorkQueue, type WorkQueueOptions } from './work-queue.js';
