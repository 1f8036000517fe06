import { createHash } from 'node:crypto';
import { appendBillingEvent } from '../billing-audit-event.js';
import type { Clock } from '../../../lib/clock.js';
import { AppError } from '../../../lib/errors/index.js';
import { isId, newId, type OrgId } from '../../../lib/ids.js';
import type { Db, TenantSql } from '../../../platform/db/index.js';
import type { FieldCipher, FieldRef } from '../../../platform/vault/index.js';
import { placeLegalHold, type AuditActor, type AuditEventInput, type AuditLog } from '../../audit/index.js';
import type { Principal } from '../../authz/index.js';
import type { RequestFacts } from '../payments/billing-service.js';
import { selectPayment } from '../payments/repo.js';
import { ProcessorUnavailable, type DisputeEvidence, type PaymentProcessor } from '../ports.js';
import {
  insertDispute,
  selectDispute,
  selectDisputeByDigest,
  selectDisputes,
  updateDispute,
  type DisputeRow,
  type DisputeStatus,
} from './dispute-repo.js';
import { assembleEvidencePack, evidenceFromPack } from './evidence-pack.js';

/** Dependencies of the dispute playbook. */
export interface DisputeServiceDeps {
  db: Db;
  cipher: FieldCipher;
  audit: AuditLog;
  clock: Clock;
  processor: PaymentProcessor;
  /** The link given as the service's documentation in every evidence pack. */
  serviceDocumentationUrl: string;
}

/** A dispute as the API shows it (the pack included when asked for one dispute). */
export interface DisputeView {
  id: string;
  paymentId: string;
  status: DisputeStatus;
  reason: string;
  amount: number;
  currency: string;
  evidenceState: 'none' | 'staged' | 'submitted';
  entitlementsFrozen: boolean;
  period: { from: Date; to: Date };
  evidencePack: Record<string, unknown>;
  stagedEvidence: DisputeEvidence;
  submittedAt: Date | null;
  closedAt: Date | null;
  freezeLiftedAt: Date | null;
  createdAt: Date;
}

/** The operator's own text, staged with the pack's evidence. */
export interface EvidenceInput {
  productDescription?: string;
  customerCommunication?: string;
  uncategorizedText?: string;
}

/** Why an operator lifts a lost dispute's freeze. */
export type FreezeLiftReason = 'debt_settled' | 'dispute_reversed' | 'operator_decision';

/** What a dispute event from the processor would change, computed before the event id is stored. */
export interface DisputeChange {
  outcome: 'applied' | 'stale' | 'ignored';
  details: Record<string, unknown>;
  apply(requestId: string): Promise<void>;
}

// How far before the disputed charge the held and summarised period starts: the access history issuers ask for.
const LOOKBACK_MS = 90 * 24 * 3600 * 1000;
const PROCESSOR = { type: 'system' as const, id: 'payment_processor' };

const disputeRef = (id: string): FieldRef => ({ table: 'billing_disputes', column: 'processor_ciphertext', rowId: id });
const digestOf = (processorId: string) => createHash('sha256').update(processorId).digest('hex');

function disputeView(row: DisputeRow): DisputeView {
  return {
    id: row.id,
    paymentId: row.payment_id,
    status: row.status,
    reason: row.reason,
    amount: Number(row.amount),
    currency: row.currency,
    evidenceState: row.evidence_state,
    entitlementsFrozen: row.freeze_active,
    period: { from: row.period_from, to: row.period_to },
    evidencePack: row.evidence_pack,
    stagedEvidence: row.staged_evidence,
    submittedAt: row.submitted_at,
    closedAt: row.closed_at,
    freezeLiftedAt: row.freeze_lifted_at,
    createdAt: row.created_at,
  };
}

// SECURITY: submitting evidence and lifting a freeze move money and entitlements: finance and owners only, and a key
// only within its scopes, checked here and not only by the route's policy.
function assertMayHandleDisputes(principal: Pick<Principal, 'roles' | 'scopes'>): void {
  const role = principal.roles.some((r) => r === 'owner' || r === 'finance');
  const scoped = principal.scopes === undefined || principal.scopes.includes('bill:payments');
  if (!role || !scoped) throw new AppError('authz.denied');
}

