import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backendName, createTestDb, type TestDb } from '../../../test/support/test-db.js';
import { systemClock } from '../../lib/clock.js';
import { newId, type OrgId } from '../../lib/ids.js';
import { AuditBuffer } from './audit-buffer.js';
import { AuditLog } from './audit-log.js';
import type { AuditEventInput } from './event.js';
import { toJsonLine, verifyJsonLines } from './export-jsonl.js';

function event(orgId: OrgId, n: number): AuditEventInput {
  return {
    orgId,
    actor: { type: 'user', id: 'usr_01jd0000000000000000000000' },
    action: 'authz.decision.made',
    resource: { type: 'Model', id: `model-${n}` },
    decision: n % 2 ? 'allow' : 'deny',
    reasonCodes: n % 2 ? ['role-developer-models'] : ['authz.default_deny'],
    requestId: newId('req'),
    clientIp: '203.0.113.7',
    userAgent: 'vitest',
    details: { n, nested: { list: [1, 2.5, 'x'], flag: true } },
  };
}

describe(`audit log (${backendName})`, () => {
  let t: TestDb;
  let audit: AuditLog;

  async function orgWithEvents(count: number): Promise<OrgId> {
    const orgId = newId('org');
    await t.db.withPlatform((sql) =>
      sql.query('INSERT INTO orgs (id, name, slug) VALUES ($1, $2, $3)', [orgId, 'Audit Org', `a-${orgId.slice(-12)}`]),
    );
    if (count > 0)
      await audit.record(
        orgId,
        Array.from({ length: count }, (_, i) => event(orgId, i + 1)),
      );
    return orgId;
  }

  async function tamper(statement: string, params: unknown[]): Promise<void> {
    // Behind the app's back: the owner disables the append-only trigger, as an attacker with superuser could.
    await t.superuser('ALTER TABLE audit_events DISABLE TRIGGER USER');
    try {
      await t.superuser(statement, params);
    } finally {
      await t.superuser('ALTER TABLE audit_events ENABLE TRIGGER USER');
    }
  }

  beforeAll(async () => {
    t = await createTestDb();
    audit = new AuditLog({ db: t.db, clock: systemClock });
  });
  afterAll(async () => t.close());

  it('chains events with gap-free sequence numbers and verifies them', async () => {
    const orgId = await orgWithEvents(10);
    const records = [];
    for await (const record of audit.records(orgId)) records.push(record);
    expect(records.map((r) => r.seq)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect(records[1]?.prev_hash).toBe(records[0]?.hash);
    expect(await audit.verify(orgId)).toMatchObject({ ok: true, eventsChecked: 10, lastSeq: 10 });
  });

  it('exports JSONL that verifies with the documented algorithm alone', async () => {
    const orgId = await orgWithEvents(5);
    const lines: string[] = [];
    for await (const record of audit.records(orgId)) lines.push(toJsonLine(record));
    expect(verifyJsonLines(orgId, lines)).toMatchObject({ ok: true, eventsChecked: 5 });
    const edited = lines.map((line, i) => (i === 2 ? line.replace('"n":3', '"n":4') : line));
    expect(verifyJsonLines(orgId, edited)).toMatchObject({ ok: false, firstBadSeq: 3, problem: 'hash_mismatch' });
  });

  it('detects an edited event', async () => {
    const orgId = await orgWithEvents(8);
    await tamper(`UPDATE audit_events SET details = jsonb_set(details, '{n}', '999') WHERE org_id = $1 AND seq = 4`, [
      orgId,
    ]);
    expect(await audit.verify(orgId)).toMatchObject({ ok: false, firstBadSeq: 4, problem: 'hash_mismatch' });
  });

  it('detects an edited decision even when the attacker recomputes nothing else', async () => {
    const orgId = await orgWithEvents(8);
    await tamper(`UPDATE audit_events SET decision = 'allow', reason_codes = '{}' WHERE org_id = $1 AND seq = 6`, [
      orgId,
    ]);
    expect(await audit.verify(orgId)).toMatchObject({ ok: false, firstBadSeq: 6 });
  });

  it('detects a deleted event', async () => {
    const orgId = await orgWithEvents(8);
    await tamper('DELETE FROM audit_events WHERE org_id = $1 AND seq = 5', [orgId]);
    expect(await audit.verify(orgId)).toMatchObject({ ok: false, firstBadSeq: 5, problem: 'seq_gap' });
  });

  it('detects reordered events', async () => {
    const orgId = await orgWithEvents(8);
    await tamper('UPDATE audit_events SET seq = 1000 WHERE org_id = $1 AND seq = 3', [orgId]);
    await tamper('UPDATE audit_events SET seq = 3 WHERE org_id = $1 AND seq = 6', [orgId]);
    await tamper('UPDATE audit_events SET seq = 6 WHERE org_id = $1 AND seq = 1000', [orgId]);
    expect(await audit.verify(orgId)).toMatchObject({ ok: false, firstBadSeq: 3 });
  });

  it('detects a truncated tail through the chain head', async () => {
    const orgId = await orgWithEvents(8);
    await tamper('DELETE FROM audit_events WHERE org_id = $1 AND seq >= 7', [orgId]);
    expect(await audit.verify(orgId)).toMatchObject({ ok: false, firstBadSeq: 7, problem: 'head_mismatch' });
  });

  it('refuses UPDATE and DELETE from the app role and from the owner', async () => {
    const orgId = await orgWithEvents(2);
    await expect(
      t.db.withTenant(orgId, (sql) => sql.query(`UPDATE audit_events SET action = 'x.y.z'`)),
    ).rejects.toThrow(/permission denied/);
    await expect(t.db.withTenant(orgId, (sql) => sql.query('DELETE FROM audit_events'))).rejects.toThrow(
      /permission denied/,
    );
    await expect(t.superuser('DELETE FROM audit_events WHERE org_id = $1', [orgId])).rejects.toThrow(/append-only/);
    await expect(t.superuser('TRUNCATE audit_events CASCADE')).rejects.toThrow(/append-only/);
    expect(await audit.verify(orgId)).toMatchObject({ ok: true, eventsChecked: 2 });
  });

  it('refuses an event for another org than the transaction', async () => {
    const orgA = await orgWithEvents(0);
    const orgB = await orgWithEvents(0);
    await expect(t.db.withTenant(orgA, (sql) => audit.append(sql, [event(orgB, 1)]))).rejects.toThrow(/does not match/);
  });

  it('keeps the chain intact under 50 concurrent appenders', async () => {
    const orgId = await orgWithEvents(0);
    await Promise.all(Array.from({ length: 50 }, (_, i) => audit.record(orgId, [event(orgId, i)])));
    const seqs: number[] = [];
    for await (const record of audit.records(orgId)) seqs.push(record.seq);
    expect(seqs).toEqual(Array.from({ length: 50 }, (_, i) => i + 1));
    expect(await audit.verify(orgId)).toMatchObject({ ok: true, eventsChecked: 50 });
  });

  it('rolls the events back with the transaction they were written in', async () => {
    const orgId = await orgWithEvents(1);
    await expect(
      t.db.withTenant(orgId, async (sql) => {
        await audit.append(sql, [event(orgId, 2)]);
        throw new Error('mutation failed');
      }),
    ).rejects.toThrow('mutation failed');
    expect(await audit.verify(orgId)).toMatchObject({ ok: true, eventsChecked: 1 });
  });

  it('buffers read decisions and writes them all on close', async () => {
    const orgA = await orgWithEvents(0);
    const orgB = await orgWithEvents(0);
    const buffer = new AuditBuffer((orgId, events) => audit.record(orgId, events), {
      flushIntervalMs: 10_000,
      maxBatch: 50,
    });
    const stored = Array.from({ length: 120 }, (_, i) => buffer.add(event(i % 2 ? orgA : orgB, i)));
    await buffer.close();
    await Promise.all(stored);
    expect(buffer.pending).toBe(0);
    expect(await audit.verify(orgA)).toMatchObject({ ok: true, eventsChecked: 60 });
    expect(await audit.verify(orgB)).toMatchObject({ ok: true, eventsChecked: 60 });
  });

  it('resolves an event only once its batch is stored, and rejects when it cannot be', async () => {
    const orgId = await orgWithEvents(0);
    const buffer = new AuditBuffer((id, events) => audit.record(id, events), { flushIntervalMs: 5 });
    await buffer.add(event(orgId, 1));
    expect(await audit.verify(orgId)).toMatchObject({ ok: true, eventsChecked: 1 });
    const failing = new AuditBuffer(
      async () => {
        throw new Error('database down');
      },
      { flushIntervalMs: 5 },
    );
    await expect(failing.add(event(orgId, 2))).rejects.toThrow('database down');
  });
});
