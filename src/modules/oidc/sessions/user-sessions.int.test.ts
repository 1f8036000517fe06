import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { backendName, createTestDb, type TestDb } from '../../../../test/support/test-db.js';
import { ManualClock } from '../../../lib/clock.js';
import { isAppError } from '../../../lib/errors/index.js';
import { newId, type OrgId } from '../../../lib/ids.js';
import { selectOrgGeneration } from '../../../platform/cache-generation/index.js';
import { AuditLog } from '../../audit/index.js';
import { PostgresAdapter } from '../storage/postgres-adapter.js';
import { operatorUsers } from './operator-users.js';
import { userSessions, type UserSessions } from './user-sessions.js';

const SYSTEM = { type: 'system', id: 'test' } as const;
const OPERATOR_REASON = 'oidc.sessions_revoked_by_operator' as const;

describe(`users' sign-ins: list and end them (${backendName})`, () => {
  let t: TestDb;
  let sessions: UserSessions;
  const clock = new ManualClock('2026-03-01T00:00:00Z');
  const platformOrgId = newId('org') as OrgId;
  const orgA = newId('org') as OrgId;
  const orgB = newId('org') as OrgId;
  const cliA = newId('cli');
  const cliB = newId('cli');
  const epoch = () => Math.floor(clock.now().getTime() / 1000);
  const adapter = (model: string) => new PostgresAdapter(model, { db: t.db, clock, findClient: async () => undefined });

  async function newUser(email: string): Promise<string> {
    const id = newId('usr', 0);
    await t.db.withPlatform((sql) => sql.query('INSERT INTO users (id, email) VALUES ($1, $2)', [id, email]));
    return id;
  }

  async function addMember(orgId: OrgId, userId: string, roles: string[]): Promise<string> {
    const id = newId('mem');
    await t.db.withTenant(orgId, (sql) =>
      sql.query('INSERT INTO memberships (org_id, id, user_id, roles) VALUES ($1, $2, $3, $4)', [
        orgId,
        id,
        userId,
        roles,
      ]),
    );
    return id;
  }

  // One sign-in of `userId` to `clientId`: its grant, a refresh token, a code and a browser session holding it.
  async function signIn(userId: string, clientId: string, session = `ses-${newId('req')}`) {
    const grantId = `grant-${newId('req')}`;
    await adapter('Grant').upsert(grantId, { accountId: userId, clientId, iat: epoch(), exp: epoch() + 3600 }, 3600);
    await adapter('RefreshToken').upsert(
      `rt-${grantId}`,
      { accountId: userId, clientId, grantId, iat: epoch() + 5 },
      3600,
    );
    await adapter('AuthorizationCode').upsert(`ac-${grantId}`, { accountId: userId, clientId, grantId }, 60);
    const existing = (await adapter('Session').find(session)) as { authorizations?: object } | undefined;
    await adapter('Session').upsert(
      session,
      {
        accountId: userId,
        loginTs: epoch(),
        authorizations: { ...(existing?.authorizations ?? {}), [clientId]: { grantId } },
      },
      3600,
    );
    return { grantId, session };
  }

  const rowsOf = async (ids: string[]) =>
    (await t.superuser('SELECT id FROM oidc_payloads WHERE id = ANY($1) ORDER BY id', [ids])).map(
      (r) => (r as { id: string }).id,
    );
  const generation = (orgId: OrgId) => t.db.withTenant(orgId, (sql) => selectOrgGeneration(sql, orgId));
  const revokedEvents = async (orgId: OrgId, userId: string) =>
    t.superuser(
      `SELECT actor, reason_codes, details FROM audit_events
        WHERE org_id = $1 AND action = 'identity.session.revoked' AND resource->>'id' = $2 ORDER BY seq`,
      [orgId, userId],
    );

  beforeAll(async () => {
    t = await createTestDb();
    await t.db.withPlatform(async (sql) => {
      for (const [id, slug] of [
        [platformOrgId, 'platform'],
        [orgA, 'org-a'],
        [orgB, 'org-b'],
      ] as const)
        await sql.query('INSERT INTO orgs (id, name, slug) VALUES ($1, $2, $3)', [id, slug, slug]);
    });
    for (const [orgId, clientId] of [
      [orgA, cliA],
      [orgB, cliB],
    ] as const)
      await t.db.withTenant(orgId, (sql) =>
        sql.query('INSERT INTO oidc_client_index (id, org_id) VALUES ($1, $2)', [clientId, orgId]),
      );
    sessions = userSessions({ db: t.db, clock, audit: new AuditLog({ db: t.db, clock }), platformOrgId });
  });
  afterAll(async () => t.close());
  beforeEach(() => clock.advance(60_000));

  it("lists a user's standing sign-ins, all or one org's, without expired grants", async () => {
    const user = await newUser('list@example.com');
    const a = await signIn(user, cliA);
    const b = await signIn(user, cliB, a.session);
    await adapter('Grant').upsert('grant-expired', { accountId: user, clientId: cliA, iat: epoch() }, 1);
    clock.advance(2_000);
    const all = await sessions.list(user);
    expect(all.map((s) => [s.grantId, s.orgId])).toEqual([
      [a.grantId, orgA],
      [b.grantId, orgB],
    ]);
    const ofA = await sessions.list(user, { orgId: orgA });
    expect(ofA).toEqual([
      {
        grantId: a.grantId,
        clientId: cliA,
        clientName: null,
        orgId: orgA,
        createdAt: expect.any(Date),
        expiresAt: expect.any(Date),
        lastRefreshAt: expect.any(Date),
      },
    ]);
    expect(ofA[0]?.lastRefreshAt?.getTime()).toBe((ofA[0]?.createdAt.getTime() ?? 0) + 5000);
  });

  it("one org's revocation ends that org's grants, their records and the sessions holding them; other orgs' grants stand", async () => {
    const user = await newUser('org-scope@example.com');
    const other = await newUser('bystander@example.com');
    const a = await signIn(user, cliA);
    const b = await signIn(user, cliB, a.session);
    const onlyB = await signIn(user, cliB);
    const bystander = await signIn(other, cliA);
    // Sign-ins in progress of the user: one to org A's application, one to org B's.
    await adapter('Interaction').upsert('int-a', { session: { accountId: user }, params: { client_id: cliA } }, 600);
    await adapter('Interaction').upsert('int-b', { session: { accountId: user }, params: { client_id: cliB } }, 600);
    const before = { a: await generation(orgA), b: await generation(orgB), p: await generation(platformOrgId) };
    const revoked = await t.db.withPlatform((platform) =>
      sessions.revoke(platform, user, { orgId: orgA }, { actor: SYSTEM, reason: OPERATOR_REASON }),
    );
    expect(revoked).toEqual({ grants: 1, records: 3, sessions: 1, orgIds: [orgA] });
    expect(await rowsOf([a.grantId, `rt-${a.grantId}`, `ac-${a.grantId}`, a.session])).toEqual([]);
    // The session shared with org A's application went; the sign-ins to org B's applications did not.
    expect(await rowsOf([b.grantId, `rt-${b.grantId}`, onlyB.grantId, onlyB.session])).toHaveLength(4);
    expect(await rowsOf([bystander.grantId, bystander.session])).toHaveLength(2);
    expect(await rowsOf(['int-a', 'int-b'])).toEqual(['int-b']);
    expect(await generation(orgA)).toBe(before.a + 1);
    expect(await generation(orgB)).toBe(before.b);
    expect(await generation(platformOrgId)).toBe(before.p);
    expect(await revokedEvents(orgA, user)).toEqual([
      {
        actor: SYSTEM,
        reason_codes: [OPERATOR_REASON],
        details: { user_id: user, scope: 'org', grants_revoked: 1, records_deleted: 3, sessions_ended: 1 },
      },
    ]);
    expect(await revokedEvents(orgB, user)).toEqual([]);
  });

  it("a full sign-out ends every grant and session, bumps every affected org and records it in each chain and the platform's", async () => {
    const user = await newUser('everywhere@example.com');
    const a = await signIn(user, cliA);
    const b = await signIn(user, cliB);
    const before = { a: await generation(orgA), b: await generation(orgB) };
    const revoked = await t.db.withPlatform((platform) =>
      sessions.revoke(platform, user, {}, { actor: SYSTEM, reason: OPERATOR_REASON }),
    );
    expect(revoked).toMatchObject({ grants: 2, records: 6, sessions: 2 });
    expect(revoked.orgIds.sort()).toEqual([orgA, orgB, platformOrgId].sort());
    expect(await rowsOf([a.grantId, a.session, b.grantId, b.session, `rt-${b.grantId}`])).toEqual([]);
    expect(await generation(orgA)).toBe(before.a + 1);
    expect(await generation(orgB)).toBe(before.b + 1);
    expect(await revokedEvents(orgB, user)).toMatchObject([{ details: { scope: 'all', grants_revoked: 1 } }]);
    expect(await revokedEvents(platformOrgId, user)).toMatchObject([
      { details: { scope: 'all', grants_revoked: 0, grants_revoked_everywhere: 2 } },
    ]);
    expect(await sessions.list(user)).toEqual([]);
  });

  it('an audit write that fails rolls the whole revocation back: no grant, session or generation changes alone', async () => {
    const user = await newUser('atomic@example.com');
    const a = await signIn(user, cliA);
    const b = await signIn(user, cliB);
    class FailingAudit extends AuditLog {
      override async append(...args: Parameters<AuditLog['append']>): ReturnType<AuditLog['append']> {
        if (args[0].orgId === orgB) throw new Error('audit store down');
        return super.append(...args);
      }
    }
    const failing = userSessions({ db: t.db, clock, audit: new FailingAudit({ db: t.db, clock }), platformOrgId });
    const before = await generation(orgA);
    await expect(
      t.db.withPlatform((platform) => failing.revoke(platform, user, {}, { actor: SYSTEM, reason: OPERATOR_REASON })),
    ).rejects.toThrow('audit store down');
    expect(await rowsOf([a.grantId, a.session, b.grantId, b.session])).toHaveLength(4);
    expect(await generation(orgA)).toBe(before);
    expect(await revokedEvents(orgA, user)).toEqual([]);
  });

  it('one grant only; a grant of another user or another org is not found and nothing changes', async () => {
    const user = await newUser('one-grant@example.com');
    const other = await newUser('other-grant@example.com');
    const a = await signIn(user, cliA);
    const b = await signIn(user, cliB);
    const theirs = await signIn(other, cliA);
    const meta = { actor: SYSTEM, reason: OPERATOR_REASON };
    for (const scope of [{ grantId: theirs.grantId }, { orgId: orgA, grantId: b.grantId }]) {
      const error = await t.db
        .withPlatform((platform) => sessions.revoke(platform, user, scope, meta))
        .catch((e: unknown) => e);
      expect(isAppError(error, 'http.not_found')).toBe(true);
    }
    expect(await rowsOf([a.grantId, b.grantId, theirs.grantId])).toHaveLength(3);
    await t.db.withPlatform((platform) => sessions.revoke(platform, user, { grantId: a.grantId }, meta));
    expect(await rowsOf([a.grantId, a.session, b.grantId, b.session])).toEqual([b.grantId, b.session].sort());
  });

  it("an admin ends a member's sign-ins to the org's applications; an owner's only an owner ends", async () => {
    const owner = await newUser('owner-member@example.com');
    const dev = await newUser('dev-member@example.com');
    const ownerMember = await addMember(orgA, owner, ['owner']);
    const devMember = await addMember(orgA, dev, ['developer']);
    const ownerSignIn = await signIn(owner, cliA);
    const devSignIn = await signIn(dev, cliA);
    const admin = { roles: ['admin'], userId: newId('usr', 0) };
    const audit = { actor: { type: 'user', id: admin.userId } as const };
    const refused = await t.db
      .withPlatform((p) => sessions.revokeOfMember(p, admin, { orgId: orgA, memberId: ownerMember }, audit))
      .catch((e: unknown) => e);
    expect(isAppError(refused, 'tenancy.owner_protected')).toBe(true);
    expect(await rowsOf([ownerSignIn.grantId])).toHaveLength(1);
    expect(await sessions.listOfMember(orgA, devMember)).toHaveLength(1);
    await t.db.withPlatform((p) => sessions.revokeOfMember(p, admin, { orgId: orgA, memberId: devMember }, audit));
    expect(await rowsOf([devSignIn.grantId])).toEqual([]);
    expect(await revokedEvents(orgA, dev)).toMatchObject([{ reason_codes: ['oidc.sessions_revoked_by_admin'] }]);
    // SECURITY: a member of another org is not found from org B (row-level security hides the membership).
    const elsewhere = await t.db
      .withPlatform((p) => sessions.revokeOfMember(p, admin, { orgId: orgB, memberId: ownerMember }, audit))
      .catch((e: unknown) => e);
    expect(isAppError(elsewhere, 'http.not_found')).toBe(true);
    await expect(sessions.listOfMember(orgB, ownerMember)).rejects.toMatchObject({ code: 'http.not_found' });
  });

  it('disabling a user ends every sign-in and records it in the platform chain and each member org', async () => {
    const audit = new AuditLog({ db: t.db, clock });
    const users = operatorUsers({
      db: t.db,
      clock,
      audit,
      platformOrgId,
      identity: { setPassword: async () => undefined },
    });
    const user = await newUser('Disable.Me@example.com');
    await addMember(orgB, user, ['analyst']);
    const a = await signIn(user, cliA);
    const before = await generation(orgB);
    const result = await users.disable('disable.me@EXAMPLE.com');
    expect(result).toMatchObject({ wasActive: true, grants: 1 });
    expect(await rowsOf([a.grantId, a.session])).toEqual([]);
    const status = await t.superuser('SELECT status FROM users WHERE id = $1', [user]);
    expect(status).toEqual([{ status: 'disabled' }]);
    // Org B holds no grant of the user, but their API keys there end too: its generation moved.
    expect(await generation(orgB)).toBeGreaterThan(before);
    for (const orgId of [platformOrgId, orgB]) {
      const events = await t.superuser(
        "SELECT reason_codes FROM audit_events WHERE org_id = $1 AND action = 'identity.user.disabled' AND resource->>'id' = $2",
        [orgId, user],
      );
      expect(events).toEqual([{ reason_codes: ['oidc.user_disabled'] }]);
    }
    expect((await users.list(orgB)).find((u) => u.userId === user)).toMatchObject({
      status: 'disabled',
      roles: ['analyst'],
    });
    await expect(users.disable('nobody@example.com')).rejects.toMatchObject({ code: 'http.not_found' });
    await expect(users.revokeSessions('disable.me@example.com', newId('org') as OrgId)).rejects.toMatchObject({
      code: 'http.not_found',
    });
  });
});
