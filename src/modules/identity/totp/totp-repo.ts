import type { UserId } from '../../../lib/ids.js';
import type { PlatformSql } from '../../../platform/db/index.js';

/** A user's TOTP authenticator as stored (the secret still encrypted). */
export interface TotpRow {
  secretCiphertext: string;
  confirmed: boolean;
  /** The time step of the last accepted code, or null before the first. */
  lastUsedStep: number | null;
}

/** The user's TOTP authenticator, confirmed or pending. */
export async function selectTotp(sql: PlatformSql, userId: UserId): Promise<TotpRow | undefined> {
  const { rows } = await sql.query<{
    secret_ciphertext: string;
    confirmed_at: Date | string | null;
    last_used_step: string | number | null;
  }>('SELECT secret_ciphertext, confirmed_at, last_used_step FROM user_totp WHERE user_id = $1', [userId]);
  const row = rows[0];
  return (
    row && {
      secretCiphertext: row.secret_ciphertext,
      confirmed: row.confirmed_at !== null,
      lastUsedStep: row.last_used_step === null ? null : Number(row.last_used_step),
    }
  );
}

/**
 * Stores a new pending (unconfirmed) secret, replacing a pending one; false when the user has a confirmed
 * authenticator, which is left as it is.
 */
export async function upsertPendingTotp(
  sql: PlatformSql,
  userId: UserId,
  secretCiphertext: string,
  now: Date,
): Promise<boolean> {
  const { rowCount } = await sql.query(
    `INSERT INTO user_totp (user_id, secret_ciphertext, created_at) VALUES ($1, $2, $3)
     ON CONFLICT (user_id) DO UPDATE SET secret_ciphertext = EXCLUDED.secret_ciphertext,
       created_at = EXCLUDED.created_at, last_used_step = NULL
       WHERE user_totp.confirmed_at IS NULL`,
    [userId, secretCiphertext, now],
  );
  return rowCount === 1;
}

/**
 * Records `step` as the last accepted time step, only if it is later than the one stored and the secret is still
 * the one the code was checked against; with `confirmAt`, also confirms a pending authenticator. True when it did.
 */
// SECURITY: the condition is evaluated under the row lock, so of two transactions accepting the same code (or two
// codes of one step) only the first updates the row; the other sees the new last_used_step and gets rowCount 0.
export async function acceptTotpStep(
  sql: PlatformSql,
  userId: UserId,
  input: { secretCiphertext: string; step: number; confirmAt?: Date },
): Promise<boolean> {
  const { rowCount } = await sql.query(
    `UPDATE user_totp SET last_used_step = $3, confirmed_at = COALESCE(confirmed_at, $4::timestamptz)
      WHERE user_id = $1 AND secret_ciphertext = $2 AND (last_used_step IS NULL OR last_used_step < $3)
        AND (confirmed_at IS NOT NULL) = ($4::timestamptz IS NULL)`,
    [userId, input.secretCiphertext, input.step, input.confirmAt ?? null],
  );
  return rowCount === 1;
}
