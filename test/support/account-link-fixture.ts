import { promises as fs } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { openIdentityFixture, type IdentityFixture } from './identity-fixture.js';
import type { OrgId, UserId } from '../../src/lib/ids.js';
import { deliverDueMail, devOutboxTransport, listOutbox, type OutboxMessage } from '../../src/platform/mail/index.js';
import { FieldCipher, openLocalKeyVault } from '../../src/platform/vault/index.js';
import { MemberService, OrgService } from '../../src/modules/tenancy/index.js';
import { openAccountLinks, type AccountLinkDeps } from '../../src/modules/identity/open-identity.js';
import { endSignInsOf } from '../../src/modules/oidc/index.js';

/** The identity fixture with tenancy's services, the account links on them, and the development outbox. */
export interface AccountLinkFixture extends IdentityFixture {
  members: MemberService;
  orgs: OrgService;
  /** Invitations and password resets on a fresh in-memory counter store. */
  links(overrides?: Partial<AccountLinkDeps>): ReturnType<typeof openAccountLinks>;
  /** Creates an org with its owner (through the invitation use case); answers the org and the owner. */
  newOrg(slug: string, ownerEmail: string): Promise<{ orgId: OrgId; ownerId: UserId }>;
  /** Delivers the outbox and returns its messages to `to`, newest first. */
  outbox(to: string): Promise<OutboxMessage[]>;
  /** The token of the newest link of `kind` e-mailed to `to` (then the clock moves on a second). */
  tokenFor(to: string, kind: 'invitations' | 'password-reset'): Promise<string>;
}

export const PUBLIC_URL = 'https://bulwark.test';

/** Opens the fixture; close it in afterAll. */
export async function openAccountLinkFixture(): Promise<AccountLinkFixture> {
  const f = await openIdentityFixture();
  const dir = await fs.mkdtemp(path.join(tmpdir(), 'bulwark-links-'));
  const vault = await openLocalKeyVault(path.join(dir, 'vault.key'));
  const cipher = new FieldCipher({ vault, clock: f.clock });
  const members = new MemberService({ audit: f.audit, canGrantRole: () => true });
  const orgs = new OrgService({ db: f.t.db, clock: f.clock, audit: f.audit, ownerSetupTtlMinutes: 60 });
  const links = (overrides: Partial<AccountLinkDeps> = {}) =>
    openAccountLinks({
      db: f.t.db,
      cipher,
      audit: f.audit,
      clock: f.clock,
      platformOrgId: f.platformOrgId,
      counterStore: { kind: 'memory' },
      accountKeyOf: f.accountKeyOf,
      endSignIns: endSignInsOf({ audit: f.audit, platformOrgId: f.platformOrgId }),
      members,
      orgs,
      publicUrl: PUBLIC_URL,
      ...overrides,
    });
  const outbox = async (to: string) => {
    await deliverDueMail({ db: f.t.db, transport: devOutboxTransport() }, f.clock.now());
    return f.t.db.withPlatform((sql) => listOutbox(sql, { to, limit: 100 }));
  };
  return {
    ...f,
    members,
    orgs,
    links,
    outbox,
    async newOrg(slug, ownerEmail) {
      const created = await f.t.db.withPlatform((platform) =>
        links().invitations.createOrgWithOwner(
          platform,
          { name: slug.toUpperCase(), slug, ownerEmail },
          { actor: { type: 'system', id: 'test' } },
        ),
      );
      return { orgId: created.org.id, ownerId: created.owner.userId };
    },
    async tokenFor(to, kind) {
      const message = (await outbox(to)).find(
        (m) => m.purpose === (kind === 'invitations' ? 'invitation' : 'password_reset'),
      );
      // Messages are ordered by time: the next one queued is then strictly newer than this one.
      f.clock.advance(1_000);
      const token = new RegExp(`${PUBLIC_URL}/${kind}/([A-Za-z0-9_-]{43})`).exec(message?.text ?? '')?.[1];
      if (!token) throw new Error(`no ${kind} link to ${to}:\n${message?.text ?? '(none)'}`);
      return token;
    },
    async close() {
      await vault.close();
      await fs.rm(dir, { recursive: true, force: true });
      await f.close();
    },
  };
}
