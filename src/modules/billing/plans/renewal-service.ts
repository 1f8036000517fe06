import type { Clock } from '../../../lib/clock.js';
import { isAppError } from '../../../lib/errors/index.js';
import type { OrgId } from '../../../lib/ids.js';
import { bumpOrgGeneration } from '../../../platform/cache-generation/index.js';
import type { Db, TenantSql } from '../../../platform/db/index.js';
import type { AuditLog } from '../../audit/index.js';
import type { OrgService } from '../../tenancy/index.js';
import type { BillingService, PaymentView } from '../payments/billing-service.js';
import { internalPaymentKey } from '../payments/internal-payment-key.js';
import type { RecoveryService } from '../recovery/recovery-service.js';
import { recoveryGraceOver } from '../recovery/recovery-grace.js';
import { planOf } from './catalogue.js';
import { monthAfter, type BillingPeriod } from './plan-charges.js';
import { appendSubscriptionEvent } from './subscription-event.js';
import { selectSubscription, upsertSubscription, type SubscriptionRow } from './subscription-repo.js';

/** Dependencies of the renewal job. */
export interface RenewalServiceDeps {
  db: Db;
  audit: AuditLog;
  clock: Clock;
  orgs: Pick<OrgService, 'allIds'>;
  payments: Pick<BillingService, 'pay'>;
  recovery: Pick<RecoveryService, 'openCase'>;
}

/** What one run of the renewal job did. */
export interface RenewalRunSummary {
  due: number;
  /** Paid periods charged and advanced. */
  renewed: number;
  /** Trials that ended and were charged into their plan. */
  converted: number;
  /** Declined renewals (the period advances and recovery retries) and declined trial conversions (to Free). */
  declined: number;
  /** Subscriptions dropped to Free unpaid: no card to charge, or the last failed payment still owed past its grace. */
  lapsed: number;
  /** Left for the next run: the processor was unreachable, or another node holds the charge. */
  deferred: number;
}

type RenewalOutcome = Exclude<keyof RenewalRunSummary, 'due'> | 'none';

const RENEWALS = { type: 'system' as const, id: 'billing_renewals' };

/**
 * True when a paid plan is owed its next period at `now`: an active paid period that has ended (or an active paid
 * plan that was never charged), or a trial that has ended.
 */
export function renewalDue(row: SubscriptionRow | null, now: Date): row is SubscriptionRow {
  if (!row || planOf(row.plan).priceCents === 0) return false;
  if (row.status === 'active') return row.current_period_end === null || row.current_period_end <= now;
  return row.status === 'trialing' && row.trial_ends_at !== null && row.trial_ends_at <= now;
}

/**
 * The period a due subscription is charged for: the one that starts where the paid period or the trial ended (now,
 * for a plan never charged). INVARIANT: the same row gives the same period at any time inside it, so the charge key
 * derived from it is stable across runs and nodes; a node down for longer skips the periods it missed rather than
 * charging them late.
 */
export function nextPeriod(row: SubscriptionRow, now: Date): BillingPeriod {
  let start = (row.status === 'trialing' ? row.trial_ends_at : row.current_period_end) ?? now;
  while (monthAfter(start) <= now) start = monthAfter(start);
  return { start, end: monthAfter(start) };
}

/**
 * The renewal job: every paid period that ended is charged off-session with the subscription's card under a key
 * derived from the subscription and the period, through the payment use case, and what the charge pays for commits
 * with its outcome. Paid: the period advances, or the trial becomes the plan. Declined: a renewal's period advances
 * and failed-payment recovery takes the payment over (its grace keeps the plan for a while, then drops it); a
 * trial's conversion disables the trial (Free). A subscription with no card, or whose last failed payment is still
 * owed past its grace, is not charged again: it drops to Free (`billing.subscription.canceled`).
 */
export class RenewalService {
  constructor(private readonly deps: RenewalServiceDeps) {}

  /** Charges every subscription due at `now`, org by org; the jobs runner calls this periodically. */
  async runDueRenewals(now: Date): Promise<RenewalRunSummary> {
    const summary: RenewalRunSummary = { due: 0, renewed: 0, converted: 0, declined: 0, lapsed: 0, deferred: 0 };
    const orgIds = await this.deps.orgs.allIds();
    const due = await this.deps.db.withPlatform(async (platform) => {
      const found: OrgId[] = [];
      for (const orgId of orgIds)
        if (await platform.inTenant(orgId, async (sql) => renewalDue(await selectSubscription(sql), now)))
          found.push(orgId);
      return found;
    });
    for (const orgId of due) {
      summary.due += 1;
      const outcome = await this.renew(orgId, now);
      if (outcome !== 'none') summary[outcome] += 1;
    }
    return summary;
  }

