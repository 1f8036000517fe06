import { decodeProtectedHeader } from 'jose';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { backendName } from '../support/test-db.js';
import { createTestServer, type TestServer } from '../support/test-server.js';
import { twoOrgs } from '../api/api-client.js';

// Time moves only when the test moves it (Date alone is faked: the provider's iat/exp, the keyring's refresh and the
// verifier all read it), so a rotation's schedule can be walked through without waiting.
describe(`signing key rotation across two nodes (${backendName})`, () => {
  let node1: TestServer;
  let node2: TestServer;
  let orgId: string;
  let basic: string;
  let now: number;

  const move = (ms: number) => {
    now += ms;
    vi.setSystemTime(now);
  };
  const token = async (node: TestServer) => {
    const res = await node.app.inject({
      method: 'POST',
      url: '/oidc/token',
      headers: { authorization: `Basic ${basic}`, 'content-type': 'application/x-www-form-urlencoded' },
      payload: 'grant_type=client_credentials',
    });
    expect(res.statusCode).toBe(200);
    return (res.json() as { access_token: string }).access_token;
  };
  const kidOf = (jwt: string) => decodeProtectedHeader(jwt).kid;
  const published = async (node: TestServer) =>
    ((await node.app.inject({ method: 'GET', url: '/oidc/jwks' })).json() as { keys: { kid: string }[] }).keys.map(
      (k) => k.kid,
    );
  const apiStatus = async (node: TestServer, jwt: string) =>
    (await node.app.inject({ method: 'GET', url: `/v1/orgs/${orgId}`, headers: { authorization: `Bearer ${jwt}` } }))
      .statusCode;

  beforeAll(async () => {
    now = Date.now();
    vi.useFakeTimers({ toFake: ['Date'], now });
    node1 = await createTestServer();
    node2 = await createTestServer({ sameDatabaseAs: node1 });
    const orgs = await twoOrgs(node1.app, node1.runtime.bootstrap?.secret ?? '');
    orgId = orgs.a.orgId;
    const account = (
      await orgs.call(orgs.a.ownerKey, 'POST', `/v1/orgs/${orgId}/service-accounts`, { name: 'job', roles: ['viewer'] })
    ).json() as { id: string };
    const client = (
      await orgs.call(orgs.a.ownerKey, 'POST', `/v1/orgs/${orgId}/service-accounts/${account.id}/oauth-clients`, {})
    ).json() as { client_id: string; client_secret: string };
    basic = Buffer.from(`${client.client_id}:${client.client_secret}`).toString('base64');
  });
  afterAll(async () => {
    await node2?.close();
    await node1?.close();
    vi.useRealTimers();
  });

  it('publishes the new key a token lifetime before it signs, keeps the old one until its tokens expire', async () => {
    const first = kidOf(await token(node1));
    expect(await published(node2)).toEqual([first]);

    const rotated = await node1.runtime.services.oidc.rotateKeys({ type: 'system', id: 'test' });
    expect(rotated.created).toBe(true);
    expect(rotated.signsFrom.getTime() - now).toBeGreaterThanOrEqual(300_000);
    // A second rotation while a key waits creates nothing: the waiting key is the answer.
    expect(await node2.runtime.services.oidc.rotateKeys({ type: 'system', id: 'test' })).toMatchObject({
      kid: rotated.kid,
      created: false,
    });

    move(20_000); // past the keyring refresh: both nodes have read the new key
    for (const node of [node1, node2]) {
      expect(await published(node)).toEqual([first, rotated.kid]);
      expect(kidOf(await token(node))).toBe(first);
    }

    move(rotated.signsFrom.getTime() - now - 1_000);
    const lastOfOld = await token(node2);
    expect(kidOf(lastOfOld)).toBe(first);

    move(2_000 + 15_000); // the new key signs, on either node; the old key's last token still verifies
    for (const node of [node1, node2]) expect(kidOf(await token(node))).toBe(rotated.kid);
    expect(await published(node1)).toEqual([rotated.kid, first]);
    expect(await apiStatus(node2, lastOfOld)).toBe(200);

    move(5 * 60_000 + 20_000); // every token of the old key has expired: it leaves the JWKS and is deleted
    expect(await published(node2)).toEqual([rotated.kid]);
    expect(await apiStatus(node1, lastOfOld)).toBe(401);
    await node1.runtime.services.oidc.rotateIfDue(30 * 24 * 60 * 60 * 1000);
    const rows = await node1.testDb.superuser('SELECT kid FROM oidc_signing_keys ORDER BY signs_from');
    expect(rows.map((r) => r.kid)).toEqual([rotated.kid]);
  });

  it('stores the private key only encrypted, and the scheduled rotation creates a key once it is due', async () => {
    const rows = await node1.testDb.superuser('SELECT public_jwk, private_jwk_ciphertext FROM oidc_signing_keys');
    for (const row of rows) {
      expect(row.public_jwk).not.toHaveProperty('d');
      expect(String(row.private_jwk_ciphertext)).toMatch(/^bwf1\./);
      expect(String(row.private_jwk_ciphertext)).not.toContain('"d"');
    }
    const maxAgeMs = 24 * 60 * 60 * 1000;
    expect(await node2.runtime.services.oidc.rotateIfDue(maxAgeMs)).toBeUndefined();
    move(maxAgeMs);
    expect(await node2.runtime.services.oidc.rotateIfDue(maxAgeMs)).toMatchObject({ created: true });
  });
});
