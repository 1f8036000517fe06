import { createHash } from 'node:crypto';
import type { OrgId } from '../../src/lib/ids.js';
import type { BillingKit } from './billing-kit.js';

/** Test helpers for failed-payment recovery on a billing kit (org A). */
export function recoveryOf(kit: BillingKit) {
  const { runtime } = kit;
  const billing = runtime.services.billing;
  const orgId = kit.ctx.a.orgId as OrgId;
  return {
    orgId,
    recovery: billing.recovery,
    now: () => runtime.clock.now(),
    /** Advances the node's and the sandbox's clock by whole days and runs the due recovery attempts. */
    async runAfterDays(days: number) {
      kit.shiftClock(days * 86_400);
      const summary = await billing.recovery.runDueRecoveryAttempts(runtime.clock.now());
      await kit.delivered();
      return summary;
    },
    /** An off-session renewal charge of a saved card through the payment use case; returns the payment. */
    async renew(cardId: string, key: string, amount = 2_000) {
      const result = await billing.payments.pay(
        orgId,
        (fn) => runtime.db.withTenant(orgId, fn),
        { type: 'system', id: 'renewals' },
        { paymentMethodId: cardId, amount, currency: 'usd', offSession: true },
        { key, requestHash: createHash('sha256').update(key).digest('hex') },
        {},
      );
      await kit.delivered();
      return result.payment;
    },
    /** The sandbox's events of a type whose object names this recovery case. */
    eventsOfCase(type: string, caseId: string) {
      type Event = { type: string; data: { object: { metadata?: Record<string, string> } } };
      return (kit.sandbox.webhooks.list() as unknown as Event[]).filter(
        (e) => e.type === type && e.data.object.metadata?.bulwark_recovery_case_id === caseId,
      );
    },
    async caseRow(caseId: string) {
      return runtime.db.withTenant(orgId, async (sql) => {
        const { rows } = await sql.query<{ state: string; attempts: number }>(
          'SELECT state, attempts FROM billing_recovery_cases WHERE org_id = $1 AND id = $2',
          [orgId, caseId],
        );
        return rows[0];
      });
    },
    async outbox() {
      return runtime.db.withTenant(orgId, async (sql) => {
        const { rows } = await sql.query<{ kind: string; subject: string; body: string; case_id: string }>(
          'SELECT kind, subject, body, case_id FROM billing_outbox WHERE org_id = $1 ORDER BY created_at',
          [orgId],
        );
        return rows;
      });
    },
    async auditActions() {
      return runtime.db.withTenant(orgId, async (sql) => {
        const { rows } = await sql.query<{ action: string }>(
          "SELECT action FROM audit_events WHERE org_id = $1 AND action LIKE 'billing.recovery.%' ORDER BY seq",
          [orgId],
        );
        return rows.map((r) => r.action);
      });
    },
  };
}
