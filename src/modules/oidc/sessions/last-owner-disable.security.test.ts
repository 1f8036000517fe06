import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backendName, createTestDb, type TestDb } from '../../../../test/support/test-db.js';
import { ManualClock } from '../../../lib/clock.js';
import { isAppError } from '../../../lib/errors/index.js';
import { newId, type OrgId } from '../../../lib/ids.js';
import { AuditLog } from '../../audit/index.js';
import { operatorUsers, type OperatorUsers } from './operator-users.js';

// Disabling an account is a privilege change for every org the account owns: the last active owner of an org (the
// platform org included, whose owner runs the installation) must not be switched off by accident or by a race.
describe(`disabling the last active owner (${backendName})`, () => {
  let t: TestDb;
  let users: OperatorUsers;
  const clock = new ManualClock('2026-03-01T00:00:00Z');
  const platformOrgId = newId('org') as OrgId;

  async function newOrg(): Promise<OrgId> {
    const orgId = newId('org') as OrgId;
    await t.db.withPlatform((sql) =>
      sql.query('INSERT INTO orgs (id, name, slug) VALUES ($1, $2, $3)', [orgId, 'Owned', `owned-${orgId.slice(-12)}`]),
    );
    return orgId;
  }

  async function newUser(orgId: OrgId, roles: string[]): Promise<string> {
    const id = newId('usr', 0);
    const email = `${id}@example.com`;
    await t.db.withPlatform((sql) => sql.query('INSERT INTO users (id, email) VALUES ($1, $2)', [id, email]));
    await t.db.withTenant(orgId, (sql) =>
      sql.query('INSERT INTO memberships (org_id, id, user_id, roles) VALUES ($1, $2, $3, $4)', [
        orgId,
        newId('mem'),
        id,
        roles,
      ]),
    );
    return email;
  }

  const statusOf = async (email: string) =>
    (await t.superuser('SELECT status FROM users WHERE email = $1', [email]))[0] as { status: string } | undefined;
  const eventsOf = (orgId: OrgId, email: string) =>
    t.superuser(
      `SELECT e.action, e.details FROM audit_events e JOIN users u ON u.id = e.resource->>'id'
        WHERE e.org_id = $1 AND u.email = $2 AND e.action LIKE 'identity.user.%' ORDER BY e.seq`,
      [orgId, email],
    );

  beforeAll(async () => {
    t = await createTestDb();
    await t.db.withPlatform((sql) =>
      sql.query('INSERT INTO orgs (id, name, slug) VALUES ($1, $2, $3)', [platformOrgId, 'Platform', 'platform']),
    );
    const audit = new AuditLog({ db: t.db, clock });
    users = operatorUsers({ db: t.db, clock, audit, platformOrgId, identity: { setPassword: async () => undefined } });
  });
  afterAll(async () => t.close());

  it("an operator's disable of an org's only owner is refused and changes nothing", async () => {
    const orgId = await newOrg();
    const owner = await newUser(orgId, ['owner']);
    await newUser(orgId, ['admin']);
    const refused = await users.disable(owner).catch((e: unknown) => e);
    expect(isAppError(refused, 'identity.last_active_owner')).toBe(true);
    expect(refused).toMatchObject({ status: 409, details: { org_ids: [orgId] } });
    expect(await statusOf(owner)).toEqual({ status: 'active' });
    expect(await eventsOf(orgId, owner)).toEqual([]);
  });

  it('the platform owner cannot be disabled while no other platform owner is active', async () => {
    const owner = await newUser(platformOrgId, ['owner']);
    const refused = await users.disable(owner).catch((e: unknown) => e);
    expect(refused).toMatchObject({ code: 'identity.last_active_owner', details: { org_ids: [platformOrgId] } });
    expect(await statusOf(owner)).toEqual({ status: 'active' });
  });

  it('a disabled co-owner does not count as the other owner', async () => {
    const orgId = await newOrg();
    const [first, second] = [await newUser(orgId, ['owner']), await newUser(orgId, ['owner'])];
    await users.disable(first);
    expect(await statusOf(first)).toEqual({ status: 'disabled' });
    await expect(users.disable(second)).rejects.toMatchObject({ code: 'identity.last_active_owner' });
    expect(await statusOf(second)).toEqual({ status: 'active' });
  });

  it("two operators disabling an org's two owners at once leave one of them active", async () => {
    const orgId = await newOrg();
    const owners = [await newUser(orgId, ['owner']), await newUser(orgId, ['owner'])];
    const outcomes = await Promise.allSettled(owners.map((owner) => users.disable(owner)));
    expect(outcomes.map((o) => o.status).sort()).toEqual(['fulfilled', 'rejected']);
    const refused = outcomes.find((o) => o.status === 'rejected');
    expect(isAppError(refused?.reason, 'identity.last_active_owner')).toBe(true);
    const statuses = await Promise.all(owners.map(async (owner) => (await statusOf(owner))?.status));
    expect(statuses.sort()).toEqual(['active', 'disabled']);
  });

  it('a compromised sole owner is disabled on purpose, audited as leaving the org ownerless, and enable undoes it', async () => {
    const orgId = await newOrg();
    const owner = await newUser(orgId, ['owner']);
    const result = await users.disable(owner, { leaveWithoutOwner: true });
    expect(result).toMatchObject({ wasActive: true, orgsWithoutOwner: [orgId] });
    expect(await statusOf(owner)).toEqual({ status: 'disabled' });
    expect(await users.enable(owner)).toEqual({ wasActive: false });
    expect(await statusOf(owner)).toEqual({ status: 'active' });
    expect(await users.enable(owner)).toEqual({ wasActive: true });
    for (const chain of [platformOrgId, orgId])
      expect(await eventsOf(chain, owner)).toEqual([
        {
          action: 'identity.user.disabled',
          details: expect.objectContaining({ was_active: true, orgs_left_without_owner: [orgId] }),
        },
        { action: 'identity.user.enabled', details: expect.objectContaining({ user_id: expect.any(String) }) },
      ]);
  });
});
