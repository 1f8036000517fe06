import type { Clock } from '../../../lib/clock.js';
import { appendBillingEvent } from '../billing-audit-event.js';
import { AppError } from '../../../lib/errors/index.js';
import { isId, newId, type OrgId } from '../../../lib/ids.js';
import type { Db, TenantSql } from '../../../platform/db/index.js';
import type { FieldCipher, FieldRef } from '../../../platform/vault/index.js';
import type { AuditEventInput, AuditLog } from '../../audit/index.js';
import type { OrgService } from '../../tenancy/index.js';
import { cardRef, customerRef } from '../payments/billing-service.js';
import { selectAccount, selectCard, selectPayment } from '../payments/repo.js';
import { ProcessorUnavailable, type PaymentOutcome, type PaymentProcessor, type ProcessorEvent } from '../ports.js';
import { classifyDecline } from './classify-decline.js';
import { authenticateMessage, updateCardMessage, type RenderedMessage } from './recovery-messages.js';
import {
  insertCase,
  insertOutboxMessage,
  selectActiveCases,
  selectCase,
  selectCaseByPayment,
  selectDueCaseIds,
  selectNewestCardSince,
  selectLatestCase,
  selectTotals,
  updateCase,
  type RecoveryCaseRow,
  type RecoveryState,
} from './repo.js';
import { graceEndsAt, slotAt } from './retry-schedule.js';

/** Dependencies of failed-payment recovery. */
export interface RecoveryServiceDeps {
  db: Db;
  cipher: FieldCipher;
  audit: AuditLog;
  clock: Clock;
  processor: PaymentProcessor;
  orgs: Pick<OrgService, 'allIds'>;
  /** Days an org keeps its paid entitlements after a failed payment (`billing.recoveryGraceDays`). */
  graceDays: number;
  /** The processor's hosted card page, linked from "update your card" e-mails (the sandbox's `/sandbox/tokenize`). */
  cardUpdateUrl: string | undefined;
}

/** A recovery case as the API and other modules see it. */
export interface RecoveryCaseView {
  id: string;
  paymentId: string;
  reason: RecoveryCaseRow['reason'];
  declineCode: string;
  state: RecoveryState;
  amount: number;
  currency: string;
  attempts: number;
  nextAttemptAt: Date | null;
  graceEndsAt: Date;
  openedAt: Date;
  closedAt: Date | null;
}

/** What one run of due recovery work did. */
export interface RecoveryRunSummary {
  orgs: number;
  due: number;
  charged: number;
  recovered: number;
  exhausted: number;
  awaitingCustomer: number;
  failed: number;
}

/** Whether an org is inside the grace period of an unpaid failed payment (for entitlements). */
export interface RecoveryStatus {
  /** `current`: nothing unpaid; `in_grace`: unpaid, entitlements kept; `grace_over`: unpaid past the grace period. */
  status: 'current' | 'in_grace' | 'grace_over';
  graceEndsAt: Date | null;
  activeCases: number;
}

/** The recovery report of one org over a period. */
export interface RecoveryReport {
  from: Date;
  to: Date;
  openCount: number;
  openAmount: number;
  recoveredCount: number;
  recoveredAmount: number;
  exhaustedCount: number;
  hardDeclinedCount: number;
  openCases: RecoveryCaseView[];
}

/** A processor event's effect on a recovery case, decided before the event id is stored and applied after. */
export interface RecoveryEventChange {
  applies: boolean;
  caseId: string;
  apply(): Promise<void>;
}

// How long an attempt at the processor keeps others off its case before a rerun may take it over (same key).
const ATTEMPT_LEASE_MS = 60_000;
const DUE_BATCH = 100;
const ACTOR = { type: 'system' as const, id: 'billing_recovery' };
const ACTIVE: readonly RecoveryState[] = ['open', 'awaiting_customer'];

const caseIntentRef = (id: string): FieldRef => ({
  table: 'billing_recovery_cases',
  column: 'intent_ciphertext',
  rowId: id,
});

function caseView(row: RecoveryCaseRow): RecoveryCaseView {
  return {
    id: row.id,
    paymentId: row.payment_id,
    reason: row.reason,
    declineCode: row.decline_code,
    state: row.state,
    amount: Number(row.amount),
    currency: row.currency,
    attempts: row.attempts,
    nextAttemptAt: row.next_attempt_at,
    graceEndsAt: row.grace_ends_at,
    openedAt: row.opened_at,
    closedAt: row.closed_at,
  };
}

