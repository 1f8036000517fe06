import type { Clock } from '../../../lib/clock.js';
import { AppError, isAppError } from '../../../lib/errors/index.js';
import { isId, type OrgId } from '../../../lib/ids.js';
import type { Db, TenantSql } from '../../../platform/db/index.js';
import type { FieldCipher } from '../../../platform/vault/index.js';
import type { AuditLog } from '../../audit/index.js';
import type { OrgService } from '../../tenancy/index.js';
import type { PaymentProcessor, ProcessorEvent } from '../ports.js';
import { intentRef, paymentView } from '../payments/billing-service.js';
import { advances } from '../payments/payment-status.js';
import { insertWebhookEvent, recordOutcome, selectPayment, type PaymentStatus } from '../payments/repo.js';
import type { RecoveryService } from '../recovery/recovery-service.js';
import type { DisputeChange, DisputeService } from '../disputes/dispute-service.js';
import type { RefundService } from '../refunds/refund-service.js';
import type { PlanService } from '../plans/subscription-service.js';
import { WebhookSignatureError } from './verify-stripe-signature.js';

/** Dependencies of webhook intake. */
export interface WebhookServiceDeps {
  db: Db;
  cipher: FieldCipher;
  audit: AuditLog;
  clock: Clock;
  processor: PaymentProcessor;
  orgs: Pick<OrgService, 'get'>;
  /** Where an event that names no (existing) org is recorded. */
  platformOrgId: OrgId;
  /** Failed-payment recovery: what an event about a recovery attempt's intent changes. */
  recovery?: Pick<RecoveryService, 'eventChange'>;
  refunds: Pick<RefundService, 'refundChange'>;
  disputes: Pick<DisputeService, 'disputeOpened' | 'disputeClosed'>;
  /** What a card or payment event changes on the org's subscription (a declined card disables its trial). */
  plans: Pick<PlanService, 'eventChange' | 'pendingPaymentSettled'>;
}

const REFUND_EVENTS = new Set(['refund.created', 'refund.updated', 'refund.failed']);
const DISPUTE_EVENTS = new Set(['charge.dispute.created', 'charge.dispute.closed']);

/** What became of one delivered event. */
export interface WebhookReceipt {
  eventId: string;
  /** True when the event id was processed before: nothing changed this time. */
  duplicate: boolean;
  outcome: 'applied' | 'stale' | 'ignored';
}

const PAYMENT_EVENTS: Readonly<Record<string, PaymentStatus>> = {
  'payment_intent.succeeded': 'succeeded',
  'payment_intent.payment_failed': 'failed',
  'payment_intent.requires_action': 'requires_action',
};

const ACTOR = { type: 'system' as const, id: 'payment_processor' };

function textField(value: unknown, max: number): string | null {
  return typeof value === 'string' && value.length > 0 ? value.slice(0, max) : null;
}

/**
 * Takes the processor's webhooks: the signature is checked over the raw body before anything is parsed; each event
 * id is processed exactly once per org (a replay or redelivery changes nothing and is answered as a duplicate); and
 * a payment moves only forward (its state, not the arrival order, decides), with the event and its audit record in
 * one transaction.
 */
export class WebhookService {
  constructor(private readonly deps: WebhookServiceDeps) {}

  /** Verifies and applies one delivery; throws `billing.webhook_signature_invalid` (and reads nothing) when forged. */
  async receive(rawBody: Buffer, signature: string | undefined, requestId: string): Promise<WebhookReceipt> {
    let event: ProcessorEvent;
    try {
      event = this.deps.processor.verifyWebhook(rawBody, signature);
    } catch (error) {
      if (error instanceof WebhookSignatureError)
        throw new AppError('billing.webhook_signature_invalid', { details: { reason: error.reason }, cause: error });
      throw error;
    }
    const owner = await this.disputeOwner(event);
    const orgId = await this.orgOf(owner?.orgId ?? event.object.metadata?.bulwark_org_id);
    return this.deps.db.withTenant(orgId, (sql) => this.apply(sql, event, requestId, owner?.paymentId));
  }

  // A dispute carries no metadata of Bulwark's: its org and payment are in the metadata of the payment intent it
  // disputes, read back from the processor (an authenticated call, before the transaction opens).
  private async disputeOwner(event: ProcessorEvent): Promise<{ orgId?: string; paymentId?: string } | null> {
    const intent = event.object.payment_intent;
    if (!DISPUTE_EVENTS.has(event.type) || event.object.object !== 'dispute' || typeof intent !== 'string') return null;
    const metadata = await this.deps.processor.paymentIntentMetadata(intent);
    return {
      ...(metadata.bulwark_org_id !== undefined ? { orgId: metadata.bulwark_org_id } : {}),
      ...(metadata.bulwark_payment_id !== undefined ? { paymentId: metadata.bulwark_payment_id } : {}),
    };
  }

  // The org an event belongs to is in the metadata Bulwark set on the object; the signature vouches for it.
  private async orgOf(named: string | undefined): Promise<OrgId> {
    if (named === undefined || !isId('org', named)) return this.deps.platformOrgId;
    try {
      await this.deps.orgs.get(named);
      return named;
    } catch (error) {
      if (isAppError(error, 'tenancy.org_not_found')) return this.deps.platformOrgId;
      throw error;
    }
  }

