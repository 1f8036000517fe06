import { AppError } from '../../../lib/errors/index.js';
import type { PlatformSql } from '../../../platform/db/index.js';
import type { CredentialDeps } from '../identity-deps.js';
import { assertPasswordAcceptable } from '../passwords/password-policy.js';
import { inAuditedTransaction, type CredentialEvent } from '../sign-in-audit.js';
import { hashLinkToken } from './link-token.js';

/** What redeeming a password link answers: done, or the one refusal a link gets whatever was wrong with it. */
export type LinkRedemption = { ok: true; email: string } | { ok: false; reason: 'identity.link_invalid' };

const LINK_INVALID: LinkRedemption = { ok: false, reason: 'identity.link_invalid' };

/** An open link as its repo reads it: the account it names and that account's e-mail. */
interface OpenLink {
  email: string;
}

/**
 * Redeems a single-use link that sets a password (an invitation, a password reset). The token must name an open
 * link (`findOpen`); the password must pass the policy for the link's e-mail, and is hashed outside the transaction
 * (argon2id takes tens of milliseconds and needs no lock); then `redeem` consumes the link and sets the password in
 * one audited transaction, throwing `identity.link_invalid` when a concurrent use got there first, and answers the
 * events to record. SECURITY: every way a link fails answers the same `identity.link_invalid`.
 */
export async function redeemPasswordLink<L extends OpenLink>(
  credentials: CredentialDeps,
  input: { token: string; password: string },
  findOpen: (sql: PlatformSql, hash: string, now: Date) => Promise<L | undefined>,
  redeem: (
    platform: PlatformSql,
    link: { hash: string; open: L; passwordHash: string; now: Date },
  ) => Promise<readonly CredentialEvent[]>,
): Promise<LinkRedemption> {
  const hash = hashLinkToken(input.token);
  if (hash === undefined) return LINK_INVALID;
  const open = await credentials.db.withPlatform((sql) => findOpen(sql, hash, credentials.clock.now()));
  if (!open) return LINK_INVALID;
  assertPasswordAcceptable(input.password, open.email);
  const passwordHash = await credentials.hasher.hash(input.password);
  try {
    return await inAuditedTransaction(credentials, async (platform) => {
      const events = await redeem(platform, { hash, open, passwordHash, now: credentials.clock.now() });
      const result: LinkRedemption = { ok: true, email: open.email };
      return { result, events };
    });
  } catch (error) {
    if (error instanceof AppError && error.code === 'identity.link_invalid') return LINK_INVALID;
    throw error;
  }
}
