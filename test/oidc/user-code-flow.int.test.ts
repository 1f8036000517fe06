import * as client from 'openid-client';
import { decodeJwt } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backendName } from '../support/test-db.js';
import { listeningOidcServer } from './oidc-test-server.js';
import { SignInAgent } from './sign-in-agent.js';
import { authorizationRequest, firstSignIn, memberAndApp, PASSWORD, redeem, totpCode } from './user-sign-in.js';

describe(`a member signs in to an org's application: code + PKCE, password and TOTP (${backendName})`, () => {
  let t: Awaited<ReturnType<typeof listeningOidcServer>>;

  beforeAll(async () => {
    t = await listeningOidcServer();
  });
  afterAll(async () => t?.server.close());

  it('enrolls TOTP on the first sign-in, consents, and calls the API with a user token carrying amr and acr', async () => {
    const member = await memberAndApp(t, ['developer'], 'dev@org-a.example');
    const signIn = await firstSignIn(t, member.rp, member.email);
    expect(signIn.recoveryCodes).toHaveLength(10);
    const tokens = await redeem(member.rp, signIn.callback, signIn.request);
    expect(tokens.refresh_token).toBeTruthy();
    expect(tokens.claims()?.sub).toBe(member.userId);
    expect(tokens.claims()?.amr).toEqual(['pwd', 'otp']);
    expect(tokens.claims()?.acr).toBe('mfa');
    const claims = decodeJwt(tokens.access_token);
    expect(claims).toMatchObject({
      sub: member.userId,
      org_id: t.orgs.a.orgId,
      roles: ['developer'],
      amr: ['pwd', 'otp'],
      acr: 'mfa',
      aud: t.audience,
    });
    const org = await t.api(tokens.access_token, 'GET', `/v1/orgs/${t.orgs.a.orgId}`);
    expect(org.status).toBe(200);
    // SECURITY: the token is for org A only; org B is another tenant.
    const other = await t.api(tokens.access_token, 'GET', `/v1/orgs/${t.orgs.b.orgId}`);
    expect(other.status).toBe(404);
  });

  it('signs in again with the password and a fresh TOTP code; the session then serves a second request silently', async () => {
    const member = await memberAndApp(t, ['analyst'], 'analyst@org-a.example');
    const first = await firstSignIn(t, member.rp, member.email);
    await redeem(member.rp, first.callback, first.request);
    // A new browser: the password, then a code of a later time step than the enrollment's.
    const agent = new SignInAgent(t.server.config.publicUrl);
    const request = await authorizationRequest(member.rp);
    await agent.open(request.url.toString());
    await agent.submit('password', { email: member.email, password: PASSWORD });
    expect(agent.page).toContain('Code from your authenticator app');
    const done = await agent.submit('totp', { code: await totpCode(first.secret, 1) });
    expect(done.leftTo?.searchParams.get('code')).toBeTruthy();
    const tokens = await redeem(member.rp, done.leftTo as URL, request);
    expect(decodeJwt(tokens.access_token).amr).toEqual(['pwd', 'otp']);
    // Single sign-on: the same browser gets a code without any page.
    const again = await authorizationRequest(member.rp);
    const silent = await agent.open(again.url.toString());
    expect(silent.leftTo?.searchParams.get('code')).toBeTruthy();
  });

  it('rotates the refresh token on every use; a spent one presented again revokes the whole grant', async () => {
    const member = await memberAndApp(t, ['developer'], 'rotating@org-a.example');
    const signIn = await firstSignIn(t, member.rp, member.email);
    const tokens = await redeem(member.rp, signIn.callback, signIn.request);
    const first = tokens.refresh_token as string;
    const rotated = await client.refreshTokenGrant(member.rp, first);
    expect(rotated.refresh_token).toBeTruthy();
    expect(rotated.refresh_token).not.toBe(first);
    expect((await t.api(rotated.access_token, 'GET', `/v1/orgs/${t.orgs.a.orgId}`)).status).toBe(200);
    // The spent token again: refused, and the grant with every token of it is gone.
    await expect(client.refreshTokenGrant(member.rp, first)).rejects.toMatchObject({ error: 'invalid_grant' });
    await expect(client.refreshTokenGrant(member.rp, rotated.refresh_token as string)).rejects.toMatchObject({
      error: 'invalid_grant',
    });
    expect((await t.api(rotated.access_token, 'GET', `/v1/orgs/${t.orgs.a.orgId}`)).status).toBe(401);
    const reuse = await t.server.testDb.superuser(
      "SELECT actor, reason_codes FROM audit_events WHERE org_id = $1 AND action = 'identity.refresh_token.reused'",
      [t.orgs.a.orgId],
    );
    expect(reuse).toEqual([
      { actor: { type: 'user', id: member.userId }, reason_codes: ['oidc.refresh_token_reused'] },
    ]);
  });
});
