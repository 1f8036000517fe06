import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backendName, createTestDb, type TestDb } from '../../../../test/support/test-db.js';
import { ManualClock } from '../../../lib/clock.js';
import { isAppError } from '../../../lib/errors/index.js';
import { newId, type OrgId } from '../../../lib/ids.js';
import { FieldCipher, openLocalKeyVault, type KeyVault } from '../../../platform/vault/index.js';
import { AuditLog, type AuditActor, type AuditRecord } from '../../audit/index.js';
import type { QuarantineId } from './quarantine-item.js';
import { QuarantineService, type HoldInput } from './quarantine-service.js';
import {
  quarantineItemSchema,
  quarantineItemWithContentSchema,
  quarantineListQuerySchema,
  quarantineListSchema,
  quarantineReviewBodySchema,
  toQuarantineItemWire,
  toQuarantineItemWithContentWire,
} from './schema.js';

const requester: AuditActor = { type: 'api_key', id: 'key_01jd0000000000000000000000' };
const reviewer: AuditActor = { type: 'user', id: 'usr_01jd0000000000000000000000' };
const notFound = (e: unknown) => isAppError(e, 'guard.quarantine_not_found');
const alreadyReviewed = (e: unknown) => isAppError(e, 'guard.quarantine_already_reviewed');

