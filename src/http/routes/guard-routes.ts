import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { AppError } from '../../lib/errors/index.js';
import type { OrgId } from '../../lib/ids.js';
import { actorOf } from '../../modules/authz/index.js';
import type { ApiServices } from '../api-services.js';
import { principalOf } from '../auth/route-auth.js';
import { inTenantTransaction } from '../auth/route-transaction.js';
import { orgParams, resourceFromPath } from './route-helpers.js';

// Names and places run on the event loop (about 7 ms per KB), so one scan is capped well below the body limit.
const MAX_TEXT = 64 * 1024;

const scanBodySchema = z
  .object({
    text: z.string().max(MAX_TEXT).describe('The prompt (hook `input`) or model response (hook `output`) to scan.'),
    hook: z.enum(['input', 'output']),
    input_text: z
      .string()
      .max(MAX_TEXT)
      .optional()
      .describe('For output scans: the prompt of the exchange, so echoed values are not reported as leaks.'),
    system_prompt: z
      .string()
      .max(MAX_TEXT)
      .optional()
      .describe('For output scans: a system prompt the response must not echo.'),
    canary_tokens: z
      .array(z.string().min(8).max(200))
      .max(20)
      .optional()
      .describe('For output scans: tokens whose appearance proves a leak.'),
  })
  .strict();

const scanResultSchema = z.object({
  verdict: z.enum(['allow', 'redact', 'block', 'quarantine']),
  reasons: z.array(z.string()),
  findings: z.array(
    z.object({
      class: z.string(),
      start: z.number(),
      end: z.number(),
      confidence: z.number(),
      reason: z.string(),
      detector: z.string(),
      sensitivity: z.string(),
      action: z.string(),
    }),
  ),
  transformed: z.string().nullable().describe('The text with masked and redacted spans, when the verdict is `redact`.'),
  tokens: z
    .record(z.string(), z.string())
    .nullable()
    .describe('Redaction token → original, to restore values in a response; never stored.'),
  quarantine_id: z.string().nullable().describe('The held response, when the verdict is `quarantine`.'),
});

const actionSchema = z.enum(['allow', 'mask', 'redact', 'block', 'quarantine']);
const rulesSchema = z.record(z.string().max(100), actionSchema);
const levelsSchema = z
  .object({ public: actionSchema, internal: actionSchema, confidential: actionSchema, restricted: actionSchema })
  .partial()
  .strict();

const guardPolicyBodySchema = z
  .object({
    min_confidence: z
      .number()
      .min(0)
      .max(1)
      .optional()
      .describe('Findings below this confidence are ignored (default 0.5).'),
    input: rulesSchema
      .optional()
      .describe('Action per class pattern on prompts (`pii.email`, `pii.*`, `*`); the most specific wins.'),
    output: rulesSchema.optional().describe('Action per class pattern on model responses.'),
    levels: z
      .object({ input: levelsSchema.optional(), output: levelsSchema.optional() })
      .strict()
      .optional()
      .describe('Action per sensitivity level when no class pattern matches.'),
  })
  .strict();

const guardPolicySchema = guardPolicyBodySchema.extend({ version: z.number().int(), created_at: z.string() });

function etagVersion(header: string | string[] | undefined): number {
  const match = typeof header === 'string' ? /^(?:W\/)?"v(\d{1,9})"$/.exec(header.trim()) : null;
  if (!match)
    throw new AppError('http.precondition_required', {
      publicMessage: 'send If-Match with the ETag of the current guard policy version',
    });
  return Number(match[1]);
}

