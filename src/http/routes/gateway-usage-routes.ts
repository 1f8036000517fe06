import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { AppError } from '../../lib/errors/index.js';
import type { OrgId } from '../../lib/ids.js';
import { actorOf, type ResourceDescriptor } from '../../modules/authz/index.js';
import type { LimitsView, SpendLimit, UsageGroup } from '../../modules/gateway/index.js';
import type { ApiServices } from '../api-services.js';
import { principalOf } from '../auth/route-auth.js';
import { inPlatformTransaction, inTenantTransaction } from '../auth/route-transaction.js';
import { orgParams, pageSchema, resourceFromPath } from './route-helpers.js';

const micros = z.number().int().min(0).max(Number.MAX_SAFE_INTEGER);
const nullableLimit = (what: string) =>
  z.number().int().min(0).max(2_147_483_647).nullable().default(null).describe(what);

const limitsBodySchema = z
  .object({
    monthly_tokens: z
      .number()
      .int()
      .min(0)
      .max(Number.MAX_SAFE_INTEGER)
      .nullable()
      .default(null)
      .describe('Tokens (input + output) the org may use per UTC month; null for no quota.'),
    rpm: nullableLimit('Requests per minute for the whole org; null for no limit.'),
    tpm: nullableLimit('Tokens per minute (estimated at reservation, corrected at settlement); null for no limit.'),
    cost_guard: z
      .enum(['block', 'alert', 'off'])
      .default('block')
      .describe(
        'When the spend rate spikes: refuse model calls until reset (`block`), only audit (`alert`), or nothing.',
      ),
    budget: z
      .object({
        monthly_micros: micros.describe('Monthly budget in micro-units of currency (1 = 0.000001).'),
        alert_thresholds: z
          .array(z.number().int().min(1).max(100))
          .max(10)
          .default([50, 80, 100])
          .describe('Percentages of the budget whose crossing raises `gateway.budget.threshold_crossed` (once each).'),
      })
      .strict()
      .nullable()
      .default(null),
    caps: z
      .array(
        z
          .object({
            subject: z
              .enum(['role', 'key'])
              .describe('`role`: each principal acting with the role; `key`: one API key.'),
            id: z.string().min(1).max(100).describe('The role name or the API key id (`key_…`).'),
            period: z.enum(['day', 'month']),
            limit_micros: micros,
          })
          .strict(),
      )
      .max(200)
      .default([]),
  })
  .strict();

const counterSchema = z.object({ used: z.number(), reserved: z.number() }).nullable();

const limitsSchema = z.object({
  version: z.number().int().describe('Version of the limits (0 before the first write); the ETag is `"v<version>"`.'),
  monthly_tokens: z.number().nullable(),
  rpm: z.number().nullable(),
  tpm: z.number().nullable(),
  cost_guard: z.enum(['block', 'alert', 'off']),
  cost_guard_tripped_at: z.string().nullable(),
  tokens_this_month: counterSchema,
  budget: z
    .object({
      monthly_micros: z.number(),
      alert_thresholds: z.array(z.number()),
      period_start: z.string(),
      current: counterSchema,
    })
    .nullable(),
  caps: z.array(
    z.object({
      subject: z.enum(['org', 'role', 'key']),
      id: z.string(),
      period: z.enum(['day', 'month']),
      limit_micros: z.number(),
      period_start: z.string(),
      current: counterSchema.describe('Used and reserved this period (null for role caps, which count per principal).'),
    }),
  ),
});

const usageQuery = z.object({
  from: z.iso.datetime({ offset: true }).optional().describe('Start (inclusive); default the start of this UTC month.'),
  to: z.iso.datetime({ offset: true }).optional().describe('End (exclusive); default now.'),
  group_by: z.enum(['model', 'api_key', 'principal']).default('model'),
  limit: z.coerce.number().int().min(1).max(200).default(50),
  cursor: z.string().max(400).optional(),
});

const usageItem = z.object({
  group: z.string().describe('The model name, API key id (empty for calls without a key) or principal id.'),
  requests: z.number(),
  input_tokens: z.number(),
  output_tokens: z.number(),
  cost_micros: z.number(),
});

const priceSchema = z
  .object({
    model: z
      .string()
      .min(1)
      .max(200)
      .describe('Model name as clients send it; `*` is the fallback for unlisted models.'),
    input_micros_per_mtok: micros.describe('Price of one million input tokens, in micro-units of currency.'),
    output_micros_per_mtok: micros.describe('Price of one million output tokens, in micro-units of currency.'),
  })
  .strict();

