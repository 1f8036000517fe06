import { z } from 'zod';
import { MAX_TEMPLATE, MAX_VARIABLE_LENGTH, MAX_VARIABLES, type PromptContent } from './prompt-template.js';
import type { PromptHead, PromptVersion } from './repo.js';

/** A prompt name (path parameter and body field). */
export const promptNameSchema = z
  .string()
  .regex(/^[a-z0-9][a-z0-9._-]{0,99}$/, 'lowercase letters, digits and . _ - (at most 100)')
  .describe('The prompt name, unique in the org.');

const variableSchema = z
  .object({
    name: z
      .string()
      .regex(/^[a-z_][a-z0-9_]{0,63}$/)
      .describe('Used in the template as `{{name}}`.'),
    max_length: z.number().int().min(1).max(MAX_VARIABLE_LENGTH).default(1024).describe('Longest value accepted.'),
    required: z.boolean().default(true),
  })
  .strict();

/** A prompt version's content on the wire. */
export const promptContentSchema = z
  .object({
    template: z
      .string()
      .min(1)
      .max(MAX_TEMPLATE)
      .describe('The prompt text with `{{variable}}` placeholders; rendered as the first system message.'),
    variables: z.array(variableSchema).max(MAX_VARIABLES).default([]),
  })
  .strict();

/** Body of `POST /v1/prompts`. */
export const createPromptBodySchema = promptContentSchema.extend({ name: promptNameSchema }).strict();

/** Body of `POST /v1/prompts/{name}/rollback` (and of the route rollback). */
export const rollbackBodySchema = z
  .object({ version: z.number().int().min(1).max(2_147_483_647).describe('The earlier version to restore.') })
  .strict();

/** A prompt version on the wire. */
export const promptVersionSchema = z.object({
  name: z.string(),
  version: z.number().int(),
  template: z.string(),
  variables: z.array(z.object({ name: z.string(), max_length: z.number().int(), required: z.boolean() })),
  restored_from: z.number().int().nullable().describe('The version this one copies, when made by a rollback.'),
  created_by: z.object({ type: z.string(), id: z.string().nullable() }),
  created_at: z.string(),
});

/** A prompt in a listing. */
export const promptHeadSchema = z.object({
  name: z.string(),
  version: z.number().int().describe('The head version.'),
  created_at: z.string(),
  updated_at: z.string(),
});

/** The content of a parsed body. */
export function promptContentOf(body: z.infer<typeof promptContentSchema>): PromptContent {
  return {
    template: body.template,
    variables: body.variables.map((v) => ({ name: v.name, maxLength: v.max_length, required: v.required })),
  };
}

/** Wire form of a prompt version. */
export function toPromptVersionWire(v: PromptVersion): z.infer<typeof promptVersionSchema> {
  return {
    name: v.name,
    version: v.version,
    template: v.template,
    variables: v.variables.map((x) => ({ name: x.name, max_length: x.maxLength, required: x.required })),
    restored_from: v.restoredFrom,
    created_by: { type: v.createdBy.type, id: v.createdBy.id },
    created_at: v.createdAt.toISOString(),
  };
}

/** Wire form of a prompt head. */
export function toPromptHeadWire(h: PromptHead): z.infer<typeof promptHeadSchema> {
  return {
    name: h.name,
    version: h.headVersion,
    created_at: h.createdAt.toISOString(),
    updated_at: h.updatedAt.toISOString(),
  };
}