/** The idempotency key of attempt `attempt` of a case: the same attempt, rerun after a crash, never charges twice. */
export function recoveryAttemptKey(caseId: string, attempt: number): string {
  return `bulwark-recovery-${caseId}-${attempt}`;
}

type ChargePlan = {
  caseId: string;
  attempt: number;
  customerId: string;
  cardId: string;
  amount: number;
  currency: string;
  offSession: boolean;
};

/**
 * Failed-payment recovery: each failed payment becomes a case classified by its decline code; soft declines are
 * retried off-session on a schedule that fits the reason, expired cards and 3-D Secure wait for the customer (asked
 * by an e-mail in the billing outbox with a hosted link), hard declines are never retried. Every step is audited
 * (`billing.recovery.*`) in the transaction that makes it.
 */
export class RecoveryService {
  constructor(private readonly deps: RecoveryServiceDeps) {}

  /**
   * Opens the recovery case of a failed payment in the caller's transaction (the renewal that failed), classified by
   * its decline code (`billing.recovery.scheduled`; an expired card also queues its e-mail). Returns the existing
   * case when the payment has one; `billing.payment_not_found` unless the payment exists and failed.
   */
  async openCase(sql: TenantSql, paymentId: string, requestId?: string): Promise<RecoveryCaseView> {
    const existing = await selectCaseByPayment(sql, paymentId);
    if (existing) return caseView(existing);
    const payment = isId('pay', paymentId) ? await selectPayment(sql, paymentId) : null;
    if (!payment || payment.status !== 'failed') throw new AppError('billing.payment_not_found');
    const now = this.deps.clock.now();
    const declineCode = (payment.decline_code ?? 'generic_decline').slice(0, 64);
    const reason = classifyDecline(declineCode);
    const hard = reason === 'hard_decline';
    const state: RecoveryState = hard ? 'hard_declined' : reason === 'expired_card' ? 'awaiting_customer' : 'open';
    const id = newId('rcv', now.getTime());
    const graceEnd = graceEndsAt(now, this.deps.graceDays);
    const row = {
      id,
      payment_id: payment.id,
      payment_method_id: payment.payment_method_id,
      reason,
      decline_code: declineCode,
      state,
      amount: Number(payment.amount),
      currency: payment.currency,
      next_attempt_at: slotAt(reason, now, 0),
      opened_at: now,
      grace_ends_at: graceEnd,
      closed_at: hard ? now : null,
    };
    if (!(await insertCase(sql, row))) {
      const winner = await selectCaseByPayment(sql, paymentId);
      if (!winner) throw new AppError('billing.payment_not_found');
      return caseView(winner);
    }
    await this.record(sql, 'billing.recovery.scheduled', hard ? 'deny' : 'info', [`billing.recovery.${reason}`], {
      case_id: id,
      payment_id: payment.id,
      reason,
      decline_code: declineCode,
      state,
      next_attempt_at: row.next_attempt_at?.toISOString() ?? null,
      ...(requestId ? { request_id: requestId } : {}),
    });
    if (reason === 'expired_card')
      await this.askCustomer(
        sql,
        id,
        updateCardMessage({
          amount: row.amount,
          currency: row.currency,
          url: this.deps.cardUpdateUrl ?? null,
          graceEndsAt: graceEnd,
        }),
        reason,
      );
    const stored = await selectCase(sql, id);
    if (!stored) throw new AppError('billing.payment_not_found');
    return caseView(stored);
  }

  /** Opens the recovery case of a failed payment in a transaction of its own (see `openCase`). */
  async openRecoveryCase(orgId: OrgId, paymentId: string): Promise<RecoveryCaseView> {
    return this.deps.db.withTenant(orgId, (sql) => this.openCase(sql, paymentId));
  }

  /**
   * Runs every recovery step due at `now`, org by org, each case in transactions of its own: a retry claims its
   * attempt (committed), charges off-session under the attempt's idempotency key, then records the outcome with its
   * audit events. A case whose attempt crashed is taken over after a minute and asked again under the same key, so
   * the processor answers with the charge it already made. The jobs runner calls this periodically.
   */
  async runDueRecoveryAttempts(now: Date): Promise<RecoveryRunSummary> {
    const summary: RecoveryRunSummary = {
      orgs: 0,
      due: 0,
      charged: 0,
      recovered: 0,
      exhausted: 0,
      awaitingCustomer: 0,
      failed: 0,
    };
    const orgIds = await this.deps.orgs.allIds();
    const due = await this.deps.db.withPlatform(async (platform) => {
      const found: { orgId: OrgId; caseIds: string[] }[] = [];
      for (const orgId of orgIds) {
        const caseIds = await platform.inTenant(orgId, (sql) => selectDueCaseIds(sql, now, DUE_BATCH));
        if (caseIds.length > 0) found.push({ orgId, caseIds });
      }
      return found;
    });
    for (const { orgId, caseIds } of due) {
      summary.orgs += 1;
      for (const caseId of caseIds) {
        summary.due += 1;
        const result = await this.step(orgId, caseId, now);
        if (result === 'charged' || result === 'recovered' || result === 'awaiting_customer') summary.charged += 1;
        if (result === 'recovered') summary.recovered += 1;
        if (result === 'exhausted') summary.exhausted += 1;
        if (result === 'awaiting_customer') summary.awaitingCustomer += 1;
        if (result === 'unavailable') summary.failed += 1;
      }
    }
    return summary;
  }

