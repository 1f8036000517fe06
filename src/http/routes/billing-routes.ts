import type { FastifyInstance, FastifyRequest, preValidationHookHandler } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { AppError } from '../../lib/errors/index.js';
import { findPan, PROCESSOR_WEBHOOK_PATH, type CardView, type PaymentView } from '../../modules/billing/index.js';
import { actorOf } from '../../modules/authz/index.js';
import type { ApiServices } from '../api-services.js';
import { principalOf, requestMeta } from '../auth/route-auth.js';
import { inTenantTransaction } from '../auth/route-transaction.js';
import { idempotencyKeyOf } from './idempotency-key.js';
import { idParam, orgParams, pageQuery, pageSchema, pathOrg, resourceFromPath } from './route-helpers.js';

const tags = ['billing'];
const security = [{ bearer: [] }];

const cardSchema = z.object({
  id: z.string(),
  brand: z.string(),
  last4: z.string(),
  exp_month: z.number().int(),
  exp_year: z.number().int(),
  created_at: z.string(),
});

const paymentSchema = z.object({
  id: z.string(),
  status: z.enum(['pending', 'requires_action', 'failed', 'succeeded']),
  amount: z.number().int(),
  currency: z.string(),
  description: z.string().nullable(),
  payment_method_id: z.string(),
  decline_code: z.string().nullable(),
  next_action: z
    .object({ type: z.literal('redirect_to_url'), url: z.string() })
    .nullable()
    .describe('Where the customer completes 3-D Secure while the status is `requires_action`.'),
  created_at: z.string(),
  updated_at: z.string(),
});

const addCardBody = z
  .object({
    token: z
      .string()
      .regex(/^(pm|tok)_[A-Za-z0-9_]{1,200}$/, "a processor token (`pm_…`) from the processor's card page")
      .describe("The payment method token the processor's hosted card page returned. Never a card number."),
  })
  .strict();

const paymentBody = z
  .object({
    payment_method_id: idParam('pmt', 'a saved card'),
    amount: z.number().int().min(50).max(99_999_999).describe("In the currency's smallest unit (cents)."),
    currency: z
      .string()
      .regex(/^[a-z]{3}$/, 'a lower-case ISO 4217 code')
      .describe('ISO 4217, lower case (`usd`).'),
    description: z.string().min(1).max(500).optional(),
  })
  .strict();

const paymentParams = orgParams.extend({ payment_id: idParam('pay', 'a payment') });

function toCardWire(card: CardView): z.infer<typeof cardSchema> {
  return {
    id: card.id,
    brand: card.brand,
    last4: card.last4,
    exp_month: card.expMonth,
    exp_year: card.expYear,
    created_at: card.createdAt.toISOString(),
  };
}

function toPaymentWire(p: PaymentView): z.infer<typeof paymentSchema> {
  return {
    id: p.id,
    status: p.status,
    amount: p.amount,
    currency: p.currency,
    description: p.description,
    payment_method_id: p.paymentMethodId,
    decline_code: p.declineCode,
    next_action: p.status === 'requires_action' && p.actionUrl ? { type: 'redirect_to_url', url: p.actionUrl } : null,
    created_at: p.createdAt.toISOString(),
    updated_at: p.updatedAt.toISOString(),
  };
}

/** 402 `billing.card_declined` for a declined charge, naming its decline code and payment. */
export function declined(declineCode: string, paymentId?: string): AppError {
  return new AppError('billing.card_declined', {
    publicMessage: `the card was declined (${declineCode})`,
    details: { decline_code: declineCode, ...(paymentId ? { payment_id: paymentId } : {}) },
  });
}

/** Refuses a body holding a card number (400 `billing.pan_forbidden`, naming the field). */
// SECURITY: a card number in any field is refused before the body is validated, stored or logged; the answer names
// the field, never its value. Cards enter only as the processor's tokens.
export const refusePan: preValidationHookHandler = async (request: FastifyRequest) => {
  const field = findPan(request.body ?? null);
  if (field !== null)
    throw new AppError('billing.pan_forbidden', {
      publicMessage: `${field} holds a card number; add cards with the processor's card page token instead`,
      details: { field },
    });
};