/**
 * The dispute playbook. A `charge.dispute.created` event records the dispute, freezes the org's paid entitlements,
 * puts the org's records of the disputed period on legal hold and assembles the evidence pack from the audit chain,
 * all in the webhook's transaction. An operator reviews the pack, stages evidence, and submits it once; the
 * processor's `charge.dispute.closed` lifts the freeze when the dispute is won and keeps it when it is lost, until an
 * operator lifts it.
 */
export class DisputeService {
  constructor(private readonly deps: DisputeServiceDeps) {}

  /** What a `charge.dispute.created` event for one of the org's payments changes. */
  async disputeOpened(sql: TenantSql, object: Record<string, unknown>, paymentId: string): Promise<DisputeChange> {
    const processorId = typeof object.id === 'string' ? object.id : '';
    const payment = isId('pay', paymentId) ? await selectPayment(sql, paymentId) : null;
    if (!processorId.startsWith('dp_') || !payment) return { outcome: 'ignored', details: {}, apply: async () => {} };
    const digest = digestOf(processorId);
    const known = await selectDisputeByDigest(sql, digest);
    if (known) return { outcome: 'stale', details: { dispute_id: known.id }, apply: async () => {} };
    const now = this.deps.clock.now();
    const id = newId('dsp', now.getTime());
    const amount = typeof object.amount === 'number' ? object.amount : Number(payment.amount);
    const reason = typeof object.reason === 'string' ? object.reason.slice(0, 64) : 'general';
    return {
      outcome: 'applied',
      details: { dispute_id: id, payment_id: paymentId },
      apply: async (requestId) => {
        const period = { from: new Date(payment.created_at.getTime() - LOOKBACK_MS), to: now };
        const pack = await assembleEvidencePack(sql, {
          disputeId: id,
          reason,
          amount,
          currency: payment.currency,
          openedAt: now,
          payment: {
            id: payment.id,
            amount: Number(payment.amount),
            currency: payment.currency,
            createdAt: payment.created_at,
            paymentMethodId: payment.payment_method_id,
          },
          period,
          serviceDocumentationUrl: this.deps.serviceDocumentationUrl,
        });
        await insertDispute(sql, {
          id,
          payment_id: paymentId,
          processor_digest: digest,
          processor_ciphertext: await this.deps.cipher.encrypt(sql, disputeRef(id), processorId),
          amount,
          currency: payment.currency,
          reason,
          status: 'open',
          evidence_state: 'none',
          freeze_active: true,
          period_from: period.from,
          period_to: period.to,
          evidence_pack: pack,
          created_at: now,
        });
        const base = { orgId: sql.orgId, actor: PROCESSOR, resource: { type: 'Dispute', id }, requestId };
        await this.deps.audit.append(sql, [
          {
            ...base,
            action: 'billing.dispute.opened',
            decision: 'info',
            reasonCodes: ['billing.dispute_opened'],
            details: { dispute_id: id, payment_id: paymentId, amount, currency: payment.currency, reason },
          },
          {
            ...base,
            action: 'billing.entitlements.frozen',
            decision: 'freeze',
            reasonCodes: ['billing.dispute_opened'],
            details: { dispute_id: id, scope: 'paid_entitlements' },
          },
        ]);
        await placeLegalHold(sql, this.deps.audit, {
          from: period.from,
          to: period.to,
          reason: 'billing.dispute_opened',
          sourceId: id,
          actor: PROCESSOR,
          at: now,
        });
      },
    };
  }

