import type { TenantSql } from '../../platform/db/index.js';
import type { AuditCheckpoint } from './checkpoint.js';
import { GENESIS_HASH } from './hash-chain.js';

type CheckpointRow = Omit<AuditCheckpoint, 'seq' | 'sealed_at'> & { seq: string; sealed_at: Date | string };

/** Stores a checkpoint of the transaction's org; a checkpoint already stored at that seq (another sealer's) is kept. */
export async function insertCheckpoint(sql: TenantSql, checkpoint: AuditCheckpoint): Promise<void> {
  await sql.query(
    `INSERT INTO audit_checkpoints (org_id, seq, head_hash, sealed_at, key_id, mac) VALUES ($1, $2, $3, $4, $5, $6)
     ON CONFLICT (org_id, seq) DO NOTHING`,
    [checkpoint.org_id, checkpoint.seq, checkpoint.head_hash, checkpoint.sealed_at, checkpoint.key_id, checkpoint.mac],
  );
}

/** The org's checkpoints with seq > `afterSeq`, in seq order (one per sealing interval, so few). */
export async function readCheckpoints(sql: TenantSql, afterSeq = 0): Promise<AuditCheckpoint[]> {
  const { rows } = await sql.query<CheckpointRow>(
    'SELECT org_id, seq::text AS seq, head_hash, sealed_at, key_id, mac FROM audit_checkpoints WHERE seq > $1 ORDER BY seq',
    [afterSeq],
  );
  return rows.map((row) => ({ ...row, seq: Number(row.seq), sealed_at: new Date(row.sealed_at).toISOString() }));
}

/** The org's stored head and the seq of its last checkpoint (0 when none), in one query. */
export async function readSealState(sql: TenantSql): Promise<{ seq: number; hash: string; sealedSeq: number }> {
  const { rows } = await sql.query<{ seq: string | null; hash: string | null; sealed_seq: string | null }>(
    `SELECT h.seq::text AS seq, h.hash, (SELECT max(c.seq)::text FROM audit_checkpoints c) AS sealed_seq
       FROM (SELECT 1) AS one LEFT JOIN audit_heads h ON true`,
  );
  const row = rows[0];
  return { seq: Number(row?.seq ?? 0), hash: row?.hash ?? GENESIS_HASH, sealedSeq: Number(row?.sealed_seq ?? 0) };
}
