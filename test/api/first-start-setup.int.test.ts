import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findForm } from '../oidc/sign-in-agent.js';
import { SoftwareAuthenticator } from '../support/software-authenticator.js';
import { backendName } from '../support/test-db.js';
import { createTestServer, type TestServer } from '../support/test-server.js';
import { apiClient, mailedSetupSecret } from './api-client.js';

describe(`first start: redeem the bootstrap secret with a passkey, then an org owner does the same (${backendName})`, () => {
  let server: TestServer;
  let origin: string;

  beforeAll(async () => {
    server = await createTestServer();
    origin = new URL(server.config.publicUrl).origin;
  });
  afterAll(async () => server.close());

  const post = (form: Record<string, string>) =>
    server.app.inject({
      method: 'POST',
      url: '/setup',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: new URLSearchParams(form).toString(),
    });

  // The setup pages as a browser walks them; the passkey comes from a software authenticator.
  async function setUp(secret: string, authenticator = new SoftwareAuthenticator(), answerOrigin = origin) {
    const first = await server.app.inject({ method: 'GET', url: '/setup' });
    expect(first.statusCode).toBe(200);
    expect(findForm(first.body, 'begin')).toBeDefined();
    const passkeyPage = await post({ action: 'begin', secret });
    expect(passkeyPage.statusCode).toBe(200);
    const form = findForm(passkeyPage.body, 'redeem');
    if (!form) throw new Error(`no passkey form:\n${passkeyPage.body}`);
    const options = JSON.parse(form.attributes['data-options'] ?? '{}');
    const response = authenticator.createCredential(options, { origin: answerOrigin });
    return post({ ...form.hidden, response: JSON.stringify(response) });
  }

  const keyOn = (html: string) => /<code class="secret" id="owner-key">([^<]+)<\/code>/.exec(html)?.[1] ?? '';

  it('a passkey from a look-alike origin is refused; nothing is consumed, and the secret starts over', async () => {
    const secret = server.runtime.bootstrap?.secret ?? '';
    const phished = await setUp(secret, new SoftwareAuthenticator(), 'http://bulwark.example.evil');
    expect(phished.statusCode).toBe(400);
    expect(phished.body).toContain('The passkey was not accepted.');
    expect(await server.testDb.superuser('SELECT 1 FROM bootstrap_secrets WHERE used_at IS NOT NULL')).toHaveLength(0);
    expect(await server.testDb.superuser('SELECT 1 FROM user_passkeys')).toHaveLength(0);
    const failed = await server.testDb.superuser(
      "SELECT reason_codes FROM audit_events WHERE action = 'tenancy.bootstrap.failed'",
    );
    expect(failed).toEqual([{ reason_codes: ['identity.passkey_rejected'] }]);
  });

  it('the platform owner registers a passkey and gets a key with hwk; an org owner then does the same', async () => {
    const done = await setUp(server.runtime.bootstrap?.secret ?? '');
    expect(done.statusCode).toBe(201);
    const platformKey = keyOn(done.body);
    const call = apiClient(server.app);
    const me = await call(platformKey, 'GET', '/v1/orgs');
    expect(me.statusCode).toBe(200);
    const created = await call(platformKey, 'POST', '/v1/orgs', {
      name: 'Acme',
      slug: 'acme',
      owner_email: 'ciso@acme.example',
    });
    expect(created.statusCode).toBe(201);
    expect(created.json()).not.toHaveProperty('owner_api_key');
    // SECURITY: the caller gets no credential of the new org, not even the setup secret: it is mailed to the owner.
    expect(JSON.stringify(created.json())).not.toMatch(/bw[bk]_/);
    const orgId = created.json().org.id as string;
    const setupSecret = await mailedSetupSecret(server.app, platformKey, 'ciso@acme.example');
    const ownerDone = await setUp(setupSecret);
    expect(ownerDone.statusCode).toBe(201);
    const ownerKey = keyOn(ownerDone.body);
    const keys = await call(ownerKey, 'GET', `/v1/orgs/${orgId}/api-keys`);
    expect(keys.statusCode).toBe(200);
    const first = (keys.json().data as { amr: string[]; expires_at: string | null }[])[0];
    expect(first?.amr).toEqual(['hwk']);
    expect(first?.expires_at).not.toBeNull();
    // An administrative action, which the built-in policies give only to hwk credentials.
    const added = await call(ownerKey, 'POST', `/v1/orgs/${orgId}/members`, {
      email: 'dev@acme.example',
      roles: ['developer'],
    });
    expect(added.statusCode).toBe(201);
    // Both secrets are spent.
    expect((await post({ action: 'begin', secret: setupSecret })).statusCode).toBe(401);
  });
});
