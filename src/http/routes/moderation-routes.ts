import { randomBytes } from 'node:crypto';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { AppError } from '../../lib/errors/index.js';
import { actorOf, type ResourceDescriptor } from '../../modules/authz/index.js';
import { MODERATION_CATEGORIES, MODERATION_MODEL } from '../../modules/guard/index.js';
import type { ApiServices } from '../api-services.js';
import { principalOf } from '../auth/route-auth.js';
import { inTenantTransaction } from '../auth/route-transaction.js';

// The rule stages run on the event loop over the whole text, so inputs are bounded well below the body limit.
const MAX_TEXT = 32 * 1024;
const MAX_INPUTS = 32;
const MAX_TOTAL = 128 * 1024;

// Model names clients send to OpenAI's endpoint; all are answered by Bulwark's moderation (reported as its own name).
const ACCEPTED_MODELS = new Set([
  MODERATION_MODEL,
  'omni-moderation-latest',
  'omni-moderation-2024-09-26',
  'text-moderation-latest',
  'text-moderation-stable',
  'text-moderation-007',
]);

const textPart = z.object({ type: z.literal('text'), text: z.string().max(MAX_TEXT) }).strict();
const imagePart = z
  .object({ type: z.literal('image_url'), image_url: z.object({ url: z.string().max(8_192) }).strict() })
  .strict();

const moderationBodySchema = z
  .object({
    input: z
      .union([
        z.string().max(MAX_TEXT),
        z.array(z.string().max(MAX_TEXT)).min(1).max(MAX_INPUTS),
        z
          .array(z.union([textPart, imagePart]))
          .min(1)
          .max(MAX_INPUTS),
      ])
      .describe('A text, an array of texts (one result each), or an array of content parts (one result for all).'),
    model: z
      .string()
      .max(100)
      .optional()
      .describe(`\`${MODERATION_MODEL}\` (default); OpenAI's moderation model names are accepted as aliases.`),
  })
  .strict();

const flags = z.record(z.enum(MODERATION_CATEGORIES), z.boolean());
const moderationResponseSchema = z.object({
  id: z.string(),
  model: z.string(),
  results: z.array(
    z.object({
      flagged: z.boolean(),
      categories: flags,
      category_scores: z.record(z.enum(MODERATION_CATEGORIES), z.number()),
      category_applied_input_types: z.record(z.enum(MODERATION_CATEGORIES), z.array(z.literal('text'))),
    }),
  ),
});

function badInput(field: string, message: string): AppError {
  return new AppError('http.bad_request', { publicMessage: message, details: { issues: [{ field, message }] } });
}

/** The texts to score, one per result: strings one by one, content parts joined into one text. */
function textsOf(input: z.infer<typeof moderationBodySchema>['input']): string[] {
  if (typeof input === 'string') return [input];
  const parts = input as readonly (string | z.infer<typeof textPart> | z.infer<typeof imagePart>)[];
  if (parts.every((part) => typeof part === 'string')) return parts as string[];
  const texts: string[] = [];
  parts.forEach((part, i) => {
    // SECURITY: an image cannot be judged here; refusing it beats answering "not flagged" for content never seen.
    if (typeof part === 'string' || part.type !== 'text')
      throw badInput(`body.input[${i}]`, 'only text inputs are supported by this moderation model');
    texts.push(part.text);
  });
  return [texts.join('\n')];
}

/** `POST /v1/moderations` in OpenAI's request and response shape, so OpenAI clients' `moderations.create` works. */
export function registerModerationRoutes(app: FastifyInstance, services: ApiServices): void {
  const r = app.withTypeProvider<ZodTypeProvider>();
  r.post('/v1/moderations', {
    config: {
      errorFormat: 'openai',
      authz: {
        action: 'invoke:models',
        resource: (request: FastifyRequest): ResourceDescriptor => ({
          type: 'Model',
          id: MODERATION_MODEL,
          orgId: principalOf(request).orgId,
        }),
      },
      gateway: {
        callsModel: false,
        reason: 'scores the texts with the built-in moderation classifier; no provider model is called',
      },
      // The audit record of the moderation commits with the allowed decision.
      transaction: 'tenant',
    },
    schema: {
      summary:
        "Classify texts in OpenAI's moderation categories (harassment, hate, self-harm, sexual, violence, illicit)",
      tags: ['guard'],
      security: [{ bearer: [] }],
      body: moderationBodySchema,
      response: { 200: moderationResponseSchema },
    },
    handler: async (request) => {
      const body = request.body;
      const model = body.model ?? MODERATION_MODEL;
      if (!ACCEPTED_MODELS.has(model))
        throw new AppError('guard.moderation_model_unknown', {
          publicMessage: `the model ${JSON.stringify(model.slice(0, 100))} does not exist; use ${MODERATION_MODEL}`,
          details: { issues: [{ field: 'body.model', message: 'unknown moderation model' }] },
        });
      const inputs = textsOf(body.input);
      if (inputs.reduce((n, text) => n + text.length, 0) > MAX_TOTAL)
        throw badInput('body.input', `the inputs together exceed ${MAX_TOTAL} characters`);
      const principal = principalOf(request);
      const outcomes = await services.moderation.moderate(
        principal.orgId,
        { inputs, actor: actorOf(principal), requestId: request.id },
        (fn) => inTenantTransaction(request, fn),
      );
      return {
        id: `modr-${randomBytes(12).toString('hex')}`,
        model: MODERATION_MODEL,
        results: outcomes.map((o) => ({
          flagged: o.flagged,
          categories: o.categories,
          category_scores: o.scores,
          category_applied_input_types: Object.fromEntries(
            MODERATION_CATEGORIES.map((c) => [c, ['text' as const]]),
          ) as Record<(typeof MODERATION_CATEGORIES)[number], 'text'[]>,
        })),
      };
    },
  });
}
