import * as client from 'openid-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { operatorUsers } from '../../src/modules/oidc/index.js';
import { backendName } from '../support/test-db.js';
import { listeningOidcServer } from './oidc-test-server.js';
import { authorizationRequest, firstSignIn, memberAndApp, PASSWORD, redeem, signInToOrgB } from './user-sign-in.js';

type Server = Awaited<ReturnType<typeof listeningOidcServer>>;

describe(`sign out everywhere: ended sign-ins stop at once (${backendName})`, () => {
  let t: Server;

  beforeAll(async () => {
    t = await listeningOidcServer();
  });
  afterAll(async () => t?.server.close());

  const orgA = () => t.orgs.a.orgId;
  const sessionsPath = (orgId: string, memberId: string) => `/v1/orgs/${orgId}/members/${memberId}/sessions`;

  async function memberIdOf(orgId: string, key: string, userId: string): Promise<string> {
    const listed = await t.orgs.call(key, 'GET', `/v1/orgs/${orgId}/members?limit=200`);
    const member = (listed.json().data as { id: string; user_id: string }[]).find((m) => m.user_id === userId);
    if (!member) throw new Error(`no membership of ${userId} in ${orgId}`);
    return member.id;
  }

  /** A member of org A signed in to an org A application, the API called once (the principal is cached). */
  async function signedInMember(email: string) {
    const member = await memberAndApp(t, ['developer'], email);
    const signIn = await firstSignIn(t, member.rp, member.email);
    const tokens = await redeem(member.rp, signIn.callback, signIn.request);
    expect((await t.api(tokens.access_token, 'GET', `/v1/orgs/${orgA()}`)).status).toBe(200);
    const memberId = await memberIdOf(orgA(), t.orgs.a.ownerKey, member.userId);
    return { ...member, ...signIn, tokens, memberId };
  }

  it("an org admin's revocation ends the member's access and refresh tokens at once, on a warm cache", async () => {
    const m = await signedInMember('revoked@org-a.example');
    const listed = await t.orgs.call(t.orgs.a.ownerKey, 'GET', sessionsPath(orgA(), m.memberId));
    expect(listed.statusCode).toBe(200);
    expect(listed.json().data).toEqual([
      {
        grant_id: expect.any(String),
        client_id: m.clientId,
        client_name: 'Org A notebook',
        org_id: orgA(),
        created_at: expect.any(String),
        expires_at: expect.any(String),
        last_refresh_at: expect.any(String),
      },
    ]);
    // Twice more on the cached principal: still accepted before the revocation.
    expect((await t.api(m.tokens.access_token, 'GET', `/v1/orgs/${orgA()}`)).status).toBe(200);
    const revoked = await t.orgs.call(t.orgs.a.ownerKey, 'DELETE', sessionsPath(orgA(), m.memberId));
    expect(revoked.statusCode).toBe(200);
    expect(revoked.json()).toEqual({ grants_revoked: 1, sessions_ended: 1 });
    expect((await t.api(m.tokens.access_token, 'GET', `/v1/orgs/${orgA()}`)).status).toBe(401);
    await expect(client.refreshTokenGrant(m.rp, m.tokens.refresh_token as string)).rejects.toMatchObject({
      error: 'invalid_grant',
    });
    // The browser's session went too: the same browser gets the sign-in page again, not a silent code.
    const again = await authorizationRequest(m.rp);
    const step = await m.agent.open(again.url.toString());
    expect(step.leftTo).toBeUndefined();
    expect(m.agent.page).toContain('name="password"');
    const listedAfter = await t.orgs.call(t.orgs.a.ownerKey, 'GET', sessionsPath(orgA(), m.memberId));
    expect(listedAfter.json().data).toEqual([]);
    const events = await t.server.testDb.superuser(
      "SELECT reason_codes, details FROM audit_events WHERE org_id = $1 AND action = 'identity.session.revoked' AND resource->>'id' = $2",
      [orgA(), m.userId],
    );
    expect(events).toMatchObject([
      { reason_codes: ['oidc.sessions_revoked_by_admin'], details: { scope: 'org', grants_revoked: 1 } },
    ]);
  });

  it("cross-tenant session read and revoke: an admin of org B cannot list or end org A members' sign-ins (404)", async () => {
    const m = await signedInMember('victim@org-a.example');
    const b = t.orgs.b;
    for (const method of ['GET', 'DELETE'] as const) {
      // The path names org A: refused at the tenant boundary.
      const direct = await t.orgs.call(b.ownerKey, method, sessionsPath(orgA(), m.memberId));
      expect(direct.statusCode).toBe(404);
      // Org B's own path with org A's membership id: no such member in org B.
      const smuggled = await t.orgs.call(b.ownerKey, method, sessionsPath(b.orgId, m.memberId));
      expect(smuggled.statusCode).toBe(404);
      expect(smuggled.body).not.toContain(m.clientId);
    }
    expect((await t.api(m.tokens.access_token, 'GET', `/v1/orgs/${orgA()}`)).status).toBe(200);
    const rotated = await client.refreshTokenGrant(m.rp, m.tokens.refresh_token as string);
    expect(rotated.access_token).toBeTruthy();
  });

  it("org-scoped revocation leaves the user's sign-ins to another org's applications working", async () => {
    const m = await signedInMember('two-orgs@org-a.example');
    const b = t.orgs.b;
    // The same browser: single sign-on, then consent to org B's application.
    const appB = await signInToOrgB(t, m, ['developer']);
    const tokensB = appB.tokens;
    expect((await t.api(tokensB.access_token, 'GET', `/v1/orgs/${b.orgId}`)).status).toBe(200);
    // Org B's admin sees only org B's application among the user's sign-ins.
    const memberB = await memberIdOf(b.orgId, b.ownerKey, m.userId);
    const seenByB = await t.orgs.call(b.ownerKey, 'GET', sessionsPath(b.orgId, memberB));
    expect((seenByB.json().data as { client_id: string }[]).map((s) => s.client_id)).toEqual([appB.clientId]);
    expect((await t.orgs.call(t.orgs.a.ownerKey, 'DELETE', sessionsPath(orgA(), m.memberId))).statusCode).toBe(200);
    expect((await t.api(m.tokens.access_token, 'GET', `/v1/orgs/${orgA()}`)).status).toBe(401);
    expect((await t.api(tokensB.access_token, 'GET', `/v1/orgs/${b.orgId}`)).status).toBe(200);
    const refreshedB = await client.refreshTokenGrant(appB.rp, tokensB.refresh_token as string);
    expect((await t.api(refreshedB.access_token, 'GET', `/v1/orgs/${b.orgId}`)).status).toBe(200);
  });

  it("an operator's full sign-out ends every sign-in at once; a disabled user's refresh fails", async () => {
    const services = t.server.runtime.services;
    const users = operatorUsers({
      db: services.db,
      clock: services.clock,
      audit: services.audit,
      platformOrgId: services.platformOrgId,
      identity: services.identity,
    });
    const m = await signedInMember('operator@org-a.example');
    const revoked = await users.revokeSessions(m.email);
    expect(revoked).toMatchObject({ grants: 1, sessions: 1 });
    expect((await t.api(m.tokens.access_token, 'GET', `/v1/orgs/${orgA()}`)).status).toBe(401);
    await expect(client.refreshTokenGrant(m.rp, m.tokens.refresh_token as string)).rejects.toMatchObject({
      error: 'invalid_grant',
    });

    // A disabled account, even with its grant left in place: refreshing is refused, and so are its tokens.
    const d = await signedInMember('disabled@org-a.example');
    await t.server.testDb.superuser("UPDATE users SET status = 'disabled' WHERE id = $1", [d.userId]);
    await expect(client.refreshTokenGrant(d.rp, d.tokens.refresh_token as string)).rejects.toMatchObject({
      error: 'invalid_grant',
    });
    await t.server.testDb.superuser("UPDATE users SET status = 'active' WHERE id = $1", [d.userId]);

    // `bulwark users disable`: the warm token ends at once, the refresh fails, and signing in again is refused.
    const fresh = await signedInMember('disable-me@org-a.example');
    const disabled = await users.disable(fresh.email);
    expect(disabled).toMatchObject({ wasActive: true, grants: 1 });
    expect((await t.api(fresh.tokens.access_token, 'GET', `/v1/orgs/${orgA()}`)).status).toBe(401);
    await expect(client.refreshTokenGrant(fresh.rp, fresh.tokens.refresh_token as string)).rejects.toMatchObject({
      error: 'invalid_grant',
    });
    const request = await authorizationRequest(fresh.rp);
    await fresh.agent.open(request.url.toString());
    const step = await fresh.agent.submit('password', { email: fresh.email, password: PASSWORD });
    expect(step.leftTo).toBeUndefined();
    expect(fresh.agent.page).not.toContain('Code from your authenticator app');
  });
});
