import type { Clock } from '../../../lib/clock.js';
import { AppError } from '../../../lib/errors/index.js';
import { isId, newId, type OrgId } from '../../../lib/ids.js';
import type { Db, TenantSql } from '../../../platform/db/index.js';
import type { FieldCipher, FieldRef } from '../../../platform/vault/index.js';
import type { AuditActor, AuditLog } from '../../audit/index.js';
import { intentRef, type RequestFacts, type TenantScope } from '../payments/billing-service.js';
import { selectPayment } from '../payments/repo.js';
import { ProcessorUnavailable, RefundRefused, type PaymentProcessor, type ProcessorRefund } from '../ports.js';
import {
  insertPendingRefund,
  reclaimRefund,
  recordRefundState,
  refundedTotal,
  releaseRefundClaim,
  selectRefund,
  selectRefundByKey,
  selectRefundsOf,
  type RefundRow,
  type RefundStatus,
} from './refund-repo.js';
import { refundAdvances } from './refund-status.js';

/** Dependencies of the refund use cases. */
export interface RefundServiceDeps {
  db: Db;
  cipher: FieldCipher;
  audit: AuditLog;
  clock: Clock;
  processor: PaymentProcessor;
}

/** A refund as the API shows it. */
export interface RefundView {
  id: string;
  paymentId: string;
  status: RefundStatus;
  amount: number;
  currency: string;
  reason: string | null;
  failureCode: string | null;
  createdAt: Date;
  updatedAt: Date;
}

/** A refund as requested: the whole remaining amount when `amount` is absent. */
export interface NewRefund {
  amount?: number;
  reason?: string;
}

// How long a pending claim keeps a retry out (409) before the retry may take the refund over.
const CLAIM_LEASE_MS = 60_000;

/** The field a refund's processor id is encrypted for. */
const refundRef = (id: string): FieldRef => ({ table: 'billing_refunds', column: 'processor_ciphertext', rowId: id });

