import { exportJWK, generateKeyPair, importJWK, SignJWT, type JWK } from 'jose';
import * as client from 'openid-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newId, type IdPrefix, type OrgId } from '../../src/lib/ids.js';
import { backendName } from '../support/test-db.js';
import { listeningOidcServer } from './oidc-test-server.js';

type Method = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

// Well-formed ids for the path parameters (a malformed one is refused as 400 before any credential is looked at).
const ID_PREFIXES: Record<string, IdPrefix> = {
  member_id: 'mem',
  key_id: 'key',
  item_id: 'qtn',
  provider_id: 'prv',
  model_id: 'mdl',
  payment_id: 'pay',
  dispute_id: 'dsp',
  endpoint_id: 'whe',
  delivery_id: 'whd',
};

// Reads the provider's signing key the way a node does (vault-decrypted, in memory), to forge tokens that carry a
// valid signature and one wrong claim: the checks under test must refuse them on the claim, not the signature.
async function providerSigningKey(t: Awaited<ReturnType<typeof listeningOidcServer>>): Promise<JWK> {
  const { runtime } = t.server;
  const platformOrgId = runtime.services.platformOrgId as OrgId;
  return runtime.db.withTenant(platformOrgId, async (sql) => {
    const { rows } = await sql.query<{ kid: string; private_jwk_ciphertext: string }>(
      'SELECT kid, private_jwk_ciphertext FROM oidc_signing_keys ORDER BY signs_from LIMIT 1',
    );
    const row = rows[0];
    if (!row) throw new Error('no signing key');
    const ref = { table: 'oidc_signing_keys', column: 'private_jwk_ciphertext', rowId: row.kid };
    return JSON.parse(await runtime.services.cipher.decryptString(sql, ref, row.private_jwk_ciphertext)) as JWK;
  });
}

