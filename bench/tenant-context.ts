/**
 * What the signed tenant context (migration 0012) costs, beside the raw setting the policies read before, in one run
 * on PGlite and (with DATABASE_URL) PostgreSQL:
 * - per query: `SELECT bulwark_tenant_org()` (HMAC check in the database) vs `SELECT current_setting(...)`;
 * - per row-level-security read: a tenant table read by the verified policy vs the same read of a table without RLS;
 * - per transaction: withTenant with a signed context (one HMAC in Node, two statements) vs the two unsigned
 *   statements a tenant transaction ran before.
 * Run: npx tsx bench/tenant-context.ts [iterations=2000]
 * Target: a signed tenant transaction costs at most 1.1x an unsigned one; the check adds tens of microseconds per query.
 */
import { performance } from 'node:perf_hooks';
import { backendName, createTestDb, type TestDb } from '../test/support/test-db.js';
import { newId, type OrgId } from '../src/lib/ids.js';

const iterations = Number(process.argv[2] ?? 2000);
const ROUNDS = 5;

async function microsPerOp(n: number, op: () => Promise<unknown>): Promise<number> {
  const start = performance.now();
  for (let i = 0; i < n; i += 1) await op();
  return ((performance.now() - start) * 1000) / n;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
}

async function seed(t: TestDb): Promise<OrgId> {
  const org = newId('org');
  await t.db.withPlatform((sql) =>
    sql.query('INSERT INTO orgs (id, name, slug) VALUES ($1, $1, $2)', [org, 'bench-tc']),
  );
  await t.db.withTenant(org, (sql) =>
    sql.query('INSERT INTO service_accounts (org_id, id, name, roles) VALUES ($1, $2, $3, $4)', [
      org,
      newId('svc'),
      'bench',
      ['service'],
    ]),
  );
  return org;
}

type Side = { name: string; run: () => Promise<number> };

async function compare(label: string, test: Side, baseline: Side): Promise<void> {
  const tested: number[] = [];
  const base: number[] = [];
  // Alternating rounds spread background load evenly over both sides.
  for (let round = 0; round < ROUNDS; round += 1) {
    base.push(await baseline.run());
    tested.push(await test.run());
  }
  const t = median(tested);
  const b = median(base);
  console.log(
    `  ${label}: ${test.name} ${t.toFixed(1)} µs, ${baseline.name} ${b.toFixed(1)} µs, ` +
      `+${(t - b).toFixed(1)} µs, ratio ${(t / b).toFixed(2)}x`,
  );
}

async function main(): Promise<void> {
  const t = await createTestDb();
  try {
    const org = await seed(t);
    const n = Math.floor(iterations / ROUNDS);
    console.log(`${backendName}: ${ROUNDS} alternating rounds of ${n} operations each (median reported)`);
    await t.db.withTenant(org, async (sql) => {
      const queries = (text: string) => () => microsPerOp(n, () => sql.query(text));
      await compare(
        'check per query',
        { name: 'bulwark_tenant_org()', run: queries('SELECT bulwark_tenant_org()') },
        { name: 'current_setting()', run: queries("SELECT current_setting('bulwark.context', true)") },
      );
      await compare(
        'row-level-security read of one row',
        { name: 'service_accounts (verified policy)', run: queries('SELECT id FROM service_accounts') },
        { name: 'platform_meta (no RLS)', run: queries('SELECT environment FROM platform_meta') },
      );
    });
    const owner = t.owner;
    await compare(
      'transaction',
      {
        name: 'withTenant (signed context)',
        run: () => microsPerOp(n, () => t.db.withTenant(org, (sql) => sql.query('SELECT 1'))),
      },
      {
        name: 'unsigned (the statements before 0012)',
        run: () =>
          microsPerOp(n, () =>
            owner.withOwner(async (sql) => {
              await sql.query('SET LOCAL ROLE bulwark_app');
              await sql.query(
                `SELECT set_config('bulwark.org_id', $1, true), set_config('bulwark.scope', 'tenant', true)`,
                [org],
              );
              return sql.query('SELECT 1');
            }),
          ),
      },
    );
  } finally {
    await t.close();
  }
}

await main();
