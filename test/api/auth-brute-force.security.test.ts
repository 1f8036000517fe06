import type { LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backendName } from '../support/test-db.js';
import { createTestServer, type TestServer } from '../support/test-server.js';
import { twoOrgs } from './api-client.js';
import { forgedKey, keyIdOf, throttleEnv, throttleStore, unknownKey } from './throttle-support.js';

// The limits these tests are written against, set explicitly so a change of the defaults does not hide a regression.
const LIMITS = {
  BULWARK_AUTH_THROTTLE_SOURCE_FAILURES: '30',
  BULWARK_AUTH_THROTTLE_KEY_FAILURES: '10',
  BULWARK_AUTH_THROTTLE_WINDOW_SECONDS: '60',
  BULWARK_AUTH_THROTTLE_BLOCK_SECONDS: '60',
};

const get = (server: TestServer, token: string, orgId: string, ip?: string): Promise<LightMyRequestResponse> =>
  server.app.inject({
    method: 'GET',
    url: `/v1/orgs/${orgId}`,
    headers: { authorization: `Bearer ${token}`, ...(ip ? { 'x-forwarded-for': ip } : {}) },
  });

function expectThrottled(res: LightMyRequestResponse): void {
  expect(res.statusCode).toBe(429);
  expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
  expect(res.json()).toMatchObject({ status: 429, code: 'authn.throttled' });
  const retryAfter = Number(res.headers['retry-after']);
  expect(Number.isInteger(retryAfter) && retryAfter >= 1).toBe(true);
}

describe(`brute force against authentication is throttled (${backendName}, counters ${throttleStore})`, () => {
  let server: TestServer;
  let ctx: Awaited<ReturnType<typeof twoOrgs>>;

  beforeAll(async () => {
    server = await createTestServer({ env: throttleEnv({ ...LIMITS, BULWARK_TRUST_PROXY: 'true' }) });
    ctx = await twoOrgs(server.app, server.runtime.bootstrap?.secret ?? '');
  });
  afterAll(async () => server.close());

  it('meets a limit after the allowed failures from one source: 429 with Retry-After, and no more 401s', async () => {
    const statuses: number[] = [];
    let last: LightMyRequestResponse | undefined;
    for (let i = 0; i < 600; i++) {
      last = await get(server, unknownKey(), ctx.a.orgId, '198.51.100.7');
      statuses.push(last.statusCode);
    }
    expect(statuses.filter((s) => s === 401).length).toBeLessThanOrEqual(30);
    expect(statuses.filter((s) => s === 429).length).toBeGreaterThanOrEqual(570);
    expect(new Set(statuses)).toEqual(new Set([401, 429]));
    if (last) expectThrottled(last);
  });

  it('a blocked source is refused before any credential is looked at, a valid one included', async () => {
    expectThrottled(await get(server, ctx.a.ownerKey, ctx.a.orgId, '198.51.100.7'));
    // Other sources are unaffected.
    expect((await get(server, ctx.a.ownerKey, ctx.a.orgId, '198.51.100.8')).statusCode).toBe(200);
  });

  it('an IPv6 attacker cannot escape the source limit by rotating addresses inside one /64', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 60; i++)
      statuses.push((await get(server, unknownKey(), ctx.a.orgId, `2001:db8:1:2::${(i + 1).toString(16)}`)).statusCode);
    expect(statuses.filter((s) => s === 401).length).toBeLessThanOrEqual(30);
    expect(statuses.at(-1)).toBe(429);
  });

  it('a real key id attacked from many sources is throttled on its key id', async () => {
    const victim = keyIdOf(ctx.b.ownerKey);
    const statuses: number[] = [];
    let last: LightMyRequestResponse | undefined;
    for (let i = 0; i < 200; i++) {
      last = await get(server, forgedKey(victim), ctx.b.orgId, `203.0.113.${i + 1}`);
      statuses.push(last.statusCode);
    }
    expect(statuses.filter((s) => s === 401).length).toBeLessThanOrEqual(10);
    expect(statuses.filter((s) => s === 429).length).toBeGreaterThanOrEqual(190);
    if (last) expectThrottled(last);
  });

  it('an unknown key id meets the same key-id limit as a real one, so the answer says nothing about existence', async () => {
    const ghost = keyIdOf(unknownKey());
    const statuses: number[] = [];
    for (let i = 0; i < 20; i++)
      statuses.push((await get(server, forgedKey(ghost), ctx.b.orgId, `192.0.2.${i + 1}`)).statusCode);
    expect(statuses.slice(0, 10)).toEqual(Array(10).fill(401));
    expect(statuses.slice(10)).toEqual(Array(10).fill(429));
  });

  it("the owner of a key id under attack still gets in: others' failures do not lock a valid key out", async () => {
    expect((await get(server, ctx.b.ownerKey, ctx.b.orgId, '198.51.100.200')).statusCode).toBe(200);
  });
});

describe(`repeated blocks back off (${backendName}, counters ${throttleStore})`, () => {
  let server: TestServer;

  beforeAll(async () => {
    server = await createTestServer({
      env: throttleEnv({
        BULWARK_AUTH_THROTTLE_SOURCE_FAILURES: '3',
        BULWARK_AUTH_THROTTLE_KEY_FAILURES: '3',
        BULWARK_AUTH_THROTTLE_BLOCK_SECONDS: '1',
        BULWARK_AUTH_THROTTLE_MAX_BLOCK_SECONDS: '4',
      }),
    });
  });
  afterAll(async () => server.close());

  async function failUntilThrottled(): Promise<number> {
    for (let i = 0; i < 20; i++) {
      const res = await get(server, unknownKey(), 'org_00000000000000000000000000');
      if (res.statusCode === 429) return Number(res.headers['retry-after']);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    throw new Error('never throttled');
  }

  it('doubles the block each time the same source is blocked again, up to the ceiling', async () => {
    const waits: number[] = [];
    for (let round = 0; round < 3; round++) {
      const wait = await failUntilThrottled();
      waits.push(wait);
      await new Promise((resolve) => setTimeout(resolve, wait * 1000 + 150));
    }
    expect(waits).toEqual([1, 2, 4]);
  });
});

describe(`two nodes on one counter store (${backendName}, counters ${throttleStore})`, () => {
  let first: TestServer;
  let second: TestServer;
  const prefix = `bulwark-test-shared-${process.pid}-${Date.now()}`;

  beforeAll(async () => {
    first = await createTestServer({ env: throttleEnv(LIMITS, prefix) });
    second = await createTestServer({ env: throttleEnv(LIMITS, prefix) });
  });
  afterAll(async () => {
    await first.close();
    await second.close();
  });

  it(
    process.env.REDIS_URL
      ? 'share the limit through Redis: failures on one node block the source on the other'
      : 'keep separate in-process counters without Redis (limits are per node)',
    async () => {
      for (let i = 0; i < 30; i++)
        expect((await get(first, unknownKey(), 'org_00000000000000000000000000')).statusCode).toBe(401);
      expect((await get(first, unknownKey(), 'org_00000000000000000000000000')).statusCode).toBe(429);
      const onSecond = await get(second, unknownKey(), 'org_00000000000000000000000000');
      if (process.env.REDIS_URL) expectThrottled(onSecond);
      else expect(onSecond.statusCode).toBe(401);
    },
  );
});
