import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backendName } from '../../../../test/support/test-db.js';
import { isAppError } from '../../../lib/errors/index.js';
import type { OrgId } from '../../../lib/ids.js';
import {
  openAccountLinkFixture,
  PUBLIC_URL,
  type AccountLinkFixture,
} from '../../../../test/support/account-link-fixture.js';

const meta = { clientIp: '198.51.100.20', userAgent: 'vitest', requestId: 'req_invitations' };
const PASSWORD = 'v9#Lq2!mZr8@wX';
const actor = { actor: { type: 'user', id: 'usr_00000000000000000000000000' } } as const;

describe(`invitations (${backendName})`, () => {
  let f: AccountLinkFixture;
  let orgId: OrgId;
  beforeAll(async () => {
    f = await openAccountLinkFixture();
    ({ orgId } = await f.newOrg('acme', 'founder@acme.example'));
  });
  afterAll(async () => f.close());

  const add = (email: string, roles = ['developer']) =>
    f.t.db.withPlatform((platform) =>
      f.links().invitations.addMember(platform, orgId, { email, roles, attributes: {} }, actor),
    );

  it("queues the org creator's owner an invitation, audited in the org's chain without the token", async () => {
    const mails = await f.outbox('founder@acme.example');
    // The owner's setup secret comes in its own e-mail, beside the invitation.
    expect(mails.map((m) => m.purpose).sort()).toEqual(['invitation', 'owner_setup']);
    const mail = mails.find((m) => m.purpose === 'invitation');
    expect(mail).toMatchObject({ purpose: 'invitation', subject: 'You are invited to ACME on Bulwark' });
    expect(mail?.text).toMatch(new RegExp(`${PUBLIC_URL}/invitations/[A-Za-z0-9_-]{43}\\n`));
    const token = await f.tokenFor('founder@acme.example', 'invitations');
    const events = [];
    for await (const record of f.audit.records(orgId, { actionPrefix: 'identity.invitation.' })) events.push(record);
    expect(events).toHaveLength(1);
    expect(events[0]?.details).toMatchObject({ expires_in_days: 7 });
    expect(JSON.stringify(events)).not.toContain(token);
    // SECURITY: only the token's SHA-256 is stored with the invitation.
    const rows = await f.t.superuser('SELECT token_hash FROM user_invitations');
    expect(JSON.stringify(rows)).not.toContain(token);
  });

  it('queues the mail in the transaction of the member add: a rolled-back add leaves no mail and no invitation', async () => {
    const email = 'rolled.back@acme.example';
    await expect(
      f.t.db.withPlatform(async (platform) => {
        await f.links().invitations.addMember(platform, orgId, { email, roles: ['developer'], attributes: {} }, actor);
        throw new Error('the caller fails after the add');
      }),
    ).rejects.toThrow('the caller fails');
    expect(await f.t.superuser('SELECT 1 FROM mail_outbox WHERE recipient = $1', [email])).toHaveLength(0);
    expect(await f.t.superuser('SELECT 1 FROM users WHERE email = $1', [email])).toHaveLength(0);
  });

  it('invites a user without a password, not one who has a password', async () => {
    const { member, invited } = await add('new.hire@acme.example');
    expect(invited).toBe(true);
    const identity = f.open();
    const withPassword = await f.newUser('has.password@acme.example');
    await identity.setPassword(withPassword, PASSWORD, { type: 'system', id: null });
    expect((await add('has.password@acme.example')).invited).toBe(false);
    expect(await f.outbox('has.password@acme.example')).toHaveLength(0);
    expect(member.email).toBe('new.hire@acme.example');
  });

  it('shows the org, then sets the password, verifies the e-mail and audits the acceptance', async () => {
    const { member } = await add('accepts@acme.example');
    const token = await f.tokenFor('accepts@acme.example', 'invitations');
    const { invitations } = f.links();
    expect(await invitations.show(token)).toEqual({ email: 'accepts@acme.example', orgName: 'ACME' });
    expect(await invitations.accept(token, PASSWORD, meta)).toEqual({ ok: true, email: 'accepts@acme.example' });
    expect(await f.open().checkPassword('accepts@acme.example', PASSWORD, meta)).toEqual({
      ok: true,
      userId: member.userId,
    });
    const [user] = await f.t.superuser('SELECT email_verified_at FROM users WHERE id = $1', [member.userId]);
    expect(user?.email_verified_at).toEqual(f.clock.now());
    const [accepted] = await f.events({ action: 'identity.invitation.accepted', userId: member.userId });
    expect(accepted).toMatchObject({
      decision: 'allow',
      client_ip: meta.clientIp,
      details: { org_id: orgId, email_verified: true },
    });
    expect(await f.events({ action: 'identity.password.changed', userId: member.userId })).toHaveLength(1);
    expect(await invitations.show(token)).toBeUndefined();
  });

  it('a password the policy refuses changes nothing: the link still works', async () => {
    await add('weak@acme.example');
    const token = await f.tokenFor('weak@acme.example', 'invitations');
    const { invitations } = f.links();
    const refused = await invitations.accept(token, 'password1234', meta).catch((error: unknown) => error);
    expect(isAppError(refused, 'identity.password_rejected')).toBe(true);
    expect(await invitations.show(token)).toBeDefined();
    expect((await invitations.accept(token, PASSWORD, meta)).ok).toBe(true);
  });

  it('an invitation expires after 7 days', async () => {
    await add('late@acme.example');
    const token = await f.tokenFor('late@acme.example', 'invitations');
    f.clock.advance(7 * 24 * 60 * 60 * 1000 + 1);
    const { invitations } = f.links();
    expect(await invitations.show(token)).toBeUndefined();
    expect(await invitations.accept(token, PASSWORD, meta)).toEqual({ ok: false, reason: 'identity.link_invalid' });
  });

  it('the tables are the platform scope alone: a tenant transaction sees no outbox, invitation or reset', async () => {
    const seen = await f.t.db.withTenant(orgId, async (sql) => ({
      outbox: (await sql.query('SELECT * FROM mail_outbox')).rows.length,
      invitations: (await sql.query('SELECT * FROM user_invitations')).rows.length,
      resets: (await sql.query('SELECT * FROM user_password_resets')).rows.length,
    }));
    expect(seen).toEqual({ outbox: 0, invitations: 0, resets: 0 });
    expect((await f.t.superuser('SELECT count(*)::int AS n FROM mail_outbox'))[0]?.n).toBeGreaterThan(0);
    await expect(
      f.t.db.withTenant(orgId, (sql) =>
        sql.query(
          `INSERT INTO mail_outbox (id, purpose, recipient, subject, body, next_attempt_at, created_at)
           VALUES ('msg_00000000000000000000000000', 'invitation', 'x@y.example', 's', 'b', now(), now())`,
        ),
      ),
    ).rejects.toThrow();
  });
});
