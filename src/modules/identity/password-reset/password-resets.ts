import { AppError } from '../../../lib/errors/index.js';
import type { CounterStore } from '../../../platform/rate-limit/index.js';
import { queueMail } from '../../../platform/mail/index.js';
import type { SignInMeta } from '../identity.js';
import type { CredentialDeps } from '../identity-deps.js';
import { consumeOpenLinksOf, markEmailVerified } from '../invitations/invitation-repo.js';
import { hashLinkToken, newLinkToken } from '../invitations/link-token.js';
import { redeemPasswordLink, type LinkRedemption } from '../invitations/redeem-password-link.js';
import { upsertPasswordHash } from '../passwords/password-repo.js';
import { inAuditedTransaction } from '../sign-in-audit.js';
import { passwordResetMail } from './password-reset-mail.js';
import {
  consumePasswordReset,
  insertPasswordReset,
  selectActiveUserByEmail,
  selectOpenPasswordReset,
} from './password-reset-repo.js';
import {
  createPasswordResetThrottle,
  DEFAULT_PASSWORD_RESET_LIMITS,
  type PasswordResetLimits,
} from './password-reset-throttle.js';

/** How long a reset link works. */
export const PASSWORD_RESET_TTL_MINUTES = 60;
// RFC 5321 bounds an address at 254 octets; a longer one matches no account and is not looked up.
const EMAIL_MAX_LENGTH = 320;

/** What the password-reset use cases are built from. */
export interface PasswordResetDeps {
  credentials: CredentialDeps;
  /** Where the links point: `${publicUrl}/password-reset/{token}`. */
  publicUrl: string;
  /** Where the request counters live (Redis shares them between nodes). */
  counterStore: CounterStore;
  /** Each rule left out takes its default (DEFAULT_PASSWORD_RESET_LIMITS). */
  limits?: Partial<PasswordResetLimits>;
}

/**
 * The answer to a reset request. SECURITY: it is the same whether or not an account has the address (the e-mail,
 * sent or not, is the only difference, and only the mailbox's owner sees it); throttling counts unknown addresses
 * as it counts known ones.
 */
export type PasswordResetRequest =
  { ok: true } | { ok: false; reason: 'identity.password_reset_throttled'; retryAfterSeconds: number };

/** The outcome of setting a password from a reset link. */
export type PasswordResetCompletion = LinkRedemption;

/** Password reset by e-mail: the request, the link's page, and the new password. */
export interface PasswordResets {
  /** Asks for a reset link for `email`; queues the e-mail (in the audited transaction) when an active account has it. */
  request(email: string, meta: SignInMeta): Promise<PasswordResetRequest>;
  /** The account of a reset link, while it works (unused, unexpired, the user active). */
  show(token: string): Promise<{ email: string } | undefined>;
  /**
   * Sets the password of the link's user (never of anyone named by the form): the policy first (throws
   * `identity.password_rejected`), then, in one transaction, the token consumed, the password stored, the e-mail
   * marked verified, the user's other open links closed and `identity.password_reset.completed` audited. The second
   * factor is untouched: a reset never bypasses it.
   */
  complete(token: string, password: string, meta: SignInMeta): Promise<PasswordResetCompletion>;
}

/** Builds the password-reset use cases. */
export function openPasswordResets(deps: PasswordResetDeps): PasswordResets {
  const { credentials } = deps;
  const throttle = createPasswordResetThrottle(
    { ...DEFAULT_PASSWORD_RESET_LIMITS, ...deps.limits },
    deps.counterStore,
    credentials.accountKeyOf,
  );
  const linkOf = (token: string) => `${deps.publicUrl.replace(/\/+$/, '')}/password-reset/${token}`;

  return {
    async request(email, meta) {
      const address = email.trim();
      const emailHash = credentials.accountKeyOf(address);
      const retryAfterSeconds = await throttle(address, meta.clientIp);
      if (retryAfterSeconds !== undefined) {
        return inAuditedTransaction(credentials, async () => ({
          result: { ok: false, reason: 'identity.password_reset_throttled', retryAfterSeconds } as const,
          events: [
            {
              action: 'identity.password_reset.throttled',
              decision: 'deny',
              reasonCodes: ['identity.password_reset_throttled'],
              // Not looked up: a throttled request learns nothing, and costs nothing.
              userId: null,
              details: { email_hash: emailHash, retry_after_seconds: retryAfterSeconds },
              meta,
            },
          ],
        }));
      }
      return inAuditedTransaction(credentials, async (platform) => {
        const now = credentials.clock.now();
        const account =
          address.length > 0 && address.length <= EMAIL_MAX_LENGTH
            ? await selectActiveUserByEmail(platform, address)
            : undefined;
        let messageId: string | undefined;
        if (account) {
          const { token, hash } = newLinkToken();
          await insertPasswordReset(platform, {
            tokenHash: hash,
            userId: account.userId,
            now,
            expiresAt: new Date(now.getTime() + PASSWORD_RESET_TTL_MINUTES * 60_000),
          });
          // The account's own spelling of its address receives the mail, never the one typed into the form.
          messageId = await queueMail(
            platform,
            passwordResetMail(account.email, linkOf(token), PASSWORD_RESET_TTL_MINUTES),
            now,
          );
        }
        return {
          result: { ok: true } as const,
          events: [
            {
              action: 'identity.password_reset.requested',
              decision: 'info',
              userId: account?.userId ?? null,
              details: {
                email_hash: emailHash,
                account_known: account !== undefined,
                ...(messageId ? { message_id: messageId } : {}),
              },
              meta,
            },
          ],
        };
      });
    },

    async show(token) {
      const hash = hashLinkToken(token);
      if (hash === undefined) return undefined;
      const open = await credentials.db.withPlatform((sql) =>
        selectOpenPasswordReset(sql, hash, credentials.clock.now()),
      );
      return open && { email: open.email };
    },

    complete: (token, password, meta) =>
      redeemPasswordLink(credentials, { token, password }, selectOpenPasswordReset, async (platform, link) => {
        // SECURITY: the user whose password changes is the one the consumed token names; the form names nobody.
        const userId = await consumePasswordReset(platform, link.hash, link.now);
        if (userId !== link.open.userId) throw new AppError('identity.link_invalid');
        const first = await upsertPasswordHash(platform, userId, link.passwordHash, link.now);
        // SECURITY: whoever signed in with the old password (the reason for many resets) is signed out with it.
        if (!first)
          await credentials.endSignIns(platform, userId, {
            actor: { type: 'user', id: userId },
            reason: 'identity.password_changed',
          });
        await markEmailVerified(platform, userId, link.now);
        const closed = await consumeOpenLinksOf(platform, userId, link.now);
        return [
          {
            action: 'identity.password.changed',
            decision: 'info',
            userId,
            details: { factor: 'pwd', first_password: first, via: 'password_reset' },
            meta,
          },
          {
            action: 'identity.password_reset.completed',
            decision: 'allow',
            userId,
            details: { email_verified: true, other_links_closed: closed },
            meta,
          },
        ];
      }),
  };
}
