import type { TenantSql } from '../../platform/db/index.js';
import type { AuditRecord } from './event.js';
import { GENESIS_HASH } from './hash-chain.js';

const COLUMNS = [
  'org_id',
  'seq',
  'id',
  'occurred_at',
  'actor',
  'action',
  'resource',
  'decision',
  'reason_codes',
  'request_id',
  'client_ip',
  'user_agent',
  'details',
  'prev_hash',
  'hash',
] as const;

/** Locks the org's chain head (creating it at genesis) for the rest of the transaction and returns it. */
export async function lockHead(sql: TenantSql): Promise<{ seq: number; hash: string }> {
  // An upsert that touches the row takes its lock, so concurrent appenders of one org queue here.
  const { rows } = await sql.query<{ seq: string; hash: string }>(
    `INSERT INTO audit_heads (org_id, seq, hash) VALUES ($1, 0, $2)
     ON CONFLICT (org_id) DO UPDATE SET updated_at = now()
     RETURNING seq::text AS seq, hash`,
    [sql.orgId, GENESIS_HASH],
  );
  const head = rows[0];
  if (!head) throw new Error('audit head upsert returned no row');
  return { seq: Number(head.seq), hash: head.hash };
}

/**
 * Appends one event in a single statement: the head upsert takes the row lock, advances seq and computes the
 * hash in the database from the canonical JSON around seq; the event row takes seq and both hashes from it.
 */
export async function insertOneRecord(
  sql: TenantSql,
  fields: Omit<AuditRecord, 'seq' | 'prev_hash' | 'hash'>,
  around: { prefix: string; suffix: string },
): Promise<AuditRecord> {
  const { rows } = await sql.query<{ seq: string; prev_hash: string; hash: string }>(
    `WITH head AS (
       INSERT INTO audit_heads AS h (org_id, seq, prev_hash, hash)
       VALUES ($1, 1, $2, encode(sha256(convert_to($2 || $3 || '1' || $4, 'UTF8')), 'hex'))
       ON CONFLICT (org_id) DO UPDATE SET
         seq = h.seq + 1,
         prev_hash = h.hash,
         hash = encode(sha256(convert_to(h.hash || $3 || (h.seq + 1)::text || $4, 'UTF8')), 'hex'),
         updated_at = now()
       RETURNING seq, prev_hash, hash)
     INSERT INTO audit_events (${COLUMNS.join(', ')})
     SELECT $1, head.seq, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, head.prev_hash, head.hash FROM head
     RETURNING seq::text AS seq, prev_hash, hash`,
    [
      sql.orgId,
      GENESIS_HASH,
      around.prefix,
      around.suffix,
      fields.id,
      fields.occurred_at,
      JSON.stringify(fields.actor),
      fields.action,
      fields.resource === null ? null : JSON.stringify(fields.resource),
      fields.decision,
      fields.reason_codes,
      fields.request_id,
      fields.client_ip,
      fields.user_agent,
      JSON.stringify(fields.details),
    ],
  );
  const row = rows[0];
  if (!row) throw new Error('audit append returned no row');
  return { ...fields, seq: Number(row.seq), prev_hash: row.prev_hash, hash: row.hash };
}

/** Inserts chained records and moves the head to the last of them, in one statement. */
export async function insertRecords(sql: TenantSql, records: readonly AuditRecord[]): Promise<void> {
  const last = records.at(-1);
  if (!last) return;
  const params: unknown[] = [];
  const tuples = records.map((r) => {
    const values = [
      r.org_id,
      r.seq,
      r.id,
      r.occurred_at,
      JSON.stringify(r.actor),
      r.action,
      r.resource === null ? null : JSON.stringify(r.resource),
      r.decision,
      r.reason_codes,
      r.request_id,
      r.client_ip,
      r.user_agent,
      JSON.stringify(r.details),
      r.prev_hash,
      r.hash,
    ];
    const base = params.length;
    params.push(...values);
    return `(${values.map((_, i) => `$${base + i + 1}`).join(', ')})`;
  });
  params.push(last.seq, last.hash);
  await sql.query(
    `WITH inserted AS (INSERT INTO audit_events (${COLUMNS.join(', ')}) VALUES ${tuples.join(', ')} RETURNING 1)
     UPDATE audit_heads SET seq = $${params.length - 1}, hash = $${params.length}, updated_at = now()
      WHERE org_id = bulwark_tenant_org() AND (SELECT count(*) FROM inserted) = ${records.length}`,
    params,
  );
}

/** A record as the driver returns it: bigint seq as text, the timestamp as a Date. */
type RecordRow = Omit<AuditRecord, 'seq' | 'occurred_at'> & { seq: string; occurred_at: Date | string };

function toRecord(row: RecordRow): AuditRecord {
  return { ...row, seq: Number(row.seq), occurred_at: new Date(row.occurred_at).toISOString() };
}

/** Reads up to `limit` records with seq > `afterSeq`, in sequence order, optionally only of one action prefix. */
export async function readRecords(
  sql: TenantSql,
  options: { afterSeq: number; limit: number; actionPrefix?: string },
): Promise<AuditRecord[]> {
  const filter = options.actionPrefix ? 'AND action LIKE $3' : '';
  const params: unknown[] = [options.afterSeq, options.limit];
  if (options.actionPrefix) params.push(`${options.actionPrefix.replace(/[\\%_]/g, '\\$&')}%`);
  const { rows } = await sql.query<RecordRow>(
    `SELECT ${COLUMNS.map((c) => (c === 'seq' ? 'seq::text AS seq' : c)).join(', ')}
       FROM audit_events WHERE audit_events.seq > $1 ${filter} ORDER BY audit_events.seq LIMIT $2`,
    params,
  );
  return rows.map(toRecord);
}

/** The recorded head of the org's chain, or genesis when it has no events. */
export async function readHead(sql: TenantSql): Promise<{ seq: number; hash: string }> {
  const { rows } = await sql.query<{ seq: string; hash: string }>('SELECT seq::text AS seq, hash FROM audit_heads');
  const head = rows[0];
  return head ? { seq: Number(head.seq), hash: head.hash } : { seq: 0, hash: GENESIS_HASH };
}
