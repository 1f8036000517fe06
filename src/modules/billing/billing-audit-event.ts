import type { TenantSql } from '../../platform/db/index.js';
import type { AuditActor, AuditEventInput, AuditLog } from '../audit/index.js';

/** Request facts every audit event carries. */
export interface RequestFacts {
  requestId?: string;
  clientIp?: string;
  userAgent?: string;
}

/** One billing decision as the audit log records it. */
export interface BillingEvent {
  actor: AuditActor;
  action: string;
  decision: AuditEventInput['decision'];
  reasonCodes: string[];
  /** The request it came with (none for the processor's webhooks and the recovery job). */
  facts?: RequestFacts;
  details: Record<string, unknown>;
  /** What the decision is about; the org itself when absent. */
  resource?: { type: string; id: string };
}

/** Appends a billing decision to the org's audit chain in the caller's transaction. */
export async function appendBillingEvent(audit: AuditLog, sql: TenantSql, event: BillingEvent): Promise<void> {
  await audit.append(sql, [
    {
      orgId: sql.orgId,
      actor: event.actor,
      action: event.action,
      resource: event.resource ?? { type: 'Org', id: sql.orgId },
      decision: event.decision,
      reasonCodes: event.reasonCodes,
      ...event.facts,
      details: event.details,
    },
  ]);
}
