import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { OrgId } from '../../src/lib/ids.js';
import { backendName } from '../support/test-db.js';
import { createTestServer, type TestServer } from '../support/test-server.js';
import { twoOrgs } from './api-client.js';

// Attack: a caller puts a NUL byte (and other junk) into a path parameter. Before the fix the raw value became
// the audit resource id of the read's decision; PostgreSQL cannot store NUL in text, so the whole group-commit
// batch failed and every other principal's read of the same org in that batch got 503.
describe(`NUL byte in a path parameter cannot poison the audit batch (${backendName})`, () => {
  let server: TestServer;
  let ctx: Awaited<ReturnType<typeof twoOrgs>>;
  let readerKey: string;
  let attackerKey: string;

  beforeAll(async () => {
    server = await createTestServer();
    ctx = await twoOrgs(server.app, server.runtime.bootstrap?.secret ?? '');
    const { orgId, ownerKey } = ctx.a;
    const mk = async (name: string) =>
      (
        await ctx.call(ownerKey, 'POST', `/v1/orgs/${orgId}/api-keys`, {
          name,
          role: 'admin',
          scopes: ['read:keys', 'read:members', 'read:org', 'read:service-accounts', 'review:quarantine'],
        })
      ).json();
    readerKey = (await mk('reader')).secret;
    attackerKey = (await mk('attacker')).secret;
    expect(readerKey).toMatch(/^bwk_/);
    expect(attackerKey).toMatch(/^bwk_/);
  });
  afterAll(async () => server.close());

  it('answers the bad requests 4xx and never fails a good read of the same org', async () => {
    const org = ctx.a.orgId;
    const bad = [
      `/v1/orgs/${org}/api-keys/key_%00x`,
      `/v1/orgs/${org}/quarantine/qtn_%00`,
      `/v1/orgs/${org}/members/%00`,
      `/v1/orgs/${org}/service-accounts/svc_%00abc`,
      `/v1/orgs/${org}/api-keys/%ED%A0%80`,
    ];
    const good: Promise<number>[] = [];
    const attacks: Promise<number>[] = [];
    for (let round = 0; round < 12; round += 1) {
      for (let i = 0; i < 4; i += 1)
        good.push(ctx.call(readerKey, 'GET', `/v1/orgs/${org}/members`).then((r) => r.statusCode));
      for (const url of bad) attacks.push(ctx.call(attackerKey, 'GET', url).then((r) => r.statusCode));
      await new Promise((resolve) => setImmediate(resolve));
    }
    const goodStatuses = await Promise.all(good);
    const badStatuses = await Promise.all(attacks);
    expect(goodStatuses.filter((s) => s === 503).length).toBe(0);
    expect(goodStatuses.every((s) => s === 200)).toBe(true);
    expect(badStatuses.filter((s) => s < 400 || s >= 500)).toEqual([]);
    await server.runtime.auditBuffer.flush();
    expect((await server.runtime.audit.verify(org as OrgId)).ok).toBe(true);
  });

  it('keeps raw path parameters out of the audit log', async () => {
    await server.runtime.auditBuffer.flush();
    const ids: string[] = [];
    for await (const record of server.runtime.audit.records(ctx.a.orgId as OrgId, {}))
      if (record.resource?.id) ids.push(record.resource.id);
    expect(ids.filter((id) => id.includes('\u0000') || /[\ud800-\udfff]/.test(id))).toEqual([]);
  });
});
