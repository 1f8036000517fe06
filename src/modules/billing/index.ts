export { startSandboxProcessor, SANDBOX_API_VERSION } from './sandbox/sandbox-server.js';
export type { SandboxProcessor, SandboxProcessorOptions } from './sandbox/sandbox-server.js';
export type { WebhookEndpoint, DeliveryAttempt } from './sandbox/sandbox-webhooks.js';
export { openBilling, PROCESSOR_WEBHOOK_PATH, type Billing } from './open-billing.js';
export type { CardView, PaymentView, NewPayment, RequestFacts } from './payments/billing-service.js';
export type { WebhookReceipt } from './webhooks/webhook-service.js';
export { findPan } from './pan/find-pan.js';
export {
  listPlans,
  planOf,
  isPlanCode,
  type Plan,
  type PlanCode,
  type PlanFeature,
  type Entitlements,
} from './plans/catalogue.js';
export { readEntitlements } from './plans/entitlements.js';
export type { SubscriptionView } from './plans/subscription-service.js';
export type { SubscriptionStatus } from './plans/subscription-repo.js';
export type { MeteredUsageSource, UsageReportView } from './plans/usage-reports.js';
