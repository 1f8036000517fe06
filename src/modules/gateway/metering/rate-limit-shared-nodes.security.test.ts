import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testRedisUrl } from '../../../../test/api/throttle-support.js';
import { backendName, createTestDb, type TestDb } from '../../../../test/support/test-db.js';
import { systemClock } from '../../../lib/clock.js';
import { isAppError } from '../../../lib/errors/index.js';
import { newId, type OrgId } from '../../../lib/ids.js';
import { closeRedis, openRedis } from '../../../platform/redis/index.js';
import type { CounterStore } from '../../../platform/rate-limit/index.js';
import { AuditLog } from '../../audit/index.js';
import type { MeterSubject } from '../ports.js';
import { createGatewayUsage, type GatewayUsage } from './create-gateway-usage.js';

const redisUrl = testRedisUrl;
const settings = (keyPrefix: string) => ({
  costGuard: { windowSeconds: 300, baselineSeconds: 3600, factor: 10, floorMicros: Number.MAX_SAFE_INTEGER },
  staleReservationSeconds: 900,
  keyPrefix,
});

// Attack: spread calls over two nodes so that each node's own counter stays under the limit. With Redis the nodes share
// one counter; without it (the embedded default, one node) each node keeps its own, which is asserted as such.
describe(`RPM and TPM limits across two nodes (${backendName}, ${redisUrl ? 'redis' : 'in process'})`, () => {
  let t: TestDb;
  let audit: AuditLog;
  const clients: ReturnType<typeof openRedis>[] = [];
  const prefix = `gwtest-${newId('req').slice(-10)}`;

  async function newOrg(rpm: number | null, tpm: number | null): Promise<OrgId> {
    const orgId = newId('org');
    await t.db.withPlatform((sql) =>
      sql.query('INSERT INTO orgs (id, name, slug) VALUES ($1, $2, $3)', [orgId, 'Rate', `rl-${orgId.slice(-12)}`]),
    );
    await t.db.withTenant(orgId, (sql) =>
      node(`${prefix}-setup`, { kind: 'memory' }).service.updateLimits(
        sql,
        { monthlyTokens: null, rpm, tpm, costGuardMode: 'off', limits: [] },
        0,
        { actor: { type: 'system', id: 'test' }, requestId: 'req_setup' },
      ),
    );
    return orgId;
  }

  function node(keyPrefix: string, store: CounterStore): GatewayUsage {
    return createGatewayUsage({
      db: t.db,
      audit,
      clock: systemClock,
      counterStore: store,
      platformOrgId: newId('org'),
      settings: settings(keyPrefix),
    });
  }

  // A node that serves waits for Redis first (main.ts); so do these, except the one pointed at a closed port.
  async function storeFor(url: string | undefined, waitReady = true): Promise<CounterStore> {
    if (!url) return { kind: 'memory' };
    const client = openRedis(url);
    clients.push(client);
    if (waitReady && client.status !== 'ready') await new Promise((resolve) => client.once('ready', resolve));
    return { kind: 'redis', client };
  }

  const subject = (orgId: OrgId): MeterSubject => ({
    orgId,
    principalId: 'usr_00000000000000000000000001',
    apiKeyId: null,
    roles: ['developer'],
    model: 'rate-model',
  });

  async function outcome(promise: Promise<unknown>): Promise<string> {
    try {
      await promise;
      return 'ok';
    } catch (error) {
      if (isAppError(error)) return error.code;
      throw error;
    }
  }

  beforeAll(async () => {
    t = await createTestDb();
    audit = new AuditLog({ db: t.db, clock: systemClock });
  });
  afterAll(async () => {
    for (const client of clients) await closeRedis(client);
    await t.close();
  });

  it('bounds the combined requests per minute of two nodes', async () => {
    const orgId = await newOrg(10, null);
    const [a, b] = [node(prefix, await storeFor(redisUrl)), node(prefix, await storeFor(redisUrl))];
    if (redisUrl)
      await Promise.all(
        clients.map((c) => (c.status === 'ready' ? undefined : new Promise((r) => c.once('ready', r)))),
      );
    const results = await Promise.all(
      Array.from({ length: 30 }, (_, i) => outcome((i % 2 ? a : b).meter.reserve(subject(orgId), `req_rpm_${i}`, 1))),
    );
    const admitted = results.filter((r) => r === 'ok').length;
    expect(results.filter((r) => r !== 'ok').every((r) => r === 'gateway.rate_limited')).toBe(true);
    // Shared counter: 10 in all. Separate counters: 10 per node.
    expect(admitted).toBe(redisUrl ? 10 : 20);
  });

  it('bounds the combined tokens per minute, corrected to the real count at settlement', async () => {
    const orgId = await newOrg(null, 1000);
    const [a, b] = [node(prefix, await storeFor(redisUrl)), node(prefix, await storeFor(redisUrl))];
    const held = await a.meter.reserve(subject(orgId), 'req_tpm_1', 600);
    expect(await outcome(b.meter.reserve(subject(orgId), 'req_tpm_2', 600))).toBe(
      redisUrl ? 'gateway.rate_limited' : 'ok',
    );
    // The call used 100 tokens, not 600: 500 come back.
    await a.meter.settle(held, { inputTokens: 50, outputTokens: 50 }, []);
    if (redisUrl) expect(await outcome(b.meter.reserve(subject(orgId), 'req_tpm_3', 850))).toBe('ok');
    expect(await outcome(a.meter.reserve(subject(orgId), 'req_tpm_4', 1001))).toBe('gateway.rate_limited');
  });

  it('fails closed with meter_unavailable when the counter store is unreachable', async () => {
    const orgId = await newOrg(100, 100_000);
    // A port nothing listens on.
    const down = node(prefix, await storeFor('redis://127.0.0.1:1', false));
    const results = await Promise.all(
      Array.from({ length: 5 }, (_, i) => outcome(down.meter.reserve(subject(orgId), `req_down_${i}`, 10))),
    );
    expect(results).toEqual(Array(5).fill('gateway.meter_unavailable'));
    // Nothing was reserved in the database for the refused calls.
    const rows = await t.superuser('SELECT count(*) AS n FROM gateway_usage WHERE org_id = $1', [orgId]);
    expect(Number(rows[0]?.n)).toBe(0);
  });
});
