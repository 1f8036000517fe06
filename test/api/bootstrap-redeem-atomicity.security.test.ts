import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { injectFailure, snapshot } from '../support/inject-failure.js';
import { backendName } from '../support/test-db.js';
import { createTestServer, type TestServer } from '../support/test-server.js';
import { SoftwareAuthenticator } from '../support/software-authenticator.js';
import { apiClient } from './api-client.js';

// Attack/fault: redeeming the bootstrap secret used to consume the secret in one transaction and mint the owner's
// key in another; a failure in between burnt the only way in and locked the platform owner out for good.
describe(`bootstrap redeem is one transaction (${backendName})`, () => {
  let server: TestServer;
  let secret: string;

  beforeAll(async () => {
    server = await createTestServer();
    secret = server.runtime.bootstrap?.secret ?? '';
  });
  afterAll(async () => server.close());

  it('a failure while minting the owner key leaves the secret unused, no passkey, no key and no redemption event; a retry works once', async () => {
    const call = apiClient(server.app);
    const options = (await call(undefined, 'POST', '/v1/bootstrap/passkey-options', { secret })).json().options;
    const authenticator = new SoftwareAuthenticator();
    const origin = new URL(server.config.publicUrl).origin;
    const passkey = () => authenticator.createCredential(options, { origin });
    const tables = ['bootstrap_secrets', 'user_passkeys', 'api_keys', 'api_key_index', 'audit_events'];
    const before = await snapshot(server.testDb, tables);
    const restore = await injectFailure(server.testDb, 'api_keys', 'INSERT');
    const failed = await call(undefined, 'POST', '/v1/bootstrap/redeem', { secret, passkey: passkey() });
    await restore();
    expect(failed.statusCode).toBeGreaterThanOrEqual(500);
    expect(await snapshot(server.testDb, tables)).toEqual(before);
    expect(await server.testDb.superuser('SELECT 1 FROM bootstrap_secrets WHERE used_at IS NOT NULL')).toHaveLength(0);

    const retried = await call(undefined, 'POST', '/v1/bootstrap/redeem', { secret, passkey: passkey() });
    expect(retried.statusCode).toBe(201);
    const key = retried.json().secret as string;
    expect((await call(key, 'GET', '/v1/orgs')).statusCode).toBe(200);
    const events = await server.testDb.superuser(
      "SELECT action FROM audit_events WHERE action IN ('tenancy.bootstrap.redeemed', 'authz.api_key.created') ORDER BY seq",
    );
    expect(events.map((e) => e.action)).toEqual(['tenancy.bootstrap.redeemed', 'authz.api_key.created']);
    expect(retried.json().amr).toEqual(['hwk']);

    // Still single use.
    expect((await call(undefined, 'POST', '/v1/bootstrap/redeem', { secret, passkey: passkey() })).statusCode).toBe(
      401,
    );
  });
});
