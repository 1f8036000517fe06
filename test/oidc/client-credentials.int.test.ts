import { exportJWK, generateKeyPair } from 'jose';
import * as client from 'openid-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backendName } from '../support/test-db.js';
import { listeningOidcServer } from './oidc-test-server.js';

describe(`service accounts get access tokens from the OpenID provider and call the API (${backendName})`, () => {
  let t: Awaited<ReturnType<typeof listeningOidcServer>>;

  beforeAll(async () => {
    t = await listeningOidcServer();
  });
  afterAll(async () => t?.server.close());

  it('publishes discovery and an ES256 JWKS, and offers only what is built (no implicit, hybrid or password grant)', async () => {
    const discovered = (await (await fetch(`${t.issuer}/.well-known/openid-configuration`)).json()) as {
      issuer: string;
      jwks_uri: string;
      grant_types_supported: string[];
      response_types_supported: string[];
      token_endpoint_auth_methods_supported: string[];
      code_challenge_methods_supported: string[];
    };
    expect(discovered.issuer).toBe(t.issuer);
    expect(discovered.grant_types_supported.sort()).toEqual([
      'authorization_code',
      'client_credentials',
      'refresh_token',
    ]);
    expect(discovered.response_types_supported).toEqual(['code']);
    expect(discovered.code_challenge_methods_supported).toEqual(['S256']);
    expect(discovered.token_endpoint_auth_methods_supported).toEqual([
      'client_secret_basic',
      'private_key_jwt',
      'none',
    ]);
    const jwks = await fetch(discovered.jwks_uri);
    expect(jwks.headers.get('x-content-type-options')).toBe('nosniff');
    expect(jwks.headers.get('x-request-id')).toMatch(/^req_/);
    const { keys } = (await jwks.json()) as { keys: Record<string, unknown>[] };
    expect(keys.length).toBeGreaterThanOrEqual(1);
    for (const key of keys) {
      expect(key).toMatchObject({ kty: 'EC', crv: 'P-256', alg: 'ES256', use: 'sig' });
      expect(key).not.toHaveProperty('d');
    }
  });

  it('client_credentials, introspection, a 200 and a 403 on the API, then revocation', async () => {
    const { a } = t.orgs;
    const created = await t.serviceClient(a.ownerKey, a.orgId, ['viewer']);
    expect(created.client_secret).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const rp = await t.relyingParty(created.client_id, client.ClientSecretBasic(created.client_secret));
    const tokens = await client.clientCredentialsGrant(rp, { resource: t.audience });
    expect(tokens.token_type.toLowerCase()).toBe('bearer');
    expect(tokens.expires_in).toBe(300);
    const [header, payload] = tokens.access_token
      .split('.')
      .slice(0, 2)
      .map((part) => JSON.parse(Buffer.from(part, 'base64url').toString('utf8')));
    expect(header).toMatchObject({ alg: 'ES256', typ: 'at+jwt' });
    expect(payload).toMatchObject({
      iss: t.issuer,
      aud: t.audience,
      sub: created.service_account_id,
      client_id: created.client_id,
      org_id: a.orgId,
      roles: ['viewer'],
    });

    const introspected = await client.tokenIntrospection(rp, tokens.access_token);
    expect(introspected).toMatchObject({ active: true, client_id: created.client_id, org_id: a.orgId });

    const allowed = await t.api(tokens.access_token, 'GET', `/v1/orgs/${a.orgId}`);
    expect(allowed.status).toBe(200);
    expect(((await allowed.json()) as { id: string }).id).toBe(a.orgId);
    const denied = await t.api(tokens.access_token, 'POST', `/v1/orgs/${a.orgId}/service-accounts`, {
      name: 'escalate',
      roles: ['viewer'],
    });
    expect(denied.status).toBe(403);

    await client.tokenRevocation(rp, tokens.access_token);
    expect(await client.tokenIntrospection(rp, tokens.access_token)).toEqual({ active: false });
    expect((await t.api(tokens.access_token, 'GET', `/v1/orgs/${a.orgId}`)).status).toBe(401);
  });

  it('a private_key_jwt client gets a token with its own key and calls the API', async () => {
    const { a } = t.orgs;
    const { publicKey, privateKey } = await generateKeyPair('ES256');
    const jwk = { ...(await exportJWK(publicKey)), kid: 'svc-key-1', use: 'sig', alg: 'ES256' };
    const created = await t.serviceClient(a.ownerKey, a.orgId, ['viewer'], { keys: [jwk] });
    expect(created.client_secret).toBeUndefined();
    const rp = await t.relyingParty(created.client_id, client.PrivateKeyJwt({ key: privateKey, kid: 'svc-key-1' }));
    const tokens = await client.clientCredentialsGrant(rp, { resource: t.audience });
    expect((await t.api(tokens.access_token, 'GET', `/v1/orgs/${a.orgId}`)).status).toBe(200);
  });

  it('creating a client is idempotent under an Idempotency-Key: the replay returns the same client and secret', async () => {
    const { a } = t.orgs;
    const account = await t.orgs.call(a.ownerKey, 'POST', `/v1/orgs/${a.orgId}/service-accounts`, {
      name: 'idempotent',
      roles: ['viewer'],
    });
    const url = `/v1/orgs/${a.orgId}/service-accounts/${account.json().id}/oauth-clients`;
    const first = await t.orgs.call(a.ownerKey, 'POST', url, {}, { 'idempotency-key': 'client-once' });
    const replay = await t.orgs.call(a.ownerKey, 'POST', url, {}, { 'idempotency-key': 'client-once' });
    expect(first.statusCode).toBe(201);
    expect(replay.statusCode).toBe(201);
    expect(replay.headers['idempotent-replayed']).toBe('true');
    expect(replay.json()).toEqual(first.json());
    const clients = await t.server.testDb.superuser(
      'SELECT count(*)::int AS n FROM oidc_clients WHERE service_account_id = $1',
      [account.json().id],
    );
    expect(clients[0]?.n).toBe(1);
  });

  it('a disabled service account gets no token and its live token stops working', async () => {
    const { a } = t.orgs;
    const created = await t.serviceClient(a.ownerKey, a.orgId, ['viewer']);
    const rp = await t.relyingParty(created.client_id, client.ClientSecretBasic(created.client_secret));
    const tokens = await client.clientCredentialsGrant(rp, { resource: t.audience });
    const disabled = await t.orgs.call(
      a.ownerKey,
      'POST',
      `/v1/orgs/${a.orgId}/service-accounts/${created.service_account_id}/disable`,
    );
    expect(disabled.statusCode).toBe(200);
    expect((await t.api(tokens.access_token, 'GET', `/v1/orgs/${a.orgId}`)).status).toBe(401);
    await expect(client.clientCredentialsGrant(rp, { resource: t.audience })).rejects.toMatchObject({
      status: 401,
      cause: [{ parameters: { error: 'invalid_client' } }],
    });
  });
});
