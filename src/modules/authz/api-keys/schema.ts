import { z } from 'zod';
import { actions, type Action } from '../actions.js';
import { roles } from '../principal.js';
import { isValidCidr } from './cidr.js';

/** Shortest rotation overlap: 0 makes the old key expire at once. */
export const MIN_OVERLAP_SECONDS = 0;
/** Longest rotation overlap (7 days): a superseded secret must not live on for long. */
export const MAX_OVERLAP_SECONDS = 7 * 24 * 3600;

/** Body of `POST …/api-keys`. */
export const createKeyBodySchema = z
  .object({
    name: z.string().trim().min(1).max(200),
    role: z.enum(roles).describe('Role ceiling of the key; never more than the creator holds.'),
    scopes: z
      .array(z.enum(actions as [Action, ...Action[]]))
      .min(1)
      .max(actions.length)
      .describe('Actions the key may perform (its permissions are role ∩ scopes).'),
    owner: z
      .object({ type: z.enum(['user', 'service_account']), id: z.string().min(1).max(64) })
      .optional()
      .describe('Who the key acts for; defaults to the creator (or the creating key’s owner).'),
    expires_at: z.iso
      .datetime({ offset: true })
      .optional()
      .describe('RFC 3339 expiry; none means the key lives until revoked.'),
    cidrs: z
      .array(z.string().refine(isValidCidr, 'not a CIDR block'))
      .max(50)
      .default([])
      .describe('Client IP allow-list; empty means any address.'),
    amr: z
      .array(z.string().regex(/^[a-z]{2,8}$/))
      .max(8)
      .default([])
      .describe('Authentication methods the key carries into decisions (e.g. `hwk`), at most those of the creator.'),
  })
  .strict();

/** Body of `POST …/api-keys/{key_id}/rotate`. */
export const rotateKeyBodySchema = z
  .object({
    overlap_seconds: z
      .number()
      .int()
      .min(MIN_OVERLAP_SECONDS)
      .max(MAX_OVERLAP_SECONDS)
      .default(86_400)
      .describe('Seconds the old key stays valid beside the new one: 0 (it expires now) to 604800 (7 days).'),
  })
  .strict();

/** An API key's metadata on the wire. */
export const apiKeySchema = z.object({
  id: z.string(),
  org_id: z.string(),
  name: z.string(),
  env: z.enum(['live', 'test', 'dev']),
  owner: z.object({ type: z.enum(['user', 'service_account']), id: z.string() }),
  role: z.enum(roles),
  scopes: z.array(z.string()),
  amr: z.array(z.string()),
  cidrs: z.array(z.string()),
  expires_at: z.string().nullable(),
  revoked_at: z.string().nullable(),
  last_used_at: z.string().nullable(),
  rotated_from: z.string().nullable(),
  created_at: z.string(),
});

/** A created or rotated key: its metadata and the secret, shown this once. */
export const createdKeySchema = apiKeySchema.extend({
  secret: z.string().describe('The full key. Shown once; store it now.'),
});

export type CreateKeyBody = z.infer<typeof createKeyBodySchema>;
