import { randomBytes } from 'node:crypto';
import type { Config } from '../../config/index.js';
import type { Clock } from '../../lib/clock.js';
import type { OrgId } from '../../lib/ids.js';
import type { Db, TenantSql } from '../../platform/db/index.js';
import type { FieldCipher } from '../../platform/vault/index.js';
import type { AuditLog } from '../audit/index.js';
import type { OrgService } from '../tenancy/index.js';
import { DisputeService } from './disputes/dispute-service.js';
import { BillingService } from './payments/billing-service.js';
import { RecoveryService } from './recovery/recovery-service.js';
import { RefundService } from './refunds/refund-service.js';
import { PlanService } from './plans/subscription-service.js';
import { RenewalService } from './plans/renewal-service.js';
import type { PaymentProcessor } from './ports.js';
import { reportUsage, type MeteredUsageSource, type UsageReportView } from './plans/usage-reports.js';
import { runDueUsageReports, type UsageReportRunSummary } from './plans/usage-report-job.js';
import type { RequestFacts, TenantScope } from './payments/billing-service.js';
import type { AuditActor } from '../audit/index.js';
import { startSandboxProcessor, type SandboxProcessor } from './sandbox/sandbox-server.js';
import { StripeProcessor } from './stripe/stripe-processor.js';
import { WebhookService } from './webhooks/webhook-service.js';

/** The path Bulwark takes the processor's webhooks on. */
export const PROCESSOR_WEBHOOK_PATH = '/v1/billing/webhooks/stripe';

/** The billing module as the composition root wires it. */
export interface Billing {
  processor: PaymentProcessor;
  payments: BillingService;
  /** Plans, trials and subscriptions. */
  plans: PlanService;
  /** The renewal job (`runDueRenewals(now)`): paid periods and ended trials charged. */
  renewals: RenewalService;
  /** Reports a closed month of the org's metered tokens to the processor, once (see `reportUsage`). */
  reportUsage(
    orgId: OrgId,
    finalize: TenantScope,
    actor: AuditActor,
    period: string,
    facts: RequestFacts,
  ): Promise<{ report: UsageReportView; replayed: boolean }>;
  /** The usage-report job: last month's metered tokens of every org in billing, reported once. */
  runDueUsageReports(now: Date): Promise<UsageReportRunSummary>;
  webhooks: WebhookService;
  /** Failed-payment recovery (`runDueRecoveryAttempts(now)` is the job; `recoveryStatus(sql)` for the report; entitlements read `recoveryGraceOver`). */
  recovery: RecoveryService;
  refunds: RefundService;
  disputes: DisputeService;
  /** The in-process sandbox processor, when `billing.processor` is `sandbox`. */
  sandbox: SandboxProcessor | undefined;
  /** Points the sandbox's webhooks at this node once it listens (`baseUrl` = its address). */
  connectSandboxWebhooks(baseUrl: string): void;
  close(): Promise<void>;
}

/**
 * Builds billing on the configured processor: Stripe through the official SDK, or the sandbox processor started
 * in-process on 127.0.0.1 with fresh random keys, reached through the same SDK adapter.
 */
export async function openBilling(deps: {
  config: Config;
  db: Db;
  cipher: FieldCipher;
  audit: AuditLog;
  clock: Clock;
  orgs: Pick<OrgService, 'get' | 'allIds'>;
  platformOrgId: OrgId;
  /** The gateway's metered usage, which metered billing reports. */
  usage: MeteredUsageSource;
}): Promise<Billing> {
  const { config, clock } = deps;
  let sandbox: SandboxProcessor | undefined;
  let processor: PaymentProcessor;
  const sandboxWebhookSecret = `whsec_${randomBytes(24).toString('base64url')}`;
  if (config.billing.processor === 'stripe') {
    const secretKey = config.billing.stripeSecretKey?.reveal() ?? '';
    const webhookSecrets = (config.billing.stripeWebhookSecrets?.reveal() ?? '')
      .split(',')
      .map((s) => s.trim())
      .filter((s) => s.length > 0);
    processor = new StripeProcessor('stripe', { secretKey, webhookSecrets }, clock);
  } else {
    const secretKey = `sk_test_${randomBytes(18).toString('base64url')}`;
    sandbox = await startSandboxProcessor({ secretKey, clock });
    processor = new StripeProcessor(
      'sandbox',
      { secretKey, webhookSecrets: [sandboxWebhookSecret], host: sandbox.host, port: sandbox.port, protocol: 'http' },
      clock,
    );
  }
  const shared = { db: deps.db, cipher: deps.cipher, audit: deps.audit, clock, processor };
  const payments = new BillingService(shared);
  const plans = new PlanService({ ...shared, payments, customerOf: (sql) => payments.customerOf(sql) });
  const recovery = new RecoveryService({
    ...shared,
    orgs: deps.orgs,
    graceDays: config.billing.recoveryGraceDays,
    cardUpdateUrl: sandbox ? `${sandbox.url}/sandbox/tokenize` : undefined,
  });
  const renewals = new RenewalService({ ...shared, orgs: deps.orgs, payments, recovery });
  const usageDeps = { ...shared, usage: deps.usage, customerOf: (sql: TenantSql) => payments.customerOf(sql) };
  const refunds = new RefundService(shared);
  const disputes = new DisputeService({ ...shared, serviceDocumentationUrl: `${config.publicUrl}/openapi.json` });
  return {
    processor,
    payments,
    plans,
    renewals,
    refunds,
    disputes,
    recovery,
    reportUsage: (orgId, finalize, actor, period, facts) =>
      reportUsage(usageDeps, orgId, finalize, actor, period, facts),
    runDueUsageReports: (now) => runDueUsageReports({ ...usageDeps, orgs: deps.orgs }, now),
    webhooks: new WebhookService({
      ...shared,
      orgs: deps.orgs,
      platformOrgId: deps.platformOrgId,
      plans,
      refunds,
      disputes,
      recovery,
    }),
    sandbox,
    connectSandboxWebhooks(baseUrl) {
      sandbox?.webhooks.addEndpoint({ url: `${baseUrl}${PROCESSOR_WEBHOOK_PATH}`, secret: sandboxWebhookSecret });
    },
    close: async () => sandbox?.close(),
  };
}
