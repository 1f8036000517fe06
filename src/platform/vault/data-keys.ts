import { randomBytes } from 'node:crypto';
import type { OrgId } from '../../lib/ids.js';
import type { TenantSql } from '../db/index.js';
import type { KeyVault } from './key-vault.js';

/** Length of a data-encryption key: AES-256. */
export const DEK_BYTES = 32;

/** One row of org_data_keys as the field cipher needs it. */
export interface DataKeyRow {
  readonly version: number;
  readonly wrappedKey: string;
  readonly kekVersion: number;
}

interface RawRow {
  version: number;
  wrapped_key: string;
  kek_version: number;
}

const toRow = (row: RawRow): DataKeyRow => ({
  version: Number(row.version),
  wrappedKey: row.wrapped_key,
  kekVersion: Number(row.kek_version),
});

// SECURITY: the wrapped DEK is bound to its org and version, so a wrapped_key copied to another org's row
// (or renumbered) fails to unwrap instead of handing one tenant's key to another.
/** Associated data a DEK is wrapped with. */
export function dataKeyAad(orgId: OrgId, version: number): Buffer {
  return Buffer.from(JSON.stringify(['bulwark.dek.v1', orgId, version]), 'utf8');
}

// INVARIANT: every writer of an org's data keys (first use, rotation) holds this lock until its transaction ends, so
// "read the active key, else create the next version" is one step: without it, a second transaction that found no
// key before the first committed would read MAX(version) after it and add version 2, leaving two active keys.
/** Serialises the writers of the transaction's org data keys; held until the transaction ends. */
export async function lockOrgDataKeys(sql: TenantSql): Promise<void> {
  await sql.query(`SELECT pg_advisory_xact_lock(hashtextextended('bulwark.org_data_keys:' || $1, 0))`, [sql.orgId]);
}

/** The active (newest active) data key of the transaction's org, if any. */
export async function readActiveDataKey(sql: TenantSql): Promise<DataKeyRow | undefined> {
  const { rows } = await sql.query<RawRow>(
    `SELECT version, wrapped_key, kek_version FROM org_data_keys WHERE org_id = $1 AND status = 'active' ORDER BY version DESC LIMIT 1`,
    [sql.orgId],
  );
  return rows[0] && toRow(rows[0]);
}

/** Data key `version` of the transaction's org, active or retired. */
export async function readDataKey(sql: TenantSql, version: number): Promise<DataKeyRow | undefined> {
  const { rows } = await sql.query<RawRow>(
    'SELECT version, wrapped_key, kek_version FROM org_data_keys WHERE org_id = $1 AND version = $2',
    [sql.orgId, version],
  );
  return rows[0] && toRow(rows[0]);
}

/** Every data key of the transaction's org wrapped by a KEK older than `kekVersion`, locked for update. */
export async function lockDataKeysBelowKek(sql: TenantSql, kekVersion: number): Promise<DataKeyRow[]> {
  const { rows } = await sql.query<RawRow>(
    'SELECT version, wrapped_key, kek_version FROM org_data_keys WHERE org_id = $1 AND kek_version < $2 ORDER BY version FOR UPDATE',
    [sql.orgId, kekVersion],
  );
  return rows.map(toRow);
}

/** A new random DEK wrapped by the vault for `version` of the transaction's org; the plaintext is wiped. */
export async function newWrappedDataKey(sql: TenantSql, vault: KeyVault, version: number): Promise<DataKeyRow> {
  const dek = randomBytes(DEK_BYTES);
  try {
    const { kekVersion, wrapped } = await vault.wrap(dek, dataKeyAad(sql.orgId, version));
    return { version, wrappedKey: wrapped, kekVersion };
  } finally {
    dek.fill(0);
  }
}

/** The version after the highest one the transaction's org has. */
export async function nextDataKeyVersion(sql: TenantSql): Promise<number> {
  const { rows } = await sql.query<{ next: number }>(
    'SELECT COALESCE(MAX(version), 0) + 1 AS next FROM org_data_keys WHERE org_id = $1',
    [sql.orgId],
  );
  return Number(rows[0]?.next ?? 1);
}

/** Inserts `row` as an active key unless that version already exists (then a concurrent writer won). */
export async function insertDataKey(sql: TenantSql, row: DataKeyRow): Promise<void> {
  await sql.query(
    `INSERT INTO org_data_keys (org_id, version, wrapped_key, kek_version, status) VALUES ($1, $2, $3, $4, 'active') ON CONFLICT (org_id, version) DO NOTHING`,
    [sql.orgId, row.version, row.wrappedKey, row.kekVersion],
  );
}

/** Re-wraps data key `row` of the transaction's org under the vault's current KEK; returns the KEK version used. */
export async function rewrapDataKey(sql: TenantSql, vault: KeyVault, row: DataKeyRow, now: Date): Promise<number> {
  const aad = dataKeyAad(sql.orgId, row.version);
  const dek = await vault.unwrap(row.wrappedKey, row.kekVersion, aad);
  try {
    const { kekVersion, wrapped } = await vault.wrap(dek, aad);
    await sql.query(
      'UPDATE org_data_keys SET wrapped_key = $3, kek_version = $4, rewrapped_at = $5 WHERE org_id = $1 AND version = $2',
      [sql.orgId, row.version, wrapped, kekVersion, now],
    );
    return kekVersion;
  } finally {
    dek.fill(0);
  }
}
