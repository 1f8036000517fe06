import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backendName, createTestDb, type TestDb } from '../../../../test/support/test-db.js';
import { systemClock } from '../../../lib/clock.js';
import { isAppError } from '../../../lib/errors/index.js';
import { newId, type OrgId } from '../../../lib/ids.js';
import { AuditLog } from '../../audit/index.js';
import type { MeterSubject } from '../ports.js';
import { createGatewayUsage, type GatewayUsage } from './create-gateway-usage.js';

// Attack: fire many calls at once at a nearly spent budget, hoping that several read "there is room" before any of
// them writes, as a read-then-write check would allow. The reservation is one conditional UPDATE per counter.
describe(`200 concurrent reservations against a nearly spent budget never overspend it (${backendName})`, () => {
  let t: TestDb;
  let usage: GatewayUsage;
  let orgId: OrgId;
  const LIMIT = 10_000;
  const subject = (): MeterSubject => ({
    orgId,
    principalId: 'usr_00000000000000000000000001',
    apiKeyId: 'key_00000000000000000000000001',
    roles: ['developer'],
    model: 'race-model',
  });

  beforeAll(async () => {
    t = await createTestDb();
    const audit = new AuditLog({ db: t.db, clock: systemClock });
    orgId = newId('org');
    await t.db.withPlatform((sql) =>
      sql.query('INSERT INTO orgs (id, name, slug) VALUES ($1, $2, $3)', [orgId, 'Race', `r-${orgId.slice(-12)}`]),
    );
    usage = createGatewayUsage({
      db: t.db,
      audit,
      clock: systemClock,
      counterStore: { kind: 'memory' },
      platformOrgId: orgId,
      settings: {
        costGuard: { windowSeconds: 300, baselineSeconds: 3600, factor: 10, floorMicros: Number.MAX_SAFE_INTEGER },
        staleReservationSeconds: 900,
        keyPrefix: 'race',
      },
    });
    const ctx = { actor: { type: 'system' as const, id: 'test' }, requestId: 'req_setup' };
    await t.db.withPlatform((sql) =>
      usage.service.setPrice(
        sql,
        { model: 'race-model', inputMicrosPerMTok: 1_000_000, outputMicrosPerMTok: 1_000_000 },
        ctx,
      ),
    );
    await t.db.withTenant(orgId, (sql) =>
      usage.service.updateLimits(
        sql,
        {
          monthlyTokens: null,
          rpm: null,
          tpm: null,
          costGuardMode: 'off',
          limits: [
            { subjectKind: 'org', subjectId: '', period: 'month', limitMicros: LIMIT, alertThresholds: [] },
            {
              subjectKind: 'key',
              subjectId: 'key_00000000000000000000000001',
              period: 'day',
              limitMicros: LIMIT,
              alertThresholds: [],
            },
          ],
        },
        0,
        ctx,
      ),
    );
    // Nearly spent: 9,000 of 10,000 settled.
    await usage.meter.settle(
      await usage.meter.reserve(subject(), 'req_spent', 9_000),
      {
        inputTokens: 9_000,
        outputTokens: 0,
      },
      [],
    );
  });
  afterAll(async () => t.close());

  it('admits exactly what fits, refuses the rest with budget_exceeded, and the settled spend stays within the limit', async () => {
    const outcomes = await Promise.allSettled(
      Array.from({ length: 200 }, (_, i) => usage.meter.reserve(subject(), `req_race_${i}`, 10)),
    );
    const admitted = outcomes.flatMap((o) => (o.status === 'fulfilled' ? [o.value] : []));
    const refused = outcomes.flatMap((o) => (o.status === 'rejected' ? [o.reason as unknown] : []));
    expect(refused.every((e) => isAppError(e, 'gateway.budget_exceeded'))).toBe(true);
    // 1,000 left at 10 each.
    expect(admitted.length).toBe(100);
    await Promise.all(admitted.map((r) => usage.meter.settle(r, { inputTokens: 6, outputTokens: 4 }, [])));
    const counters = await t.superuser(
      'SELECT counter, used, reserved FROM gateway_counters WHERE org_id = $1 ORDER BY counter',
      [orgId],
    );
    for (const c of counters) {
      expect(Number(c.used) + Number(c.reserved)).toBeLessThanOrEqual(LIMIT);
      expect([c.counter, Number(c.used), Number(c.reserved)]).toEqual([c.counter, LIMIT, 0]);
    }
    const [spent] = await t.superuser(
      "SELECT SUM(cost_micros) AS total, COUNT(*) AS n FROM gateway_usage WHERE org_id = $1 AND state = 'settled'",
      [orgId],
    );
    expect([Number(spent?.total), Number(spent?.n)]).toEqual([LIMIT, 101]);
    expect(await usage.meter.reserve(subject(), 'req_after', 1).catch((e: unknown) => e)).toMatchObject({
      code: 'gateway.budget_exceeded',
    });
  }, 120_000);
});
