import { z } from 'zod';
import { PROVIDER_KINDS, type OrgModel, type ProviderConnection } from './provider-connection.js';

// SECURITY: text fields are stored and audited; PostgreSQL text cannot hold NUL (the input boundary refuses NUL and
// lone surrogates before this schema runs).
const name = z.string().trim().min(1).max(100);
const optionsSchema = z
  .object({
    organization: z
      .string()
      .min(1)
      .max(200)
      .optional()
      .describe('OpenAI organization id (`OpenAI-Organization` header).'),
    anthropic_version: z
      .string()
      .regex(/^\d{4}-\d{2}-\d{2}$/)
      .optional()
      .describe('`anthropic-version` header; defaults to 2023-06-01.'),
  })
  .strict();

/** Body of `POST …/gateway/providers`. */
export const createProviderBodySchema = z
  .object({
    name: name.describe('A name unique in the org.'),
    kind: z.enum(PROVIDER_KINDS).describe('Wire format of the upstream.'),
    base_url: z
      .string()
      .max(2048)
      .optional()
      .describe("Base URL; defaults to the provider's API for openai and anthropic, required for openai-compatible."),
    api_key: z
      .string()
      .min(1)
      .max(4096)
      .optional()
      .describe('The upstream credential; stored encrypted, never returned. Optional for openai-compatible.'),
    options: optionsSchema.optional(),
  })
  .strict();

/** Body of `PATCH …/gateway/providers/{id}`. */
export const updateProviderBodySchema = z
  .object({
    name: name.optional(),
    base_url: z.string().max(2048).optional(),
    api_key: z
      .string()
      .min(1)
      .max(4096)
      .nullable()
      .optional()
      .describe('A new credential; null removes it (openai-compatible only).'),
    options: optionsSchema.optional(),
  })
  .strict();

/** A provider connection on the wire: never the credential, only whether one is set. */
export const providerSchema = z.object({
  id: z.string(),
  name: z.string(),
  kind: z.enum(PROVIDER_KINDS),
  base_url: z.string(),
  has_api_key: z.boolean(),
  options: z.object({ organization: z.string().optional(), anthropic_version: z.string().optional() }),
  created_at: z.string(),
  updated_at: z.string(),
});

/** Wire form of a connection. */
export function toProviderWire(c: ProviderConnection): z.infer<typeof providerSchema> {
  return {
    id: c.id,
    name: c.name,
    kind: c.kind,
    base_url: c.baseUrl,
    has_api_key: c.hasCredential,
    options: c.options,
    created_at: c.createdAt.toISOString(),
    updated_at: c.updatedAt.toISOString(),
  };
}

const targetSchema = z
  .object({
    provider_id: z.string().max(40).describe('A provider connection of the org (`prv_…`).'),
    upstream_model: z.string().trim().min(1).max(256).describe('The model name the upstream knows.'),
  })
  .strict();

/** Body of `POST …/gateway/models`. */
export const createModelBodySchema = z
  .object({
    name: z
      .string()
      .regex(/^[A-Za-z0-9][A-Za-z0-9._:/-]{0,127}$/, 'letters, digits and . _ : / - (at most 128)')
      .describe('The public model name clients send.'),
    kind: z.enum(['chat', 'embedding']).default('chat'),
    provider: z
      .string()
      .trim()
      .min(1)
      .max(64)
      .optional()
      .describe("Provider attribute for policy; defaults to the first target's kind."),
    region: z.string().trim().min(1).max(64).describe('Where the model is hosted, for policy (`eu`, `us`, …).'),
    data_classes_allowed: z
      .array(z.string().regex(/^[a-z0-9_.*-]{1,64}$/))
      .max(64)
      .default([])
      .describe('Guard classes that may be sent to this model (for example `pii.email`).'),
    targets: z.array(targetSchema).min(1).max(16).describe('The fallback chain, tried in order.'),
  })
  .strict();

/** An org model on the wire. */
export const orgModelSchema = z.object({
  id: z.string(),
  name: z.string(),
  kind: z.enum(['chat', 'embedding']),
  provider: z.string(),
  region: z.string(),
  data_classes_allowed: z.array(z.string()),
  targets: z.array(z.object({ provider_id: z.string(), upstream_model: z.string() })),
  created_at: z.string(),
});

/** Wire form of an org model. */
export function toOrgModelWire(m: OrgModel): z.infer<typeof orgModelSchema> {
  return {
    id: m.id,
    name: m.name,
    kind: m.kind,
    provider: m.provider,
    region: m.region,
    data_classes_allowed: m.dataClassesAllowed,
    targets: m.targets.map((t) => ({ provider_id: t.connectionId, upstream_model: t.upstreamModel })),
    created_at: m.createdAt.toISOString(),
  };
}