  // One due step of one case: claim, charge, record.
  private async step(orgId: OrgId, caseId: string, now: Date): Promise<string> {
    const plan = await this.deps.db.withTenant(orgId, (sql) => this.plan(sql, caseId, now));
    if (typeof plan === 'string') return plan;
    let outcome: PaymentOutcome;
    try {
      outcome = await this.deps.processor.pay(
        {
          customerId: plan.customerId,
          cardId: plan.cardId,
          amount: plan.amount,
          currency: plan.currency,
          offSession: plan.offSession,
          metadata: {
            bulwark_org_id: orgId,
            bulwark_recovery_case_id: caseId,
            bulwark_recovery_attempt: String(plan.attempt),
          },
        },
        recoveryAttemptKey(caseId, plan.attempt),
      );
    } catch (error) {
      if (!(error instanceof ProcessorUnavailable)) throw error;
      // The claim is freed at once; the next run asks again under the same key.
      await this.deps.db.withTenant(orgId, (sql) =>
        updateCase(sql, caseId, { attempt_claimed_at: new Date(0), updated_at: this.deps.clock.now() }),
      );
      return 'unavailable';
    }
    return this.deps.db.withTenant(orgId, (sql) => this.recordAttempt(sql, plan, outcome));
  }

  // Decides the case's due step; a charge is claimed (committed before the processor is asked).
  private async plan(sql: TenantSql, caseId: string, now: Date): Promise<ChargePlan | string> {
    // The chain first, then the case row: the order the processor's webhook intake takes them in.
    await this.deps.audit.lockChain(sql);
    const row = await selectCase(sql, caseId, { forUpdate: true });
    if (!row || !ACTIVE.includes(row.state) || !row.next_attempt_at || row.next_attempt_at > now) return 'skipped';
    const at = this.deps.clock.now();
    if (row.attempt_claimed_at !== null) {
      if (now.getTime() - row.attempt_claimed_at.getTime() < ATTEMPT_LEASE_MS) return 'in_flight';
      // INVARIANT: a taken-over attempt keeps its number, hence its idempotency key: the processor replays it.
      await updateCase(sql, caseId, { attempt_claimed_at: at, updated_at: at });
      return this.chargePlan(sql, row, row.attempts, row.payment_method_id);
    }
    if (row.reason === 'authentication_required' && row.state === 'awaiting_customer')
      return this.exhaust(sql, row, 'billing.recovery.customer_did_not_act');
    if (slotAt(row.reason, row.opened_at, row.step) === null)
      return this.exhaust(sql, row, 'billing.recovery.schedule_over');
    let cardId = row.payment_method_id;
    if (row.reason === 'expired_card') {
      // SECURITY/INVARIANT: an expired card is never charged again; only a card the customer added since is.
      const newer = await selectNewestCardSince(sql, row.opened_at, row.payment_method_id);
      if (!newer) {
        const next = slotAt(row.reason, row.opened_at, row.step + 1);
        if (next === null) return this.exhaust(sql, row, 'billing.recovery.customer_did_not_act');
        await updateCase(sql, caseId, { step: row.step + 1, next_attempt_at: next, updated_at: at });
        return 'waiting';
      }
      cardId = newer;
    }
    const attempt = row.attempts + 1;
    await updateCase(sql, caseId, {
      step: row.step + 1,
      attempts: attempt,
      attempt_claimed_at: at,
      payment_method_id: cardId,
      updated_at: at,
    });
    return this.chargePlan(sql, row, attempt, cardId);
  }

