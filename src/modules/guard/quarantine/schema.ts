import { z } from 'zod';
import { isId } from '../../../lib/ids.js';
import {
  LIST_LIMIT_MAX,
  QUARANTINE_STATUSES,
  REVIEW_NOTE_MAX,
  type QuarantineId,
  type QuarantineItem,
} from './quarantine-item.js';

const actorSchema = z.object({
  type: z.enum(['user', 'service_account', 'api_key', 'system', 'anonymous']),
  id: z.string().nullable(),
});

/** Query of `GET …/quarantine`. Keys are the same in code, so the parsed value is the service's list options. */
export const quarantineListQuerySchema = z
  .object({
    status: z.enum(QUARANTINE_STATUSES).optional().describe('Only items in this status; all when absent.'),
    limit: z.coerce
      .number()
      .int()
      .min(1)
      .max(LIST_LIMIT_MAX)
      .default(50)
      .describe(`Page size, 1 to ${LIST_LIMIT_MAX}.`),
    cursor: z
      .string()
      .refine((v): v is QuarantineId => isId('qtn', v), 'not a cursor of this list')
      .optional()
      .describe('The `next_cursor` of the previous page; pages run newest first.'),
  })
  .strict();

/** Body of `POST …/quarantine/{id}/release` and `…/discard`. */
export const quarantineReviewBodySchema = z
  .object({
    note: z
      .string()
      .trim()
      .max(REVIEW_NOTE_MAX)
      // SECURITY: the note is stored and audited; PostgreSQL text cannot hold NUL, so it is refused here as a 400.
      .refine(
        (v) =>
          !v.includes('\u0000') && !/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/.test(v),
        'must not contain NUL bytes or lone surrogates',
      )
      .optional()
      .describe('Why the reviewer decided so; kept on the item and in the audit event.'),
  })
  .strict();

/** A quarantined response on the wire, without its content. */
export const quarantineItemSchema = z.object({
  id: z.string(),
  status: z.enum(QUARANTINE_STATUSES),
  hook: z.enum(['input', 'output']),
  reason_codes: z.array(z.string()).describe('Reason codes of the guard verdict that held the response.'),
  findings: z
    .array(
      z.object({
        class: z.string(),
        start: z.number().int(),
        end: z.number().int(),
        confidence: z.number(),
        reason: z.string(),
        detector: z.string().optional(),
      }),
    )
    .describe('What the guard found: classes, UTF-16 spans, confidence and reasons; never the matched text.'),
  request_id: z.string().nullable(),
  actor: actorSchema.describe('Who made the request whose response was held.'),
  model: z.string().nullable(),
  content_sha256: z.string().describe('Hex SHA-256 of the UTF-8 content; kept after a discard as evidence.'),
  size_bytes: z.number().int(),
  created_at: z.string(),
  reviewed_by: actorSchema.nullable(),
  reviewed_at: z.string().nullable(),
  review_note: z.string().nullable(),
  expires_at: z.string().nullable(),
});

/** A quarantined response with its content (`null` once discarded). */
export const quarantineItemWithContentSchema = quarantineItemSchema.extend({ content: z.string().nullable() });

/** A released response: the item and its content, for delivery. */
export const releasedQuarantineItemSchema = quarantineItemSchema.extend({ content: z.string() });

/** A page of `GET …/quarantine`. */
export const quarantineListSchema = z.object({
  items: z.array(quarantineItemSchema),
  next_cursor: z.string().nullable(),
});

export type QuarantineListQuery = z.infer<typeof quarantineListQuerySchema>;
export type QuarantineReviewBody = z.infer<typeof quarantineReviewBodySchema>;
export type QuarantineItemWire = z.infer<typeof quarantineItemSchema>;

const iso = (d: Date | null): string | null => (d === null ? null : d.toISOString());

/** Maps an item to its snake_case wire shape (no content). */
export function toQuarantineItemWire(item: QuarantineItem): QuarantineItemWire {
  return {
    id: item.id,
    status: item.status,
    hook: item.hook,
    reason_codes: [...item.reasonCodes],
    findings: item.findings.map((f) => ({ ...f })),
    request_id: item.requestId,
    actor: { type: item.actor.type, id: item.actor.id },
    model: item.model,
    content_sha256: item.contentSha256,
    size_bytes: item.sizeBytes,
    created_at: item.createdAt.toISOString(),
    reviewed_by: item.reviewedBy && { type: item.reviewedBy.type, id: item.reviewedBy.id },
    reviewed_at: iso(item.reviewedAt),
    review_note: item.reviewNote,
    expires_at: iso(item.expiresAt),
  };
}

/** Maps an item with its content (from `show` or `release`) to its snake_case wire shape. */
export function toQuarantineItemWithContentWire<C extends string | null>(
  item: QuarantineItem & { content: C },
): QuarantineItemWire & { content: C } {
  return { ...toQuarantineItemWire(item), content: item.content };
}