/** Saved cards, idempotent payments and the processor's webhook. */
export function registerBillingRoutes(app: FastifyInstance, services: ApiServices): void {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const { payments, webhooks } = services.billing;

  r.post('/v1/orgs/:org_id/billing/payment-methods', {
    config: { authz: { action: 'bill:payments', resource: resourceFromPath('Org') }, transaction: 'tenant' },
    preValidation: refusePan,
    schema: {
      summary: "Save a card from the processor's token",
      tags,
      security,
      params: orgParams,
      body: addCardBody,
      response: { 201: cardSchema },
    },
    handler: async (request, reply) => {
      const result = await inTenantTransaction(request, (sql) =>
        payments.addCard(sql, actorOf(principalOf(request)), request.body.token, requestMeta(request)),
      );
      if ('declined' in result) throw declined(result.declined.declineCode);
      return reply.code(201).send(toCardWire(result.card));
    },
  });

  r.get('/v1/orgs/:org_id/billing/payment-methods', {
    config: { authz: { action: 'read:billing', resource: resourceFromPath('Org') } },
    schema: {
      summary: 'List saved cards (brand, last 4 digits, expiry)',
      tags,
      security,
      params: orgParams,
      response: { 200: pageSchema(cardSchema) },
    },
    handler: async (request) => ({
      data: (await payments.listCards(pathOrg(request))).map(toCardWire),
      next_cursor: null,
    }),
  });

  r.post('/v1/orgs/:org_id/billing/payments', {
    config: { authz: { action: 'bill:payments', resource: resourceFromPath('Org') }, transaction: 'tenant' },
    preValidation: refusePan,
    schema: {
      summary: 'Charge a saved card (Idempotency-Key required)',
      description:
        'Answers 201 with `status` `succeeded`, or `requires_action` with `next_action.url` where the customer completes 3-D Secure; a decline is 402 `billing.card_declined`. A retry with the same key replays the first answer.',
      tags,
      security,
      params: orgParams,
      body: paymentBody,
      response: { 201: paymentSchema },
    },
    handler: async (request, reply) => {
      const key = idempotencyKeyOf(request);
      if (!key) throw new AppError('billing.idempotency_key_required');
      const body = request.body;
      const { payment, replayed } = await payments.pay(
        pathOrg(request),
        (fn) => inTenantTransaction(request, fn),
        actorOf(principalOf(request)),
        {
          paymentMethodId: body.payment_method_id,
          amount: body.amount,
          currency: body.currency,
          ...(body.description !== undefined ? { description: body.description } : {}),
        },
        key,
        requestMeta(request),
      );
      if (replayed) reply.header('idempotent-replayed', 'true');
      if (payment.status === 'failed') throw declined(payment.declineCode ?? 'card_declined', payment.id);
      return reply.code(201).send(toPaymentWire(payment));
    },
  });

  r.get('/v1/orgs/:org_id/billing/payments', {
    config: { authz: { action: 'read:billing', resource: resourceFromPath('Org') } },
    schema: {
      summary: 'List payments, newest first',
      tags,
      security,
      params: orgParams,
      querystring: pageQuery,
      response: { 200: pageSchema(paymentSchema) },
    },
    handler: async (request) => {
      const after = decodePaymentCursor(request.query.cursor);
      const page = await payments.listPayments(pathOrg(request), request.query.limit, after);
      const last = page.at(-1);
      return {
        data: page.map(toPaymentWire),
        next_cursor:
          page.length === request.query.limit && last
            ? Buffer.from(`${last.createdAt.toISOString()}|${last.id}`).toString('base64url')
            : null,
      };
    },
  });

  r.get('/v1/orgs/:org_id/billing/payments/:payment_id', {
    config: { authz: { action: 'read:billing', resource: resourceFromPath('Org') } },
    schema: { summary: 'Show a payment', tags, security, params: paymentParams, response: { 200: paymentSchema } },
    handler: async (request) => toPaymentWire(await payments.getPayment(pathOrg(request), request.params.payment_id)),
  });

  // The processor's webhook: no credential but its signature, so the body is kept raw until it verified.
  app.register(async (scope) => {
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: 512 * 1024 }, (_request, body, done) =>
      done(null, body),
    );
    scope.withTypeProvider<ZodTypeProvider>().post(PROCESSOR_WEBHOOK_PATH, {
      config: { public: true, transaction: 'none' },
      schema: {
        summary: "The payment processor's signed webhook (Stripe-Signature)",
        tags,
        response: {
          200: z.object({ received: z.literal(true), duplicate: z.boolean(), outcome: z.string() }),
        },
      },
      handler: async (request) => {
        const signature = request.headers['stripe-signature'];
        const raw = Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0);
        const receipt = await webhooks.receive(raw, typeof signature === 'string' ? signature : undefined, request.id);
        return { received: true as const, duplicate: receipt.duplicate, outcome: receipt.outcome };
      },
    });
  });
}

function decodePaymentCursor(cursor: string | undefined): { createdAt: Date; id: string } | undefined {
  if (cursor === undefined) return undefined;
  const [at, id] = Buffer.from(cursor, 'base64url').toString('utf8').split('|');
  const createdAt = new Date(at ?? '');
  if (Number.isNaN(createdAt.getTime()) || !id || !/^pay_[0-9a-z]{26}$/.test(id))
    throw new AppError('http.bad_request', {
      publicMessage: 'invalid cursor',
      details: { issues: [{ field: 'query.cursor', message: 'invalid cursor' }] },
    });
  return { createdAt, id };
}
