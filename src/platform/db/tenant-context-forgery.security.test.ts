import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backendName, createTestDb, type TestDb } from '../../../test/support/test-db.js';
import { newId } from '../../lib/ids.js';

// The attack: SQL injected into org A's tenant transaction, running as bulwark_app, rewrites the tenant context the
// row-level-security policies read, to read org B's rows or every org: the raw settings the policies used to trust
// (`bulwark.org_id`, `bulwark.scope`), a forged signed context, or a signed context replayed from another transaction.
// Migration 0012 makes the policies accept only a context signed for this backend and transaction by a key that
// bulwark_app cannot read.
describe(`forged tenant context by set_config (${backendName})`, () => {
  let t: TestDb;
  const orgA = newId('org');
  const orgB = newId('org');

  beforeAll(async () => {
    t = await createTestDb();
    await t.db.withPlatform(async (sql) => {
      for (const [id, slug] of [
        [orgA, 'forge-a'],
        [orgB, 'forge-b'],
      ] as const)
        await sql.query('INSERT INTO orgs (id, name, slug) VALUES ($1, $2, $3)', [id, slug, slug]);
    });
    await t.db.withTenant(orgB, (sql) =>
      sql.query('INSERT INTO service_accounts (org_id, id, name, roles) VALUES ($1, $2, $3, $4)', [
        orgB,
        newId('svc'),
        'b-secret',
        ['service'],
      ]),
    );
  });

  afterAll(async () => t.close());

  it('switching bulwark.org_id to another org inside a tenant transaction reads none of its rows', async () => {
    const rows = await t.db.withTenant(orgA, async (sql) => {
      await sql.query(`SELECT set_config('bulwark.org_id', $1, true)`, [orgB]);
      return (await sql.query('SELECT org_id FROM service_accounts')).rows;
    });
    expect(rows).toEqual([]);
  });

  it('switching bulwark.scope to platform inside a tenant transaction lists no other org', async () => {
    const orgs = await t.db.withTenant(orgA, async (sql) => {
      await sql.query(`SELECT set_config('bulwark.scope', 'platform', true)`);
      return (await sql.query<{ id: string }>('SELECT id FROM orgs')).rows.map((r) => r.id);
    });
    expect(orgs).toEqual([orgA]);
  });

  it('a forged signed context for another org or for the platform opens nothing', async () => {
    const seen = await t.db.withTenant(orgA, async (sql) => {
      await sql.query(`SELECT set_config('bulwark.context', $1, true)`, [`tenant:${orgB}|${'0'.repeat(64)}`]);
      const accounts = (await sql.query('SELECT org_id FROM service_accounts')).rows;
      await sql.query(`SELECT set_config('bulwark.context', $1, true)`, [`platform|${'f'.repeat(64)}`]);
      const orgs = (await sql.query('SELECT id FROM orgs')).rows;
      return { accounts, orgs };
    });
    expect(seen).toEqual({ accounts: [], orgs: [] });
  });

  it("org B's signed context, captured in B's own transaction and replayed in A's, opens nothing", async () => {
    const captured = await t.db.withTenant(orgB, async (sql) => {
      const rows = (await sql.query<{ context: string }>("SELECT current_setting('bulwark.context') AS context")).rows;
      return rows[0]?.context ?? '';
    });
    expect(captured.startsWith(`tenant:${orgB}|`)).toBe(true);
    const rows = await t.db.withTenant(orgA, async (sql) => {
      await sql.query(`SELECT set_config('bulwark.context', $1, true)`, [captured]);
      return (await sql.query('SELECT org_id FROM service_accounts')).rows;
    });
    expect(rows).toEqual([]);
  });

  it('the app role cannot read the key the context is checked with', async () => {
    const attempt = t.db.withTenant(orgA, (sql) => sql.query('SELECT inner_pad, outer_pad FROM tenant_context_key'));
    await expect(attempt).rejects.toThrow(/permission denied/);
  });

  it('no row-level-security policy reads a raw setting', async () => {
    const raw = await t.superuser(
      `SELECT tablename, policyname FROM pg_policies WHERE schemaname = 'public'
        AND (coalesce(qual, '') LIKE '%current_setting%' OR coalesce(with_check, '') LIKE '%current_setting%')`,
    );
    expect(raw).toEqual([]);
  });
});
