export { startSandboxProcessor, SANDBOX_API_VERSION } from './sandbox/sandbox-server.js';
export type { SandboxProcessor, SandboxProcessorOptions } from './sandbox/sandbox-server.js';
export type { WebhookEndpoint, DeliveryAttempt } from './sandbox/sandbox-webhooks.js';
export { openBilling, PROCESSOR_WEBHOOK_PATH, type Billing } from './open-billing.js';
export type { CardView, PaymentView, NewPayment, RequestFacts } from './payments/billing-service.js';
export type { WebhookReceipt } from './webhooks/webhook-service.js';
export { findPan } from './pan/find-pan.js';
export {
  RecoveryService,
  recoveryAttemptKey,
  type RecoveryCaseView,
  type RecoveryReport,
  type RecoveryRunSummary,
  type RecoveryStatus,
} from './recovery/recovery-service.js';
export { classifyDecline, type DeclineReason } from './recovery/classify-decline.js';
export { RETRY_SCHEDULE_DAYS } from './recovery/retry-schedule.js';
export { SANDBOX_RENEWAL_CARDS } from './sandbox/test-cards.js';
export { paidEntitlementsFrozen } from './disputes/entitlement-freeze.js';
export type { DisputeView } from './disputes/dispute-service.js';
export type { RefundView } from './refunds/refund-service.js';
export { listPlans, type Plan, type PlanCode, type PlanFeature, type Entitlements } from './plans/catalogue.js';
export { planAllows, readEntitlements, requirePlanFeature } from './plans/entitlements.js';
export type { PlanCharge, SubscriptionView } from './plans/subscription-service.js';
export type { MeteredUsageSource, UsageReportView } from './plans/usage-reports.js';
