import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { AppError } from '../../lib/errors/index.js';
import { actorOf } from '../../modules/authz/index.js';
import { listPlans, type Entitlements, type PlanCharge, type SubscriptionView } from '../../modules/billing/index.js';
import type { ApiServices } from '../api-services.js';
import { principalOf, requestMeta } from '../auth/route-auth.js';
import { inTenantTransaction } from '../auth/route-transaction.js';
import { declined, refusePan } from './billing-routes.js';
import { idempotencyKeyOf } from './idempotency-key.js';
import { idParam, orgParams, pathOrg, resourceFromPath } from './route-helpers.js';

const tags = ['billing'];
const security = [{ bearer: [] }];
const planCode = z.enum(['free', 'pro', 'enterprise']);
const paidPlan = z.enum(['pro', 'enterprise']);

const entitlementsSchema = z.object({
  plan: planCode,
  monthly_tokens: z.number().int().nullable().describe('Null: no limit.'),
  rpm: z.number().int().nullable(),
  tpm: z.number().int().nullable(),
  features: z.array(z.string()),
});

const planSchema = entitlementsSchema.extend({
  name: z.string(),
  price_cents: z.number().int().describe('Per month.'),
  currency: z.string(),
  trial_days: z.number().int(),
});

const subscriptionSchema = z.object({
  id: z.string().nullable().describe('Null while the org never started a trial or subscription.'),
  plan: planCode.nullable(),
  status: z.enum(['incomplete', 'trialing', 'active', 'past_due', 'canceled']).nullable(),
  trial_ends_at: z.string().nullable(),
  payment_method_id: z.string().nullable(),
  decline_code: z.string().nullable(),
  current_period_start: z.string().nullable(),
  current_period_end: z
    .string()
    .nullable()
    .describe('The active plan is paid up to here; the renewal job charges the next period then.'),
  pending_plan: paidPlan.nullable().describe('The plan a change waits on its payment (3-D Secure) for.'),
  pending_payment_id: z.string().nullable(),
  next_action: z
    .object({ type: z.literal('redirect_to_url'), url: z.string() })
    .nullable()
    .describe(
      'Where the customer completes 3-D Secure: for the card check while the status is `incomplete`, or for the payment of `pending_plan`.',
    ),
  version: z.number().int(),
  entitlements: entitlementsSchema
    .nullable()
    .describe("What the gateway enforces besides the org's written limits (null: the org is on no billing plan)."),
});

const chargeSchema = z
  .object({
    payment_id: z.string(),
    status: z.enum(['pending', 'requires_action', 'failed', 'succeeded']),
    amount: z.number().int().describe('In cents.'),
    currency: z.string(),
  })
  .nullable()
  .describe('The payment the change made (null when it cost nothing: Free, a downgrade, a tiny proration).');

const subscriptionChangeSchema = subscriptionSchema.extend({ charge: chargeSchema });

const usageReportSchema = z.object({
  period: z.string(),
  event_id: z.string().describe("The processor meter event's identifier."),
  tokens: z.number().int(),
  reported_at: z.string(),
});

const trialBody = z
  .object({
    plan: paidPlan,
    token: z
      .string()
      .regex(/^(pm|tok)_[A-Za-z0-9_]{1,200}$/, "a processor token (`pm_…`) from the processor's card page")
      .describe('The card to verify with a setup intent. Never a card number.'),
  })
  .strict();

const subscribeBody = z
  .object({
    plan: planCode,
    payment_method_id: idParam('pmt', 'a saved card')
      .optional()
      .describe("The saved card to pay with and renew on; the subscription's card when absent."),
  })
  .strict();

function toEntitlementsWire(e: Entitlements): z.infer<typeof entitlementsSchema> {
  return { plan: e.plan, monthly_tokens: e.monthlyTokens, rpm: e.rpm, tpm: e.tpm, features: [...e.features] };
}

