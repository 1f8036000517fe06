import type { TenantSql } from '../../../platform/db/index.js';
import { activitySummary, firstEventOf } from '../../audit/index.js';
import type { DisputeEvidence } from '../ports.js';

/** The audit actions that record a customer's acceptance of the terms of service (none is written yet). */
export const TERMS_ACCEPTED_ACTIONS = ['tenancy.terms.accepted'] as const;
/** The audit actions that record a message to or from the customer (none is written yet). */
export const CUSTOMER_MESSAGE_ACTIONS = ['tenancy.customer_message.sent'] as const;

/** What the pack is assembled about. */
export interface PackSubject {
  disputeId: string;
  reason: string;
  amount: number;
  currency: string;
  openedAt: Date;
  payment: { id: string; amount: number; currency: string; createdAt: Date; paymentMethodId: string };
  period: { from: Date; to: Date };
  serviceDocumentationUrl: string;
}

/**
 * Assembles a dispute's evidence pack from the org's audit chain for the disputed period: access and usage activity
 * as counts per action with the chain span (seq, hash) that proves them, the terms acceptance and customer
 * communication events if any, and the service documentation link. SECURITY: ids, counts, times and hashes only:
 * no event details, no IP address, user agent, e-mail or name, so the pack holds nothing a processor does not need.
 */
export async function assembleEvidencePack(sql: TenantSql, subject: PackSubject): Promise<Record<string, unknown>> {
  const activity = await activitySummary(sql, subject.period.from, subject.period.to);
  const byPrefix = (prefix: string) =>
    Object.entries(activity.byAction)
      .filter(([action]) => action.startsWith(prefix))
      .reduce((sum, [, n]) => sum + n, 0);
  const terms = await firstEventOf(sql, TERMS_ACCEPTED_ACTIONS);
  const message = await firstEventOf(sql, CUSTOMER_MESSAGE_ACTIONS);
  return {
    version: 1,
    dispute: {
      id: subject.disputeId,
      reason: subject.reason,
      amount: subject.amount,
      currency: subject.currency,
      opened_at: subject.openedAt.toISOString(),
    },
    payment: {
      id: subject.payment.id,
      amount: subject.payment.amount,
      currency: subject.payment.currency,
      created_at: subject.payment.createdAt.toISOString(),
      payment_method_id: subject.payment.paymentMethodId,
    },
    period: { from: subject.period.from.toISOString(), to: subject.period.to.toISOString() },
    access_activity_log: {
      events: activity.events,
      authorization_decisions: byPrefix('authz.decision.'),
      distinct_actors: activity.distinctActors,
      first_at: activity.firstAt,
      last_at: activity.lastAt,
      by_action: activity.byAction,
      audit_chain: { first_seq: activity.firstSeq, last_seq: activity.lastSeq, last_hash: activity.lastHash },
    },
    usage_activity: { gateway_events: byPrefix('gateway.'), billing_events: byPrefix('billing.') },
    terms_acceptance: terms ? { event_id: terms.id, occurred_at: terms.occurredAt, seq: terms.seq } : null,
    customer_communication: message
      ? [{ event_id: message.id, occurred_at: message.occurredAt, seq: message.seq }]
      : [],
    service_documentation: subject.serviceDocumentationUrl,
  };
}

/** The pack's text for the processor's evidence fields (Stripe's names). */
export function evidenceFromPack(pack: Record<string, unknown>): DisputeEvidence {
  const log = pack.access_activity_log as {
    events: number;
    distinct_actors: number;
    first_at: string | null;
    last_at: string | null;
    audit_chain: { first_seq: number | null; last_seq: number | null; last_hash: string | null };
  };
  const period = pack.period as { from: string; to: string };
  const payment = pack.payment as { id: string; created_at: string };
  return {
    access_activity_log:
      `${log.events} audited events by ${log.distinct_actors} principals between ${period.from} and ${period.to}` +
      ` (first ${log.first_at ?? 'none'}, last ${log.last_at ?? 'none'}); tamper-evident audit chain seq ` +
      `${log.audit_chain.first_seq ?? '-'}..${log.audit_chain.last_seq ?? '-'}, head ${log.audit_chain.last_hash ?? '-'}.`,
    service_date: payment.created_at.slice(0, 10),
    service_documentation: String(pack.service_documentation),
  };
}
