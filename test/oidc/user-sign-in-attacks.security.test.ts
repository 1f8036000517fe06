import * as client from 'openid-client';
import { decodeJwt } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SoftwareAuthenticator } from '../support/software-authenticator.js';
import { backendName } from '../support/test-db.js';
import { listeningOidcServer } from './oidc-test-server.js';
import { findForm, SignInAgent } from './sign-in-agent.js';
import {
  authorizationRequest,
  firstSignIn,
  memberAndApp,
  PASSWORD,
  recoveryCodesOn,
  REDIRECT_URI,
  redeem,
  totpCode,
} from './user-sign-in.js';

type Server = Awaited<ReturnType<typeof listeningOidcServer>>;

/** The authorization endpoint's answer to a hand-made request of an app client (no redirect followed). */
async function authorize(t: Server, params: Record<string, string>) {
  const url = new URL(`${t.issuer}/auth`);
  url.search = new URLSearchParams({ redirect_uri: REDIRECT_URI, scope: 'openid', ...params }).toString();
  const response = await fetch(url, { redirect: 'manual' });
  const location = response.headers.get('location');
  return { status: response.status, location: location ? new URL(location, t.issuer) : undefined, response };
}

describe(`attacks on the human sign-in (${backendName})`, () => {
  let t: Server;
  let app: Awaited<ReturnType<typeof memberAndApp>>;

  beforeAll(async () => {
    t = await listeningOidcServer();
    app = await memberAndApp(t, ['developer'], 'target@org-a.example');
  });
  afterAll(async () => t?.server.close());

  it('PKCE missing: refused (invalid_request) for a public client, no code issued', async () => {
    const answer = await authorize(t, { client_id: app.clientId, response_type: 'code', state: 's' });
    expect(answer.location?.origin).toBe(new URL(REDIRECT_URI).origin);
    expect(answer.location?.searchParams.get('error')).toBe('invalid_request');
    expect(answer.location?.searchParams.get('code')).toBeNull();
  });

  it('PKCE plain: refused, only S256 is accepted', async () => {
    const answer = await authorize(t, {
      client_id: app.clientId,
      response_type: 'code',
      code_challenge: 'a'.repeat(43),
      code_challenge_method: 'plain',
    });
    expect(answer.location?.searchParams.get('error')).toBe('invalid_request');
    expect(answer.location?.searchParams.get('code')).toBeNull();
  });

  it('implicit and hybrid: unsupported_response_type; the password grant: unsupported_grant_type', async () => {
    for (const responseType of ['token', 'id_token', 'id_token token', 'code id_token', 'code token']) {
      const answer = await authorize(t, { client_id: app.clientId, response_type: responseType });
      // The error goes to the registered redirect URI (in the fragment for these response types), with no token.
      expect(answer.location?.origin).toBe(new URL(REDIRECT_URI).origin);
      const returned = new URLSearchParams(answer.location?.hash.slice(1) || answer.location?.search.slice(1));
      expect(returned.get('error')).toBe('unsupported_response_type');
      expect([...returned.keys()].some((key) => /token|code/.test(key))).toBe(false);
    }
    const password = await fetch(`${t.issuer}/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        grant_type: 'password',
        client_id: app.clientId,
        username: app.email,
        password: PASSWORD,
      }),
    });
    expect(password.status).toBe(400);
    expect(await password.json()).toMatchObject({ error: 'unsupported_grant_type' });
  });

  it('wrong redirect_uri: an error page of ours, never a redirect to the attacker', async () => {
    const answer = await authorize(t, {
      client_id: app.clientId,
      response_type: 'code',
      redirect_uri: 'https://attacker.example/cb',
      code_challenge: 'a'.repeat(43),
      code_challenge_method: 'S256',
    });
    expect(answer.status).toBe(400);
    expect(answer.location).toBeUndefined();
    expect(await answer.response.json()).toMatchObject({ error: 'invalid_redirect_uri' });
  });

  it('code replay: the second redemption fails and revokes the grant, so the first tokens die too', async () => {
    const member = await memberAndApp(t, ['developer'], 'replay@org-a.example');
    const signIn = await firstSignIn(t, member.rp, member.email);
    const tokens = await redeem(member.rp, signIn.callback, signIn.request);
    expect((await t.api(tokens.access_token, 'GET', `/v1/orgs/${t.orgs.a.orgId}`)).status).toBe(200);
    await expect(redeem(member.rp, signIn.callback, signIn.request)).rejects.toMatchObject({ error: 'invalid_grant' });
    expect((await t.api(tokens.access_token, 'GET', `/v1/orgs/${t.orgs.a.orgId}`)).status).toBe(401);
    await expect(client.refreshTokenGrant(member.rp, tokens.refresh_token as string)).rejects.toMatchObject({
      error: 'invalid_grant',
    });
  });

  it('a code redeemed with another PKCE verifier: invalid_grant', async () => {
    const member = await memberAndApp(t, ['developer'], 'verifier@org-a.example');
    const signIn = await firstSignIn(t, member.rp, member.email);
    await expect(
      redeem(member.rp, signIn.callback, { ...signIn.request, verifier: client.randomPKCECodeVerifier() }),
    ).rejects.toMatchObject({ error: 'invalid_grant' });
  });

  it('TOTP replay: the code that confirmed enrollment cannot sign in again', async () => {
    const member = await memberAndApp(t, ['developer'], 'totp-replay@org-a.example');
    const first = await firstSignIn(t, member.rp, member.email);
    const agent = new SignInAgent(t.server.config.publicUrl);
    await agent.open((await authorizationRequest(member.rp)).url.toString());
    await agent.submit('password', { email: member.email, password: PASSWORD });
    const replayed = await agent.submit('totp', { code: await totpCode(first.secret) });
    expect(replayed.status).toBe(401);
    expect(agent.page).toContain('That code is not right.');
  });

  it('brute force: throttled per account after 5 failures; the right password is then refused too', async () => {
    const member = await memberAndApp(t, ['developer'], 'bruteforce@org-a.example');
    const agent = new SignInAgent(t.server.config.publicUrl);
    await agent.open((await authorizationRequest(member.rp)).url.toString());
    const statuses: number[] = [];
    for (let i = 0; i < 6; i++)
      statuses.push((await agent.submit('password', { email: member.email, password: `wrong guess ${i}` })).status);
    expect(statuses.slice(0, 5)).toEqual([401, 401, 401, 401, 401]);
    expect(statuses[5]).toBe(429);
    const right = await agent.submit('password', { email: member.email, password: PASSWORD });
    expect(right.status).toBe(429);
    expect(agent.page).toContain('Too many attempts');
  });

  it('user enumeration: an unknown e-mail and a wrong password get the same page', async () => {
    const agent = new SignInAgent(t.server.config.publicUrl);
    await agent.open((await authorizationRequest(app.rp)).url.toString());
    const unknown = await agent.submit('password', { email: 'nobody@org-a.example', password: 'some password 123' });
    const unknownPage = agent.page.replace(/value="[^"]*"/g, '');
    const wrong = await agent.submit('password', { email: app.email, password: 'some password 123' });
    expect(wrong.status).toBe(unknown.status);
    expect(agent.page.replace(/value="[^"]*"/g, '')).toBe(unknownPage);
  });

  it('CSRF: a form posted without the page token is refused before any check; without the cookie it is expired', async () => {
    const agent = new SignInAgent(t.server.config.publicUrl);
    await agent.open((await authorizationRequest(app.rp)).url.toString());
    const form = findForm(agent.page, 'password');
    if (!form) throw new Error('no password form');
    const forged = await agent.request(form.target, {
      form: { ...form.hidden, csrf: 'forged', email: app.email, password: PASSWORD },
    });
    expect(forged.status).toBe(403);
    const stranger = new SignInAgent(t.server.config.publicUrl);
    const crossSite = await stranger.request(form.target, {
      form: { ...form.hidden, email: app.email, password: PASSWORD },
    });
    expect(crossSite.status).toBe(400);
    expect(await crossSite.text()).toContain('expired');
  });

  it('a stolen password alone cannot add a passkey, even with a live challenge from the sign-in page', async () => {
    const member = await memberAndApp(t, ['admin'], 'victim-admin@org-a.example');
    const origin = new URL(t.server.config.publicUrl).origin;
    // The victim: TOTP, then their own passkey on the passkey step.
    const victim = new SignInAgent(t.server.config.publicUrl);
    await victim.open((await authorizationRequest(member.rp)).url.toString());
    await victim.submit('password', { email: member.email, password: PASSWORD });
    const secret = /<code class="secret">([A-Z2-7]+)<\/code>/.exec(victim.page)?.[1] ?? '';
    await victim.submit('enroll_totp', { code: await totpCode(secret) });
    await victim.submit('continue');
    const setup = findForm(victim.page, 'register_passkey');
    const options = JSON.parse(setup?.attributes['data-options'] ?? '{}');
    await victim.submit('register_passkey', {
      response: JSON.stringify(new SoftwareAuthenticator().createCredential(options, { origin })),
    });
    expect(await t.server.runtime.services.passkeys.listPasskeys(member.userId)).toHaveLength(1);
    // The attacker knows the password only. The second-factor page holds a passkey challenge; the attacker answers
    // it with a registration of their own authenticator, a form the page never offered at this step.
    const attacker = new SignInAgent(t.server.config.publicUrl);
    await attacker.open((await authorizationRequest(member.rp)).url.toString());
    await attacker.submit('password', { email: member.email, password: PASSWORD });
    const offered = findForm(attacker.page, 'passkey');
    if (!offered) throw new Error(`no passkey form:\n${attacker.page}`);
    const challenge = JSON.parse(offered.attributes['data-options'] ?? '{}').challenge as string;
    const forged = new SoftwareAuthenticator().createCredential(
      { ...options, challenge, excludeCredentials: [] },
      { origin },
    );
    const sneaked = await attacker.follow(
      await attacker.request(offered.target, {
        form: { csrf: offered.hidden.csrf ?? '', action: 'register_passkey', response: JSON.stringify(forged) },
      }),
    );
    expect(sneaked.leftTo).toBeUndefined();
    expect(attacker.page).toContain('The passkey was not accepted.');
    expect(await t.server.runtime.services.passkeys.listPasskeys(member.userId)).toHaveLength(1);
  });

  it('an empty passkey answer (a cancelled ceremony) is a refused passkey on the page, not a broken form', async () => {
    const member = await memberAndApp(t, ['developer'], 'cancelled@org-a.example');
    const agent = new SignInAgent(t.server.config.publicUrl);
    await agent.open((await authorizationRequest(member.rp)).url.toString());
    await agent.submit('password', { email: member.email, password: PASSWORD });
    const cancelled = await agent.submit('register_passkey', { response: '' });
    expect(cancelled.status).toBe(401);
    expect(agent.page).toContain('The passkey was not accepted.');
    expect(findForm(agent.page, 'enroll_totp')).toBeDefined();
  });

  it('admin without WebAuthn: a TOTP-only admin gets a token without the admin role, and admin actions are denied', async () => {
    const member = await memberAndApp(t, ['admin', 'developer'], 'totp-admin@org-a.example');
    const agent = new SignInAgent(t.server.config.publicUrl);
    const request = await authorizationRequest(member.rp);
    await agent.open(request.url.toString());
    await agent.submit('password', { email: member.email, password: PASSWORD });
    const secret = /<code class="secret">([A-Z2-7]+)<\/code>/.exec(agent.page)?.[1] ?? '';
    await agent.submit('enroll_totp', { code: await totpCode(secret) });
    await agent.submit('continue');
    expect(agent.page).toContain('Register a passkey');
    let step = await agent.submit('skip_passkey');
    if (!step.leftTo) step = await agent.submit('consent', { approve: 'yes' });
    const tokens = await redeem(member.rp, step.leftTo as URL, request);
    const claims = decodeJwt(tokens.access_token);
    expect(claims.roles).toEqual(['developer']);
    expect(claims.acr).toBe('mfa');
    const denied = await t.api(tokens.access_token, 'POST', `/v1/orgs/${t.orgs.a.orgId}/members`, {
      email: 'new@org-a.example',
      roles: ['viewer'],
    });
    expect(denied.status).toBe(403);
  });

  it('admin with a passkey: the token carries hwk, acr phr and the admin role, and admin actions are allowed', async () => {
    const member = await memberAndApp(t, ['admin'], 'passkey-admin@org-a.example');
    const authenticator = new SoftwareAuthenticator();
    const origin = new URL(t.server.config.publicUrl).origin;
    const agent = new SignInAgent(t.server.config.publicUrl);
    const request = await authorizationRequest(member.rp);
    await agent.open(request.url.toString());
    await agent.submit('password', { email: member.email, password: PASSWORD });
    const register = findForm(agent.page, 'register_passkey');
    if (!register) throw new Error(`no passkey registration offered:\n${agent.page}`);
    const created = authenticator.createCredential(JSON.parse(register.attributes['data-options'] ?? '{}'), { origin });
    let step = await agent.submit('register_passkey', { response: JSON.stringify(created) });
    // The passkey is this account's first second factor: its recovery codes come with it.
    expect(recoveryCodesOn(agent.page)).toHaveLength(10);
    step = await agent.submit('continue');
    if (!step.leftTo) step = await agent.submit('consent', { approve: 'yes' });
    if (!step.leftTo) throw new Error(`not signed in:\n${agent.page}`);
    const tokens = await redeem(member.rp, step.leftTo, request);
    expect(decodeJwt(tokens.access_token)).toMatchObject({ roles: ['admin'], amr: ['pwd', 'hwk'], acr: 'phr' });
    const allowed = await t.api(tokens.access_token, 'POST', `/v1/orgs/${t.orgs.a.orgId}/members`, {
      email: 'added-by-passkey-admin@org-a.example',
      roles: ['viewer'],
    });
    expect(allowed.status).toBe(201);

    // A second browser signs in with the passkey as the second factor.
    const again = new SignInAgent(t.server.config.publicUrl);
    const second = await authorizationRequest(member.rp);
    await again.open(second.url.toString());
    await again.submit('password', { email: member.email, password: PASSWORD });
    const use = findForm(again.page, 'passkey');
    if (!use) throw new Error(`no passkey sign-in offered:\n${again.page}`);
    const assertion = authenticator.getAssertion(JSON.parse(use.attributes['data-options'] ?? '{}'), { origin });
    const done = await again.submit('passkey', { response: JSON.stringify(assertion) });
    expect(done.leftTo?.searchParams.get('code')).toBeTruthy();
    expect(decodeJwt((await redeem(member.rp, done.leftTo as URL, second)).access_token).amr).toEqual(['pwd', 'hwk']);
  });

  it('step-up: acr_values=phr on a TOTP session asks for a new sign-in instead of minting a weaker token', async () => {
    const member = await memberAndApp(t, ['developer'], 'stepup@org-a.example');
    const signIn = await firstSignIn(t, member.rp, member.email);
    await redeem(member.rp, signIn.callback, signIn.request);
    const stepUp = await authorizationRequest(member.rp, { acr_values: 'phr' });
    const answer = await signIn.agent.open(stepUp.url.toString());
    expect(answer.leftTo).toBeUndefined();
    expect(signIn.agent.page).toContain('Sign in');
  });

  it('a removed member: the refresh token and the access token stop working', async () => {
    const member = await memberAndApp(t, ['developer'], 'leaver@org-a.example');
    const signIn = await firstSignIn(t, member.rp, member.email);
    const tokens = await redeem(member.rp, signIn.callback, signIn.request);
    const members = await t.orgs.call(t.orgs.a.ownerKey, 'GET', `/v1/orgs/${t.orgs.a.orgId}/members?limit=100`);
    const membership = (members.json().data as { id: string; user_id: string }[]).find(
      (m) => m.user_id === member.userId,
    );
    const removed = await t.orgs.call(
      t.orgs.a.ownerKey,
      'DELETE',
      `/v1/orgs/${t.orgs.a.orgId}/members/${membership?.id}`,
    );
    expect(removed.statusCode).toBe(204);
    expect((await t.api(tokens.access_token, 'GET', `/v1/orgs/${t.orgs.a.orgId}`)).status).toBe(401);
    await expect(client.refreshTokenGrant(member.rp, tokens.refresh_token as string)).rejects.toMatchObject({
      error: 'invalid_grant',
    });
  });
});
