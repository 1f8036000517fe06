import type { UserId } from '../../../lib/ids.js';
import type { PlatformSql } from '../../../platform/db/index.js';

/** A global account as a password check sees it. */
export interface AccountForSignIn {
  userId: UserId;
  active: boolean;
  /** The argon2id hash, or null when the account has no password. */
  passwordHash: string | null;
}

/** The account of an e-mail (matched case-insensitively, as the unique index is) and its password hash. */
export async function selectAccountByEmail(sql: PlatformSql, email: string): Promise<AccountForSignIn | undefined> {
  const { rows } = await sql.query<{ id: UserId; status: string; hash: string | null }>(
    `SELECT u.id, u.status, p.hash FROM users u LEFT JOIN user_passwords p ON p.user_id = u.id
      WHERE lower(u.email) = lower($1)`,
    [email],
  );
  const row = rows[0];
  return row && { userId: row.id, active: row.status === 'active', passwordHash: row.hash };
}

/** A user's e-mail and whether the account is active, if the user exists. */
export async function selectUserAccount(
  sql: PlatformSql,
  userId: string,
): Promise<{ email: string; active: boolean } | undefined> {
  const { rows } = await sql.query<{ email: string; status: string }>('SELECT email, status FROM users WHERE id = $1', [
    userId,
  ]);
  const row = rows[0];
  return row && { email: row.email, active: row.status === 'active' };
}

/** The e-mail of a user, if the user exists. */
export async function selectUserEmail(sql: PlatformSql, userId: UserId): Promise<string | undefined> {
  const { rows } = await sql.query<{ email: string }>('SELECT email FROM users WHERE id = $1', [userId]);
  return rows[0]?.email;
}

/** Stores a user's password hash, replacing the old one; true when the user had none before. */
export async function upsertPasswordHash(sql: PlatformSql, userId: UserId, hash: string, now: Date): Promise<boolean> {
  const { rows } = await sql.query<{ inserted: boolean }>(
    `INSERT INTO user_passwords (user_id, hash, updated_at) VALUES ($1, $2, $3)
     ON CONFLICT (user_id) DO UPDATE SET hash = EXCLUDED.hash, updated_at = EXCLUDED.updated_at
     RETURNING (xmax = 0) AS inserted`,
    [userId, hash, now],
  );
  return rows[0]?.inserted === true;
}
