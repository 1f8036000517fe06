import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backendName, createTestDb, type TestDb } from '../../../test/support/test-db.js';
import { loadConfig } from '../../config/index.js';
import { isAppError } from '../../lib/errors/index.js';
import { openCore } from '../../main.js';
import { PostgresDb } from './postgres-db.js';
import { provisionServingLogin } from './serving-login.js';
import { inspectServingRole } from './serving-role.js';

/** Logins with one privilege each, for the refusal cases. Roles are cluster-wide: fixed names, created once, never altered. */
const OWNER_LOGIN = { user: 'bulwark_test_table_owner', password: 'bulwark-test-table-owner' } as const;
const BYPASS_LOGIN = { user: 'bulwark_test_bypassrls', password: 'bulwark-test-bypassrls' } as const;

function loginUrl(url: string, login: { user: string; password: string }): string {
  const parsed = new URL(url);
  parsed.username = login.user;
  parsed.password = login.password;
  return parsed.toString();
}

describe(`serving database login (${backendName})`, () => {
  let t: TestDb;

  beforeAll(async () => {
    t = await createTestDb();
  });
  afterAll(async () => t.close());

  if (backendName !== 'postgres') {
    it('PGlite reports its single connection as a superuser (the documented limit)', async () => {
      const report = await inspectServingRole(t.db);
      expect(report.problems).toHaveLength(1);
      expect(report.problems[0]).toMatch(/is a superuser/);
    });
    return;
  }

  it('the provisioned serving login has no problem; the owner connection is named a superuser with the setting to change', async () => {
    expect(await inspectServingRole(t.db)).toEqual({ login: 'bulwark_test_server', problems: [] });
    const owner = await inspectServingRole(t.owner);
    expect(owner.problems.join()).toMatch(/is a superuser.*BULWARK_MIGRATION_DATABASE_URL/);
  });

  it('names a login that owns a table, and one with BYPASSRLS', async () => {
    await t.superuser(`DO $$ BEGIN
      IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '${BYPASS_LOGIN.user}') THEN CREATE ROLE ${BYPASS_LOGIN.user} LOGIN BYPASSRLS PASSWORD '${BYPASS_LOGIN.password}'; END IF;
    EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL; END $$`);
    await provisionServingLogin(t.owner, OWNER_LOGIN);
    await provisionServingLogin(t.owner, BYPASS_LOGIN);
    await t.superuser(`CREATE TABLE owned_by_login (id int); ALTER TABLE owned_by_login OWNER TO ${OWNER_LOGIN.user}`);
    for (const [login, pattern] of [
      [OWNER_LOGIN, /owns 1 tables or sequences \(as bulwark_test_table_owner\)/],
      [BYPASS_LOGIN, /has BYPASSRLS: ALTER ROLE bulwark_test_bypassrls NOBYPASSRLS/],
    ] as const) {
      const db = await PostgresDb.open(loginUrl(t.url as string, login));
      try {
        const report = await inspectServingRole(db);
        expect(report.login).toBe(login.user);
        expect(report.problems.join()).toMatch(pattern);
      } finally {
        await db.close();
      }
    }
  });

  it('production start refuses a superuser serving login and starts with the provisioned one', async () => {
    const fresh = await createTestDb({ migrate: false });
    const dataDir = await mkdtemp(path.join(tmpdir(), 'bulwark-role-'));
    const production = (env: Record<string, string>) =>
      loadConfig({
        env: {
          BULWARK_ENV: 'production',
          BULWARK_ALLOW_DEV_SHORTCUTS: 'true',
          BULWARK_DATA_DIR: dataDir,
          BULWARK_LOG_LEVEL: 'silent',
          ...env,
        },
      });
    try {
      const refused = await openCore(production({ DATABASE_URL: fresh.url as string })).then(
        async (core) => core.close(),
        (error: unknown) => error,
      );
      expect(isAppError(refused, 'db.serving_role_unsafe')).toBe(true);
      expect((refused as Error).message).toMatch(/login postgres is a superuser/);
      expect((refused as Error).message).toContain('BULWARK_MIGRATION_DATABASE_URL');

      const core = await openCore(
        production({ DATABASE_URL: fresh.servingUrl as string, BULWARK_MIGRATION_DATABASE_URL: fresh.url as string }),
      );
      try {
        const user = await core.db.withPlatform(
          async (sql) => (await sql.query<{ u: string }>('SELECT session_user::text AS u')).rows[0]?.u,
        );
        expect(user).toBe('bulwark_test_server');
      } finally {
        await core.close();
      }
    } finally {
      await fresh.close();
    }
  }, 120_000);
});
