import { AppError } from '../../../lib/errors/index.js';
import type { OrgId, UserId } from '../../../lib/ids.js';
import type { PlatformSql } from '../../../platform/db/index.js';
import { queueMail } from '../../../platform/mail/index.js';
import type {
  ActingPrincipal,
  AuditContext,
  CreatedOrg,
  CreateOrgInput,
  Member,
  MemberService,
  OrgService,
} from '../../tenancy/index.js';
import type { SignInMeta } from '../identity.js';
import type { CredentialDeps } from '../identity-deps.js';
import { upsertPasswordHash } from '../passwords/password-repo.js';
import { invitationMail, ownerSetupMail } from './invitation-mail.js';
import {
  consumeInvitation,
  consumeOpenLinksOf,
  insertInvitation,
  markEmailVerified,
  selectOpenInvitation,
  userHasPassword,
} from './invitation-repo.js';
import { hashLinkToken, newLinkToken } from './link-token.js';
import { redeemPasswordLink, type LinkRedemption } from './redeem-password-link.js';

const DAY_MS = 24 * 60 * 60 * 1000;
/** How long an invitation link works. */
export const INVITATION_TTL_DAYS = 7;

/** What the invitation use cases are built from. */
export interface InvitationDeps {
  credentials: CredentialDeps;
  members: Pick<MemberService, 'add'>;
  orgs: Pick<OrgService, 'createWithOwner'>;
  /** Where the links point: `${publicUrl}/invitations/{token}`. */
  publicUrl: string;
}

/** An open invitation, as its page shows it. */
export interface InvitationView {
  email: string;
  orgName: string;
}

/** The outcome of accepting an invitation; a link that does not work says nothing more about why. */
export type InvitationAcceptance = LinkRedemption;

/** Invitations: the e-mail a member without a password gets, and the page that sets the password from it. */
export interface Invitations {
  /**
   * Adds a member in the caller's platform transaction (tenancy's rules: grantability, the audit event) and, when
   * the user has no password yet, queues their invitation e-mail in the same transaction.
   */
  addMember(
    platform: PlatformSql,
    orgId: OrgId,
    input: { email: string; displayName?: string; roles: string[]; attributes: Record<string, unknown> },
    audit: AuditContext,
    by?: ActingPrincipal,
  ): Promise<{ member: Member; invited: boolean }>;
  /** Creates an org with its owner (tenancy's use case) and queues the owner's invitation, in the caller's transaction. */
  createOrgWithOwner(
    platform: PlatformSql,
    input: CreateOrgInput & { ownerEmail: string },
    audit: AuditContext,
  ): Promise<CreatedOrg & { invited: boolean }>;
  /** The invitation of a link token, while it works (unused, unexpired, its user active). */
  show(token: string): Promise<InvitationView | undefined>;
  /**
   * Sets the password from an invitation: the policy first (throws `identity.password_rejected`), then, in one
   * transaction, the token consumed (exactly one of concurrent accepts wins), the password stored, the e-mail marked
   * verified, the user's other open links closed, and `identity.invitation.accepted` audited.
   */
  accept(token: string, password: string, meta: SignInMeta): Promise<InvitationAcceptance>;
}

/** Builds the invitation use cases. */
export function openInvitations(deps: InvitationDeps): Invitations {
  const { credentials } = deps;
  const linkOf = (token: string) => `${deps.publicUrl.replace(/\/+$/, '')}/invitations/${token}`;

  // Queues the invitation of a user without a password, with its audit event in the org's chain (the chain the
  // membership's own event went to). Answers whether one was queued.
  async function inviteIfPasswordless(
    platform: PlatformSql,
    orgId: OrgId,
    userId: UserId,
    email: string,
    audit: AuditContext,
  ): Promise<boolean> {
    if (await userHasPassword(platform, userId)) return false;
    const now = credentials.clock.now();
    const { rows } = await platform.query<{ name: string }>('SELECT name FROM orgs WHERE id = $1', [orgId]);
    const orgName = rows[0]?.name ?? '';
    const { token, hash } = newLinkToken();
    await insertInvitation(platform, {
      tokenHash: hash,
      userId,
      orgId,
      now,
      expiresAt: new Date(now.getTime() + INVITATION_TTL_DAYS * DAY_MS),
    });
    const messageId = await queueMail(
      platform,
      invitationMail(email, orgName, linkOf(token), INVITATION_TTL_DAYS),
      now,
    );
    await platform.inTenant(orgId, (sql) =>
      credentials.audit.append(sql, [
        {
          orgId,
          actor: audit.actor,
          requestId: audit.requestId ?? null,
          action: 'identity.invitation.created',
          resource: { type: 'User', id: userId },
          decision: 'info',
          // The message id finds the e-mail in the outbox; neither the token nor its hash is recorded.
          details: { user_id: userId, message_id: messageId, expires_in_days: INVITATION_TTL_DAYS },
        },
      ]),
    );
    return true;
  }

  return {
    async addMember(platform, orgId, input, audit, by) {
      const member = await deps.members.add(platform, orgId, input, audit, by);
      const invited = await inviteIfPasswordless(platform, orgId, member.userId, member.email, audit);
      return { member, invited };
    },

    async createOrgWithOwner(platform, input, audit) {
      const created = await deps.orgs.createWithOwner(platform, input, audit);
      const invited = await inviteIfPasswordless(
        platform,
        created.org.id,
        created.owner.userId,
        created.owner.email,
        audit,
      );
      // SECURITY: the owner's setup secret goes to the owner's mailbox only, never back to whoever created the org.
      await queueMail(
        platform,
        ownerSetupMail(
          created.owner.email,
          created.org.name,
          `${deps.publicUrl.replace(/\/+$/, '')}/setup`,
          created.ownerSetup.secret,
          created.ownerSetup.expiresAt,
        ),
        credentials.clock.now(),
      );
      return { ...created, invited };
    },

    async show(token) {
      const hash = hashLinkToken(token);
      if (hash === undefined) return undefined;
      const open = await credentials.db.withPlatform((sql) => selectOpenInvitation(sql, hash, credentials.clock.now()));
      return open && { email: open.email, orgName: open.orgName };
    },

    accept: (token, password, meta) =>
      redeemPasswordLink(credentials, { token, password }, selectOpenInvitation, async (platform, link) => {
        const consumed = await consumeInvitation(platform, link.hash, link.now);
        // A concurrent accept (or a reset) got there first: nothing of this one may commit.
        if (!consumed || consumed.userId !== link.open.userId) throw new AppError('identity.link_invalid');
        // SECURITY: an invitation only ever sets a first password. A user who has one (set by another link since)
        // keeps it: an old invitation in a mailbox is no password reset without the reset's shorter life.
        if (await userHasPassword(platform, consumed.userId)) throw new AppError('identity.link_invalid');
        await upsertPasswordHash(platform, consumed.userId, link.passwordHash, link.now);
        await markEmailVerified(platform, consumed.userId, link.now);
        const closed = await consumeOpenLinksOf(platform, consumed.userId, link.now);
        return [
          {
            action: 'identity.password.changed',
            decision: 'info',
            userId: consumed.userId,
            details: { factor: 'pwd', first_password: true, via: 'invitation' },
            meta,
          },
          {
            action: 'identity.invitation.accepted',
            decision: 'allow',
            userId: consumed.userId,
            details: { org_id: consumed.orgId, email_verified: true, other_links_closed: closed },
            meta,
          },
        ];
      }),
  };
}