  private async apply(
    sql: TenantSql,
    event: ProcessorEvent,
    requestId: string,
    disputedPaymentId: string | undefined,
  ): Promise<WebhookReceipt> {
    // The chain first, then the payment row: the order a charge's own transaction takes them in.
    await this.deps.audit.lockChain(sql);
    const change = await this.paymentChange(sql, event);
    const other = change === null ? await this.otherChange(sql, event, disputedPaymentId) : null;
    const subscription = await this.deps.plans.eventChange(sql, event);
    const outcome =
      other?.outcome ??
      (change === null ? (subscription ? 'applied' : 'ignored') : change.applies ? 'applied' : 'stale');
    const at = this.deps.clock.now();
    // INVARIANT: the event id is stored before anything is changed, in the same transaction: a concurrent or later
    // delivery of the same id finds it and changes nothing.
    if (!(await insertWebhookEvent(sql, { id: event.id, type: event.type, outcome, at })))
      return { eventId: event.id, duplicate: true, outcome };
    let planChange: { subscriptionId: string; status: string } | null = null;
    if (change?.applies) {
      await recordOutcome(sql, change.paymentId, {
        status: change.status,
        intentCiphertext: change.intentCiphertext,
        declineCode: change.declineCode,
        actionUrl: change.actionUrl,
        at,
      });
      // A plan change that waited on this payment's 3-D Secure is settled with it.
      const paid = await selectPayment(sql, change.paymentId);
      if (paid) planChange = await this.deps.plans.pendingPaymentSettled(sql, paymentView(paid), { requestId });
    }
    if (other?.outcome === 'applied') await other.apply(requestId);
    if (subscription) await subscription.apply(sql, at, requestId);
    await this.deps.audit.append(sql, [
      {
        orgId: sql.orgId,
        actor: ACTOR,
        action: 'billing.webhook.received',
        resource: { type: 'Org', id: sql.orgId },
        decision: change?.applies && change.status === 'succeeded' ? 'charge' : 'info',
        reasonCodes: change?.status === 'failed' && change.applies ? ['billing.card_declined'] : [],
        requestId,
        details: {
          event_id: event.id.slice(0, 255),
          type: event.type.slice(0, 100),
          outcome,
          ...(change ? { payment_id: change.paymentId, status: change.status } : {}),
          ...(other?.details ?? {}),
          ...(subscription
            ? { subscription_id: subscription.subscriptionId, subscription_status: subscription.status }
            : {}),
          ...(planChange ? { subscription_id: planChange.subscriptionId, subscription_status: planChange.status } : {}),
        },
      },
    ]);
    return { eventId: event.id, duplicate: false, outcome };
  }

  // What a refund or dispute event would change (computed before its event id is stored, applied after).
  private async otherChange(
    sql: TenantSql,
    event: ProcessorEvent,
    disputedPaymentId: string | undefined,
  ): Promise<DisputeChange | null> {
    if (REFUND_EVENTS.has(event.type)) {
      const refund = await this.deps.refunds.refundChange(sql, event);
      if (!refund) return null;
      return {
        outcome: refund.applies ? 'applied' : 'stale',
        details: { refund_id: refund.refundId, status: refund.status },
        apply: () => refund.apply(),
      };
    }
    if (event.type === 'charge.dispute.created' && disputedPaymentId !== undefined)
      return this.deps.disputes.disputeOpened(sql, event.object, disputedPaymentId);
    if (event.type === 'charge.dispute.closed') return this.deps.disputes.disputeClosed(sql, event.object);
    const recovery = await this.deps.recovery?.eventChange(sql, event);
    if (!recovery) return null;
    return {
      outcome: recovery.applies ? 'applied' : 'stale',
      details: { recovery_case_id: recovery.caseId },
      apply: () => recovery.apply(),
    };
  }

  // What a payment-intent event would change, or null when it is about nothing of this org's.
  private async paymentChange(sql: TenantSql, event: ProcessorEvent) {
    const status = PAYMENT_EVENTS[event.type];
    const paymentId = event.object.metadata?.bulwark_payment_id;
    if (status === undefined || event.object.object !== 'payment_intent' || !paymentId || !isId('pay', paymentId))
      return null;
    const payment = await selectPayment(sql, paymentId, { forUpdate: true });
    if (!payment) return null;
    // SECURITY: the event must be about the intent this payment was charged with, when that is already recorded.
    if (payment.intent_ciphertext !== null) {
      const intent = await this.deps.cipher.decryptString(sql, intentRef(paymentId), payment.intent_ciphertext);
      if (intent !== event.object.id) return null;
    }
    const lastError = event.object.last_payment_error as { decline_code?: unknown; code?: unknown } | null | undefined;
    const nextAction = event.object.next_action as { redirect_to_url?: { url?: unknown } } | null | undefined;
    return {
      paymentId,
      status,
      applies: advances(payment.status, status),
      intentCiphertext:
        payment.intent_ciphertext === null
          ? await this.deps.cipher.encrypt(sql, intentRef(paymentId), event.object.id)
          : null,
      declineCode:
        status === 'failed' ? (textField(lastError?.decline_code, 64) ?? textField(lastError?.code, 64)) : null,
      actionUrl: status === 'requires_action' ? textField(nextAction?.redirect_to_url?.url, 2048) : null,
    };
  }
}