function expectedVersion(header: string | string[] | undefined): number {
  const match = typeof header === 'string' ? /^(?:W\/)?"v(\d{1,9})"$/.exec(header.trim()) : null;
  if (!match)
    throw new AppError('http.precondition_required', {
      publicMessage: 'send If-Match with the ETag of the current limits (`"v0"` before the first write)',
    });
  return Number(match[1]);
}

function decodeCursor(cursor: string | undefined): string | undefined {
  if (cursor === undefined) return undefined;
  const decoded = Buffer.from(cursor, 'base64url').toString('utf8');
  if (decoded.length === 0 || decoded.length > 300 || Buffer.from(decoded).toString('base64url') !== cursor)
    throw new AppError('http.bad_request', {
      publicMessage: 'invalid cursor',
      details: { issues: [{ field: 'query.cursor', message: 'invalid cursor' }] },
    });
  return decoded;
}

function toLimitsWire(view: LimitsView) {
  const budget = view.limits.find((l) => l.subjectKind === 'org' && l.period === 'month');
  return {
    version: view.plan.version,
    monthly_tokens: view.plan.monthlyTokens,
    rpm: view.plan.rpm,
    tpm: view.plan.tpm,
    cost_guard: view.plan.costGuardMode,
    cost_guard_tripped_at: view.plan.costGuardTrippedAt ? view.plan.costGuardTrippedAt.toISOString() : null,
    tokens_this_month: view.tokensThisMonth,
    budget: budget
      ? {
          monthly_micros: budget.limitMicros,
          alert_thresholds: budget.alertThresholds,
          period_start: budget.periodStart,
          current: budget.current,
        }
      : null,
    caps: view.limits
      .filter((l) => l !== budget)
      .map((l) => ({
        subject: l.subjectKind,
        id: l.subjectId,
        period: l.period,
        limit_micros: l.limitMicros,
        period_start: l.periodStart,
        current: l.current,
      })),
  };
}

const ownOrg = (request: FastifyRequest): ResourceDescriptor => {
  const orgId = principalOf(request).orgId;
  return { type: 'Org', id: orgId, orgId };
};

