import type { TenantSql } from '../../../platform/db/index.js';
import type { AuditActor } from '../../audit/index.js';
import type { Hook } from '../detector.js';
import type { QuarantineFinding, QuarantineId, QuarantineItem, QuarantineStatus } from './quarantine-item.js';

/** Table and column the content ciphertext is bound to (with the row id) by the field cipher. */
export const CONTENT_TABLE = 'quarantine_items';
export const CONTENT_COLUMN = 'content_ciphertext';

interface ItemRow {
  id: QuarantineId;
  status: QuarantineStatus;
  hook: Hook;
  reason_codes: string[];
  findings: QuarantineFinding[];
  request_id: string | null;
  actor: AuditActor;
  model: string | null;
  content_sha256: string;
  size_bytes: number;
  created_at: Date | string;
  reviewed_by: AuditActor | null;
  reviewed_at: Date | string | null;
  review_note: string | null;
  expires_at: Date | string | null;
}

/** A row with its ciphertext, which never leaves the service. */
export interface StoredItem {
  item: QuarantineItem;
  ciphertext: string;
}

const ITEM_COLUMNS =
  'id, status, hook, reason_codes, findings, request_id, actor, model, content_sha256, size_bytes, created_at, reviewed_by, reviewed_at, review_note, expires_at';

const orNull = (value: Date | string | null): Date | null => (value === null ? null : new Date(value));

function toItem(row: ItemRow): QuarantineItem {
  return {
    id: row.id,
    status: row.status,
    hook: row.hook,
    reasonCodes: row.reason_codes,
    findings: row.findings,
    requestId: row.request_id,
    actor: row.actor,
    model: row.model,
    contentSha256: row.content_sha256,
    sizeBytes: row.size_bytes,
    createdAt: new Date(row.created_at),
    reviewedBy: row.reviewed_by,
    reviewedAt: orNull(row.reviewed_at),
    reviewNote: row.review_note,
    expiresAt: orNull(row.expires_at),
  };
}

/** A new held item as written by `insertItem`. */
export interface NewItemRow {
  id: QuarantineId;
  createdAt: Date;
  hook: Hook;
  reasonCodes: readonly string[];
  findings: readonly QuarantineFinding[];
  requestId: string | null;
  actor: AuditActor;
  model: string | null;
  ciphertext: string;
  contentSha256: string;
  sizeBytes: number;
  expiresAt: Date | null;
}

/** Inserts a held item in the transaction's org. */
export async function insertItem(sql: TenantSql, row: NewItemRow): Promise<void> {
  await sql.query(
    `INSERT INTO quarantine_items (org_id, id, created_at, status, hook, reason_codes, findings, request_id, actor, model, content_ciphertext, content_sha256, size_bytes, expires_at)
     VALUES ($1, $2, $3, 'held', $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)`,
    [
      sql.orgId,
      row.id,
      row.createdAt,
      row.hook,
      row.reasonCodes,
      JSON.stringify(row.findings),
      row.requestId,
      JSON.stringify(row.actor),
      row.model,
      row.ciphertext,
      row.contentSha256,
      row.sizeBytes,
      row.expiresAt,
    ],
  );
}

/** One page of items, newest first, strictly before `beforeId` when given. */
export async function selectItems(
  sql: TenantSql,
  options: { status?: QuarantineStatus; beforeId?: QuarantineId; limit: number },
): Promise<QuarantineItem[]> {
  const where: string[] = [];
  const params: unknown[] = [];
  if (options.status !== undefined) {
    params.push(options.status);
    where.push(`status = $${params.length}`);
  }
  if (options.beforeId !== undefined) {
    params.push(options.beforeId);
    where.push(`id < $${params.length}`);
  }
  params.push(options.limit);
  const filter = where.length > 0 ? `WHERE ${where.join(' AND ')}` : '';
  const { rows } = await sql.query<ItemRow>(
    `SELECT ${ITEM_COLUMNS} FROM quarantine_items ${filter} ORDER BY id DESC LIMIT $${params.length}`,
    params,
  );
  return rows.map(toItem);
}

/** One item with its ciphertext, or undefined when the org has no such item. */
export async function selectItem(sql: TenantSql, id: QuarantineId): Promise<StoredItem | undefined> {
  const { rows } = await sql.query<ItemRow & { content_ciphertext: string }>(
    `SELECT ${ITEM_COLUMNS}, content_ciphertext FROM quarantine_items WHERE id = $1`,
    [id],
  );
  const row = rows[0];
  return row ? { item: toItem(row), ciphertext: row.content_ciphertext } : undefined;
}

/**
 * Records the review of a held item and returns it with its ciphertext after the update (erased by a
 * discard), or undefined when the org has no such item or it is no longer held.
 */
export async function reviewHeldItem(
  sql: TenantSql,
  id: QuarantineId,
  review: { status: Exclude<QuarantineStatus, 'held'>; reviewer: AuditActor; at: Date; note: string | null },
): Promise<StoredItem | undefined> {
  // SECURITY: `status = 'held'` in the WHERE makes the review race-safe: of two concurrent reviews the second
  // waits for the first's row lock, re-checks the condition on the committed row and updates nothing.
  const { rows } = await sql.query<ItemRow & { content_ciphertext: string }>(
    `UPDATE quarantine_items
        SET status = $2, reviewed_by = $3, reviewed_at = $4, review_note = $5,
            content_ciphertext = CASE WHEN $2 = 'discarded' THEN '' ELSE content_ciphertext END
      WHERE id = $1 AND status = 'held'
  RETURNING ${ITEM_COLUMNS}, content_ciphertext`,
    [id, review.status, JSON.stringify(review.reviewer), review.at, review.note],
  );
  const row = rows[0];
  return row ? { item: toItem(row), ciphertext: row.content_ciphertext } : undefined;
}