  /** What a `charge.dispute.closed` event changes: won lifts the freeze, lost keeps it. */
  async disputeClosed(sql: TenantSql, object: Record<string, unknown>): Promise<DisputeChange> {
    const processorId = typeof object.id === 'string' ? object.id : '';
    const status = object.status;
    const row = processorId ? await selectDisputeByDigest(sql, digestOf(processorId)) : null;
    if (!row || (status !== 'won' && status !== 'lost'))
      return { outcome: 'ignored', details: {}, apply: async () => {} };
    // INVARIANT: a dispute closes once; a later close (or a replay under another event id) changes nothing.
    if (row.status !== 'open') return { outcome: 'stale', details: { dispute_id: row.id }, apply: async () => {} };
    return {
      outcome: 'applied',
      details: { dispute_id: row.id, status },
      apply: async (requestId) => {
        const now = this.deps.clock.now();
        const won = status === 'won';
        await updateDispute(sql, row.id, {
          status,
          closed_at: now,
          ...(won && row.freeze_active ? { freeze_active: false, freeze_lifted_at: now } : {}),
          updated_at: now,
        });
        const base = { orgId: sql.orgId, actor: PROCESSOR, resource: { type: 'Dispute', id: row.id }, requestId };
        const events: AuditEventInput[] = [
          {
            ...base,
            action: 'billing.dispute.closed',
            decision: 'info',
            reasonCodes: won ? [] : ['billing.dispute_lost'],
            details: { dispute_id: row.id, status, entitlements_frozen: !won && row.freeze_active },
          },
        ];
        if (won && row.freeze_active)
          events.push({
            ...base,
            action: 'billing.entitlements.restored',
            decision: 'allow',
            reasonCodes: ['billing.dispute_won'],
            details: { dispute_id: row.id, scope: 'paid_entitlements' },
          });
        await this.deps.audit.append(sql, events);
      },
    };
  }

  /** The org's disputes, newest first. */
  async listDisputes(orgId: OrgId): Promise<DisputeView[]> {
    return this.deps.db.withTenant(orgId, async (sql) => (await selectDisputes(sql)).map(disputeView));
  }

  /** One dispute of the org with its evidence pack. */
  async getDispute(orgId: OrgId, id: string): Promise<DisputeView> {
    if (!isId('dsp', id)) throw new AppError('billing.dispute_not_found');
    const row = await this.deps.db.withTenant(orgId, (sql) => selectDispute(sql, id));
    if (!row) throw new AppError('billing.dispute_not_found');
    return disputeView(row);
  }

  /**
   * Stages the pack's evidence and the operator's text at the processor (`submit: false`), recorded with
   * `billing.dispute.evidence_staged`; may be repeated until the evidence is submitted.
   */
  async stageEvidence(
    sql: TenantSql,
    actor: AuditActor,
    id: string,
    input: EvidenceInput,
    facts: RequestFacts,
  ): Promise<DisputeView> {
    const row = await this.openForEvidence(sql, id);
    const evidence: DisputeEvidence = {
      ...evidenceFromPack(row.evidence_pack),
      ...(input.productDescription !== undefined ? { product_description: input.productDescription } : {}),
      ...(input.customerCommunication !== undefined ? { customer_communication: input.customerCommunication } : {}),
      ...(input.uncategorizedText !== undefined ? { uncategorized_text: input.uncategorizedText } : {}),
    };
    await this.askProcessor(sql, row, evidence, false);
    const now = this.deps.clock.now();
    await updateDispute(sql, row.id, { evidence_state: 'staged', staged_evidence: evidence, updated_at: now });
    await this.record(sql, actor, row.id, 'billing.dispute.evidence_staged', 'info', [], facts, {
      fields: Object.keys(evidence).sort(),
    });
    return this.reread(sql, row.id);
  }

  /**
   * Submits the staged evidence to the issuer (`submit: true`), once: INVARIANT: the dispute row is locked and
   * marked submitted in the same transaction as the processor's acceptance, so a second submit (concurrent or later)
   * gets 409 `billing.dispute_already_submitted`.
   */
  async submitEvidence(
    sql: TenantSql,
    principal: Pick<Principal, 'roles' | 'scopes'>,
    actor: AuditActor,
    id: string,
    facts: RequestFacts,
  ): Promise<DisputeView> {
    assertMayHandleDisputes(principal);
    const row = await this.openForEvidence(sql, id);
    if (row.evidence_state !== 'staged') throw new AppError('billing.dispute_evidence_not_staged');
    await this.askProcessor(sql, row, row.staged_evidence, true);
    const now = this.deps.clock.now();
    await updateDispute(sql, row.id, {
      evidence_state: 'submitted',
      submitted_by: actor.id ?? actor.type,
      submitted_at: now,
      updated_at: now,
    });
    await this.record(sql, actor, row.id, 'billing.dispute.submitted', 'info', [], facts, {
      fields: Object.keys(row.staged_evidence).sort(),
    });
    return this.reread(sql, row.id);
  }

