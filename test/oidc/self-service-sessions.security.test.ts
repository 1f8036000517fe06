import * as client from 'openid-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { injectFailure, snapshot } from '../support/inject-failure.js';
import { backendName } from '../support/test-db.js';
import { listeningOidcServer } from './oidc-test-server.js';
import { firstSignIn, memberAndApp, redeem, signInToOrgB } from './user-sign-in.js';

type Server = Awaited<ReturnType<typeof listeningOidcServer>>;
interface SessionWire {
  grant_id: string;
  client_id: string;
  org_id: string;
}

// A person sees and ends their own sign-ins to the token's org's applications (`/v1/me/sessions`): not another org's
// (an org's app holding the token must not learn of or end them), nobody else's, and never through an API key or a
// service account's token, whatever its roles.
describe(`a person's own sign-ins (${backendName})`, () => {
  let t: Server;

  beforeAll(async () => {
    t = await listeningOidcServer();
  });
  afterAll(async () => t?.server.close());

  const orgA = () => t.orgs.a.orgId;
  const ownSessions = async (token: string) => {
    const listed = await t.api(token, 'GET', '/v1/me/sessions');
    expect(listed.status).toBe(200);
    return ((await listed.json()) as { data: SessionWire[] }).data;
  };

  async function signedInMember(email: string) {
    const member = await memberAndApp(t, ['viewer'], email);
    const signIn = await firstSignIn(t, member.rp, member.email);
    const tokens = await redeem(member.rp, signIn.callback, signIn.request);
    return { ...member, ...signIn, tokens };
  }

  it("lists and ends the caller's sign-ins to the token's org only; another org's app can neither see nor end them", async () => {
    const m = await signedInMember('self-service@org-a.example');
    const b = await signInToOrgB(t, m, ['viewer']);
    const listedA = await ownSessions(m.tokens.access_token);
    expect(listedA.map((s) => [s.client_id, s.org_id])).toEqual([[m.clientId, orgA()]]);
    const listedB = await ownSessions(b.tokens.access_token);
    expect(listedB.map((s) => [s.client_id, s.org_id])).toEqual([[b.clientId, t.orgs.b.orgId]]);

    // An org A application holding the person's token reaches for their sign-in to org B's application: no such one.
    const grantB = listedB[0]?.grant_id ?? '';
    const reach = await t.api(m.tokens.access_token, 'DELETE', `/v1/me/sessions?grant_id=${grantB}`);
    expect(reach.status).toBe(404);
    expect((await t.api(b.tokens.access_token, 'GET', `/v1/orgs/${t.orgs.b.orgId}`)).status).toBe(200);

    const all = await t.api(m.tokens.access_token, 'DELETE', '/v1/me/sessions');
    expect(all.status).toBe(200);
    expect(await all.json()).toMatchObject({ grants_revoked: 1 });
    // The token that asked ended with its sign-in; org B's sign-in stands.
    expect((await t.api(m.tokens.access_token, 'GET', '/v1/me/sessions')).status).toBe(401);
    await expect(client.refreshTokenGrant(m.rp, m.tokens.refresh_token as string)).rejects.toMatchObject({
      error: 'invalid_grant',
    });
    expect((await ownSessions(b.tokens.access_token)).length).toBe(1);

    const one = await t.api(b.tokens.access_token, 'DELETE', `/v1/me/sessions?grant_id=${grantB}`);
    expect(one.status).toBe(200);
    expect(await one.json()).toMatchObject({ grants_revoked: 1 });
    expect((await t.api(b.tokens.access_token, 'GET', `/v1/orgs/${t.orgs.b.orgId}`)).status).toBe(401);
    await expect(client.refreshTokenGrant(b.rp, b.tokens.refresh_token as string)).rejects.toMatchObject({
      error: 'invalid_grant',
    });
    const events = await t.server.testDb.superuser(
      `SELECT e.details->>'scope' AS scope, e.org_id FROM audit_events e
        WHERE e.action = 'identity.session.revoked' AND e.resource->>'id' = $1
          AND 'oidc.sessions_revoked_by_user' = ANY(e.reason_codes) ORDER BY scope DESC`,
      [m.userId],
    );
    expect(events).toEqual([
      { scope: 'org', org_id: orgA() },
      { scope: 'grant', org_id: t.orgs.b.orgId },
    ]);
  });

  it("a person cannot end another person's sign-in by its grant id (404), and theirs goes on working", async () => {
    const victim = await signedInMember('victim-self@org-a.example');
    const attacker = await signedInMember('attacker-self@org-a.example');
    const [victimGrant] = await ownSessions(victim.tokens.access_token);
    const attempt = await t.api(
      attacker.tokens.access_token,
      'DELETE',
      `/v1/me/sessions?grant_id=${victimGrant?.grant_id}`,
    );
    expect(attempt.status).toBe(404);
    expect((await ownSessions(victim.tokens.access_token)).length).toBe(1);
    expect((await ownSessions(attacker.tokens.access_token)).length).toBe(1);
  });

  it("an owner's API key and a service account's token are refused on a person's route (403)", async () => {
    const { a } = t.orgs;
    for (const method of ['GET', 'DELETE'] as const) {
      const byKey = await t.orgs.call(a.ownerKey, method, '/v1/me/sessions');
      expect(byKey.statusCode).toBe(403);
      expect(byKey.json().code).toBe('authz.denied');
    }
    const service = await t.serviceClient(a.ownerKey, a.orgId, ['viewer']);
    const rp = await t.relyingParty(service.client_id, client.ClientSecretBasic(service.client_secret));
    const { access_token: serviceToken } = await client.clientCredentialsGrant(rp, { resource: t.audience });
    for (const method of ['GET', 'DELETE'] as const) {
      const byService = await t.api(serviceToken, method, '/v1/me/sessions');
      expect(byService.status).toBe(403);
    }
  });

  it('an audit write that fails rolls the whole sign-out back: no allow decision, and every sign-in stands', async () => {
    const m = await signedInMember('atomic-self@org-a.example');
    const tables = ['oidc_payloads', 'org_generations', 'audit_events'];
    const before = await snapshot(t.server.testDb, tables);
    const restore = await injectFailure(
      t.server.testDb,
      'audit_events',
      'INSERT',
      "NEW.action = 'identity.session.revoked'",
    );
    const failed = await t.api(m.tokens.access_token, 'DELETE', '/v1/me/sessions');
    await restore();
    expect(failed.status).toBeGreaterThanOrEqual(500);
    expect(await snapshot(t.server.testDb, tables)).toEqual(before);
    expect((await ownSessions(m.tokens.access_token)).length).toBe(1);
    const requestId = failed.headers.get('x-request-id');
    const events = await t.server.testDb.superuser('SELECT action FROM audit_events WHERE request_id = $1', [
      requestId,
    ]);
    expect(events).toEqual([]);
  });

  it('a malformed grant id is a 400 naming the field', async () => {
    const m = await signedInMember('malformed-self@org-a.example');
    const refused = await t.api(m.tokens.access_token, 'DELETE', '/v1/me/sessions?grant_id=../x');
    expect(refused.status).toBe(400);
    expect(JSON.stringify(await refused.json())).toContain('grant_id');
    expect((await ownSessions(m.tokens.access_token)).length).toBe(1);
  });
});
