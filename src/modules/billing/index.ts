export { startSandboxProcessor, SANDBOX_API_VERSION } from './sandbox/sandbox-server.js';
export type { SandboxProcessor, SandboxProcessorOptions } from './sandbox/sandbox-server.js';
export type { WebhookEndpoint, DeliveryAttempt } from './sandbox/sandbox-webhooks.js';