  private async chargePlan(sql: TenantSql, row: RecoveryCaseRow, attempt: number, cardId: string) {
    const card = await selectCard(sql, cardId);
    const account = await selectAccount(sql);
    if (!card || !account) throw new AppError('billing.payment_method_not_found');
    return {
      caseId: row.id,
      attempt,
      cardId: await this.deps.cipher.decryptString(sql, cardRef(card.id), card.processor_ciphertext),
      customerId: await this.deps.cipher.decryptString(sql, customerRef(sql.orgId), account),
      amount: Number(row.amount),
      currency: row.currency,
      // 3-D Secure needs the customer: that attempt is on-session and waits on the hosted page.
      offSession: row.reason !== 'authentication_required',
    };
  }

  private async exhaust(sql: TenantSql, row: RecoveryCaseRow, reasonCode: string): Promise<'exhausted'> {
    const at = this.deps.clock.now();
    await updateCase(sql, row.id, {
      state: 'exhausted',
      next_attempt_at: null,
      attempt_claimed_at: null,
      closed_at: at,
      updated_at: at,
    });
    await this.record(sql, 'billing.recovery.exhausted', 'deny', [reasonCode, `billing.recovery.${row.reason}`], {
      case_id: row.id,
      payment_id: row.payment_id,
      reason: row.reason,
      attempts: row.attempts,
    });
    return 'exhausted';
  }

  // Records the processor's answer to an attempt, unless someone recorded it already.
  private async recordAttempt(sql: TenantSql, plan: ChargePlan, outcome: PaymentOutcome): Promise<string> {
    await this.deps.audit.lockChain(sql);
    const row = await selectCase(sql, plan.caseId, { forUpdate: true });
    if (!row || row.attempts !== plan.attempt || row.attempt_claimed_at === null || !ACTIVE.includes(row.state))
      return 'skipped';
    const at = this.deps.clock.now();
    const intent = outcome.intentId
      ? await this.deps.cipher.encrypt(sql, caseIntentRef(row.id), outcome.intentId)
      : row.intent_ciphertext;
    const base = { case_id: row.id, payment_id: row.payment_id, reason: row.reason, attempt: plan.attempt };
    if (outcome.status === 'succeeded') {
      await updateCase(sql, row.id, {
        state: 'recovered',
        intent_ciphertext: intent,
        next_attempt_at: null,
        attempt_claimed_at: null,
        closed_at: at,
        recovered_amount: plan.amount,
        updated_at: at,
      });
      await this.record(sql, 'billing.recovery.retried', 'charge', [`billing.recovery.${row.reason}`], {
        ...base,
        outcome: 'succeeded',
      });
      await this.record(sql, 'billing.recovery.recovered', 'charge', [`billing.recovery.${row.reason}`], {
        ...base,
        amount: plan.amount,
        currency: plan.currency,
      });
      return 'recovered';
    }
    if (outcome.status === 'requires_action') {
      await updateCase(sql, row.id, {
        state: 'awaiting_customer',
        intent_ciphertext: intent,
        action_url: outcome.actionUrl.slice(0, 2048),
        next_attempt_at: row.grace_ends_at,
        attempt_claimed_at: null,
        updated_at: at,
      });
      await this.record(sql, 'billing.recovery.retried', 'info', [`billing.recovery.${row.reason}`], {
        ...base,
        outcome: 'requires_action',
      });
      await this.askCustomer(
        sql,
        row.id,
        authenticateMessage({
          amount: plan.amount,
          currency: plan.currency,
          url: outcome.actionUrl,
          graceEndsAt: row.grace_ends_at,
        }),
        row.reason,
      );
      return 'awaiting_customer';
    }
    const declineCode = outcome.declineCode.slice(0, 64);
    const retryReason = classifyDecline(declineCode);
    await this.record(
      sql,
      'billing.recovery.retried',
      'deny',
      ['billing.card_declined', `billing.recovery.${retryReason}`],
      {
        ...base,
        outcome: 'failed',
        decline_code: declineCode,
      },
    );
    // A retry that comes back as a hard decline ends the case: it is never retried again.
    if (retryReason === 'hard_decline') {
      await updateCase(sql, row.id, {
        state: 'hard_declined',
        last_decline_code: declineCode,
        intent_ciphertext: intent,
        next_attempt_at: null,
        attempt_claimed_at: null,
        closed_at: at,
        updated_at: at,
      });
      return 'exhausted';
    }
    const next = slotAt(row.reason, row.opened_at, row.step);
    await updateCase(sql, row.id, {
      last_decline_code: declineCode,
      intent_ciphertext: intent,
      next_attempt_at: next,
      attempt_claimed_at: null,
      updated_at: at,
    });
    if (next === null) return this.exhaust(sql, { ...row, attempts: plan.attempt }, 'billing.recovery.schedule_over');
    return 'charged';
  }

