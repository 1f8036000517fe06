import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backendName, createTestDb, type TestDb } from '../../../test/support/test-db.js';
import { isAppError } from '../../lib/errors/index.js';
import { newId, type OrgId } from '../../lib/ids.js';
import { checkEnvironment, claimEnvironment } from './environment-tag.js';

describe(`row-level security (${backendName})`, () => {
  let t: TestDb;
  const orgA = newId('org');
  const orgB = newId('org');

  beforeAll(async () => {
    t = await createTestDb();
    await t.db.withPlatform(async (sql) => {
      for (const [id, slug] of [
        [orgA, 'org-a'],
        [orgB, 'org-b'],
      ] as const) {
        await sql.query('INSERT INTO orgs (id, name, slug) VALUES ($1, $2, $3)', [id, slug, slug]);
      }
    });
    for (const org of [orgA, orgB]) {
      await t.db.withTenant(org, async (sql) => {
        for (let i = 0; i < 3; i += 1) {
          await sql.query('INSERT INTO service_accounts (org_id, id, name, roles) VALUES ($1, $2, $3, $4)', [
            org,
            newId('svc'),
            `svc-${i}`,
            ['service'],
          ]);
        }
      });
    }
  });

  afterAll(async () => t.close());

  it('runs tenant queries as the app role, which owns nothing and cannot bypass RLS', async () => {
    const row = await t.db.withTenant(
      orgA,
      async (sql) => (await sql.query<{ current_user: string }>('SELECT current_user')).rows[0],
    );
    expect(row?.current_user).toBe('bulwark_app');
    const role = await t.superuser("SELECT rolsuper, rolbypassrls FROM pg_roles WHERE rolname = 'bulwark_app'");
    expect(role[0]).toEqual({ rolsuper: false, rolbypassrls: false });
    const owned = await t.superuser("SELECT count(*)::int AS n FROM pg_tables WHERE tableowner = 'bulwark_app'");
    expect(owned[0]?.n).toBe(0);
  });

  it('an unfiltered SELECT inside withTenant(A) returns only A rows', async () => {
    const rows = await t.db.withTenant(
      orgA,
      async (sql) => (await sql.query<{ org_id: string }>('SELECT org_id FROM service_accounts')).rows,
    );
    expect(rows).toHaveLength(3);
    expect(new Set(rows.map((r) => r.org_id))).toEqual(new Set([orgA]));
    const orgs = await t.db.withTenant(
      orgA,
      async (sql) => (await sql.query<{ id: string }>('SELECT id FROM orgs')).rows,
    );
    expect(orgs.map((o) => o.id)).toEqual([orgA]);
  });

  it('refuses to insert a row for org B inside withTenant(A)', async () => {
    await expect(
      t.db.withTenant(orgA, (sql) =>
        sql.query('INSERT INTO service_accounts (org_id, id, name, roles) VALUES ($1, $2, $3, $4)', [
          orgB,
          newId('svc'),
          'smuggled',
          ['service'],
        ]),
      ),
    ).rejects.toThrow(/row-level security/);
    const count = await t.superuser('SELECT count(*)::int AS n FROM service_accounts WHERE name = $1', ['smuggled']);
    expect(count[0]?.n).toBe(0);
  });

  it('cannot move a row to another org by UPDATE', async () => {
    await expect(
      t.db.withTenant(orgA, (sql) => sql.query('UPDATE service_accounts SET org_id = $1', [orgB])),
    ).rejects.toThrow(/row-level security/);
  });

  it('cannot update or delete rows of another org', async () => {
    const changed = await t.db.withTenant(
      orgA,
      async (sql) =>
        (await sql.query('UPDATE service_accounts SET name = name || $2 WHERE org_id = $1', [orgB, '-x'])).rowCount,
    );
    expect(changed).toBe(0);
    const deleted = await t.db.withTenant(
      orgA,
      async (sql) => (await sql.query('DELETE FROM service_accounts WHERE org_id = $1', [orgB])).rowCount,
    );
    expect(deleted).toBe(0);
  });

  it('returns nothing when no tenant is set (fails closed)', async () => {
    const rows = await t.db.withPlatform(async (sql) => (await sql.query('SELECT * FROM service_accounts')).rows);
    expect(rows).toHaveLength(0);
  });

  it('refuses a malformed org id before it reaches the database', async () => {
    await expect(t.db.withTenant('org_x' as OrgId, async () => 1)).rejects.toSatisfy((e: unknown) =>
      isAppError(e, 'db.tenant_required'),
    );
    await expect(t.db.withTenant("' OR 1=1 --" as OrgId, async () => 1)).rejects.toSatisfy((e: unknown) =>
      isAppError(e, 'db.tenant_required'),
    );
  });

  it('does not let a tenant carry over to the next transaction', async () => {
    await t.db.withTenant(orgA, async () => undefined);
    const tenant = await t.db.withPlatform(
      async (sql) => (await sql.query<{ v: string | null }>('SELECT bulwark_tenant_org() AS v')).rows[0]?.v,
    );
    expect(tenant).toBeNull();
  });

  it('has ENABLE and FORCE row-level security and a policy on every table with org_id', async () => {
    const tables = await t.superuser(`
      SELECT c.relname AS table, c.relrowsecurity AS enabled, c.relforcerowsecurity AS forced,
             (SELECT count(*)::int FROM pg_policies p WHERE p.schemaname = 'public' AND p.tablename = c.relname) AS policies
        FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
       WHERE n.nspname = 'public' AND c.relkind = 'r'
         AND EXISTS (SELECT 1 FROM information_schema.columns col WHERE col.table_schema = 'public' AND col.table_name = c.relname AND col.column_name = 'org_id')`);
    expect(tables.length).toBeGreaterThanOrEqual(5);
    const unprotected = tables.filter((row) => !row.enabled || !row.forced || (row.policies as number) < 1);
    expect(unprotected).toEqual([]);
  });

  it('leads the primary key of every tenant table with org_id', async () => {
    const keys = await t.superuser(`
      SELECT c.relname AS table, a.attname AS first_column
        FROM pg_index i JOIN pg_class c ON c.oid = i.indrelid JOIN pg_namespace n ON n.oid = c.relnamespace
        JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum = i.indkey[0]
       WHERE i.indisprimary AND n.nspname = 'public'
         AND EXISTS (SELECT 1 FROM information_schema.columns col WHERE col.table_schema = 'public' AND col.table_name = c.relname AND col.column_name = 'org_id')`);
    // The lookup tables keyed by a global id: they map a presented API key or OAuth client id to its org.
    const lookups = new Set(['api_key_index', 'oidc_client_index']);
    expect(keys.filter((k) => k.first_column !== 'org_id' && !lookups.has(k.table as string))).toEqual([]);
  });

  it('refuses a database of the other environment', async () => {
    await claimEnvironment(t.owner, 'development');
    await expect(claimEnvironment(t.owner, 'test')).resolves.toBeUndefined();
    await expect(checkEnvironment(t.db, 'test')).resolves.toBeUndefined();
    await expect(checkEnvironment(t.db, 'production')).rejects.toSatisfy((e: unknown) =>
      isAppError(e, 'db.environment_mismatch'),
    );
    await expect(claimEnvironment(t.owner, 'production')).rejects.toSatisfy((e: unknown) =>
      isAppError(e, 'db.environment_mismatch'),
    );
  });

  it('a development server refuses a production-tagged database', async () => {
    const prod = await createTestDb();
    try {
      await claimEnvironment(prod.owner, 'production');
      await expect(claimEnvironment(prod.owner, 'development')).rejects.toSatisfy((e: unknown) =>
        isAppError(e, 'db.environment_mismatch'),
      );
    } finally {
      await prod.close();
    }
  });
});