  private async renew(orgId: OrgId, now: Date): Promise<RenewalOutcome> {
    const basis = await this.deps.db.withTenant(orgId, async (sql) => {
      const row = await selectSubscription(sql, { forUpdate: true });
      if (!renewalDue(row, now)) return null;
      // SECURITY: a paid plan is only kept by paying for it; one that cannot be charged ends here.
      if (row.payment_method_id === null) return this.lapse(sql, row, 'billing.card_required');
      if (await recoveryGraceOver(sql, now, row.current_period_start))
        return this.lapse(sql, row, 'billing.payment_overdue');
      return { row, card: row.payment_method_id, period: nextPeriod(row, now) };
    });
    if (basis === null) return 'none';
    if (basis === 'lapsed') return basis;
    const { row, card, period } = basis;
    const plan = planOf(row.plan);
    let outcome: RenewalOutcome = 'deferred';
    try {
      await this.deps.payments.pay(
        orgId,
        (fn) => this.deps.db.withTenant(orgId, fn),
        RENEWALS,
        {
          paymentMethodId: card,
          amount: plan.priceCents,
          currency: plan.currency,
          description: `Bulwark ${plan.name} from ${period.start.toISOString().slice(0, 10)}`,
          offSession: true,
        },
        internalPaymentKey('renewal', `${row.id}\n${period.start.toISOString()}`, {
          plan: row.plan,
          amount: plan.priceCents,
          card,
        }),
        {},
        async (sql, payment) => {
          outcome = await this.settle(sql, row, period, payment);
        },
      );
    } catch (error) {
      if (isAppError(error, 'billing.processor_unavailable') || isAppError(error, 'billing.idempotency_in_progress'))
        return 'deferred';
      throw error;
    }
    return outcome;
  }

  // What a renewal's payment changes, in the transaction that records it. A replayed payment whose first settle
  // committed finds the subscription no longer due on the same basis, and changes nothing.
  private async settle(
    sql: TenantSql,
    basis: SubscriptionRow,
    period: BillingPeriod,
    payment: PaymentView,
  ): Promise<RenewalOutcome> {
    const current = await selectSubscription(sql, { forUpdate: true });
    if (!current || !sameBasis(current, basis) || !renewalDue(current, this.deps.clock.now())) return 'none';
    const trial = current.status === 'trialing';
    const charged = { payment_id: payment.id, amount: payment.amount, currency: payment.currency };
    if (payment.status === 'succeeded') {
      const row = await this.save(sql, current, {
        status: 'active',
        current_period_start: period.start,
        current_period_end: period.end,
        decline_code: null,
      });
      const action = trial ? 'billing.trial.converted' : 'billing.subscription.renewed';
      await this.record(sql, action, 'charge', [], row, charged);
      return trial ? 'converted' : 'renewed';
    }
    if (payment.status !== 'failed') return 'deferred';
    const declineCode = (payment.declineCode ?? 'card_declined').slice(0, 64);
    if (trial) {
      // The trial's end is kept: one trial per org.
      const row = await this.save(sql, current, { status: 'canceled', decline_code: declineCode });
      await this.record(sql, 'billing.trial.disabled', 'deny', ['billing.card_declined'], row, charged);
      return 'declined';
    }
    const row = await this.save(sql, current, {
      current_period_start: period.start,
      current_period_end: period.end,
      decline_code: declineCode,
    });
    const recovery = await this.deps.recovery.openCase(sql, payment.id);
    await this.record(sql, 'billing.subscription.renewal_failed', 'deny', ['billing.card_declined'], row, {
      ...charged,
      recovery_case_id: recovery.id,
    });
    return 'declined';
  }

  private async lapse(sql: TenantSql, row: SubscriptionRow, reason: string): Promise<'lapsed'> {
    const lapsed = await this.save(sql, row, {
      status: 'canceled',
      action_url: null,
      pending_plan: null,
      pending_payment_id: null,
    });
    await this.record(sql, 'billing.subscription.canceled', 'deny', [reason], lapsed);
    return 'lapsed';
  }

  // A change waiting on 3-D Secure stays pending across a renewal: its payment still settles it.
  private async save(sql: TenantSql, row: SubscriptionRow, change: Partial<SubscriptionRow>): Promise<SubscriptionRow> {
    const { version: _v, created_at: _c, updated_at: _u, ...rest } = row;
    const saved = await upsertSubscription(sql, { ...rest, ...change }, this.deps.clock.now());
    await bumpOrgGeneration(sql);
    return saved;
  }

  private async record(
    sql: TenantSql,
    action: string,
    decision: 'charge' | 'deny',
    reasonCodes: string[],
    row: SubscriptionRow,
    extra: Record<string, unknown> = {},
  ): Promise<void> {
    await appendSubscriptionEvent(this.deps.audit, sql, {
      actor: RENEWALS,
      action,
      decision,
      reasonCodes,
      facts: {},
      row,
      extra,
    });
  }
}

// Whether the subscription is still the one the charge was asked for: same plan, card and period (or trial) end.
function sameBasis(current: SubscriptionRow, basis: SubscriptionRow): boolean {
  return (
    current.id === basis.id &&
    current.plan === basis.plan &&
    current.status === basis.status &&
    current.payment_method_id === basis.payment_method_id &&
    current.current_period_end?.getTime() === basis.current_period_end?.getTime() &&
    current.trial_ends_at?.getTime() === basis.trial_ends_at?.getTime()
  );
}
