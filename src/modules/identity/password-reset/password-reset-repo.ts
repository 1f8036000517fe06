import type { UserId } from '../../../lib/ids.js';
import type { PlatformSql } from '../../../platform/db/index.js';

/** The active account of an e-mail (matched case-insensitively, as the unique index is). */
export async function selectActiveUserByEmail(
  sql: PlatformSql,
  email: string,
): Promise<{ userId: UserId; email: string } | undefined> {
  const { rows } = await sql.query<{ id: UserId; email: string }>(
    `SELECT id, email FROM users WHERE lower(email) = lower($1) AND status = 'active'`,
    [email],
  );
  const row = rows[0];
  return row && { userId: row.id, email: row.email };
}

/** Stores a new password reset (its token's hash only). */
export async function insertPasswordReset(
  sql: PlatformSql,
  reset: { tokenHash: string; userId: UserId; now: Date; expiresAt: Date },
): Promise<void> {
  await sql.query(
    'INSERT INTO user_password_resets (token_hash, user_id, created_at, expires_at) VALUES ($1, $2, $3, $4)',
    [reset.tokenHash, reset.userId, reset.now, reset.expiresAt],
  );
}

/** The user of an open reset (unused, unexpired, the user active). */
export async function selectOpenPasswordReset(
  sql: PlatformSql,
  tokenHash: string,
  now: Date,
): Promise<{ userId: UserId; email: string } | undefined> {
  const { rows } = await sql.query<{ user_id: UserId; email: string }>(
    `SELECT r.user_id, u.email FROM user_password_resets r JOIN users u ON u.id = r.user_id
      WHERE r.token_hash = $1 AND r.consumed_at IS NULL AND r.expires_at > $2 AND u.status = 'active'`,
    [tokenHash, now],
  );
  const row = rows[0];
  return row && { userId: row.user_id, email: row.email };
}

/**
 * Consumes a reset if it is still open. INVARIANT: one UPDATE both checks and consumes, so of two concurrent uses
 * exactly one gets the row. Answers the reset's user, or undefined.
 */
export async function consumePasswordReset(
  sql: PlatformSql,
  tokenHash: string,
  now: Date,
): Promise<UserId | undefined> {
  const { rows } = await sql.query<{ user_id: UserId }>(
    `UPDATE user_password_resets SET consumed_at = $2
      WHERE token_hash = $1 AND consumed_at IS NULL AND expires_at > $2
      RETURNING user_id`,
    [tokenHash, now],
  );
  return rows[0]?.user_id;
}
