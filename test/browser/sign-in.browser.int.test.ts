import * as client from 'openid-client';
import { decodeJwt } from 'jose';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backendName } from '../support/test-db.js';
import { listeningOidcServer } from '../oidc/oidc-test-server.js';
import { authorizationRequest, memberAndApp, PASSWORD, REDIRECT_URI, redeem, totpCode } from '../oidc/user-sign-in.js';
import { BrowserSession } from './browser-session.js';
import { CHROMIUM_MISSING, chromiumRequired, launchChromium } from './chromium.js';
import { VirtualAuthenticator } from './virtual-authenticator.js';

if (!chromiumRequired) console.warn(CHROMIUM_MISSING);

type OidcServer = Awaited<ReturnType<typeof listeningOidcServer>>;

/** How long a page that should move on by itself is given before it counts as stuck. */
const BLOCKED_PAGE_TIMEOUT_MS = 4_000;

describe.skipIf(!chromiumRequired)(`the sign-in pages in Chromium (${backendName})`, () => {
  let t: OidcServer;
  let browser: Browser;

  beforeAll(async () => {
    // INVARIANT: the browser uses exactly the public URL's origin: `localhost` is a secure context over HTTP and a
    // valid WebAuthn RP ID (an IP address is neither an RP ID nor, for WebAuthn, a domain).
    t = await listeningOidcServer({}, { publicHost: 'localhost' });
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await t?.server.close();
  });

  /** Password, TOTP enrollment (the key read from the page), the recovery codes; returns the key and the codes. */
  async function passwordAndTotpEnrollment(session: BrowserSession, email: string) {
    await session.at('Sign in');
    await session.fill('E-mail address', email);
    await session.fill('Password', PASSWORD);
    await session.press('Continue');
    await session.at('Set up a second factor');
    const secret = (await session.page.locator('code.secret').textContent()) ?? '';
    expect(secret).toMatch(/^[A-Z2-7]{16,}$/);
    await session.fill('Code shown by the app', await totpCode(secret));
    await session.press('Turn on');
    await session.at('Save your recovery codes');
    const recoveryCodes = await session.page.locator('ul.codes code').allTextContents();
    await session.press('I have saved them');
    return { secret, recoveryCodes };
  }

  it('enrolls TOTP on a first sign-in, consents, redeems the code for tokens, calls the API, signs out', async () => {
    const member = await memberAndApp(t, ['developer'], 'browser-dev@org-a.example');
    const session = await BrowserSession.open(browser);
    const request = await authorizationRequest(member.rp);
    await session.page.goto(request.url.toString());

    // A wrong password first: the page with its error is audited too.
    await session.at('Sign in');
    await session.fill('E-mail address', member.email);
    await session.fill('Password', 'not the password');
    await session.press('Continue');
    await session.page.getByRole('alert').waitFor();
    const signInPage = session.page.url();
    expect(await session.page.getByLabel('Password', { exact: true }).getAttribute('aria-invalid')).toBe('true');
    await session.audit('Sign in (wrong password)');

    const { recoveryCodes } = await passwordAndTotpEnrollment(session, member.email);
    expect(recoveryCodes).toHaveLength(10);
    await session.at('Allow access?');
    const callback = await session.pressAndReturn('Allow');
    expect(callback.searchParams.get('state')).toBe(request.state);

    const tokens = await redeem(member.rp, callback, request);
    expect(decodeJwt(tokens.access_token)).toMatchObject({
      sub: member.userId,
      org_id: t.orgs.a.orgId,
      roles: ['developer'],
      amr: ['pwd', 'otp'],
      acr: 'mfa',
      aud: t.audience,
    });
    expect((await t.api(tokens.access_token, 'GET', `/v1/orgs/${t.orgs.a.orgId}`)).status).toBe(200);
    // The finished sign-in's page again (the back button): it cannot continue, and says so.
    await session.page.goto(signInPage);
    await session.at('Sign-in cannot continue');

    // RP-initiated logout without a return address: the provider's confirmation page, then its own last page.
    await session.page.goto(client.buildEndSessionUrl(member.rp, { id_token_hint: tokens.id_token ?? '' }).toString());
    await session.at('Sign out');
    await session.press('Sign out');
    await session.at('Signed out');
    // The session is gone: the next authorization asks for the password again.
    await session.page.goto((await authorizationRequest(member.rp)).url.toString());
    await session.page.getByRole('heading', { level: 1, name: 'Sign in' }).waitFor();

    expect(session.audited).toEqual([
      'Sign in',
      'Sign in (wrong password)',
      'Sign in',
      'Set up a second factor',
      'Save your recovery codes',
      'Allow access?',
      'Sign-in cannot continue',
      'Sign out',
      'Signed out',
    ]);
    expect(session.violations).toEqual([]);
    await session.close();
  });

  it('registers a passkey for an admin after TOTP, signs in with it as the second factor, and signs out to the app', async () => {
    const member = await memberAndApp(t, ['admin'], 'browser-admin@org-a.example');
    const session = await BrowserSession.open(browser);
    const authenticator = await VirtualAuthenticator.attach(session.page);
    const request = await authorizationRequest(member.rp);
    await session.page.goto(request.url.toString());
    await passwordAndTotpEnrollment(session, member.email);

    await session.at('Register a passkey');
    await session.press('Register a passkey');
    await session.at('Allow access?');
    const first = await redeem(member.rp, await session.pressAndReturn('Allow'), request);
    expect(decodeJwt(first.access_token)).toMatchObject({
      sub: member.userId,
      roles: ['admin'],
      amr: ['pwd', 'otp', 'hwk'],
      acr: 'phr',
    });
    const [credential, ...others] = await authenticator.credentials();
    expect(others).toEqual([]);
    expect(credential).toMatchObject({ rpId: 'localhost', isResidentCredential: true });
    await session.close();

    // A new browser session holding the same passkey: password, then the passkey as the second factor.
    const again = await BrowserSession.open(browser);
    await (await VirtualAuthenticator.attach(again.page)).add(credential!);
    const second = await authorizationRequest(member.rp);
    await again.page.goto(second.url.toString());
    await again.at('Sign in');
    await again.fill('E-mail address', member.email);
    await again.fill('Password', PASSWORD);
    await again.press('Continue');
    await again.at('Confirm it is you');
    const tokens = await redeem(member.rp, await again.pressAndReturn('Use a passkey'), second);
    expect(decodeJwt(tokens.access_token)).toMatchObject({
      sub: member.userId,
      roles: ['admin'],
      amr: ['pwd', 'hwk'],
      acr: 'phr',
    });
    expect((await t.api(tokens.access_token, 'GET', `/v1/orgs/${t.orgs.a.orgId}`)).status).toBe(200);

    // RP-initiated logout back to the application, with its state.
    const logoutState = client.randomState();
    const logout = client.buildEndSessionUrl(member.rp, {
      id_token_hint: tokens.id_token ?? '',
      post_logout_redirect_uri: REDIRECT_URI,
      state: logoutState,
    });
    await again.page.goto(logout.toString());
    await again.at('Sign out');
    expect((await again.pressAndReturn('Sign out')).searchParams.get('state')).toBe(logoutState);

    expect([...session.audited, ...again.audited]).toEqual([
      'Sign in',
      'Set up a second factor',
      'Save your recovery codes',
      'Register a passkey',
      'Allow access?',
      'Sign in',
      'Confirm it is you',
      'Sign out',
    ]);
    expect([...session.violations, ...again.violations]).toEqual([]);
    await again.close();
  });

  it('phishing from a look-alike origin: the passkey is not released there, the page says so and posts nothing', async () => {
    // A member who enrolls with a passkey as the first second factor (the enrollment page's passkey form).
    const member = await memberAndApp(t, ['developer'], 'browser-passkey@org-a.example');
    const session = await BrowserSession.open(browser);
    const authenticator = await VirtualAuthenticator.attach(session.page);
    const request = await authorizationRequest(member.rp);
    await session.page.goto(request.url.toString());
    await session.at('Sign in');
    await session.fill('E-mail address', member.email);
    await session.fill('Password', PASSWORD);
    await session.press('Continue');
    await session.at('Set up a second factor');
    await session.press('Register a passkey');
    // The passkey is the only second factor: recovery codes come with it, so losing the device is no lockout.
    await session.at('Save your recovery codes');
    await session.press('I have saved them');
    await session.at('Allow access?');
    const tokens = await redeem(member.rp, await session.pressAndReturn('Allow'), request);
    expect(decodeJwt(tokens.access_token)).toMatchObject({ sub: member.userId, amr: ['pwd', 'hwk'], acr: 'phr' });
    const [credential] = await authenticator.credentials();
    await session.close();

    // The same node behind another origin (a phishing proxy relays it byte for byte): the same pages, the same
    // passkey in the authenticator, but the RP ID `localhost` does not belong to this origin.
    const phished = await BrowserSession.open(browser);
    await (await VirtualAuthenticator.attach(phished.page)).add(credential!);
    const lure = await authorizationRequest(member.rp);
    const lookAlike = new URL(lure.url);
    lookAlike.hostname = '127.0.0.1';
    const posts: string[] = [];
    phished.page.on('request', (sent) => {
      if (sent.method() === 'POST') posts.push(sent.url());
    });
    await phished.page.goto(lookAlike.toString());
    await phished.at('Sign in');
    await phished.fill('E-mail address', member.email);
    await phished.fill('Password', PASSWORD);
    await phished.press('Continue');
    await phished.at('Confirm it is you');
    const postsBefore = posts.length;
    await phished.press('Use a passkey');
    await expect
      .poll(() => phished.page.getByRole('alert').textContent())
      .toBe('No passkey was used. Try again, or choose another option on this page.');
    await phished.audit('Confirm it is you (no passkey used)');
    // SECURITY: no assertion left the browser, so there is nothing to relay to the real origin.
    expect(posts.slice(postsBefore)).toEqual([]);
    expect(new URL(phished.page.url()).hostname).toBe('127.0.0.1');

    expect([...session.audited, ...phished.audited]).toEqual([
      'Sign in',
      'Set up a second factor',
      'Save your recovery codes',
      'Allow access?',
      'Sign in',
      'Confirm it is you',
      'Confirm it is you (no passkey used)',
    ]);
    expect([...session.violations, ...phished.violations]).toEqual([]);
    await phished.close();
  });

  it('the audits are not vacuous: a field stripped of its label is an axe violation, an inline script a CSP one', async () => {
    const member = await memberAndApp(t, ['developer'], 'browser-audit@org-a.example');
    const session = await BrowserSession.open(browser);
    await session.page.goto((await authorizationRequest(member.rp)).url.toString());
    await session.at('Sign in');
    expect(session.violations).toEqual([]);
    await session.page.evaluate("document.querySelectorAll('label').forEach((label) => label.remove())");
    await session.audit('Sign in (labels removed)');
    expect(session.violations).toEqual([
      expect.stringMatching(/^Sign in \(labels removed\): label \(critical\): .*#email, #password$/),
    ]);
    expect(session.cspViolations).toEqual([]);
    await session.page.evaluate(
      "document.head.append(Object.assign(document.createElement('script'), { textContent: 'void 0' }))",
    );
    await expect.poll(() => session.cspViolations.length).toBe(1);
    expect(session.cspViolations[0]).toContain("script-src 'self'");
    await session.context.close();
  });

  // oidc-provider's auto-posted pages (form_post.js) carry an inline script whose hash it adds only to a policy
  // that has a script-src; the provider's mount gives it one, so these pages post (they were blank before).
  it('a logout with no session left reaches the "Signed out" page', async () => {
    const session = await BrowserSession.open(browser);
    try {
      await session.page.goto(`${t.issuer}/session/end`);
      await session.page
        .getByRole('heading', { level: 1, name: 'Signed out' })
        .waitFor({ timeout: BLOCKED_PAGE_TIMEOUT_MS });
    } finally {
      await session.context.close();
    }
  });

  it('response_mode=form_post posts the code to the application', async () => {
    const member = await memberAndApp(t, ['developer'], 'browser-form-post@org-a.example');
    const session = await BrowserSession.open(browser);
    try {
      await session.page.goto((await authorizationRequest(member.rp, { response_mode: 'form_post' })).url.toString());
      await passwordAndTotpEnrollment(session, member.email);
      await session.at('Allow access?');
      await Promise.all([
        session.page.waitForRequest(
          (request) => request.method() === 'POST' && request.url().startsWith(REDIRECT_URI),
          { timeout: BLOCKED_PAGE_TIMEOUT_MS },
        ),
        session.press('Allow'),
      ]);
    } finally {
      await session.context.close();
    }
  });
});
