import type { Clock } from '../../../lib/clock.js';
import { appendBillingEvent, type RequestFacts } from '../billing-audit-event.js';
import { AppError } from '../../../lib/errors/index.js';
import { isId, newId, type OrgId } from '../../../lib/ids.js';
import type { Db, TenantSql } from '../../../platform/db/index.js';
import type { FieldCipher, FieldRef } from '../../../platform/vault/index.js';
import type { AuditActor, AuditEventInput, AuditLog } from '../../audit/index.js';
import { publishEvent } from '../../webhooks/index.js';
import { CardDeclined, ProcessorUnavailable, type PaymentOutcome, type PaymentProcessor } from '../ports.js';
import { advances } from './payment-status.js';
import {
  claimPayment,
  insertAccount,
  insertCard,
  recordOutcome,
  reclaimPayment,
  releaseClaim,
  selectAccount,
  selectCard,
  selectCards,
  selectPayment,
  selectPaymentByKey,
  selectPayments,
  type CardRow,
  type PaymentRow,
  type PaymentStatus,
} from './repo.js';

/** Dependencies of the billing use cases. */
export interface BillingServiceDeps {
  db: Db;
  cipher: FieldCipher;
  audit: AuditLog;
  clock: Clock;
  processor: PaymentProcessor;
}

export type { RequestFacts } from '../billing-audit-event.js';

/** Runs work in the route's tenant transaction (its authorization decision commits with it). */
export type TenantScope = <R>(fn: (sql: TenantSql) => Promise<R>) => Promise<R>;

/** A saved card as the API shows it. */
export interface CardView {
  id: string;
  brand: string;
  last4: string;
  expMonth: number;
  expYear: number;
  createdAt: Date;
}

/** A payment as the API shows it. */
export interface PaymentView {
  id: string;
  status: PaymentStatus;
  amount: number;
  currency: string;
  description: string | null;
  paymentMethodId: string;
  declineCode: string | null;
  /** Where the customer completes 3-D Secure while the status is `requires_action`. */
  actionUrl: string | null;
  createdAt: Date;
  updatedAt: Date;
}

/** A charge as requested. */
export interface NewPayment {
  paymentMethodId: string;
  amount: number;
  currency: string;
  description?: string;
  /** A charge the customer is not present for (a renewal): never routed through 3-D Secure. */
  offSession?: boolean;
}

// How long a pending claim keeps a retry out (409) before the retry may take the charge over.
const CLAIM_LEASE_MS = 60_000;

/** The field an org's processor customer id is encrypted for. */
export const customerRef = (orgId: string): FieldRef => ({
  table: 'billing_accounts',
  column: 'customer_ciphertext',
  rowId: orgId,
});
/** The field a saved card's processor id is encrypted for. */
export const cardRef = (id: string): FieldRef => ({
  table: 'billing_payment_methods',
  column: 'processor_ciphertext',
  rowId: id,
});
/** The field a payment's processor intent id is encrypted for. */
export const intentRef = (id: string): FieldRef => ({
  table: 'billing_payments',
  column: 'intent_ciphertext',
  rowId: id,
});

function cardView(row: CardRow): CardView {
  return {
    id: row.id,
    brand: row.brand,
    last4: row.last4,
    expMonth: row.exp_month,
    expYear: row.exp_year,
    createdAt: row.created_at,
  };
}

