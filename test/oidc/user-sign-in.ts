import { generate } from 'otplib';
import * as client from 'openid-client';
import type { UserId } from '../../src/lib/ids.js';
import type { listeningOidcServer } from './oidc-test-server.js';
import { SoftwareAuthenticator } from '../support/software-authenticator.js';
import { findForm, SignInAgent } from './sign-in-agent.js';

/** The application's redirect URI: never fetched, the agent stops when the provider sends the browser there. */
export const REDIRECT_URI = 'http://127.0.0.1:9/callback';
export const PASSWORD = 'correct horse battery staple 42';

type OidcServer = Awaited<ReturnType<typeof listeningOidcServer>>;

/** A member of org A with a password, and a public application client of org A with openid-client configured. */
export async function memberAndApp(t: OidcServer, roles: string[], email: string, firstParty = false) {
  const { a } = t.orgs;
  const added = await t.orgs.call(a.ownerKey, 'POST', `/v1/orgs/${a.orgId}/members`, { email, roles });
  if (added.statusCode !== 201) throw new Error(`member: ${added.body}`);
  const userId = added.json().user_id as UserId;
  await t.server.runtime.services.identity.setPassword(userId, PASSWORD, { type: 'system', id: null });
  const app = await appClient(t, { firstParty });
  return { userId, email, ...app };
}

/** An application client of org A (public unless a secret method is asked for) and its relying-party config. */
export async function appClient(
  t: OidcServer,
  options: { firstParty?: boolean; orgKey?: string; orgId?: string } = {},
) {
  const orgId = options.orgId ?? t.orgs.a.orgId;
  const key = options.orgKey ?? (options.firstParty ? t.orgs.platformKey : t.orgs.a.ownerKey);
  const platformOrg = options.firstParty ? await platformOrgId(t) : orgId;
  const created = await t.orgs.call(key, 'POST', `/v1/orgs/${platformOrg}/oauth-clients`, {
    name: options.firstParty ? 'Bulwark console' : 'Org A notebook',
    redirect_uris: [REDIRECT_URI],
    post_logout_redirect_uris: [REDIRECT_URI],
    first_party: options.firstParty ?? false,
  });
  if (created.statusCode !== 201) throw new Error(`app client: ${created.body}`);
  const clientId = created.json().client_id as string;
  const rp = await client.discovery(new URL(t.issuer), clientId, undefined, client.None(), {
    execute: [client.allowInsecureRequests],
  });
  return { clientId, rp };
}

async function platformOrgId(t: OidcServer): Promise<string> {
  return t.server.runtime.services.platformOrgId;
}

/** A code + PKCE (S256) authorization request, and what the callback needs to redeem it. */
export async function authorizationRequest(rp: client.Configuration, extra: Record<string, string> = {}) {
  const verifier = client.randomPKCECodeVerifier();
  const state = client.randomState();
  const url = client.buildAuthorizationUrl(rp, {
    redirect_uri: REDIRECT_URI,
    scope: 'openid offline_access',
    code_challenge: await client.calculatePKCECodeChallenge(verifier),
    code_challenge_method: 'S256',
    state,
    ...extra,
  });
  return { url, verifier, state };
}

/** The TOTP secret shown on the enrollment page. */
export function totpSecretOn(page: string): string {
  const secret = /<code class="secret">([A-Z2-7]+)<\/code>/.exec(page)?.[1];
  if (!secret) throw new Error(`no TOTP secret on the page:\n${page}`);
  return secret;
}

/**
 * The TOTP code of a secret, `stepsAhead` 30-second steps from now: a code is accepted once per step, so a sign-in
 * right after another one uses the next step's code (the verifier tolerates one step of clock drift).
 */
export function totpCode(secret: string, stepsAhead = 0): Promise<string> {
  return generate({ secret, epoch: Math.floor(Date.now() / 1000) + stepsAhead * 30 });
}