function refundView(row: RefundRow): RefundView {
  return {
    id: row.id,
    paymentId: row.payment_id,
    status: row.status,
    amount: Number(row.amount),
    currency: row.currency,
    reason: row.reason,
    failureCode: row.failure_code,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

/** What a refund event from the processor would change, computed before the event id is stored. */
export interface RefundChange {
  refundId: string;
  status: RefundStatus;
  applies: boolean;
  apply(): Promise<void>;
}

/**
 * Refunds of succeeded payments through the processor: idempotent per `Idempotency-Key` like a charge (the claim is
 * a pending refund committed on its own, then the processor is asked under a key derived from the refund id, then
 * the outcome and `billing.refund.created` commit with the route's decision), never more than the unrefunded amount.
 */
export class RefundService {
  constructor(private readonly deps: RefundServiceDeps) {}

  /** Refunds (part of) a payment once per `Idempotency-Key`. */
  async refund(
    orgId: OrgId,
    finalize: TenantScope,
    actor: AuditActor,
    paymentId: string,
    input: NewRefund,
    key: { key: string; requestHash: string },
    facts: RequestFacts,
  ): Promise<{ refund: RefundView; replayed: boolean }> {
    const claim = await this.claim(orgId, actor, paymentId, input, key);
    if ('replay' in claim) {
      await finalize(async () => undefined);
      return { refund: claim.replay, replayed: true };
    }
    let answer: ProcessorRefund | { refused: string };
    try {
      answer = await this.deps.processor.refund(
        {
          intentId: claim.intentId,
          amount: claim.amount,
          metadata: { bulwark_org_id: orgId, bulwark_payment_id: paymentId, bulwark_refund_id: claim.refundId },
        },
        `bulwark-refund-${claim.refundId}`,
      );
    } catch (error) {
      if (!(error instanceof RefundRefused)) {
        await this.deps.db.withTenant(orgId, (sql) => releaseRefundClaim(sql, claim.refundId));
        throw error instanceof ProcessorUnavailable
          ? new AppError('billing.processor_unavailable', { cause: error })
          : error;
      }
      answer = { refused: error.code.slice(0, 64) };
    }
    try {
      const refund = await finalize(async (sql) => {
        const now = this.deps.clock.now();
        const current = await selectRefund(sql, claim.refundId, { forUpdate: true });
        if (!current) throw new AppError('billing.refund_not_found');
        const next: RefundStatus = 'refused' in answer ? 'failed' : answer.status;
        // A webhook may have recorded the refund already while the processor call was answering; it is kept.
        await recordRefundState(sql, claim.refundId, {
          status: refundAdvances(current.status, next) ? next : current.status,
          processorCiphertext:
            'refused' in answer ? null : await this.deps.cipher.encrypt(sql, refundRef(claim.refundId), answer.id),
          failureCode: 'refused' in answer ? answer.refused : null,
          at: now,
        });
        await this.deps.audit.append(sql, [
          {
            orgId: sql.orgId,
            actor,
            action: 'refused' in answer ? 'billing.refund.refused' : 'billing.refund.created',
            resource: { type: 'Payment', id: paymentId },
            decision: 'refused' in answer ? 'deny' : 'allow',
            reasonCodes: 'refused' in answer ? ['billing.refund_refused'] : [],
            ...facts,
            details: {
              refund_id: claim.refundId,
              payment_id: paymentId,
              amount: claim.amount,
              currency: claim.currency,
              ...('refused' in answer ? { processor_code: answer.refused } : {}),
            },
          },
        ]);
        const stored = await selectRefund(sql, claim.refundId);
        if (!stored) throw new AppError('billing.refund_not_found');
        return refundView(stored);
      });
      return { refund, replayed: false };
    } catch (error) {
      await this.deps.db.withTenant(orgId, (sql) => releaseRefundClaim(sql, claim.refundId)).catch(() => undefined);
      throw error;
    }
  }

  /** A payment's refunds, oldest first. */
  async listRefunds(orgId: OrgId, paymentId: string): Promise<RefundView[]> {
    if (!isId('pay', paymentId)) throw new AppError('billing.payment_not_found');
    return this.deps.db.withTenant(orgId, async (sql) => {
      if (!(await selectPayment(sql, paymentId))) throw new AppError('billing.payment_not_found');
      return (await selectRefundsOf(sql, paymentId)).map(refundView);
    });
  }

  /**
   * What a processor refund event (`refund.created|updated|failed`) would change: the refund it names in the
   * metadata Bulwark set, moved forward only; null when it names no refund of this org.
   */
  async refundChange(sql: TenantSql, event: { object: Record<string, unknown> }): Promise<RefundChange | null> {
    const object = event.object;
    const metadata = (object.metadata ?? {}) as Record<string, unknown>;
    const refundId = metadata.bulwark_refund_id;
    const status = object.status;
    if (object.object !== 'refund' || typeof object.id !== 'string' || !isId('ref', refundId)) return null;
    if (status !== 'pending' && status !== 'succeeded' && status !== 'failed' && status !== 'canceled') return null;
    const current = await selectRefund(sql, refundId, { forUpdate: true });
    if (!current) return null;
    // SECURITY: the event must be about the processor refund this row recorded, when it recorded one.
    if (current.processor_ciphertext !== null) {
      const recorded = await this.deps.cipher.decryptString(sql, refundRef(refundId), current.processor_ciphertext);
      if (recorded !== object.id) return null;
    }
    const applies = refundAdvances(current.status, status);
    const processorId = object.id;
    const failure = typeof object.failure_reason === 'string' ? object.failure_reason.slice(0, 64) : null;
    return {
      refundId,
      status,
      applies,
      apply: async () => {
        await recordRefundState(sql, refundId, {
          status,
          processorCiphertext:
            current.processor_ciphertext === null
              ? await this.deps.cipher.encrypt(sql, refundRef(refundId), processorId)
              : null,
          failureCode: status === 'failed' ? failure : null,
          at: this.deps.clock.now(),
        });
      },
    };
  }

  // Claims the key in a short transaction of its own, with the payment row locked so that concurrent refunds of one
  // payment are counted one after the other: INVARIANT: pending and succeeded refunds never exceed the payment.
  private async claim(
    orgId: OrgId,
    actor: AuditActor,
    paymentId: string,
    input: NewRefund,
    key: { key: string; requestHash: string },
  ): Promise<{ replay: RefundView } | { refundId: string; intentId: string; amount: number; currency: string }> {
    if (!isId('pay', paymentId)) throw new AppError('billing.payment_not_found');
    return this.deps.db.withTenant(orgId, async (sql) => {
      const now = this.deps.clock.now();
      const payment = await selectPayment(sql, paymentId, { forUpdate: true });
      if (!payment) throw new AppError('billing.payment_not_found');
      const existing = await selectRefundByKey(sql, key.key);
      let row: RefundRow;
      if (existing) {
        if (existing.request_hash !== key.requestHash || existing.payment_id !== paymentId)
          throw new AppError('billing.idempotency_conflict');
        if (existing.status !== 'pending') return { replay: refundView(existing) };
        if (now.getTime() - existing.claimed_at.getTime() < CLAIM_LEASE_MS)
          throw new AppError('billing.idempotency_in_progress');
        if (!(await reclaimRefund(sql, existing.id, existing.claimed_at, now)))
          throw new AppError('billing.idempotency_in_progress');
        row = existing;
      } else {
        if (payment.status !== 'succeeded' || payment.intent_ciphertext === null)
          throw new AppError('billing.payment_not_refundable', { details: { status: payment.status } });
        const remaining = Number(payment.amount) - (await refundedTotal(sql, paymentId));
        const amount = input.amount ?? remaining;
        if (amount <= 0 || amount > remaining)
          throw new AppError('billing.refund_exceeds_remaining', {
            publicMessage: `amount exceeds what remains refundable on the payment (${remaining})`,
            details: { field: 'body.amount', remaining },
          });
        const id = newId('ref', now.getTime());
        await insertPendingRefund(sql, {
          id,
          payment_id: paymentId,
          idempotency_key: key.key,
          request_hash: key.requestHash,
          amount,
          currency: payment.currency,
          reason: input.reason ?? null,
          created_by: actor.id ?? actor.type,
          created_at: now,
        });
        const inserted = await selectRefund(sql, id);
        if (!inserted) throw new AppError('billing.refund_not_found');
        row = inserted;
      }
      if (payment.intent_ciphertext === null) throw new AppError('billing.payment_not_refundable');
      return {
        refundId: row.id,
        amount: Number(row.amount),
        currency: row.currency,
        intentId: await this.deps.cipher.decryptString(sql, intentRef(paymentId), payment.intent_ciphertext),
      };
    });
  }
}