/** A payment row as the API shows it. */
export function paymentView(row: PaymentRow): PaymentView {
  return {
    id: row.id,
    status: row.status,
    amount: Number(row.amount),
    currency: row.currency,
    description: row.description,
    paymentMethodId: row.payment_method_id,
    declineCode: row.decline_code,
    actionUrl: row.action_url,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

function unavailable(cause: unknown): AppError {
  return new AppError('billing.processor_unavailable', { cause });
}

function auditActionOf(status: PaymentStatus): string {
  if (status === 'succeeded') return 'billing.payment.succeeded';
  if (status === 'requires_action') return 'billing.payment.action_required';
  return 'billing.payment.declined';
}

/**
 * Use cases of payments: saved cards (processor tokens only), idempotent charges with 3-D Secure, and the state a
 * processor's webhook events move them to. Processor ids are encrypted with the field cipher bound to their row.
 */
export class BillingService {
  constructor(private readonly deps: BillingServiceDeps) {}

  /**
   * Saves a card from its processor token (`billing.payment_method.added`), creating the org's processor customer on
   * first use. A card the processor declines is recorded (`billing.payment_method.declined`) and returned as such.
   */
  async addCard(
    sql: TenantSql,
    actor: AuditActor,
    token: string,
    facts: RequestFacts,
  ): Promise<{ card: CardView } | { declined: { declineCode: string } }> {
    const customerId = await this.customerOf(sql);
    const now = this.deps.clock.now();
    let summary;
    try {
      summary = await this.deps.processor.attachCard(token, customerId);
    } catch (error) {
      if (error instanceof ProcessorUnavailable) throw unavailable(error);
      if (!(error instanceof CardDeclined)) throw error;
      const declineCode = error.declineCode;
      await this.record(sql, actor, 'billing.payment_method.declined', 'deny', ['billing.card_declined'], facts, {
        decline_code: declineCode,
      });
      return { declined: { declineCode } };
    }
    const id = newId('pmt', now.getTime());
    const row: CardRow = {
      id,
      processor_ciphertext: await this.deps.cipher.encrypt(sql, cardRef(id), summary.processorId),
      brand: summary.brand.slice(0, 32),
      last4: summary.last4,
      exp_month: summary.expMonth,
      exp_year: summary.expYear,
      created_by: actor.id ?? actor.type,
      created_at: now,
    };
    await insertCard(sql, row);
    await this.record(sql, actor, 'billing.payment_method.added', 'allow', [], facts, {
      payment_method_id: id,
      brand: row.brand,
      last4: row.last4,
    });
    return { card: cardView(row) };
  }

  /** The org's saved cards. */
  async listCards(orgId: OrgId): Promise<CardView[]> {
    return this.deps.db.withTenant(orgId, async (sql) => (await selectCards(sql)).map(cardView));
  }

  /**
   * Charges a saved card once per `Idempotency-Key`. The key is claimed first with a pending payment (committed on
   * its own, so a concurrent duplicate sees it and gets 409); then the processor is asked with an idempotency key of
   * its own derived from the payment id; then the outcome, its audit event and the route's decision commit together
   * in `finalize`. INVARIANT: a payment id is asked of the processor under one processor key only, so a crash or an
   * unreachable processor leaves a claim that a retry takes over, and the processor answers that retry with the
   * charge it already made instead of making a second one.
   *
   * `settle`, when given, runs in the finalizing transaction with the recorded payment (also with a replayed one,
   * whose first finalize may have crashed after a webhook recorded it): what the charge pays for commits with it.
   */
  async pay(
    orgId: OrgId,
    finalize: TenantScope,
    actor: AuditActor,
    input: NewPayment,
    key: { key: string; requestHash: string },
    facts: RequestFacts,
    settle?: (sql: TenantSql, payment: PaymentView) => Promise<void>,
  ): Promise<{ payment: PaymentView; replayed: boolean }> {
    const claim = await this.claim(orgId, actor, input, key);
    if ('replay' in claim) {
      // The replay changes nothing, but the route's decision to allow it is recorded like any other.
      await finalize(async (sql) => settle?.(sql, claim.replay));
      return { payment: claim.replay, replayed: true };
    }
    let outcome: PaymentOutcome;
    try {
      outcome = await this.deps.processor.pay(
        {
          customerId: claim.customerId,
          cardId: claim.cardId,
          // A taken-over claim is asked again with what it was first asked with, as the processor key demands.
          amount: claim.amount,
          currency: claim.currency,
          metadata: { bulwark_org_id: orgId, bulwark_payment_id: claim.paymentId },
          ...(input.offSession === true ? { offSession: true } : {}),
          ...(input.description !== undefined ? { description: input.description } : {}),
        },
        `bulwark-payment-${claim.paymentId}`,
      );
    } catch (error) {
      await this.deps.db.withTenant(orgId, (sql) => releaseClaim(sql, claim.paymentId));
      throw error instanceof ProcessorUnavailable ? unavailable(error) : error;
    }
    const payment = await this.finalizeOrRelease(orgId, claim.paymentId, finalize, async (sql) => {
      const now = this.deps.clock.now();
      const current = await selectPayment(sql, claim.paymentId, { forUpdate: true });
      if (!current) throw new AppError('billing.payment_not_found');
      const intentCiphertext = outcome.intentId
        ? await this.deps.cipher.encrypt(sql, intentRef(claim.paymentId), outcome.intentId)
        : null;
      // A webhook may have recorded a later state while the processor call was answering; it is kept.
      const status = advances(current.status, outcome.status) ? outcome.status : current.status;
      await recordOutcome(sql, claim.paymentId, {
        status,
        intentCiphertext,
        declineCode: outcome.status === 'failed' ? outcome.declineCode.slice(0, 64) : current.decline_code,
        actionUrl: outcome.status === 'requires_action' ? outcome.actionUrl : null,
        at: now,
      });
      await this.record(
        sql,
        actor,
        auditActionOf(outcome.status),
        outcome.status === 'failed' ? 'deny' : 'charge',
        outcome.status === 'failed' ? ['billing.card_declined'] : [],
        facts,
        {
          payment_id: claim.paymentId,
          amount: claim.amount,
          currency: claim.currency,
          ...(outcome.status === 'failed' ? { decline_code: outcome.declineCode } : {}),
        },
      );
      const stored = await selectPayment(sql, claim.paymentId);
      if (!stored) throw new AppError('billing.payment_not_found');
      const view = paymentView(stored);
      await settle?.(sql, view);
      // The org's webhook endpoints hear of the outcome; its deliveries commit with it.
      if (outcome.status !== 'requires_action')
        await publishEvent(sql, {
          type: outcome.status === 'succeeded' ? 'billing.payment.succeeded' : 'billing.payment.declined',
          data: {
            payment_id: claim.paymentId,
            amount: claim.amount,
            currency: claim.currency,
            status: stored.status,
            ...(outcome.status === 'failed' ? { decline_code: outcome.declineCode } : {}),
          },
          at: now,
        });
      return view;
    });
    return { payment, replayed: false };
  }

  // A finalize that fails leaves the claim free at once: the processor already holds the charge under the payment's
  // key, so the retry that takes the claim over gets that charge back, never a second one.
  private async finalizeOrRelease<R>(
    orgId: OrgId,
    paymentId: string,
    finalize: TenantScope,
    fn: (sql: TenantSql) => Promise<R>,
  ): Promise<R> {
    try {
      return await finalize(fn);
    } catch (error) {
      await this.deps.db.withTenant(orgId, (sql) => releaseClaim(sql, paymentId)).catch(() => undefined);
      throw error;
    }
  }

  /** The org's payments, newest first. */
  async listPayments(orgId: OrgId, limit: number, after?: { createdAt: Date; id: string }): Promise<PaymentView[]> {
    return this.deps.db.withTenant(orgId, async (sql) => (await selectPayments(sql, limit, after)).map(paymentView));
  }

  /** One payment of the org. */
  async getPayment(orgId: OrgId, id: string): Promise<PaymentView> {
    if (!isId('pay', id)) throw new AppError('billing.payment_not_found');
    const row = await this.deps.db.withTenant(orgId, (sql) => selectPayment(sql, id));
    if (!row) throw new AppError('billing.payment_not_found');
    return paymentView(row);
  }

  // Claims the key in a short transaction of its own; answers a finished retry with its stored result.
  private async claim(
    orgId: OrgId,
    actor: AuditActor,
    input: NewPayment,
    key: { key: string; requestHash: string },
  ): Promise<
    | { replay: PaymentView }
    | { paymentId: string; customerId: string; cardId: string; amount: number; currency: string }
  > {
    return this.deps.db.withTenant(orgId, async (sql) => {
      const now = this.deps.clock.now();
      const existing = await selectPaymentByKey(sql, key.key);
      let paymentId: string;
      if (existing) {
        if (existing.request_hash !== key.requestHash) throw new AppError('billing.idempotency_conflict');
        if (existing.status !== 'pending') return { replay: paymentView(existing) };
        const leased = now.getTime() - existing.claimed_at.getTime() < CLAIM_LEASE_MS;
        if (leased) throw new AppError('billing.idempotency_in_progress');
        if (!(await reclaimPayment(sql, existing.id, existing.claimed_at, now))) {
          // Someone else moved it first: another retry took the claim, or the processor's webhook recorded the charge.
          const moved = await selectPayment(sql, existing.id);
          if (moved && moved.status !== 'pending') return { replay: paymentView(moved) };
          throw new AppError('billing.idempotency_in_progress');
        }
        paymentId = existing.id;
      } else {
        if (!isId('pmt', input.paymentMethodId)) throw new AppError('billing.payment_method_not_found');
        const card = await selectCard(sql, input.paymentMethodId);
        if (!card) throw new AppError('billing.payment_method_not_found');
        paymentId = newId('pay', now.getTime());
        const claimed = await claimPayment(sql, {
          id: paymentId,
          idempotency_key: key.key,
          request_hash: key.requestHash,
          payment_method_id: card.id,
          amount: input.amount,
          currency: input.currency,
          description: input.description ?? null,
          created_by: actor.id ?? actor.type,
          claimed_at: now,
          created_at: now,
        });
        // INVARIANT: the unique (org, key) index decides between concurrent first requests: the loser waited for the
        // winner's commit and sees its claim, so it answers 409 like any duplicate in flight.
        if (!claimed) throw new AppError('billing.idempotency_in_progress');
      }
      const row = await selectPayment(sql, paymentId);
      const card = row ? await selectCard(sql, row.payment_method_id) : null;
      const account = await selectAccount(sql);
      if (!row || !card || !account) throw new AppError('billing.payment_method_not_found');
      return {
        paymentId,
        amount: Number(row.amount),
        currency: row.currency,
        cardId: await this.deps.cipher.decryptString(sql, cardRef(card.id), card.processor_ciphertext),
        customerId: await this.deps.cipher.decryptString(sql, customerRef(sql.orgId), account),
      };
    });
  }

  /** The org's processor customer, created on first use (the processor key makes a concurrent creation return one). */
  async customerOf(sql: TenantSql): Promise<string> {
    const stored = await selectAccount(sql);
    if (stored) return this.deps.cipher.decryptString(sql, customerRef(sql.orgId), stored);
    let customerId: string;
    try {
      customerId = await this.deps.processor.createCustomer({ orgId: sql.orgId }, `bulwark-customer-${sql.orgId}`);
    } catch (error) {
      throw error instanceof ProcessorUnavailable ? unavailable(error) : error;
    }
    const ciphertext = await this.deps.cipher.encrypt(sql, customerRef(sql.orgId), customerId);
    if (await insertAccount(sql, this.deps.processor.name, ciphertext, this.deps.clock.now())) return customerId;
    const winner = await selectAccount(sql);
    if (!winner) throw new AppError('billing.processor_unavailable');
    return this.deps.cipher.decryptString(sql, customerRef(sql.orgId), winner);
  }

  private async record(
    sql: TenantSql,
    actor: AuditActor,
    action: string,
    decision: AuditEventInput['decision'],
    reasonCodes: string[],
    facts: RequestFacts,
    details: Record<string, unknown>,
  ): Promise<void> {
    await appendBillingEvent(this.deps.audit, sql, { actor, action, decision, reasonCodes, facts, details });
  }
}
