import type { OrgId, UserId } from '../../../lib/ids.js';
import type { PlatformSql } from '../../../platform/db/index.js';

/** An open invitation as its page shows it. */
export interface OpenInvitation {
  userId: UserId;
  email: string;
  orgId: OrgId;
  orgName: string;
}

/** Whether the user has a password (an invitation is sent only to one who has none). */
export async function userHasPassword(sql: PlatformSql, userId: UserId): Promise<boolean> {
  const { rows } = await sql.query('SELECT 1 FROM user_passwords WHERE user_id = $1', [userId]);
  return rows.length > 0;
}

/** Stores a new invitation (its token's hash only). */
export async function insertInvitation(
  sql: PlatformSql,
  invitation: { tokenHash: string; userId: UserId; orgId: OrgId; now: Date; expiresAt: Date },
): Promise<void> {
  await sql.query(
    `INSERT INTO user_invitations (token_hash, user_id, invited_to, created_at, expires_at) VALUES ($1, $2, $3, $4, $5)`,
    [invitation.tokenHash, invitation.userId, invitation.orgId, invitation.now, invitation.expiresAt],
  );
}

/** The invitation of a token hash if it is unused, unexpired and its user is active. */
export async function selectOpenInvitation(
  sql: PlatformSql,
  tokenHash: string,
  now: Date,
): Promise<OpenInvitation | undefined> {
  const { rows } = await sql.query<{ user_id: UserId; email: string; org_id: OrgId; org_name: string }>(
    `SELECT i.user_id, u.email, o.id AS org_id, o.name AS org_name
       FROM user_invitations i JOIN users u ON u.id = i.user_id JOIN orgs o ON o.id = i.invited_to
      WHERE i.token_hash = $1 AND i.consumed_at IS NULL AND i.expires_at > $2 AND u.status = 'active'`,
    [tokenHash, now],
  );
  const row = rows[0];
  return row && { userId: row.user_id, email: row.email, orgId: row.org_id, orgName: row.org_name };
}

/**
 * Consumes an invitation if it is still open. INVARIANT: one UPDATE both checks and consumes, so of two concurrent
 * accepts exactly one gets the row (the other waits on its lock, then finds it consumed). Answers the invitation's
 * user and org, or undefined.
 */
export async function consumeInvitation(
  sql: PlatformSql,
  tokenHash: string,
  now: Date,
): Promise<{ userId: UserId; orgId: OrgId } | undefined> {
  const { rows } = await sql.query<{ user_id: UserId; invited_to: OrgId }>(
    `UPDATE user_invitations SET consumed_at = $2
      WHERE token_hash = $1 AND consumed_at IS NULL AND expires_at > $2
      RETURNING user_id, invited_to`,
    [tokenHash, now],
  );
  const row = rows[0];
  return row && { userId: row.user_id, orgId: row.invited_to };
}

/**
 * Consumes every other open link (invitations and password resets) of a user whose password was just set, so no
 * older link in a mailbox can set it again. Answers how many were closed.
 */
export async function consumeOpenLinksOf(sql: PlatformSql, userId: UserId, now: Date): Promise<number> {
  const invitations = await sql.query(
    'UPDATE user_invitations SET consumed_at = $2 WHERE user_id = $1 AND consumed_at IS NULL',
    [userId, now],
  );
  const resets = await sql.query(
    'UPDATE user_password_resets SET consumed_at = $2 WHERE user_id = $1 AND consumed_at IS NULL',
    [userId, now],
  );
  return invitations.rowCount + resets.rowCount;
}

/** Records that the user proved they read mail at their address (kept at its first proof). */
export async function markEmailVerified(sql: PlatformSql, userId: UserId, now: Date): Promise<void> {
  await sql.query('UPDATE users SET email_verified_at = COALESCE(email_verified_at, $2) WHERE id = $1', [userId, now]);
}
