import type { TestDb } from './test-db.js';

let serial = 0;

/**
 * Makes every `event` (INSERT or UPDATE) on `table` that matches `when` fail with a real database error, from a
 * trigger installed as the owner: a step of a use case fails after the steps before it ran. Returns the remover.
 */
export async function injectFailure(
  testDb: TestDb,
  table: string,
  event: 'INSERT' | 'UPDATE',
  when = 'true',
): Promise<() => Promise<void>> {
  const name = `test_injected_failure_${++serial}`;
  await testDb.superuser(
    `CREATE FUNCTION ${name}() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'injected failure on ${table}'; END $$`,
  );
  await testDb.superuser(
    `CREATE TRIGGER ${name} BEFORE ${event} ON ${table} FOR EACH ROW WHEN (${when}) EXECUTE FUNCTION ${name}()`,
  );
  return async () => {
    await testDb.superuser(`DROP TRIGGER ${name} ON ${table}`);
    await testDb.superuser(`DROP FUNCTION ${name}()`);
  };
}

/** A digest of every row of `tables` (read as the owner, past row-level security), to prove nothing changed. */
export async function snapshot(testDb: TestDb, tables: readonly string[]): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const table of tables) {
    // last_used_at is touched by authentication itself (at most once a minute), not by the change under test.
    const rows = await testDb.superuser(
      `SELECT coalesce(md5(string_agg((to_jsonb(t) - 'last_used_at')::text, '|' ORDER BY (to_jsonb(t) - 'last_used_at')::text)), '') AS digest, count(*)::int AS n FROM ${table} t`,
    );
    out[table] = `${String(rows[0]?.n)}:${String(rows[0]?.digest)}`;
  }
  return out;
}
