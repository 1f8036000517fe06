import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backendName } from '../support/test-db.js';
import { invitedMemberAndApp, outboxFor } from './invitation-sign-in.js';
import { listeningOidcServer } from './oidc-test-server.js';
import { firstSignIn, redeem } from './user-sign-in.js';

describe(`invitation to first sign-in (${backendName})`, () => {
  let t: Awaited<ReturnType<typeof listeningOidcServer>>;
  beforeAll(async () => {
    t = await listeningOidcServer();
  }, 120_000);
  afterAll(async () => t?.server.close());

  it("an owner adds a member; the member sets a password from the outbox's link, signs in and gets a token", async () => {
    const email = 'invited.member@example.com';
    const member = await invitedMemberAndApp(t, ['developer'], email);
    expect(member.invitation).toMatchObject({ purpose: 'invitation', to: email });
    expect(member.invitation.subject).toContain('ORG-A');
    expect(member.setPage).toContain('Your password is set.');
    expect(member.setPage).toContain('second factor');

    const { callback, request } = await firstSignIn(t, member.rp, email);
    const tokens = await redeem(member.rp, callback, request);
    const claims = tokens.claims();
    expect(claims?.sub).toBe(member.userId);
    const me = await t.api(tokens.access_token, 'GET', `/v1/orgs/${t.orgs.a.orgId}`);
    expect(me.status).toBe(200);

    const [user] = await t.server.testDb.superuser('SELECT email_verified_at FROM users WHERE id = $1', [
      member.userId,
    ]);
    expect(user?.email_verified_at).toBeInstanceOf(Date);
    // The link worked once: it now leads to the "no longer works" page.
    expect((await fetch(member.link)).status).toBe(410);
  });

  it('the owner named at org creation is invited too; a member who already has a password is not', async () => {
    const ownerMails = await outboxFor(t, 'owner@org-a.example');
    expect(ownerMails.map((m) => m.purpose).sort()).toEqual(['invitation', 'owner_setup']);
    const email = 'invited.member@example.com';
    const before = (await outboxFor(t, email)).length;
    const added = await t.orgs.call(t.orgs.b.ownerKey, 'POST', `/v1/orgs/${t.orgs.b.orgId}/members`, {
      email,
      roles: ['developer'],
    });
    expect(added.statusCode).toBe(201);
    expect(await outboxFor(t, email)).toHaveLength(before);
  });

  it('the pages carry the sign-in policy: no inline script or style, forms posted to Bulwark only', async () => {
    const response = await fetch(`${t.server.config.publicUrl}/password-reset`);
    expect(response.status).toBe(200);
    const csp = response.headers.get('content-security-policy') ?? '';
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("form-action 'self'");
    expect(csp).not.toContain('unsafe-inline');
    const html = await response.text();
    expect(html.match(/<h1>/g)).toHaveLength(1);
    expect(html).not.toMatch(/<script>|style="/);
    expect(html).toContain('<label for="email">');
    expect(response.headers.get('set-cookie')).toMatch(/HttpOnly; SameSite=Strict/);
  });
});
