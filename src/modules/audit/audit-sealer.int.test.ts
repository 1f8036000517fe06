import { promises as fs } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backendName, createTestDb, type TestDb } from '../../../test/support/test-db.js';
import { systemClock } from '../../lib/clock.js';
import { newId, type OrgId } from '../../lib/ids.js';
import { openLocalKeyVault, type KeyVault } from '../../platform/vault/index.js';
import { AuditLog } from './audit-log.js';
import { AuditSealer } from './audit-sealer.js';
import type { AuditEventInput } from './event.js';

function event(orgId: OrgId, n: number): AuditEventInput {
  return {
    orgId,
    actor: { type: 'system', id: null },
    action: 'authz.decision.made',
    decision: 'info',
    details: { n },
  };
}

describe(`audit sealing timer (${backendName})`, () => {
  let t: TestDb;
  let dir: string;
  let vault: KeyVault;
  let audit: AuditLog;

  beforeAll(async () => {
    t = await createTestDb();
    dir = await fs.mkdtemp(join(tmpdir(), 'bulwark-sealer-'));
    vault = await openLocalKeyVault(join(dir, 'vault.key'));
    audit = new AuditLog({ db: t.db, clock: systemClock, sealKey: vault, sealEvery: 50 });
  });
  afterAll(async () => {
    await vault.close();
    await t.close();
    await fs.rm(dir, { recursive: true, force: true });
  });

  async function newOrg(events: number): Promise<OrgId> {
    const orgId = newId('org');
    await t.db.withPlatform((sql) =>
      sql.query('INSERT INTO orgs (id, name, slug) VALUES ($1, $2, $3)', [
        orgId,
        'Sealer Org',
        `z-${orgId.slice(-12)}`,
      ]),
    );
    if (events > 0)
      await audit.record(
        orgId,
        Array.from({ length: events }, (_, i) => event(orgId, i + 1)),
      );
    return orgId;
  }

  it('a pass seals every org with an unsealed tail, and only those; a second pass writes nothing', async () => {
    const busy = await newOrg(7);
    const idle = await newOrg(0);
    expect(await audit.verify(busy)).toMatchObject({ ok: true, checkpointsChecked: 0, unsealedEvents: 7 });
    const sealer = new AuditSealer({ audit, listOrgIds: async () => [busy, idle] });
    expect(await sealer.sealAll()).toBe(2 - 1);
    expect(await audit.checkpoints(idle)).toEqual([]);
    expect(await audit.verify(busy)).toMatchObject({
      ok: true,
      checkpointsChecked: 1,
      lastCheckpointSeq: 7,
      unsealedEvents: 0,
      macsChecked: true,
    });
    expect(await sealer.sealAll()).toBe(0);
    await audit.record(busy, [event(busy, 8)]);
    expect(await sealer.sealAll()).toBe(1);
    expect((await audit.checkpoints(busy)).map((c) => c.seq)).toEqual([7, 8]);
  });

  it('the append path seals when a batch crosses the bound, inside its transaction', async () => {
    const orgId = await newOrg(49);
    expect(await audit.checkpoints(orgId)).toEqual([]);
    await audit.record(orgId, [event(orgId, 50), event(orgId, 51)]);
    expect((await audit.checkpoints(orgId)).map((c) => c.seq)).toEqual([51]);
    await expect(
      t.db.withTenant(orgId, async (sql) => {
        await audit.append(
          sql,
          Array.from({ length: 60 }, (_, i) => event(orgId, 52 + i)),
        );
        throw new Error('mutation failed');
      }),
    ).rejects.toThrow('mutation failed');
    // The rolled-back events took their checkpoint with them.
    expect((await audit.checkpoints(orgId)).map((c) => c.seq)).toEqual([51]);
    expect(await audit.verify(orgId)).toMatchObject({ ok: true, lastSeq: 51, unsealedEvents: 0 });
  });

  it('started, it seals within its interval; stop ends the timer and seals the tail once more', async () => {
    const orgId = await newOrg(3);
    const errors: unknown[] = [];
    const sealer = new AuditSealer({
      audit,
      listOrgIds: async () => [orgId],
      intervalMs: 20,
      onError: (e) => errors.push(e),
    });
    sealer.start();
    for (let i = 0; i < 200 && (await audit.checkpoints(orgId)).length === 0; i += 1)
      await new Promise((r) => setTimeout(r, 20));
    expect((await audit.checkpoints(orgId)).map((c) => c.seq)).toEqual([3]);
    await audit.record(orgId, [event(orgId, 4)]);
    await sealer.stop();
    expect((await audit.checkpoints(orgId)).at(-1)?.seq).toBe(4);
    const after = (await audit.checkpoints(orgId)).length;
    await audit.record(orgId, [event(orgId, 5)]);
    await new Promise((r) => setTimeout(r, 100));
    expect(await audit.checkpoints(orgId)).toHaveLength(after);
    expect(errors).toEqual([]);
  });

  it('an org whose seal fails does not stop the others, and the error is reported', async () => {
    const good = await newOrg(2);
    const errors: unknown[] = [];
    const sealer = new AuditSealer({
      audit,
      listOrgIds: async () => ['not-an-org' as OrgId, good],
      onError: (e) => errors.push(e),
    });
    expect(await sealer.sealAll()).toBe(1);
    expect(errors).toHaveLength(1);
    expect((await audit.checkpoints(good)).map((c) => c.seq)).toEqual([2]);
  });
});