/** Usage reports, the org's plan limits, budget and caps, the cost-guard reset, and the platform price table. */
export function registerGatewayUsageRoutes(app: FastifyInstance, services: ApiServices): void {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const security = [{ bearer: [] }];
  const usage = services.gatewayUsage.service;

  r.get('/v1/orgs/:org_id/usage', {
    config: { authz: { action: 'read:usage', resource: resourceFromPath('Org') } },
    schema: {
      summary: 'Settled gateway usage (requests, tokens, cost) over a period, totals by model, API key or principal',
      tags: ['gateway'],
      security,
      params: orgParams,
      querystring: usageQuery,
      response: { 200: pageSchema(usageItem).extend({ from: z.string(), to: z.string(), group_by: z.string() }) },
    },
    handler: async (request) => {
      const q = request.query;
      const now = services.clock.now();
      const from = q.from ? new Date(q.from) : new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 1));
      const to = q.to ? new Date(q.to) : new Date(now.getTime() + 1);
      for (const [field, value] of [
        ['query.from', from],
        ['query.to', to],
      ] as const)
        if (Number.isNaN(value.getTime()) || value.getUTCFullYear() < 1970)
          throw new AppError('http.bad_request', {
            publicMessage: `${field}: not a date from 1970 on`,
            details: { issues: [{ field, message: 'not a date from 1970 on' }] },
          });
      const after = decodeCursor(q.cursor);
      const totals = await usage.report(request.params.org_id as OrgId, {
        from,
        to,
        groupBy: q.group_by as UsageGroup,
        limit: q.limit,
        ...(after !== undefined ? { after } : {}),
      });
      const last = totals.at(-1);
      return {
        from: from.toISOString(),
        to: to.toISOString(),
        group_by: q.group_by,
        data: totals.map((t) => ({
          group: t.group,
          requests: t.requests,
          input_tokens: t.inputTokens,
          output_tokens: t.outputTokens,
          cost_micros: t.costMicros,
        })),
        next_cursor: totals.length === q.limit && last ? Buffer.from(last.group).toString('base64url') : null,
      };
    },
  });

  r.get('/v1/orgs/:org_id/gateway/limits', {
    config: { authz: { action: 'read:usage', resource: resourceFromPath('Org') } },
    schema: {
      summary: "The org's plan limits (monthly tokens, RPM, TPM), budget and spending caps, with this period's use",
      tags: ['gateway'],
      security,
      params: orgParams,
      response: { 200: limitsSchema },
    },
    handler: async (request, reply) => {
      const view = await usage.limits(request.params.org_id as OrgId);
      reply.header('etag', `"v${view.plan.version}"`);
      return toLimitsWire(view);
    },
  });

  r.put('/v1/orgs/:org_id/gateway/limits', {
    config: {
      ifMatch: true,
      authz: { action: 'manage:org', resource: resourceFromPath('Org') },
      transaction: 'tenant',
    },
    schema: {
      summary: 'Replace the plan limits, budget and spending caps (If-Match required)',
      tags: ['gateway'],
      security,
      params: orgParams,
      body: limitsBodySchema,
      response: { 200: limitsSchema },
    },
    handler: async (request, reply) => {
      const version = expectedVersion(request.headers['if-match']);
      const body = request.body;
      const limits: SpendLimit[] = [
        ...(body.budget
          ? [
              {
                subjectKind: 'org' as const,
                subjectId: '',
                period: 'month' as const,
                limitMicros: body.budget.monthly_micros,
                alertThresholds: [...new Set(body.budget.alert_thresholds)].sort((a, b) => a - b),
              },
            ]
          : []),
        ...body.caps.map((c) => ({
          subjectKind: c.subject,
          subjectId: c.id,
          period: c.period,
          limitMicros: c.limit_micros,
          alertThresholds: [],
        })),
      ];
      const view = await inTenantTransaction(request, (sql) =>
        usage.updateLimits(
          sql,
          { monthlyTokens: body.monthly_tokens, rpm: body.rpm, tpm: body.tpm, costGuardMode: body.cost_guard, limits },
          version,
          { actor: actorOf(principalOf(request)), requestId: request.id, principal: principalOf(request) },
        ),
      );
      reply.header('etag', `"v${view.plan.version}"`);
      return toLimitsWire(view);
    },
  });

  r.post('/v1/orgs/:org_id/gateway/cost-guard/reset', {
    config: { authz: { action: 'manage:org', resource: resourceFromPath('Org') }, transaction: 'tenant' },
    schema: {
      summary: 'Clear a tripped cost guard so model calls proceed again (409 when it has not tripped)',
      tags: ['gateway'],
      security,
      params: orgParams,
      response: { 200: z.object({ reset: z.literal(true), tripped_at: z.string() }) },
    },
    handler: async (request) => {
      const { trippedAt } = await inTenantTransaction(request, (sql) =>
        usage.resetCostGuard(sql, { actor: actorOf(principalOf(request)), requestId: request.id }),
      );
      return { reset: true as const, tripped_at: trippedAt.toISOString() };
    },
  });

  r.get('/v1/gateway/prices', {
    config: { authz: { action: 'read:usage', resource: ownOrg } },
    schema: {
      summary: 'The model price table (micro-units of currency per one million tokens)',
      tags: ['gateway'],
      security,
      response: { 200: z.object({ data: z.array(priceSchema) }) },
    },
    handler: async () => ({
      data: (await usage.prices()).map((p) => ({
        model: p.model,
        input_micros_per_mtok: p.inputMicrosPerMTok,
        output_micros_per_mtok: p.outputMicrosPerMTok,
      })),
    }),
  });

  r.put('/v1/gateway/prices', {
    config: {
      authz: {
        action: 'manage:orgs',
        resource: (): ResourceDescriptor => ({ type: 'Platform', id: 'platform', orgId: services.platformOrgId }),
      },
      transaction: 'platform',
    },
    schema: {
      summary: "Set one model's price (platform owners); audited in the platform org",
      tags: ['gateway'],
      security,
      body: priceSchema,
      response: { 200: priceSchema },
    },
    handler: async (request) => {
      const body = request.body;
      const price = await inPlatformTransaction(request, (platform) =>
        usage.setPrice(
          platform,
          {
            model: body.model,
            inputMicrosPerMTok: body.input_micros_per_mtok,
            outputMicrosPerMTok: body.output_micros_per_mtok,
          },
          { actor: actorOf(principalOf(request)), requestId: request.id },
        ),
      );
      return {
        model: price.model,
        input_micros_per_mtok: price.inputMicrosPerMTok,
        output_micros_per_mtok: price.outputMicrosPerMTok,
      };
    },
  });
}