describe(`access-token attacks on the API and the provider (${backendName})`, () => {
  let t: Awaited<ReturnType<typeof listeningOidcServer>>;
  let legit: { access_token: string; claims: Record<string, unknown> };
  let signingKey: JWK;
  let rp: client.Configuration;
  let clientSecret: string;
  let victimAccountId: string;
  let orgRoute: string;

  const forge = async (claims: Record<string, unknown>, header: Record<string, unknown> = {}, key = signingKey) =>
    new SignJWT(claims)
      .setProtectedHeader({ alg: 'ES256', typ: 'at+jwt', kid: key.kid, ...header })
      .sign(await importJWK(key, 'ES256'));
  const status = async (token: string) => (await t.api(token, 'GET', orgRoute)).status;

  beforeAll(async () => {
    t = await listeningOidcServer();
    const { a } = t.orgs;
    orgRoute = `/v1/orgs/${a.orgId}`;
    const created = await t.serviceClient(a.ownerKey, a.orgId, ['admin']);
    clientSecret = created.client_secret ?? '';
    rp = await t.relyingParty(created.client_id, client.ClientSecretBasic(clientSecret));
    const victim = await t.orgs.call(t.orgs.b.ownerKey, 'POST', `/v1/orgs/${t.orgs.b.orgId}/service-accounts`, {
      name: 'victim',
      roles: ['admin'],
    });
    victimAccountId = victim.json().id as string;
    const tokens = await client.clientCredentialsGrant(rp, { resource: t.audience });
    legit = {
      access_token: tokens.access_token,
      claims: JSON.parse(Buffer.from(tokens.access_token.split('.')[1] ?? '', 'base64url').toString('utf8')),
    };
    signingKey = await providerSigningKey(t);
  });
  afterAll(async () => t?.server.close());

  it('the legitimate token works and a forged copy of it verifies (the forgeries below differ in one thing)', async () => {
    expect(await status(legit.access_token)).toBe(200);
    expect(await status(await forge(legit.claims))).toBe(200);
  });

  it('password grant: refused as unsupported_grant_type even for an authenticated client', async () => {
    const response = await fetch(`${t.issuer}/token`, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        authorization: `Basic ${Buffer.from(`${String(rp.clientMetadata().client_id)}:${clientSecret}`).toString('base64')}`,
      },
      body: 'grant_type=password&username=owner%40org-a.example&password=guess',
    });
    expect(response.status).toBe(400);
    expect(((await response.json()) as { error: string }).error).toBe('unsupported_grant_type');
  });

  it('implicit and hybrid response_type: refused as unsupported_response_type, never redirected', async () => {
    for (const responseType of ['token', 'id_token', 'id_token token', 'code token', 'code id_token']) {
      const url = new URL(`${t.issuer}/auth`);
      url.search = new URLSearchParams({
        client_id: String(rp.clientMetadata().client_id),
        response_type: responseType,
        scope: 'openid',
      }).toString();
      const response = await fetch(url, { redirect: 'manual' });
      expect(response.status).toBe(400);
      expect(response.headers.get('location')).toBeNull();
      expect(await response.json()).toMatchObject({ error: 'unsupported_response_type' });
    }
    // A service account's client may not use the code flow at all (it has no redirect URI).
    const code = new URL(`${t.issuer}/auth`);
    code.search = new URLSearchParams({
      client_id: String(rp.clientMetadata().client_id),
      response_type: 'code',
      scope: 'openid',
    }).toString();
    const refused = await fetch(code, { redirect: 'manual' });
    expect(refused.status).toBe(400);
    expect(refused.headers.get('location')).toBeNull();
    // With an unregistered redirect_uri the provider names that instead, and still redirects nowhere.
    const url = new URL(`${t.issuer}/auth`);
    url.search = new URLSearchParams({
      client_id: String(rp.clientMetadata().client_id),
      response_type: 'token',
      redirect_uri: 'https://attacker.example/cb',
    }).toString();
    const response = await fetch(url, { redirect: 'manual' });
    expect(response.status).toBe(400);
    expect(response.headers.get('location')).toBeNull();
  });

  it('token with alg none: refused', async () => {
    const encode = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
    const unsigned = `${encode({ alg: 'none', typ: 'at+jwt', kid: signingKey.kid })}.${encode(legit.claims)}.`;
    expect(await status(unsigned)).toBe(401);
  });

  it('HS256 token signed with the public key as the HMAC secret: refused', async () => {
    const { d: _private, ...publicJwk } = signingKey;
    for (const secret of [JSON.stringify(publicJwk), `${publicJwk.x}${publicJwk.y}`]) {
      const token = await new SignJWT(legit.claims)
        .setProtectedHeader({ alg: 'HS256', typ: 'at+jwt', kid: signingKey.kid })
        .sign(new TextEncoder().encode(secret));
      expect(await status(token)).toBe(401);
    }
  });

  it('expired token (beyond the leeway): refused', async () => {
    const now = Math.floor(Date.now() / 1000);
    expect(await status(await forge({ ...legit.claims, iat: now - 600, exp: now - 60 }))).toBe(401);
    expect(await status(await forge({ ...legit.claims, nbf: now + 600 }))).toBe(401);
  });

  it('wrong issuer: refused', async () => {
    expect(await status(await forge({ ...legit.claims, iss: 'https://evil.example/oidc' }))).toBe(401);
  });

  it('wrong audience: refused', async () => {
    expect(await status(await forge({ ...legit.claims, aud: 'https://other-api.example' }))).toBe(401);
  });

  it('unknown kid (a key the JWKS does not publish): refused', async () => {
    const { privateKey } = await generateKeyPair('ES256', { extractable: true });
    const stranger = { ...(await exportJWK(privateKey)), kid: 'sgk_01m8xcy6yqdb2dnyw5skvkzzzz' };
    expect(await status(await forge(legit.claims, {}, stranger))).toBe(401);
  });

  it('a JWT that is not an access token (typ JWT, an ID token shape): refused', async () => {
    expect(await status(await forge(legit.claims, { typ: 'JWT' }))).toBe(401);
  });

  it('revoked token: refused at the API and inactive at introspection', async () => {
    const tokens = await client.clientCredentialsGrant(rp, { resource: t.audience });
    expect(await status(tokens.access_token)).toBe(200);
    await client.tokenRevocation(rp, tokens.access_token);
    expect(await status(tokens.access_token)).toBe(401);
    expect((await client.tokenIntrospection(rp, tokens.access_token)).active).toBe(false);
  });

  it('a revoked token keeps working from a warm cache: refused on the next request', async () => {
    const tokens = await client.clientCredentialsGrant(rp, { resource: t.audience });
    // Warm: the node has resolved and cached this token's principal.
    expect(await status(tokens.access_token)).toBe(200);
    expect(await status(tokens.access_token)).toBe(200);
    await client.tokenRevocation(rp, tokens.access_token);
    expect(await status(tokens.access_token)).toBe(401);
    // Another token of the same client is not revoked with it.
    expect(await status(legit.access_token)).toBe(200);
  });

  it('a disabled service account keeps working from a warm cache: its tokens and its client are refused at once', async () => {
    const { a } = t.orgs;
    const created = await t.serviceClient(a.ownerKey, a.orgId, ['viewer']);
    const accountRp = await t.relyingParty(created.client_id, client.ClientSecretBasic(created.client_secret ?? ''));
    const tokens = await client.clientCredentialsGrant(accountRp, { resource: t.audience });
    // Warm: the token's principal and the decrypted client are cached.
    expect(await status(tokens.access_token)).toBe(200);
    await client.clientCredentialsGrant(accountRp, { resource: t.audience });
    expect(await status(tokens.access_token)).toBe(200);
    const disabled = await t.orgs.call(
      a.ownerKey,
      'POST',
      `/v1/orgs/${a.orgId}/service-accounts/${created.service_account_id}/disable`,
      {},
    );
    expect(disabled.statusCode).toBe(200);
    expect(await status(tokens.access_token)).toBe(401);
    await expect(client.clientCredentialsGrant(accountRp, { resource: t.audience })).rejects.toMatchObject({
      status: 401,
      cause: [{ parameters: { error: 'invalid_client' } }],
    });
  });

  it("another client cannot introspect or revoke a client's token", async () => {
    const { a } = t.orgs;
    const other = await t.serviceClient(a.ownerKey, a.orgId, ['viewer']);
    const otherRp = await t.relyingParty(other.client_id, client.ClientSecretBasic(other.client_secret));
    expect((await client.tokenIntrospection(otherRp, legit.access_token)).active).toBe(false);
    await client.tokenRevocation(otherRp, legit.access_token);
    expect(await status(legit.access_token)).toBe(200);
  });

  it("token of org A used on org B's routes: refused on every route, tenant matrix style", async () => {
    const { b } = t.orgs;
    const failures: string[] = [];
    for (const route of t.server.routes.filter((r) => r.url.includes(':org_id'))) {
      const url = route.url.replace(/:([a-z_]+)/g, (_, name: string) => {
        if (name === 'org_id') return b.orgId;
        if (name === 'service_account_id') return victimAccountId;
        const prefix = ID_PREFIXES[name];
        return prefix ? newId(prefix) : `x-${name}`;
      });
      const res = await t.api(
        legit.access_token,
        route.method as Method,
        url,
        route.method === 'GET' || route.method === 'DELETE' ? undefined : {},
      );
      if (res.status !== 404 && res.status !== 403) failures.push(`${route.method} ${route.url} -> ${res.status}`);
    }
    expect(failures).toEqual([]);
    // A forged token naming org B with A's client is refused too: the org must be the client's.
    expect((await t.api(await forge({ ...legit.claims, org_id: b.orgId }), 'GET', `/v1/orgs/${b.orgId}`)).status).toBe(
      401,
    );
  });
});
