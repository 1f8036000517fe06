import type { UserId } from '../../../lib/ids.js';
import type { PlatformSql } from '../../../platform/db/index.js';

/** Deletes the user's recovery codes (used or not) and stores the hashes of a new set. */
export async function replaceRecoveryCodes(
  sql: PlatformSql,
  userId: UserId,
  codeHashes: readonly string[],
  now: Date,
): Promise<void> {
  await sql.query('DELETE FROM user_recovery_codes WHERE user_id = $1', [userId]);
  await sql.query(
    `INSERT INTO user_recovery_codes (user_id, code_hash, created_at)
     SELECT $1, code_hash, $3 FROM unnest($2::text[]) AS code_hash`,
    [userId, codeHashes, now],
  );
}

/** Marks the user's unused code of this hash used; true when there was one. */
// SECURITY: `used_at IS NULL` is checked under the row lock, so one code spent twice at once succeeds once.
export async function spendRecoveryCode(
  sql: PlatformSql,
  userId: UserId,
  codeHash: string,
  now: Date,
): Promise<boolean> {
  const { rowCount } = await sql.query(
    'UPDATE user_recovery_codes SET used_at = $3 WHERE user_id = $1 AND code_hash = $2 AND used_at IS NULL',
    [userId, codeHash, now],
  );
  return rowCount === 1;
}

/** How many unused recovery codes the user has. */
export async function countUnusedRecoveryCodes(sql: PlatformSql, userId: UserId): Promise<number> {
  const { rows } = await sql.query<{ n: string | number }>(
    'SELECT count(*) AS n FROM user_recovery_codes WHERE user_id = $1 AND used_at IS NULL',
    [userId],
  );
  return Number(rows[0]?.n ?? 0);
}