  /**
   * Lifts the freeze a lost dispute keeps (`billing.entitlements.restored`, with the operator's reason): the
   * operator's decision that the org may use what it pays for again, say once the disputed amount was settled.
   */
  async liftFreeze(
    sql: TenantSql,
    principal: Pick<Principal, 'roles' | 'scopes'>,
    actor: AuditActor,
    id: string,
    change: { reason: FreezeLiftReason; note?: string },
    facts: RequestFacts,
  ): Promise<DisputeView> {
    assertMayHandleDisputes(principal);
    const row = isId('dsp', id) ? await selectDispute(sql, id, { forUpdate: true }) : null;
    if (!row) throw new AppError('billing.dispute_not_found');
    if (row.status === 'open') throw new AppError('billing.dispute_open');
    if (!row.freeze_active) throw new AppError('billing.dispute_not_frozen');
    const now = this.deps.clock.now();
    await updateDispute(sql, row.id, { freeze_active: false, freeze_lifted_at: now, updated_at: now });
    await this.record(sql, actor, row.id, 'billing.entitlements.restored', 'allow', ['billing.dispute_lost'], facts, {
      dispute_id: row.id,
      scope: 'paid_entitlements',
      reason: change.reason,
      ...(change.note !== undefined ? { note: change.note } : {}),
    });
    return this.reread(sql, row.id);
  }

  private async openForEvidence(sql: TenantSql, id: string): Promise<DisputeRow> {
    const row = isId('dsp', id) ? await selectDispute(sql, id, { forUpdate: true }) : null;
    if (!row) throw new AppError('billing.dispute_not_found');
    if (row.evidence_state === 'submitted') throw new AppError('billing.dispute_already_submitted');
    if (row.status !== 'open') throw new AppError('billing.dispute_closed');
    return row;
  }

  private async askProcessor(sql: TenantSql, row: DisputeRow, evidence: DisputeEvidence, submit: boolean) {
    const processorId = await this.deps.cipher.decryptString(sql, disputeRef(row.id), row.processor_ciphertext);
    try {
      await this.deps.processor.updateDispute(processorId, evidence, submit);
    } catch (error) {
      if (error instanceof ProcessorUnavailable) throw new AppError('billing.processor_unavailable', { cause: error });
      // An earlier submit reached the issuer but its record did not commit: the processor now refuses evidence, and
      // the submission it holds is recorded (once) instead of being lost.
      if (submit && (await this.submittedAtProcessor(processorId))) return;
      // The processor refuses evidence on a dispute it already decided: Bulwark's row learns it from the close event.
      throw new AppError('billing.dispute_closed', { cause: error });
    }
  }

  private async submittedAtProcessor(processorId: string): Promise<boolean> {
    try {
      return (await this.deps.processor.retrieveDispute(processorId)).submissionCount > 0;
    } catch (error) {
      if (error instanceof ProcessorUnavailable) throw new AppError('billing.processor_unavailable', { cause: error });
      throw error;
    }
  }

  private async reread(sql: TenantSql, id: string): Promise<DisputeView> {
    const row = await selectDispute(sql, id);
    if (!row) throw new AppError('billing.dispute_not_found');
    return disputeView(row);
  }

  private async record(
    sql: TenantSql,
    actor: AuditActor,
    disputeId: string,
    action: string,
    decision: AuditEventInput['decision'],
    reasonCodes: string[],
    facts: RequestFacts,
    details: Record<string, unknown>,
  ): Promise<void> {
    await appendBillingEvent(this.deps.audit, sql, {
      actor,
      action,
      decision,
      reasonCodes,
      facts,
      resource: { type: 'Dispute', id: disputeId },
      details: { dispute_id: disputeId, ...details },
    });
  }
}
