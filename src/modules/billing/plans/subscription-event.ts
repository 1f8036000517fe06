import type { TenantSql } from '../../../platform/db/index.js';
import type { AuditActor, AuditDecision, AuditLog } from '../../audit/index.js';
import { appendBillingEvent, type RequestFacts } from '../billing-audit-event.js';
import type { SubscriptionRow } from './subscription-repo.js';

/** One decision about the org's subscription, as the audit log records it. */
export interface SubscriptionEvent {
  actor: AuditActor;
  action: string;
  decision: AuditDecision;
  reasonCodes: string[];
  facts: RequestFacts;
  /** The subscription as the decision left it (null: the org still has none). */
  row: SubscriptionRow | null;
  extra?: Record<string, unknown>;
}

/** Appends a subscription decision, with the subscription's state after it, in the caller's transaction. */
export async function appendSubscriptionEvent(
  audit: AuditLog,
  sql: TenantSql,
  event: SubscriptionEvent,
): Promise<void> {
  const { row } = event;
  await appendBillingEvent(audit, sql, {
    actor: event.actor,
    action: event.action,
    decision: event.decision,
    reasonCodes: event.reasonCodes,
    facts: event.facts,
    details: { ...(row ? subscriptionDetails(row) : {}), ...event.extra },
  });
}

function subscriptionDetails(row: SubscriptionRow): Record<string, unknown> {
  return {
    subscription_id: row.id,
    plan: row.plan,
    status: row.status,
    version: row.version,
    ...(row.trial_ends_at ? { trial_ends_at: row.trial_ends_at.toISOString() } : {}),
    ...(row.current_period_end ? { current_period_end: row.current_period_end.toISOString() } : {}),
    ...(row.decline_code ? { decline_code: row.decline_code } : {}),
  };
}