/** The guard on its own (`…/guard/scan`), for apps that call models themselves, and its per-org policy (`…/guard/policy`). */
export function registerGuardRoutes(app: FastifyInstance, services: ApiServices): void {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const security = [{ bearer: [] }];

  r.get('/v1/orgs/:org_id/guard/policy', {
    config: {
      authz: {
        action: 'read:policies',
        resource: (request) => ({
          type: 'PolicySet',
          id: 'guard',
          orgId: (request.params as { org_id: OrgId }).org_id,
        }),
      },
    },
    schema: {
      summary: 'The guard class policy in force (org rules over the defaults; ETag = its version)',
      tags: ['guard'],
      security,
      params: orgParams,
      response: { 200: guardPolicySchema },
    },
    handler: async (request, reply) => {
      const current = await services.guardPolicies.current(request.params.org_id as OrgId);
      reply.header('etag', `"v${current.version}"`);
      const p = current.policy;
      return {
        version: current.version,
        created_at: current.createdAt.toISOString(),
        ...(p.minConfidence !== undefined ? { min_confidence: p.minConfidence } : {}),
        ...(p.input ? { input: p.input } : {}),
        ...(p.output ? { output: p.output } : {}),
        ...(p.levels ? { levels: p.levels } : {}),
      };
    },
  });

  r.put('/v1/orgs/:org_id/guard/policy', {
    config: {
      ifMatch: true,
      authz: {
        action: 'manage:policies',
        resource: (request) => ({
          type: 'PolicySet',
          id: 'guard',
          orgId: (request.params as { org_id: OrgId }).org_id,
        }),
      },
      transaction: 'tenant',
    },
    schema: {
      summary: 'Replace the guard class policy (a new version; If-Match required)',
      tags: ['guard'],
      security,
      params: orgParams,
      body: guardPolicyBodySchema,
      response: { 200: guardPolicySchema },
    },
    handler: async (request, reply) => {
      const expected = etagVersion(request.headers['if-match']);
      const body = request.body;
      const policy = {
        ...(body.min_confidence !== undefined ? { minConfidence: body.min_confidence } : {}),
        ...(body.input ? { input: body.input } : {}),
        ...(body.output ? { output: body.output } : {}),
        ...(body.levels ? { levels: { input: body.levels.input ?? {}, output: body.levels.output ?? {} } } : {}),
      };
      const stored = await inTenantTransaction(request, (sql) =>
        services.guardPolicies.update(sql, {
          policy,
          expectedVersion: expected,
          actor: actorOf(principalOf(request)),
          requestId: request.id,
        }),
      );
      reply.header('etag', `"v${stored.version}"`);
      return { ...body, version: stored.version, created_at: stored.createdAt.toISOString() };
    },
  });

  r.post('/v1/orgs/:org_id/guard/scan', {
    config: {
      authz: { action: 'invoke:models', resource: resourceFromPath('Org') },
      transaction: 'tenant',
      gateway: { callsModel: false, reason: 'runs the guard on a text the app sends; no model is called' },
    },
    schema: {
      summary: 'Scan a prompt or a model response: PII, secrets, prompt injection, toxicity, leakage',
      tags: ['guard'],
      security,
      params: orgParams,
      body: scanBodySchema,
      response: { 200: scanResultSchema },
    },
    handler: async (request) => {
      const body = request.body;
      const { result, quarantineId } = await services.guard.scan(
        request.params.org_id as OrgId,
        {
          text: body.text,
          hook: body.hook,
          ...(body.input_text !== undefined ? { inputText: body.input_text } : {}),
          ...(body.system_prompt !== undefined ? { systemPrompt: body.system_prompt } : {}),
          ...(body.canary_tokens ? { canaryTokens: body.canary_tokens } : {}),
        },
        actorOf(principalOf(request)),
        request.id,
        // The detectors run first; the transaction (decision, verdict, any hold) opens only to record them.
        (fn) => inTenantTransaction(request, fn),
      );
      services.metrics.guardVerdicts.inc({ hook: body.hook, verdict: result.verdict });
      return {
        verdict: result.verdict,
        reasons: [...result.reasons],
        findings: result.findings.map((f) => ({
          class: f.class,
          start: f.start,
          end: f.end,
          confidence: f.confidence,
          reason: f.reason,
          detector: f.detector,
          sensitivity: f.sensitivity,
          action: f.action,
        })),
        transformed: result.transformed ?? null,
        tokens: result.vault ? { ...result.vault } : null,
        quarantine_id: quarantineId,
      };
    },
  });
}
