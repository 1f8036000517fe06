/**
 * Cost of metering one gateway call: reserve + settle (org budget, a key cap and the monthly token quota set), against
 * a baseline of one empty tenant transaction (`SELECT 1`), both sequential in the same run, on PGlite or (with
 * DATABASE_URL) PostgreSQL. Run: npx tsx bench/gateway-metering.ts [calls=300]
 */
import { performance } from 'node:perf_hooks';
import { backendName, createTestDb } from '../test/support/test-db.js';
import { systemClock } from '../src/lib/clock.js';
import { newId, type OrgId } from '../src/lib/ids.js';
import { AuditLog } from '../src/modules/audit/index.js';
import { createGatewayUsage } from '../src/modules/gateway/index.js';

const calls = Number(process.argv[2] ?? 300);

const t = await createTestDb();
try {
  const audit = new AuditLog({ db: t.db, clock: systemClock });
  const orgId = newId('org') as OrgId;
  await t.db.withPlatform((sql) =>
    sql.query('INSERT INTO orgs (id, name, slug) VALUES ($1, $2, $3)', [orgId, 'bench', `b-${orgId.slice(-14)}`]),
  );
  const usage = createGatewayUsage({
    db: t.db,
    audit,
    clock: systemClock,
    counterStore: { kind: 'memory' },
    platformOrgId: orgId,
    settings: {
      costGuard: { windowSeconds: 300, baselineSeconds: 3600, factor: 10, floorMicros: Number.MAX_SAFE_INTEGER },
      staleReservationSeconds: 900,
      keyPrefix: 'bench',
    },
  });
  const keyId = 'key_00000000000000000000000001';
  await t.db.withTenant(orgId, (sql) =>
    usage.service.updateLimits(
      sql,
      {
        monthlyTokens: 1e12,
        rpm: 1e9,
        tpm: 1e9,
        costGuardMode: 'block',
        limits: [
          { subjectKind: 'org', subjectId: '', period: 'month', limitMicros: 1e15, alertThresholds: [50, 80, 100] },
          { subjectKind: 'key', subjectId: keyId, period: 'day', limitMicros: 1e15, alertThresholds: [] },
        ],
      },
      0,
      { actor: { type: 'system', id: 'bench' }, requestId: 'req_bench' },
    ),
  );
  const subject = {
    orgId,
    principalId: 'usr_00000000000000000000000001',
    apiKeyId: keyId,
    roles: ['developer'],
    model: 'bench',
  };
  const run = async (name: string, fn: (i: number) => Promise<unknown>) => {
    for (let i = 0; i < 20; i++) await fn(-1 - i); // warm-up
    const start = performance.now();
    for (let i = 0; i < calls; i++) await fn(i);
    const ms = (performance.now() - start) / calls;
    console.log(`${backendName} ${name}: ${ms.toFixed(2)} ms per call`);
    return ms;
  };
  const baseline = await run('empty tenant transaction', () => t.db.withTenant(orgId, (sql) => sql.query('SELECT 1')));
  const metered = await run('reserve + settle', async (i) =>
    usage.meter.settle(
      await usage.meter.reserve(subject, `req_bench_${i}_${Math.random()}`, 500),
      {
        inputTokens: 300,
        outputTokens: 100,
      },
      [],
    ),
  );
  const held: Awaited<ReturnType<typeof usage.meter.reserve>>[] = [];
  await run('reserve alone', async (i) => {
    if (i >= 0) held.push(await usage.meter.reserve(subject, `req_split_${i}`, 500));
  });
  await run('settle alone', async (i) => {
    const r = i >= 0 ? held[i] : undefined;
    if (r) await usage.meter.settle(r, { inputTokens: 300, outputTokens: 100 }, []);
  });
  console.log(`${backendName} ratio reserve+settle / empty transaction: ${(metered / baseline).toFixed(1)}x`);
} finally {
  await t.close();
}
