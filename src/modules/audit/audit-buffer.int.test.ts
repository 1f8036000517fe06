import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backendName, createTestDb, type TestDb } from '../../../test/support/test-db.js';
import { systemClock } from '../../lib/clock.js';
import { newId, type OrgId } from '../../lib/ids.js';
import { AuditBuffer, type BatchWriter } from './audit-buffer.js';
import { AuditLog } from './audit-log.js';
import type { AuditEventInput } from './event.js';

function event(orgId: OrgId, n: number, resourceId = `model-${n}`): AuditEventInput {
  return {
    orgId,
    actor: { type: 'user', id: 'usr_01jd0000000000000000000000' },
    action: 'authz.decision.made',
    resource: { type: 'Model', id: resourceId },
    decision: 'allow',
    reasonCodes: ['role-developer-models'],
    requestId: newId('req'),
    clientIp: '203.0.113.7',
    details: { n },
  };
}

describe(`audit buffer on the real audit log (${backendName})`, () => {
  let t: TestDb;
  let audit: AuditLog;

  async function newOrg(): Promise<OrgId> {
    const orgId = newId('org');
    await t.db.withPlatform((sql) =>
      sql.query('INSERT INTO orgs (id, name, slug) VALUES ($1, $2, $3)', [
        orgId,
        'Buffer Org',
        `b-${orgId.slice(-12)}`,
      ]),
    );
    return orgId;
  }

  async function ns(orgId: OrgId): Promise<number[]> {
    const out: number[] = [];
    for await (const record of audit.records(orgId)) out.push(Number((record.details as { n?: number }).n));
    return out;
  }

  beforeAll(async () => {
    t = await createTestDb();
    audit = new AuditLog({ db: t.db, clock: systemClock });
  });
  afterAll(async () => t.close());

  it('writes every other event of a batch that holds one unwritable event (NUL byte in a resource id)', async () => {
    const orgId = await newOrg();
    const lost: AuditEventInput[] = [];
    const buffer = new AuditBuffer((id, events) => audit.record(id, events), {
      flushIntervalMs: 10_000,
      onWriteError: (_e, _o, events) => lost.push(...events),
    });
    const results = Array.from({ length: 21 }, (_, i) =>
      buffer.add(event(orgId, i, i === 7 ? 'key_\u0000evil' : `model-${i}`)).then(
        () => 'stored',
        () => 'failed',
      ),
    );
    await buffer.flush();
    const outcome = await Promise.all(results);
    expect(outcome.filter((o) => o === 'failed').length).toBe(1);
    expect(outcome[7]).toBe('failed');
    expect(lost.map((e) => e.details?.n)).toEqual([7]);
    expect(await ns(orgId)).toEqual(Array.from({ length: 21 }, (_, i) => i).filter((i) => i !== 7));
    expect(await audit.verify(orgId)).toMatchObject({ ok: true, eventsChecked: 20 });
  });

  it("writes one org's batches one at a time and in order, while different orgs write in parallel", async () => {
    const [orgA, orgB] = [await newOrg(), await newOrg()];
    const inFlight = new Map<OrgId, number>();
    let maxPerOrg = 0;
    let maxOverall = 0;
    const write: BatchWriter = async (id, events) => {
      inFlight.set(id, (inFlight.get(id) ?? 0) + 1);
      maxPerOrg = Math.max(maxPerOrg, inFlight.get(id) ?? 0);
      maxOverall = Math.max(
        maxOverall,
        [...inFlight.values()].reduce((a, b) => a + b, 0),
      );
      try {
        return await audit.record(id, events);
      } finally {
        inFlight.set(id, (inFlight.get(id) ?? 1) - 1);
      }
    };
    const buffer = new AuditBuffer(write, { flushIntervalMs: 10_000, maxBatch: 4 });
    const stored: Promise<void>[] = [];
    // Two flushes of several chunks each: both the chunks of one flush and successive flushes must stay in order.
    for (let i = 0; i < 30; i += 1) stored.push(buffer.add(event(i % 3 ? orgA : orgB, i)));
    void buffer.flush();
    for (let i = 30; i < 60; i += 1) stored.push(buffer.add(event(i % 3 ? orgA : orgB, i)));
    await buffer.flush();
    await Promise.all(stored);
    expect(maxPerOrg).toBe(1);
    expect(maxOverall).toBe(2);
    const all = Array.from({ length: 60 }, (_, i) => i);
    expect(await ns(orgA)).toEqual(all.filter((i) => i % 3 !== 0));
    expect(await ns(orgB)).toEqual(all.filter((i) => i % 3 === 0));
  });

  it("does not hold one org's batches behind another org's slow write", async () => {
    const [slowOrg, fastOrg] = [await newOrg(), await newOrg()];
    let open: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => {
      open = resolve;
    });
    const buffer = new AuditBuffer(
      async (id, events) => {
        if (id === slowOrg) await gate;
        return audit.record(id, events);
      },
      { flushIntervalMs: 10_000 },
    );
    const slow = buffer.add(event(slowOrg, 0));
    const first = buffer.add(event(fastOrg, 1));
    void buffer.flush();
    await first;
    const second = buffer.add(event(fastOrg, 2));
    void buffer.flush();
    const outcome = await Promise.race([
      second.then(() => 'written'),
      new Promise((resolve) => setTimeout(resolve, 2_000, 'held back')),
    ]);
    open();
    await slow;
    expect(outcome).toBe('written');
    expect(await ns(fastOrg)).toEqual([1, 2]);
  });
});