function toSubscriptionWire(s: SubscriptionView): z.infer<typeof subscriptionSchema> {
  return {
    id: s.id,
    plan: s.plan,
    status: s.status,
    trial_ends_at: s.trialEndsAt ? s.trialEndsAt.toISOString() : null,
    payment_method_id: s.paymentMethodId,
    decline_code: s.declineCode,
    current_period_start: s.currentPeriodStart ? s.currentPeriodStart.toISOString() : null,
    current_period_end: s.currentPeriodEnd ? s.currentPeriodEnd.toISOString() : null,
    pending_plan: s.pendingPlan === 'pro' || s.pendingPlan === 'enterprise' ? s.pendingPlan : null,
    pending_payment_id: s.pendingPaymentId,
    next_action:
      (s.status === 'incomplete' || s.pendingPlan !== null) && s.actionUrl
        ? { type: 'redirect_to_url', url: s.actionUrl }
        : null,
    version: s.version,
    entitlements: s.entitlements ? toEntitlementsWire(s.entitlements) : null,
  };
}

function toChargeWire(c: PlanCharge | null): z.infer<typeof chargeSchema> {
  return c && { payment_id: c.paymentId, status: c.status, amount: c.amount, currency: c.currency };
}

/** The plan catalogue, the org's subscription (trial, plan changes, cancellation) and its entitlements. */
export function registerBillingPlanRoutes(app: FastifyInstance, services: ApiServices): void {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const { plans } = services.billing;
  const base = '/v1/orgs/:org_id/billing';

  r.get(`${base}/plans`, {
    config: { authz: { action: 'read:billing', resource: resourceFromPath('Org') } },
    schema: {
      summary: 'The plan catalogue: prices and the gateway limits and features each plan entitles to',
      tags,
      security,
      params: orgParams,
      response: { 200: z.object({ data: z.array(planSchema) }) },
    },
    handler: async () => ({
      data: listPlans().map((p) => ({
        ...toEntitlementsWire(p),
        name: p.name,
        price_cents: p.priceCents,
        currency: p.currency,
        trial_days: p.trialDays,
      })),
    }),
  });

  r.get(`${base}/subscription`, {
    config: { authz: { action: 'read:billing', resource: resourceFromPath('Org') } },
    schema: {
      summary: "The org's subscription",
      tags,
      security,
      params: orgParams,
      response: { 200: subscriptionSchema },
    },
    handler: async (request) => toSubscriptionWire(await plans.subscription(pathOrg(request))),
  });

  r.get(`${base}/entitlements`, {
    config: { authz: { action: 'read:billing', resource: resourceFromPath('Org') } },
    schema: {
      summary: "What the org's plan entitles to now (null: on no billing plan)",
      tags,
      security,
      params: orgParams,
      response: { 200: z.object({ entitlements: entitlementsSchema.nullable() }) },
    },
    handler: async (request) => {
      const { entitlements } = await plans.subscription(pathOrg(request));
      return { entitlements: entitlements ? toEntitlementsWire(entitlements) : null };
    },
  });

  r.post(`${base}/subscription/trial`, {
    config: { authz: { action: 'bill:payments', resource: resourceFromPath('Org') }, transaction: 'tenant' },
    preValidation: refusePan,
    schema: {
      summary: 'Start a trial of a paid plan; a setup intent verifies the card first',
      description:
        'Answers 201 `trialing` once the card is verified, 202 `incomplete` with `next_action.url` when the card needs 3-D Secure (the processor webhook starts or disables the trial), and 402 `billing.card_declined` when verification fails: the trial is disabled and the org stays on Free.',
      tags,
      security,
      params: orgParams,
      body: trialBody,
      response: { 201: subscriptionSchema, 202: subscriptionSchema },
    },
    handler: async (request, reply) => {
      const view = await inTenantTransaction(request, (sql) =>
        plans.startTrial(sql, actorOf(principalOf(request)), request.body, requestMeta(request)),
      );
      if (view.status === 'canceled')
        throw new AppError('billing.card_declined', {
          publicMessage: `the card was declined (${view.declineCode ?? 'card_declined'}); the trial is disabled`,
          details: { decline_code: view.declineCode ?? 'card_declined', subscription_id: view.id },
        });
      return reply.code(view.status === 'incomplete' ? 202 : 201).send(toSubscriptionWire(view));
    },
  });

  r.post(`${base}/subscription`, {
    config: { authz: { action: 'bill:payments', resource: resourceFromPath('Org') }, transaction: 'tenant' },
    preValidation: refusePan,
    schema: {
      summary: 'Subscribe, upgrade or downgrade (Idempotency-Key required); a paid move is charged',
      description:
        "A paid plan needs the card the org's trial verified, and is charged with it at once: its whole price from Free, a trial or a lapsed plan (a new monthly period starts), the price difference for the rest of the period on an upgrade (not charged under 50 cents). A downgrade takes effect at once and is not credited. Answers 200 once changed (`charge` says what was paid), 202 with `pending_plan` and `next_action.url` when the payment needs 3-D Secure (the processor's webhook applies the plan once paid), and 402 `billing.card_declined` when the charge is declined: nothing changes. A retry with the same key replays the first answer; the key with another body is 400 `billing.idempotency_conflict`, a concurrent duplicate 409.",
      tags,
      security,
      params: orgParams,
      body: subscribeBody,
      response: { 200: subscriptionChangeSchema, 202: subscriptionChangeSchema },
    },
    handler: async (request, reply) => {
      const key = idempotencyKeyOf(request);
      if (!key) throw new AppError('billing.idempotency_key_required');
      const { change, replayed } = await plans.subscribe(
        pathOrg(request),
        (fn) => inTenantTransaction(request, fn),
        actorOf(principalOf(request)),
        {
          plan: request.body.plan,
          ...(request.body.payment_method_id ? { paymentMethodId: request.body.payment_method_id } : {}),
        },
        key,
        requestMeta(request),
      );
      if (replayed) reply.header('idempotent-replayed', 'true');
      const { charge } = change;
      if (charge?.status === 'failed') throw declined(charge.declineCode ?? 'card_declined', charge.paymentId);
      return reply
        .code(charge?.status === 'requires_action' ? 202 : 200)
        .send({ ...toSubscriptionWire(change.subscription), charge: toChargeWire(charge) });
    },
  });

  r.post(`${base}/usage-reports`, {
    config: { authz: { action: 'bill:payments', resource: resourceFromPath('Org') }, transaction: 'tenant' },
    schema: {
      summary: "Report a closed month of the org's metered tokens to the processor (once per month)",
      description:
        'The processor receives one meter event with identifier `usage-<org_id>-<period>`; reporting the month again answers the first report (`idempotent-replayed: true`) and counts nothing twice.',
      tags,
      security,
      params: orgParams,
      body: z.object({ period: z.string().regex(/^[0-9]{4}-(0[1-9]|1[0-2])$/, 'a month as YYYY-MM') }).strict(),
      response: { 201: usageReportSchema, 200: usageReportSchema },
    },
    handler: async (request, reply) => {
      const { report, replayed } = await services.billing.reportUsage(
        pathOrg(request),
        (fn) => inTenantTransaction(request, fn),
        actorOf(principalOf(request)),
        request.body.period,
        requestMeta(request),
      );
      if (replayed) reply.header('idempotent-replayed', 'true');
      return reply.code(replayed ? 200 : 201).send({
        period: report.period,
        event_id: report.eventId,
        tokens: report.tokens,
        reported_at: report.reportedAt.toISOString(),
      });
    },
  });

  r.post(`${base}/subscription/cancel`, {
    config: { authz: { action: 'bill:payments', resource: resourceFromPath('Org') }, transaction: 'tenant' },
    schema: {
      summary: 'Cancel the subscription; the org drops to Free at once',
      tags,
      security,
      params: orgParams,
      response: { 200: subscriptionSchema },
    },
    handler: async (request) =>
      toSubscriptionWire(
        await inTenantTransaction(request, (sql) =>
          plans.cancel(sql, actorOf(principalOf(request)), requestMeta(request)),
        ),
      ),
  });
}
