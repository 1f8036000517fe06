import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { AppError } from '../../lib/errors/index.js';
import { findPan, type DisputeView, type RefundView } from '../../modules/billing/index.js';
import { actorOf } from '../../modules/authz/index.js';
import type { ApiServices } from '../api-services.js';
import { principalOf, requestMeta } from '../auth/route-auth.js';
import { inTenantTransaction } from '../auth/route-transaction.js';
import { idempotencyKeyOf } from './idempotency-key.js';
import { idParam, iso, orgParams, pageSchema, pathOrg, resourceFromPath } from './route-helpers.js';

const tags = ['billing'];
const security = [{ bearer: [] }];

const refundSchema = z.object({
  id: z.string(),
  payment_id: z.string(),
  status: z.enum(['pending', 'succeeded', 'failed', 'canceled']),
  amount: z.number().int(),
  currency: z.string(),
  reason: z.string().nullable(),
  failure_code: z.string().nullable(),
  created_at: z.string(),
  updated_at: z.string(),
});

const disputeSchema = z.object({
  id: z.string(),
  payment_id: z.string(),
  status: z.enum(['open', 'won', 'lost']),
  reason: z.string(),
  amount: z.number().int(),
  currency: z.string(),
  evidence_state: z.enum(['none', 'staged', 'submitted']),
  entitlements_frozen: z.boolean().describe("True while this dispute freezes the org's paid entitlements."),
  period: z.object({ from: z.string(), to: z.string() }).describe('The disputed period, on legal hold.'),
  evidence_pack: z
    .record(z.string(), z.unknown())
    .describe('Ids, counts and chain positions from the audit log; never PII.'),
  staged_evidence: z.record(z.string(), z.string()),
  submitted_at: z.string().nullable(),
  closed_at: z.string().nullable(),
  freeze_lifted_at: z.string().nullable(),
  created_at: z.string(),
});

const refundBody = z
  .object({
    amount: z
      .number()
      .int()
      .min(1)
      .max(99_999_999)
      .optional()
      .describe('In the smallest currency unit; the whole remaining amount when absent.'),
    reason: z.enum(['duplicate', 'fraudulent', 'requested_by_customer']).optional(),
  })
  .strict();

const evidenceText = z
  .string()
  .trim()
  .min(1)
  .max(5000)
  .regex(/^[^\p{Cc}]*$/u, 'no control characters');

const evidenceBody = z
  .object({
    product_description: evidenceText.optional(),
    customer_communication: evidenceText.optional(),
    uncategorized_text: evidenceText.optional(),
  })
  .strict();

const liftBody = z
  .object({
    reason: z.enum(['debt_settled', 'dispute_reversed', 'operator_decision']),
    note: z
      .string()
      .trim()
      .min(1)
      .max(500)
      .regex(/^[^\p{Cc}]*$/u, 'no control characters')
      .optional(),
  })
  .strict();

const paymentParams = orgParams.extend({ payment_id: idParam('pay', 'a payment') });
const disputeParams = orgParams.extend({ dispute_id: idParam('dsp', 'a dispute') });

function toRefundWire(r: RefundView): z.infer<typeof refundSchema> {
  return {
    id: r.id,
    payment_id: r.paymentId,
    status: r.status,
    amount: r.amount,
    currency: r.currency,
    reason: r.reason,
    failure_code: r.failureCode,
    created_at: r.createdAt.toISOString(),
    updated_at: r.updatedAt.toISOString(),
  };
}

function toDisputeWire(d: DisputeView): z.infer<typeof disputeSchema> {
  return {
    id: d.id,
    payment_id: d.paymentId,
    status: d.status,
    reason: d.reason,
    amount: d.amount,
    currency: d.currency,
    evidence_state: d.evidenceState,
    entitlements_frozen: d.entitlementsFrozen,
    period: { from: d.period.from.toISOString(), to: d.period.to.toISOString() },
    evidence_pack: d.evidencePack,
    staged_evidence: d.stagedEvidence as Record<string, string>,
    submitted_at: iso(d.submittedAt),
    closed_at: iso(d.closedAt),
    freeze_lifted_at: iso(d.freezeLiftedAt),
    created_at: d.createdAt.toISOString(),
  };
}

