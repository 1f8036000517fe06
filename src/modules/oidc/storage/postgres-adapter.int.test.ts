import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backendName, createTestDb, type TestDb } from '../../../../test/support/test-db.js';
import { ManualClock } from '../../../lib/clock.js';
import { newId } from '../../../lib/ids.js';
import { deleteExpiredPayloads, PostgresAdapter } from './postgres-adapter.js';

describe(`oidc-provider storage in PostgreSQL (${backendName})`, () => {
  let t: TestDb;
  const clock = new ManualClock('2026-03-01T00:00:00Z');
  const adapter = (model: string) =>
    new PostgresAdapter(model, { db: t.db, clock, findClient: async (id) => ({ client_id: id }) });

  beforeAll(async () => {
    t = await createTestDb();
  });
  afterAll(async () => t.close());

  it('stores, finds by id, uid and user code, and consumes', async () => {
    const sessions = adapter('Interaction');
    await sessions.upsert('int-1', { uid: 'u-1', userCode: 'ABCD-EFGH', kind: 'Interaction' }, 60);
    expect(await sessions.find('int-1')).toMatchObject({ uid: 'u-1' });
    expect(await sessions.findByUid('u-1')).toMatchObject({ kind: 'Interaction' });
    expect(await sessions.findByUserCode('ABCD-EFGH')).toMatchObject({ uid: 'u-1' });
    expect(await adapter('Session').find('int-1')).toBeUndefined();
    await sessions.consume('int-1');
    expect((await sessions.find('int-1'))?.consumed).toBe(Math.floor(clock.now().getTime() / 1000));
  });

  it('an expired record reads as absent and the cleanup deletes it', async () => {
    const codes = adapter('AuthorizationCode');
    await codes.upsert('code-1', { kind: 'AuthorizationCode' }, 30);
    clock.advance(31_000);
    expect(await codes.find('code-1')).toBeUndefined();
    expect(await deleteExpiredPayloads(t.db, clock.now())).toBeGreaterThanOrEqual(1);
    const left = await t.superuser("SELECT count(*)::int AS n FROM oidc_payloads WHERE id = 'code-1'");
    expect(left[0]?.n).toBe(0);
  });

  it('revoking a grant removes everything issued under it, of every model', async () => {
    await adapter('RefreshToken').upsert('rt-1', { grantId: 'g-1' }, 600);
    await adapter('AuthorizationCode').upsert('ac-1', { grantId: 'g-1' }, 600);
    await adapter('RefreshToken').upsert('rt-2', { grantId: 'g-2' }, 600);
    await adapter('RefreshToken').revokeByGrantId('g-1');
    expect(await adapter('RefreshToken').find('rt-1')).toBeUndefined();
    expect(await adapter('AuthorizationCode').find('ac-1')).toBeUndefined();
    expect(await adapter('RefreshToken').find('rt-2')).toMatchObject({ grantId: 'g-2' });
    await adapter('RefreshToken').destroy('rt-2');
    expect(await adapter('RefreshToken').find('rt-2')).toBeUndefined();
  });

  it('reads clients from the service-account lookup and never writes them', async () => {
    expect(await adapter('Client').find('cli_x')).toEqual({ client_id: 'cli_x' });
    await expect(adapter('Client').upsert('cli_x', { client_id: 'cli_x' })).rejects.toThrow(/service-account API/);
  });

  it('is invisible to a tenant transaction (platform scope only)', async () => {
    const orgId = newId('org');
    await t.db.withPlatform((sql) =>
      sql.query('INSERT INTO orgs (id, name, slug) VALUES ($1, $2, $3)', [orgId, 'Tenant', 'tenant-x']),
    );
    await adapter('Session').upsert('s-1', { kind: 'Session' }, 600);
    const seen = await t.db.withTenant(orgId, async (sql) => (await sql.query('SELECT id FROM oidc_payloads')).rows);
    expect(seen).toEqual([]);
    await expect(
      t.db.withTenant(orgId, (sql) =>
        sql.query("INSERT INTO oidc_payloads (model, id, payload) VALUES ('Session', 's-2', '{}')"),
      ),
    ).rejects.toThrow(/row-level security/);
  });
});
