import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { OrgId } from '../../src/lib/ids.js';
import { backendName } from '../support/test-db.js';
import { createTestServer, type TestServer } from '../support/test-server.js';
import { twoOrgs } from './api-client.js';
import { forgedKey, keyIdOf, throttleEnv, throttleStore } from './throttle-support.js';

interface Rejected {
  count: number;
  clientIp: string | null;
}

async function rejectedEvents(server: TestServer, orgId: string): Promise<Rejected[]> {
  await server.runtime.services.rejectedCredentials.flush();
  await server.runtime.auditBuffer.flush();
  const out: Rejected[] = [];
  for await (const record of server.runtime.audit.records(orgId as OrgId, {
    actionPrefix: 'authn.credential.rejected',
  })) {
    const details = (record.details ?? {}) as { count?: unknown };
    out.push({ count: typeof details.count === 'number' ? details.count : 1, clientIp: record.client_ip });
  }
  return out;
}

describe(`rejected credentials cannot flood a tenant's audit chain (${backendName}, counters ${throttleStore})`, () => {
  let server: TestServer;
  let ctx: Awaited<ReturnType<typeof twoOrgs>>;

  beforeAll(async () => {
    server = await createTestServer({ env: throttleEnv({ BULWARK_TRUST_PROXY: 'true' }) });
    ctx = await twoOrgs(server.app, server.runtime.bootstrap?.secret ?? '');
  });
  afterAll(async () => server.close());

  it("500 failures with a real key id from one source write a bounded handful of events into that org's chain, with counts", async () => {
    const victim = keyIdOf(ctx.a.ownerKey);
    let refused = 0;
    for (let i = 0; i < 500; i++) {
      const res = await server.app.inject({
        method: 'GET',
        url: `/v1/orgs/${ctx.a.orgId}`,
        headers: { authorization: `Bearer ${forgedKey(victim)}`, 'x-forwarded-for': '198.51.100.9' },
      });
      if (res.statusCode === 401 || res.statusCode === 429) refused++;
    }
    expect(refused).toBe(500);
    const events = await rejectedEvents(server, ctx.a.orgId);
    expect(events.length).toBeGreaterThanOrEqual(1);
    expect(events.length).toBeLessThanOrEqual(3);
    // The events still say how many failures there were (those that reached the key lookup).
    expect(events.reduce((sum, e) => sum + e.count, 0)).toBeGreaterThanOrEqual(10);
    expect((await server.runtime.audit.verify(ctx.a.orgId as OrgId)).ok).toBe(true);
  });

  it('500 failures on a real key id from 500 sources still write a bounded number of events', async () => {
    const victim = keyIdOf(ctx.b.ownerKey);
    for (let i = 0; i < 500; i++) {
      const ip = `10.${Math.floor(i / 250)}.${i % 250}.1`;
      const res = await server.app.inject({
        method: 'GET',
        url: `/v1/orgs/${ctx.b.orgId}`,
        headers: { authorization: `Bearer ${forgedKey(victim)}`, 'x-forwarded-for': ip },
      });
      expect([401, 429]).toContain(res.statusCode);
    }
    const events = await rejectedEvents(server, ctx.b.orgId);
    expect(events.length).toBeLessThanOrEqual(12);
    expect(events.reduce((sum, e) => sum + e.count, 0)).toBe(500);
  });

  it("the org's owner is not disturbed and a later failure is recorded again", async () => {
    expect(
      (
        await server.app.inject({
          method: 'GET',
          url: `/v1/orgs/${ctx.b.orgId}`,
          headers: { authorization: `Bearer ${ctx.b.ownerKey}`, 'x-forwarded-for': '192.0.2.77' },
        })
      ).statusCode,
    ).toBe(200);
  });
});