/** Refunds of payments and the dispute playbook (review the evidence pack, stage, submit once, lift a freeze). */
export function registerBillingDisputeRoutes(app: FastifyInstance, services: ApiServices): void {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const { refunds, disputes } = services.billing;
  const write = { action: 'bill:payments', resource: resourceFromPath('Org') } as const;
  const read = { action: 'read:billing', resource: resourceFromPath('Org') } as const;

  r.post('/v1/orgs/:org_id/billing/payments/:payment_id/refunds', {
    config: { authz: write, transaction: 'tenant' },
    // SECURITY: as on every billing route, a card number in the body is refused before it is validated or logged.
    preValidation: async (request) => {
      const field = findPan(request.body ?? null);
      if (field !== null) throw new AppError('billing.pan_forbidden', { details: { field } });
    },
    schema: {
      summary: 'Refund a payment, fully or in part (Idempotency-Key required)',
      description:
        'At most what remains unrefunded; 409 `billing.refund_exceeds_remaining` or `billing.payment_not_refundable` otherwise. A retry with the same key replays the first answer.',
      tags,
      security,
      params: paymentParams,
      body: refundBody,
      response: { 201: refundSchema },
    },
    handler: async (request, reply) => {
      const key = idempotencyKeyOf(request);
      if (!key) throw new AppError('billing.idempotency_key_required');
      const { refund, replayed } = await refunds.refund(
        pathOrg(request),
        (fn) => inTenantTransaction(request, fn),
        actorOf(principalOf(request)),
        request.params.payment_id,
        {
          ...(request.body.amount !== undefined ? { amount: request.body.amount } : {}),
          ...(request.body.reason !== undefined ? { reason: request.body.reason } : {}),
        },
        key,
        requestMeta(request),
      );
      if (replayed) reply.header('idempotent-replayed', 'true');
      if (refund.status === 'failed')
        throw new AppError('billing.refund_refused', { details: { refund_id: refund.id } });
      return reply.code(201).send(toRefundWire(refund));
    },
  });

  r.get('/v1/orgs/:org_id/billing/payments/:payment_id/refunds', {
    config: { authz: read },
    schema: {
      summary: "List a payment's refunds",
      tags,
      security,
      params: paymentParams,
      response: { 200: pageSchema(refundSchema) },
    },
    handler: async (request) => ({
      data: (await refunds.listRefunds(pathOrg(request), request.params.payment_id)).map(toRefundWire),
      next_cursor: null,
    }),
  });

  r.get('/v1/orgs/:org_id/billing/disputes', {
    config: { authz: read },
    schema: {
      summary: 'List disputes, newest first',
      tags,
      security,
      params: orgParams,
      response: { 200: pageSchema(disputeSchema) },
    },
    handler: async (request) => ({
      data: (await disputes.listDisputes(pathOrg(request))).map(toDisputeWire),
      next_cursor: null,
    }),
  });

  r.get('/v1/orgs/:org_id/billing/disputes/:dispute_id', {
    config: { authz: read },
    schema: {
      summary: 'Show a dispute and its evidence pack for review',
      tags,
      security,
      params: disputeParams,
      response: { 200: disputeSchema },
    },
    handler: async (request) => toDisputeWire(await disputes.getDispute(pathOrg(request), request.params.dispute_id)),
  });

  r.post('/v1/orgs/:org_id/billing/disputes/:dispute_id/evidence', {
    config: { authz: write, transaction: 'tenant' },
    schema: {
      summary: "Stage the evidence pack and the operator's text at the processor (not submitted)",
      tags,
      security,
      params: disputeParams,
      body: evidenceBody,
      response: { 200: disputeSchema },
    },
    handler: async (request) => {
      const b = request.body;
      const view = await inTenantTransaction(request, (sql) =>
        disputes.stageEvidence(
          sql,
          actorOf(principalOf(request)),
          request.params.dispute_id,
          {
            ...(b.product_description !== undefined ? { productDescription: b.product_description } : {}),
            ...(b.customer_communication !== undefined ? { customerCommunication: b.customer_communication } : {}),
            ...(b.uncategorized_text !== undefined ? { uncategorizedText: b.uncategorized_text } : {}),
          },
          requestMeta(request),
        ),
      );
      return toDisputeWire(view);
    },
  });

  r.post('/v1/orgs/:org_id/billing/disputes/:dispute_id/submit', {
    config: { authz: write, transaction: 'tenant' },
    schema: {
      summary: 'Submit the staged evidence to the issuer (final, once)',
      tags,
      security,
      params: disputeParams,
      response: { 200: disputeSchema },
    },
    handler: async (request) => {
      const principal = principalOf(request);
      const view = await inTenantTransaction(request, (sql) =>
        disputes.submitEvidence(sql, principal, actorOf(principal), request.params.dispute_id, requestMeta(request)),
      );
      return toDisputeWire(view);
    },
  });

  r.post('/v1/orgs/:org_id/billing/disputes/:dispute_id/lift-freeze', {
    config: { authz: write, transaction: 'tenant' },
    schema: {
      summary: "Lift a lost dispute's freeze of paid entitlements (operator decision, audited)",
      tags,
      security,
      params: disputeParams,
      body: liftBody,
      response: { 200: disputeSchema },
    },
    handler: async (request) => {
      const principal = principalOf(request);
      const view = await inTenantTransaction(request, (sql) =>
        disputes.liftFreeze(
          sql,
          principal,
          actorOf(principal),
          request.params.dispute_id,
          { reason: request.body.reason, ...(request.body.note !== undefined ? { note: request.body.note } : {}) },
          requestMeta(request),
        ),
      );
      return toDisputeWire(view);
    },
  });
}
