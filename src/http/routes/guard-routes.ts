import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { OrgId } from '../../lib/ids.js';
import { actorOf } from '../../modules/authz/index.js';
import type { ApiServices } from '../api-services.js';
import { auditCommitted, principalOf, takePendingAudit } from '../auth/route-auth.js';
import { orgParams, resourceFromPath } from './route-helpers.js';

const MAX_TEXT = 256 * 1024;

const scanBodySchema = z
  .object({
    text: z.string().max(MAX_TEXT).describe('The prompt (hook `input`) or model response (hook `output`) to scan.'),
    hook: z.enum(['input', 'output']),
    input_text: z.string().max(MAX_TEXT).optional().describe('For output scans: the prompt of the exchange, so echoed values are not reported as leaks.'),
    system_prompt: z.string().max(MAX_TEXT).optional().describe('For output scans: a system prompt the response must not echo.'),
    canary_tokens: z.array(z.string().min(8).max(200)).max(20).optional().describe('For output scans: tokens whose appearance proves a leak.'),
  })
  .strict();

const scanResultSchema = z.object({
  verdict: z.enum(['allow', 'redact', 'block', 'quarantine']),
  reasons: z.array(z.string()),
  findings: z.array(
    z.object({ class: z.string(), start: z.number(), end: z.number(), confidence: z.number(), reason: z.string(), detector: z.string(), sensitivity: z.string(), action: z.string() }),
  ),
  transformed: z.string().nullable().describe('The text with masked and redacted spans, when the verdict is `redact`.'),
  tokens: z.record(z.string(), z.string()).nullable().describe('Redaction token → original, to restore values in a response; never stored.'),
  quarantine_id: z.string().nullable().describe('The held response, when the verdict is `quarantine`.'),
});

/** `POST /v1/orgs/{org_id}/guard/scan`: the guard on its own, for apps that call models themselves. */
export function registerGuardRoutes(app: FastifyInstance, services: ApiServices): void {
  app.withTypeProvider<ZodTypeProvider>().post('/v1/orgs/:org_id/guard/scan', {
    config: { authz: { action: 'invoke:models', resource: resourceFromPath('Org') } },
    schema: { summary: 'Scan a prompt or a model response: PII, secrets, prompt injection, toxicity, leakage', tags: ['guard'], security: [{ bearer: [] }], params: orgParams, body: scanBodySchema, response: { 200: scanResultSchema } },
    handler: async (request) => {
      const body = request.body;
      const events = takePendingAudit(request);
      const { result, quarantineId } = await services.guard.scan(
        request.params.org_id as OrgId,
        { text: body.text, hook: body.hook, ...(body.input_text !== undefined ? { inputText: body.input_text } : {}), ...(body.system_prompt !== undefined ? { systemPrompt: body.system_prompt } : {}), ...(body.canary_tokens ? { canaryTokens: body.canary_tokens } : {}) },
        actorOf(principalOf(request)),
        request.id,
        events,
      );
      auditCommitted(request);
      return {
        verdict: result.verdict,
        reasons: [...result.reasons],
        findings: result.findings.map((f) => ({ class: f.class, start: f.start, end: f.end, confidence: f.confidence, reason: f.reason, detector: f.detector, sensitivity: f.sensitivity, action: f.action })),
        transformed: result.transformed ?? null,
        tokens: result.vault ? { ...result.vault } : null,
        quarantine_id: quarantineId,
      };
    },
  });
}
