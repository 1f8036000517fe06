import type { UserId } from '../../../lib/ids.js';
import type { PlatformSql } from '../../../platform/db/index.js';
import type { PasskeyId, PasskeySummary, PasskeyTransport } from './passkey.js';

/** A stored passkey with what verifying an assertion needs. */
export interface StoredPasskey extends PasskeySummary {
  userId: UserId;
  /** base64url */
  credentialId: string;
  /** base64url of the COSE public key */
  publicKey: string;
  counter: number;
}

interface PasskeyRow {
  id: PasskeyId;
  user_id: UserId;
  credential_id: string;
  public_key: string;
  counter: string | number;
  transports: PasskeyTransport[];
  name: string;
  created_at: Date | string;
  last_used_at: Date | string | null;
  suspended_at: Date | string | null;
}

const COLUMNS =
  'id, user_id, credential_id, public_key, counter, transports, name, created_at, last_used_at, suspended_at';

function toPasskey(row: PasskeyRow): StoredPasskey {
  return {
    id: row.id,
    userId: row.user_id,
    credentialId: row.credential_id,
    publicKey: row.public_key,
    // bigint comes back as text; the WebAuthn counter is 32 bits, so it is exact as a number.
    counter: Number(row.counter),
    transports: row.transports,
    name: row.name,
    createdAt: new Date(row.created_at),
    lastUsedAt: row.last_used_at === null ? null : new Date(row.last_used_at),
    suspendedAt: row.suspended_at === null ? null : new Date(row.suspended_at),
  };
}

/** A user's passkeys, oldest first. */
export async function selectUserPasskeys(sql: PlatformSql, userId: UserId): Promise<StoredPasskey[]> {
  const { rows } = await sql.query<PasskeyRow>(`SELECT ${COLUMNS} FROM user_passkeys WHERE user_id = $1 ORDER BY id`, [
    userId,
  ]);
  return rows.map(toPasskey);
}

/** The passkey of a credential id (whoever it belongs to), if any. */
export async function selectPasskeyByCredentialId(
  sql: PlatformSql,
  credentialId: string,
): Promise<StoredPasskey | undefined> {
  const { rows } = await sql.query<PasskeyRow>(`SELECT ${COLUMNS} FROM user_passkeys WHERE credential_id = $1`, [
    credentialId,
  ]);
  return rows[0] ? toPasskey(rows[0]) : undefined;
}

/** Stores a new passkey; false when its credential id is already registered (to anyone). */
export async function insertPasskey(sql: PlatformSql, passkey: Omit<StoredPasskey, 'lastUsedAt'>): Promise<boolean> {
  // INVARIANT: credential_id is UNIQUE across all users, so one authenticator credential names one account only.
  const { rows } = await sql.query(
    `INSERT INTO user_passkeys (id, user_id, credential_id, public_key, counter, transports, name, created_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (credential_id) DO NOTHING RETURNING id`,
    [
      passkey.id,
      passkey.userId,
      passkey.credentialId,
      passkey.publicKey,
      passkey.counter,
      passkey.transports,
      passkey.name,
      passkey.createdAt,
    ],
  );
  return rows.length === 1;
}

/**
 * Moves a passkey's counter from `from` to `to` and stamps its use; false when the stored counter is no longer `from`
 * (another sign-in with this credential committed in between).
 */
export async function advancePasskeyCounter(
  sql: PlatformSql,
  id: PasskeyId,
  from: number,
  to: number,
  usedAt: Date,
): Promise<boolean> {
  // SECURITY: conditional on the counter read before verifying. Two concurrent verifications of the same assertion (or
  // of two from one state) both pass the in-memory check; only the first UPDATE matches, PostgreSQL re-checks the
  // WHERE on the row the winner committed, and the loser is refused.
  const { rows } = await sql.query(
    'UPDATE user_passkeys SET counter = $2, last_used_at = $3 WHERE id = $1 AND counter = $4 RETURNING id',
    [id, to, usedAt, from],
  );
  return rows.length === 1;
}

/** Suspends a passkey (no sign-in with it any more); false when it was suspended already. */
export async function suspendPasskey(sql: PlatformSql, id: PasskeyId, at: Date): Promise<boolean> {
  const { rows } = await sql.query(
    'UPDATE user_passkeys SET suspended_at = $2 WHERE id = $1 AND suspended_at IS NULL RETURNING id',
    [id, at],
  );
  return rows.length === 1;
}

/** Deletes one of a user's passkeys; the deleted row, or undefined when the user has no such passkey. */
export async function deleteUserPasskey(
  sql: PlatformSql,
  userId: UserId,
  id: PasskeyId,
): Promise<StoredPasskey | undefined> {
  const { rows } = await sql.query<PasskeyRow>(
    `DELETE FROM user_passkeys WHERE id = $1 AND user_id = $2 RETURNING ${COLUMNS}`,
    [id, userId],
  );
  return rows[0] ? toPasskey(rows[0]) : undefined;
}