/** The recovery codes shown once after enrollment. */
export function recoveryCodesOn(page: string): string[] {
  return [...page.matchAll(/<li><code>([^<]+)<\/code><\/li>/g)].map(([, code = '']) => code);
}

/**
 * Signs a new member in for the first time with a password and TOTP enrollment (consent when the client is
 * third-party); returns the callback URL and the TOTP secret.
 */
export async function firstSignIn(t: OidcServer, rp: client.Configuration, email: string) {
  const agent = new SignInAgent(t.server.config.publicUrl);
  const request = await authorizationRequest(rp);
  await agent.open(request.url.toString());
  await agent.submit('password', { email, password: PASSWORD });
  const secret = totpSecretOn(agent.page);
  await agent.submit('enroll_totp', { code: await totpCode(secret) });
  const recoveryCodes = recoveryCodesOn(agent.page);
  let step = await agent.submit('continue');
  // An owner, admin, security or finance member is offered a passkey; this sign-in goes on without one.
  if (!step.leftTo && findForm(agent.page, 'skip_passkey')) step = await agent.submit('skip_passkey');
  if (!step.leftTo) step = await agent.submit('consent', { approve: 'yes' });
  if (!step.leftTo) throw new Error(`the sign-in did not return to the application:\n${agent.page}`);
  return { agent, request, callback: step.leftTo, secret, recoveryCodes };
}

/** Redeems a callback's code at the token endpoint (openid-client checks state, iss and the PKCE verifier). */
export function redeem(rp: client.Configuration, callback: URL, request: { verifier: string; state: string }) {
  return client.authorizationCodeGrant(rp, callback, {
    pkceCodeVerifier: request.verifier,
    expectedState: request.state,
  });
}

/** A first sign-in that enrolls a passkey (software authenticator) as the second factor; returns the tokens. */
export async function passkeySignIn(t: OidcServer, rp: client.Configuration, email: string) {
  const authenticator = new SoftwareAuthenticator();
  const origin = new URL(t.server.config.publicUrl).origin;
  const agent = new SignInAgent(t.server.config.publicUrl);
  const request = await authorizationRequest(rp);
  await agent.open(request.url.toString());
  await agent.submit('password', { email, password: PASSWORD });
  const register = findForm(agent.page, 'register_passkey');
  if (!register) throw new Error(`no passkey registration offered:\n${agent.page}`);
  const options = JSON.parse(register.attributes['data-options'] ?? '{}');
  let step = await agent.submit('register_passkey', {
    response: JSON.stringify(authenticator.createCredential(options, { origin })),
  });
  // A passkey as the first second factor comes with recovery codes, shown once.
  const recoveryCodes = recoveryCodesOn(agent.page);
  if (!step.leftTo && recoveryCodes.length) step = await agent.submit('continue');
  if (!step.leftTo) step = await agent.submit('consent', { approve: 'yes' });
  if (!step.leftTo) throw new Error(`not signed in:\n${agent.page}`);
  return { tokens: await redeem(rp, step.leftTo, request), authenticator, agent, recoveryCodes };
}

/**
 * The same person, already signed in through `agent`, made a member of org B (`roles`) and signed in to a new org B
 * application through the same browser: single sign-on, then consent. Answers the application and its tokens.
 */
export async function signInToOrgB(t: OidcServer, person: { email: string; agent: SignInAgent }, roles: string[]) {
  const b = t.orgs.b;
  const added = await t.orgs.call(b.ownerKey, 'POST', `/v1/orgs/${b.orgId}/members`, { email: person.email, roles });
  if (added.statusCode !== 201) throw new Error(`member of org B: ${added.body}`);
  const app = await appClient(t, { orgKey: b.ownerKey, orgId: b.orgId });
  const request = await authorizationRequest(app.rp);
  let step = await person.agent.open(request.url.toString());
  if (!step.leftTo) step = await person.agent.submit('consent', { approve: 'yes' });
  if (!step.leftTo) throw new Error('the org B sign-in did not return to the application');
  return { ...app, tokens: await redeem(app.rp, step.leftTo, request) };
}
