import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { RecoveryCaseView, RecoveryReport } from '../../modules/billing/index.js';
import type { ApiServices } from '../api-services.js';
import { orgParams, pathOrg, resourceFromPath } from './route-helpers.js';

const caseSchema = z.object({
  id: z.string(),
  payment_id: z.string(),
  reason: z.enum(['insufficient_funds', 'expired_card', 'authentication_required', 'do_not_honor', 'hard_decline']),
  decline_code: z.string(),
  state: z.enum(['open', 'recovered', 'exhausted', 'hard_declined', 'awaiting_customer']),
  amount: z.number().int(),
  currency: z.string(),
  attempts: z.number().int(),
  next_attempt_at: z.string().nullable(),
  grace_ends_at: z.string(),
  opened_at: z.string(),
});

const reportSchema = z.object({
  from: z.string(),
  to: z.string(),
  open: z.object({ count: z.number().int(), amount: z.number().int() }),
  recovered: z.object({ count: z.number().int(), amount: z.number().int() }),
  exhausted: z.object({ count: z.number().int() }),
  hard_declined: z.object({ count: z.number().int() }),
  open_cases: z.array(caseSchema).describe('Cases still retried or waiting for the customer (up to 100).'),
});

const reportQuery = z
  .object({
    from: z.coerce.date().optional().describe('Start of the period (RFC 3339); default 30 days before `to`.'),
    to: z.coerce.date().optional().describe('End of the period (RFC 3339, exclusive); default now.'),
  })
  .strict();

function toCaseWire(c: RecoveryCaseView): z.infer<typeof caseSchema> {
  return {
    id: c.id,
    payment_id: c.paymentId,
    reason: c.reason,
    decline_code: c.declineCode,
    state: c.state,
    amount: c.amount,
    currency: c.currency,
    attempts: c.attempts,
    next_attempt_at: c.nextAttemptAt?.toISOString() ?? null,
    grace_ends_at: c.graceEndsAt.toISOString(),
    opened_at: c.openedAt.toISOString(),
  };
}

function toReportWire(r: RecoveryReport): z.infer<typeof reportSchema> {
  return {
    from: r.from.toISOString(),
    to: r.to.toISOString(),
    open: { count: r.openCount, amount: r.openAmount },
    recovered: { count: r.recoveredCount, amount: r.recoveredAmount },
    exhausted: { count: r.exhaustedCount },
    hard_declined: { count: r.hardDeclinedCount },
    open_cases: r.openCases.map(toCaseWire),
  };
}

/** The failed-payment recovery report (finance and owners). */
export function registerBillingRecoveryRoutes(app: FastifyInstance, services: ApiServices): void {
  const { recovery } = services.billing;
  app.withTypeProvider<ZodTypeProvider>().get('/v1/orgs/:org_id/billing/recovery', {
    config: { authz: { action: 'read:billing', resource: resourceFromPath('Org') } },
    schema: {
      summary: 'Failed-payment recovery: open cases, recovered revenue, exhausted',
      description:
        'Cases open now, and the cases recovered (with the amount recovered), exhausted and hard-declined whose case closed in the period.',
      tags: ['billing'],
      security: [{ bearer: [] }],
      params: orgParams,
      querystring: reportQuery,
      response: { 200: reportSchema },
    },
    handler: async (request) =>
      toReportWire(
        await recovery.report(pathOrg(request), {
          ...(request.query.from ? { from: request.query.from } : {}),
          ...(request.query.to ? { to: request.query.to } : {}),
        }),
      ),
  });
}