describe(`guard quarantine (${backendName})`, () => {
  let t: TestDb;
  let dir: string;
  let vault: KeyVault;
  let audit: AuditLog;
  let service: QuarantineService;
  const clock = new ManualClock();
  const orgA = newId('org');
  const orgB = newId('org');

  async function createOrg(id: OrgId): Promise<void> {
    await t.db.withPlatform((sql) =>
      sql.query('INSERT INTO orgs (id, name, slug) VALUES ($1, $2, $3)', [id, id, id.replace('_', '-')]),
    );
  }

  function input(content: string, extra: Partial<HoldInput> = {}): HoldInput {
    // A finding as the pipeline might hand it over, with a property that must never be stored.
    const finding = {
      class: 'pii.ssn',
      start: 14,
      end: 25,
      confidence: 0.97,
      reason: 'guard.pii.ssn_valid',
      detector: 'pii-rules',
      matched: '123-45-6789',
    };
    return {
      content,
      hook: 'output',
      findings: [finding],
      reasonCodes: ['guard.pii.ssn_valid'],
      requestId: newId('req'),
      actor: requester,
      model: 'gpt-test',
      ...extra,
    };
  }

  async function hold(orgId: OrgId, content: string, extra: Partial<HoldInput> = {}): Promise<QuarantineId> {
    clock.advance(1000);
    const { id } = await t.db.withTenant(orgId, (sql) => service.hold(sql, input(content, extra)));
    return id;
  }

  // Reviews run in the caller's tenant transaction (the route's, in the server).
  const release = (
    orgId: OrgId,
    ...args: Parameters<QuarantineService['release']> extends [unknown, ...infer R] ? R : never
  ) => t.db.withTenant(orgId, (sql) => service.release(sql, ...args));
  const discard = (
    orgId: OrgId,
    ...args: Parameters<QuarantineService['discard']> extends [unknown, ...infer R] ? R : never
  ) => t.db.withTenant(orgId, (sql) => service.discard(sql, ...args));

  async function rowOf(orgId: OrgId, id: string): Promise<Record<string, unknown>> {
    const [row] = await t.superuser('SELECT * FROM quarantine_items WHERE org_id = $1 AND id = $2', [orgId, id]);
    if (!row) throw new Error(`no row ${id}`);
    return row;
  }

  async function eventsOf(orgId: OrgId, resourceId: string): Promise<AuditRecord[]> {
    const records: AuditRecord[] = [];
    for await (const record of audit.records(orgId, { actionPrefix: 'guard.' }))
      if (record.resource?.id === resourceId) records.push(record);
    return records;
  }

  beforeAll(async () => {
    t = await createTestDb();
    dir = await fs.mkdtemp(path.join(tmpdir(), 'bulwark-quarantine-'));
    vault = await openLocalKeyVault(path.join(dir, 'vault.key'));
    audit = new AuditLog({ db: t.db, clock });
    service = new QuarantineService({ db: t.db, cipher: new FieldCipher({ vault }), audit, clock });
    await createOrg(orgA);
    await createOrg(orgB);
  });

  afterAll(async () => {
    await vault.close();
    await t.close();
    await fs.rm(dir, { recursive: true, force: true });
  });

  it('holds a response encrypted: the stored row has no plaintext and no matched text', async () => {
    const content = 'Your SSN is 123-45-6789, keep it safe.';
    const id = await hold(orgA, content);
    expect(id).toMatch(/^qtn_[0-9a-z]{26}$/);
    const row = await rowOf(orgA, id);
    expect(row.content_ciphertext).toMatch(/^bwf1\.1\./);
    expect(JSON.stringify(row)).not.toContain('123-45-6789');
    expect(JSON.stringify(row)).not.toContain('keep it safe');
    expect(row).toMatchObject({
      status: 'held',
      hook: 'output',
      reason_codes: ['guard.pii.ssn_valid'],
      findings: [
        {
          class: 'pii.ssn',
          start: 14,
          end: 25,
          confidence: 0.97,
          reason: 'guard.pii.ssn_valid',
          detector: 'pii-rules',
        },
      ],
      actor: requester,
      model: 'gpt-test',
      content_sha256: createHash('sha256').update(content).digest('hex'),
      size_bytes: Buffer.byteLength(content),
      reviewed_by: null,
    });
    const [quarantined] = await eventsOf(orgA, id);
    expect(quarantined).toMatchObject({
      action: 'guard.response.quarantined',
      decision: 'quarantine',
      reason_codes: ['guard.pii.ssn_valid'],
      actor: requester,
    });
    expect(JSON.stringify(quarantined)).not.toContain('123-45-6789');
  });

  it('rolls the hold and its audit event back with the caller’s transaction', async () => {
    let heldId: string | undefined;
    await expect(
      t.db.withTenant(orgA, async (sql) => {
        heldId = (await service.hold(sql, input('never delivered'))).id;
        throw new Error('provider call failed later');
      }),
    ).rejects.toThrow('provider call failed later');
    expect(await t.superuser('SELECT id FROM quarantine_items WHERE id = $1', [heldId])).toEqual([]);
    expect(await eventsOf(orgA, heldId ?? '')).toEqual([]);
  });

  it('shows the decrypted content and records the view', async () => {
    const id = await hold(orgA, 'shown to a reviewer');
    const item = await service.show(orgA, id, reviewer);
    expect(item).toMatchObject({
      id,
      status: 'held',
      content: 'shown to a reviewer',
      reasonCodes: ['guard.pii.ssn_valid'],
    });
    expect(quarantineItemWithContentSchema.parse(toQuarantineItemWithContentWire(item))).toMatchObject({
      id,
      content: 'shown to a reviewer',
      reason_codes: ['guard.pii.ssn_valid'],
    });
    const events = await eventsOf(orgA, id);
    expect(events.map((e) => [e.action, e.actor])).toEqual([
      ['guard.response.quarantined', requester],
      ['guard.quarantine.viewed', reviewer],
    ]);
  });

  it('releases once, returning the content; a second review is refused with 409', async () => {
    const id = await hold(orgA, 'released text');
    const released = await release(orgA, id, reviewer, { note: '  false positive: test data  ' });
    expect(released).toMatchObject({
      id,
      status: 'released',
      content: 'released text',
      reviewedBy: reviewer,
      reviewNote: 'false positive: test data',
    });
    await expect(release(orgA, id, reviewer)).rejects.toSatisfy(
      (e: unknown) => alreadyReviewed(e) && (e as { status: number }).status === 409,
    );
    await expect(discard(orgA, id, reviewer)).rejects.toSatisfy(alreadyReviewed);
    const events = await eventsOf(orgA, id);
    expect(events.map((e) => [e.action, e.decision])).toEqual([
      ['guard.response.quarantined', 'quarantine'],
      ['guard.quarantine.released', 'allow'],
    ]);
    expect(events[1]).toMatchObject({
      actor: reviewer,
      reason_codes: ['guard.pii.ssn_valid'],
      details: { note: 'false positive: test data', status: 'released' },
    });
  });

  it('discards: the ciphertext is erased, the evidence and audit trail remain', async () => {
    const content = 'discard me';
    const id = await hold(orgA, content);
    const discarded = await discard(orgA, id, reviewer);
    expect(discarded).toMatchObject({ id, status: 'discarded', reviewedBy: reviewer, reviewNote: null });
    expect(discarded).not.toHaveProperty('content');
    const row = await rowOf(orgA, id);
    expect(row).toMatchObject({
      status: 'discarded',
      content_ciphertext: '',
      content_sha256: createHash('sha256').update(content).digest('hex'),
    });
    expect(await service.show(orgA, id, reviewer)).toMatchObject({ status: 'discarded', content: null });
    await expect(release(orgA, id, reviewer)).rejects.toSatisfy(alreadyReviewed);
    expect((await eventsOf(orgA, id)).map((e) => [e.action, e.decision])).toEqual([
      ['guard.response.quarantined', 'quarantine'],
      ['guard.quarantine.discarded', 'block'],
      ['guard.quarantine.viewed', 'info'],
    ]);
  });

  it('concurrent release and discard: exactly one wins', async () => {
    for (let round = 0; round < 5; round += 1) {
      const id = await hold(orgA, `race ${round}`);
      const results = await Promise.allSettled([
        release(orgA, id, reviewer),
        discard(orgA, id, reviewer),
        release(orgA, id, reviewer),
      ]);
      const won = results.filter((r) => r.status === 'fulfilled');
      expect(won).toHaveLength(1);
      for (const r of results) if (r.status === 'rejected') expect(alreadyReviewed(r.reason)).toBe(true);
      const reviews = (await eventsOf(orgA, id)).filter((e) => e.action !== 'guard.response.quarantined');
      expect(reviews).toHaveLength(1);
      expect((await rowOf(orgA, id)).status).toBe(
        reviews[0]?.action === 'guard.quarantine.released' ? 'released' : 'discarded',
      );
    }
  });

  it('lists without content, newest first, by status, page by page', async () => {
    const org = newId('org');
    await createOrg(org);
    const ids: QuarantineId[] = [];
    for (let i = 0; i < 5; i += 1) ids.push(await hold(org, `item ${i}`));
    await discard(org, ids[1] as QuarantineId, reviewer);
    const newestFirst = [...ids].reverse();

    const first = await service.list(org, quarantineListQuerySchema.parse({ limit: '2' }));
    expect(first.items.map((i) => i.id)).toEqual(newestFirst.slice(0, 2));
    expect(first.nextCursor).toBe(ids[3]);
    const second = await service.list(org, { limit: 2, cursor: first.nextCursor ?? undefined });
    expect(second.items.map((i) => i.id)).toEqual(newestFirst.slice(2, 4));
    const last = await service.list(org, { limit: 2, ...(second.nextCursor ? { cursor: second.nextCursor } : {}) });
    expect(last).toMatchObject({ items: [{ id: ids[0] }], nextCursor: null });

    const held = await service.list(org, { status: 'held', limit: 200 });
    expect(held.items.map((i) => i.id)).toEqual(newestFirst.filter((id) => id !== ids[1]));
    expect((await service.list(org, { status: 'discarded', limit: 10 })).items.map((i) => i.id)).toEqual([ids[1]]);

    const wire = quarantineListSchema.parse({
      items: first.items.map(toQuarantineItemWire),
      next_cursor: first.nextCursor,
    });
    expect(JSON.stringify(wire)).not.toMatch(/content"|item \d|bwf1/);
    expect(quarantineItemSchema.strict().safeParse(wire.items[0]).success).toBe(true);
    await expect(service.list(org, { limit: 0 })).rejects.toSatisfy((e: unknown) => isAppError(e, 'http.bad_request'));
    await expect(service.list(org, { limit: 201 })).rejects.toSatisfy((e: unknown) =>
      isAppError(e, 'http.bad_request'),
    );
  });

  it('another org cannot list, show, release or discard the item: not found', async () => {
    const id = await hold(orgA, 'org A only');
    expect((await service.list(orgB, { limit: 200 })).items).toEqual([]);
    await expect(service.show(orgB, id, reviewer)).rejects.toSatisfy(notFound);
    await expect(release(orgB, id, reviewer)).rejects.toSatisfy(notFound);
    await expect(discard(orgB, id, reviewer)).rejects.toSatisfy(notFound);
    await expect(service.show(orgA, newId('qtn'), reviewer)).rejects.toSatisfy(notFound);
    await expect(release(orgA, "qtn_' OR 1=1 --", reviewer)).rejects.toSatisfy(notFound);
    expect((await rowOf(orgA, id)).status).toBe('held');
    expect(await service.show(orgA, id, reviewer)).toMatchObject({ content: 'org A only' });
  });

  it('the app role cannot delete items, rewrite evidence or undo a review', async () => {
    const id = await hold(orgA, 'evidence');
    await release(orgA, id, reviewer);
    await expect(
      t.db.withTenant(orgA, (sql) => sql.query('DELETE FROM quarantine_items WHERE id = $1', [id])),
    ).rejects.toThrow(/permission denied/);
    await expect(
      t.db.withTenant(orgA, (sql) =>
        sql.query(`UPDATE quarantine_items SET status = 'held', reviewed_by = NULL, reviewed_at = NULL WHERE id = $1`, [
          id,
        ]),
      ),
    ).rejects.toThrow(/already reviewed/);
    await expect(
      t.db.withTenant(orgA, (sql) => sql.query(`UPDATE quarantine_items SET reason_codes = '{x}' WHERE id = $1`, [id])),
    ).rejects.toThrow(/immutable/);
  });

  it('validates wire input: bad cursor, limit and over-long note are refused', async () => {
    expect(quarantineListQuerySchema.safeParse({ cursor: 'org_01jd0000000000000000000000' }).success).toBe(false);
    expect(quarantineListQuerySchema.safeParse({ limit: '500' }).success).toBe(false);
    expect(quarantineListQuerySchema.parse({})).toEqual({ limit: 50 });
    expect(quarantineReviewBodySchema.safeParse({ note: 'x'.repeat(1001) }).success).toBe(false);
    expect(quarantineReviewBodySchema.safeParse({ reason: 'x' }).success).toBe(false);
    const id = await hold(orgA, 'note too long');
    await expect(discard(orgA, id, reviewer, { note: 'x'.repeat(1001) })).rejects.toSatisfy((e: unknown) =>
      isAppError(e, 'http.bad_request'),
    );
    expect((await rowOf(orgA, id)).status).toBe('held');
  });

  it('every action is in the org’s audit chain, which still verifies', async () => {
    expect(await audit.verify(orgA)).toMatchObject({ ok: true });
    expect(await audit.verify(orgB)).toMatchObject({ ok: true, eventsChecked: 0 });
  });
});
