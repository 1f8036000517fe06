import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backendName } from '../support/test-db.js';
import { csrfOn, linkIn, outboxFor, setPasswordAt } from './invitation-sign-in.js';
import { listeningOidcServer } from './oidc-test-server.js';
import { SignInAgent } from './sign-in-agent.js';
import { PASSWORD } from './user-sign-in.js';

// Attack: a cross-site page posts the invitation or reset form (with a link the attacker holds, so the victim's
// browser ends up on the attacker's account, or with a form token lifted from another browser or another link);
// and: read from the reset page's answer whether an e-mail has an account.
describe(`account forms: cross-site posts and enumeration over HTTP (${backendName})`, () => {
  let t: Awaited<ReturnType<typeof listeningOidcServer>>;
  let origin: string;
  beforeAll(async () => {
    t = await listeningOidcServer({ BULWARK_MAIL_DELIVERY_INTERVAL_SECONDS: '3600' });
    origin = t.server.config.publicUrl;
  }, 120_000);
  afterAll(async () => t?.server.close());

  const invitationLink = async (email: string) => {
    const added = await t.orgs.call(t.orgs.a.ownerKey, 'POST', `/v1/orgs/${t.orgs.a.orgId}/members`, {
      email,
      roles: ['developer'],
    });
    expect(added.statusCode).toBe(201);
    return linkIn((await outboxFor(t, email))[0], 'invitations');
  };

  it("a post without the page's cookie, with another browser's token, or with another link's token is refused", async () => {
    const link = await invitationLink('csrf.target@example.com');
    const otherLink = await invitationLink('csrf.other@example.com');
    const victim = new SignInAgent(origin);
    const page = await (await victim.request(link)).text();
    const csrf = csrfOn(page);
    const form = { csrf, password: PASSWORD, password_confirm: PASSWORD };

    // A cross-site form: SameSite=Strict keeps the cookie from being sent, so the browser posts without it.
    const crossSite = await fetch(link, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams(form).toString(),
    });
    expect(crossSite.status).toBe(403);
    // The attacker's own browser (its own cookie) with the victim page's token.
    const attacker = new SignInAgent(origin);
    await attacker.request(link);
    expect((await attacker.request(link, { form })).status).toBe(403);
    // The victim's browser, but the token of another invitation's page.
    expect((await victim.request(otherLink, { form })).status).toBe(403);
    // Nothing was set: the right browser with the right token still can.
    expect((await victim.request(link, { form })).status).toBe(200);
  });

  it('shows the policy error and a mismatch on the page, with role="alert", and keeps the link usable', async () => {
    const link = await invitationLink('errors.shown@example.com');
    const agent = new SignInAgent(origin);
    const mismatch = await setPasswordAt(agent, link, PASSWORD, `${PASSWORD}x`);
    expect(mismatch.status).toBe(400);
    expect(mismatch.page).toContain('role="alert"');
    expect(mismatch.page).toContain('The two passwords are not the same.');
    const weak = await setPasswordAt(agent, link, 'password1234');
    expect(weak.status).toBe(400);
    expect(weak.page).toMatch(/role="alert"[^>]*>This password cannot be used: [^<]*too common/);
    expect(weak.page).toContain('autocomplete="new-password"');
    expect((await setPasswordAt(agent, link, PASSWORD)).status).toBe(200);
  });

  it('the reset request answers an unknown and a known e-mail with the same status and page', async () => {
    const ask = async (email: string) => {
      const agent = new SignInAgent(origin);
      const page = await (await agent.request('/password-reset')).text();
      const answer = await agent.request('/password-reset', { form: { csrf: csrfOn(page), email } });
      return { status: answer.status, page: (await answer.text()).replace(/\s+/g, ' ') };
    };
    const unknown = await ask('nobody.here@example.com');
    const known = await ask('owner@org-a.example');
    expect(unknown.status).toBe(200);
    expect(known).toEqual(unknown);
    expect(known.page).toContain('If an account exists for that address');
  });

  it('a reset link from the outbox sets a new password on its page; a second use says the link no longer works', async () => {
    const agent = new SignInAgent(origin);
    const page = await (await agent.request('/password-reset')).text();
    await agent.request('/password-reset', { form: { csrf: csrfOn(page), email: 'csrf.target@example.com' } });
    const link = linkIn((await outboxFor(t, 'csrf.target@example.com'))[0], 'password-reset');
    const done = await setPasswordAt(agent, link, 'A brand new passphrase 99!');
    expect(done.status).toBe(200);
    expect(done.page).toContain('Your password is set.');
    expect((await setPasswordAt(agent, link, 'Yet another passphrase 100!')).status).toBe(410);
  });
});