  private async askCustomer(sql: TenantSql, caseId: string, message: RenderedMessage, reason: string) {
    const at = this.deps.clock.now();
    const id = newId('msg', at.getTime());
    await insertOutboxMessage(sql, {
      id,
      kind: message.kind,
      caseId,
      subject: message.subject,
      body: message.body,
      at,
    });
    await this.record(sql, 'billing.recovery.customer_action_requested', 'info', [`billing.recovery.${reason}`], {
      case_id: caseId,
      message_id: id,
      kind: message.kind,
    });
  }

  /**
   * What a verified processor event changes in a recovery case (the webhook intake calls it in its transaction,
   * after taking the audit chain lock): `payment_intent.succeeded` for the intent a case waits on (3-D Secure
   * completed by the customer) recovers it. Null when the event is not about a recovery case of this org.
   */
  async eventChange(sql: TenantSql, event: ProcessorEvent): Promise<RecoveryEventChange | null> {
    const caseId = event.object.metadata?.bulwark_recovery_case_id;
    if (event.object.object !== 'payment_intent' || !caseId || !isId('rcv', caseId)) return null;
    const row = await selectCase(sql, caseId, { forUpdate: true });
    if (!row) return null;
    const noChange = { applies: false, caseId, apply: async () => undefined };
    if (event.type !== 'payment_intent.succeeded' || row.state !== 'awaiting_customer' || !row.intent_ciphertext)
      return noChange;
    // SECURITY: only the intent this case is waiting on recovers it (not another intent naming the case).
    const intent = await this.deps.cipher.decryptString(sql, caseIntentRef(caseId), row.intent_ciphertext);
    if (intent !== event.object.id) return null;
    return {
      applies: true,
      caseId,
      apply: async () => {
        const at = this.deps.clock.now();
        await updateCase(sql, caseId, {
          state: 'recovered',
          next_attempt_at: null,
          attempt_claimed_at: null,
          closed_at: at,
          recovered_amount: Number(row.amount),
          updated_at: at,
        });
        await this.record(sql, 'billing.recovery.recovered', 'charge', [`billing.recovery.${row.reason}`], {
          case_id: caseId,
          payment_id: row.payment_id,
          reason: row.reason,
          amount: Number(row.amount),
          currency: row.currency,
          via: 'customer_action',
        });
      },
    };
  }

  /**
   * Whether the org owes a failed payment and is still in its grace period (for entitlements: drop to Free on
   * `grace_over`). Reads the org's latest case in the caller's transaction.
   */
  async recoveryStatus(sql: TenantSql): Promise<RecoveryStatus> {
    const active = await selectActiveCases(sql);
    const latest = await selectLatestCase(sql);
    if (!latest || latest.state === 'recovered') return { status: 'current', graceEndsAt: null, activeCases: 0 };
    const graceEnd = latest.grace_ends_at;
    const status = this.deps.clock.now() < graceEnd ? 'in_grace' : 'grace_over';
    return { status, graceEndsAt: graceEnd, activeCases: active.length };
  }

  /**
   * The org's recovery report: cases open now; recovered (count, amount), exhausted and hard-declined in [from, to)
   * (by default the 30 days up to now).
   */
  async report(orgId: OrgId, period: { from?: Date; to?: Date } = {}): Promise<RecoveryReport> {
    const to = period.to ?? this.deps.clock.now();
    const from = period.from ?? new Date(to.getTime() - 30 * 24 * 60 * 60 * 1000);
    if (from >= to)
      throw new AppError('http.bad_request', {
        publicMessage: 'from must be before to',
        details: { issues: [{ field: 'query.from', message: 'must be before to' }] },
      });
    return this.deps.db.withTenant(orgId, async (sql) => {
      const totals = await selectTotals(sql, from, to);
      const open = await selectActiveCases(sql);
      return {
        from,
        to,
        openCount: totals.open_count,
        openAmount: Number(totals.open_amount),
        recoveredCount: totals.recovered_count,
        recoveredAmount: Number(totals.recovered_amount),
        exhaustedCount: totals.exhausted_count,
        hardDeclinedCount: totals.hard_declined_count,
        openCases: open.slice(0, 100).map(caseView),
      };
    });
  }

  private async record(
    sql: TenantSql,
    action: string,
    decision: AuditEventInput['decision'],
    reasonCodes: string[],
    details: Record<string, unknown>,
  ): Promise<void> {
    await appendBillingEvent(this.deps.audit, sql, { actor: ACTOR, action, decision, reasonCodes, details });
  }
}
