import { promises as fs } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSoftHsmToken, softHsmRequired, SOFTHSM_MODULE } from '../../../test/support/softhsm.js';
import { backendName, createTestDb, type TestDb } from '../../../test/support/test-db.js';
import { systemClock } from '../../lib/clock.js';
import { newId, type OrgId } from '../../lib/ids.js';
import { Secret } from '../../lib/secret.js';
import { openLocalKeyVault, openPkcs11KeyVault, type KeyVault } from '../../platform/vault/index.js';
import { AuditLog } from './audit-log.js';
import type { AuditEventInput, AuditRecord } from './event.js';
import { verifyExport } from './export-jsonl.js';
import { chainHash, GENESIS_HASH } from './hash-chain.js';

// The attack of issue 7 item 6: a database superuser disables the append-only trigger, edits an event, recomputes
// that event's hash, every later hash and the chain head, and re-enables the trigger. The hash chain alone is then
// self-consistent; only the checkpoints sealed with the vault's MAC key can expose it.

const SEAL_EVERY = 10;

function event(orgId: OrgId, n: number): AuditEventInput {
  return {
    orgId,
    actor: { type: 'api_key', id: 'key_01jd0000000000000000000000' },
    action: 'authz.decision.made',
    resource: { type: 'Model', id: `m-${n}` },
    decision: 'deny',
    reasonCodes: ['authz.default_deny'],
    details: { n },
  };
}

describe(`audit chain rewritten by a database superuser (${backendName})`, () => {
  let t: TestDb;
  let dir: string;
  let vault: KeyVault;
  let audit: AuditLog;

  beforeAll(async () => {
    t = await createTestDb();
    dir = await fs.mkdtemp(join(tmpdir(), 'bulwark-seal-'));
    vault = await openLocalKeyVault(join(dir, 'vault.key'));
    audit = new AuditLog({ db: t.db, clock: systemClock, sealKey: vault, sealEvery: SEAL_EVERY });
  });
  afterAll(async () => {
    await vault.close();
    await t.close();
    await fs.rm(dir, { recursive: true, force: true });
  });

  /**
   * An org with `count` events: single appends and batches of 4, so both append paths seal. With SEAL_EVERY 10 the
   * single append of seq 10 seals at 10 and the batch 20..23 crosses 20 and seals at 23.
   */
  async function orgWithEvents(count: number): Promise<OrgId> {
    const orgId = newId('org');
    await t.db.withPlatform((sql) =>
      sql.query('INSERT INTO orgs (id, name, slug) VALUES ($1, $2, $3)', [
        orgId,
        'Sealed Org',
        `s-${orgId.slice(-12)}`,
      ]),
    );
    let n = 0;
    while (n < count) {
      const size = n % 3 === 0 ? 1 : Math.min(4, count - n);
      await audit.record(
        orgId,
        Array.from({ length: size }, (_, i) => event(orgId, n + i + 1)),
      );
      n += size;
    }
    return orgId;
  }

  async function readAll(orgId: OrgId): Promise<AuditRecord[]> {
    const records: AuditRecord[] = [];
    for await (const record of audit.records(orgId)) records.push(record);
    return records;
  }

  async function asSuperuserWithoutTriggers(statements: [string, unknown[]][]): Promise<void> {
    await t.superuser('ALTER TABLE audit_events DISABLE TRIGGER USER');
    await t.superuser('ALTER TABLE audit_checkpoints DISABLE TRIGGER USER').catch(() => undefined);
    try {
      for (const [statement, params] of statements) await t.superuser(statement, params);
    } finally {
      await t.superuser('ALTER TABLE audit_events ENABLE TRIGGER USER');
      await t.superuser('ALTER TABLE audit_checkpoints ENABLE TRIGGER USER').catch(() => undefined);
    }
  }

  /** Edits event `seq`'s details, recomputes its hash, every later one and the head: a self-consistent forged chain. */
  async function rewrite(orgId: OrgId, seq: number): Promise<void> {
    const records = await readAll(orgId);
    const statements: [string, unknown[]][] = [];
    let prev = GENESIS_HASH;
    for (const record of records) {
      const edited = record.seq === seq ? { ...record, details: { n: 999, note: 'never happened' } } : record;
      const { prev_hash: _p, hash: _h, ...fields } = edited;
      const hash = chainHash(prev, fields);
      if (record.seq >= seq) {
        statements.push([
          `UPDATE audit_events SET details = $3::jsonb, prev_hash = $4, hash = $5 WHERE org_id = $1 AND seq = $2`,
          [orgId, record.seq, JSON.stringify(edited.details), prev, hash],
        ]);
      }
      prev = hash;
    }
    const last = records.at(-1) as AuditRecord;
    statements.push(['UPDATE audit_heads SET hash = $2 WHERE org_id = $1', [orgId, prev]]);
    await asSuperuserWithoutTriggers(statements);
    // The forgery is complete: the plain hash chain (what verify checked before sealing) recomputes.
    const forged = await readAll(orgId);
    expect(forged.find((r) => r.seq === seq)?.details).toEqual({ n: 999, note: 'never happened' });
    expect(forged.at(-1)?.hash).toBe(prev);
    expect(last.seq).toBe(forged.at(-1)?.seq);
  }

  it('verify fails at the first checkpoint after an edited, fully recomputed event', async () => {
    const orgId = await orgWithEvents(25);
    expect(await audit.verify(orgId)).toMatchObject({ ok: true, eventsChecked: 25 });
    await rewrite(orgId, 7);
    const verdict = await audit.verify(orgId);
    expect(verdict).toMatchObject({ ok: false, problem: 'checkpoint_mismatch', badCheckpointSeq: 10, firstBadSeq: 1 });
  });

  it('an untouched sealed chain verifies, counting checkpoints and the unsealed tail', async () => {
    const orgId = await orgWithEvents(25);
    expect(await audit.verify(orgId)).toMatchObject({
      ok: true,
      eventsChecked: 25,
      checkpointsChecked: 2,
      lastCheckpointSeq: 23,
      unsealedEvents: 2,
    });
  });

  it('verify fails the same way when the checkpoints are sealed by the HSM (SoftHSM2, CKM_SHA256_HMAC)', async (context) => {
    if (!softHsmRequired) context.skip();
    const removeToken = createSoftHsmToken('bulwark-seal', '1234');
    const hsm = await openPkcs11KeyVault({
      module: SOFTHSM_MODULE,
      tokenLabel: 'bulwark-seal',
      pin: new Secret('1234'),
      keyLabel: 'bulwark-kek',
    });
    const local = audit;
    try {
      audit = new AuditLog({ db: t.db, clock: systemClock, sealKey: hsm, sealEvery: SEAL_EVERY });
      const orgId = await orgWithEvents(25);
      expect((await audit.checkpoints(orgId)).map((c) => c.key_id)).toEqual([
        'pkcs11:bulwark-kek-audit-mac-1',
        'pkcs11:bulwark-kek-audit-mac-1',
      ]);
      expect(await audit.verify(orgId)).toMatchObject({ ok: true, checkpointsChecked: 2, macsChecked: true });
      await rewrite(orgId, 15);
      expect(await audit.verify(orgId)).toMatchObject({
        ok: false,
        problem: 'checkpoint_mismatch',
        badCheckpointSeq: 23,
        firstBadSeq: 11,
      });
    } finally {
      audit = local;
      await hsm.close();
      removeToken();
    }
  });

  it('verify fails when the attacker also deletes the checkpoints', async () => {
    const orgId = await orgWithEvents(25);
    await rewrite(orgId, 12);
    await asSuperuserWithoutTriggers([['DELETE FROM audit_checkpoints WHERE org_id = $1', [orgId]]]);
    expect(await audit.verify(orgId)).toMatchObject({ ok: false, problem: 'checkpoint_missing', firstBadSeq: 1 });
  });

  it('verify fails when the attacker rewrites the sealed hash of a checkpoint without the MAC key', async () => {
    const orgId = await orgWithEvents(25);
    await rewrite(orgId, 12);
    const forgedAt23 = (await readAll(orgId)).find((r) => r.seq === 23)?.hash;
    await asSuperuserWithoutTriggers([
      ['UPDATE audit_checkpoints SET head_hash = $2 WHERE org_id = $1 AND seq = 23', [orgId, forgedAt23]],
    ]);
    expect(await audit.verify(orgId)).toMatchObject({
      ok: false,
      problem: 'checkpoint_mac_invalid',
      badCheckpointSeq: 23,
      firstBadSeq: 11,
    });
  });

  it("verify fails when another org's valid checkpoint is copied in", async () => {
    const victim = await orgWithEvents(9);
    const donor = await orgWithEvents(10);
    await asSuperuserWithoutTriggers([
      [
        `INSERT INTO audit_checkpoints (org_id, seq, head_hash, sealed_at, key_id, mac) SELECT $1, seq, head_hash, sealed_at, key_id, mac FROM audit_checkpoints WHERE org_id = $2 AND seq = 10`,
        [victim, donor],
      ],
    ]);
    expect(await audit.verify(victim)).toMatchObject({
      ok: false,
      problem: 'checkpoint_mac_invalid',
      badCheckpointSeq: 10,
    });
  });

  it('verify fails when sealed events are truncated together with the head', async () => {
    const orgId = await orgWithEvents(25);
    const records = await readAll(orgId);
    const keep = records.find((r) => r.seq === 14) as AuditRecord;
    await asSuperuserWithoutTriggers([
      ['DELETE FROM audit_events WHERE org_id = $1 AND seq > 14', [orgId]],
      ['UPDATE audit_heads SET seq = 14, hash = $2 WHERE org_id = $1', [orgId, keep.hash]],
    ]);
    expect(await audit.verify(orgId)).toMatchObject({
      ok: false,
      problem: 'checkpoint_beyond_head',
      badCheckpointSeq: 23,
    });
  });

  it('the export carries the checkpoints; the key holder detects the rewrite in it, and so does a forged MAC', async () => {
    const orgId = await orgWithEvents(25);
    const lines: string[] = [];
    for await (const line of audit.exportLines(orgId)) lines.push(line);
    expect(lines.filter((l) => l.startsWith('{"checkpoint":'))).toHaveLength(2);
    expect(await verifyExport(orgId, lines, { key: vault })).toMatchObject({
      ok: true,
      eventsChecked: 25,
      checkpointsChecked: 2,
      unsealedEvents: 2,
    });
    await rewrite(orgId, 3);
    const forged: string[] = [];
    for await (const line of audit.exportLines(orgId)) forged.push(line);
    // Without the key the sealed hashes alone expose a rewrite that left the checkpoints in place.
    expect(await verifyExport(orgId, forged)).toMatchObject({
      ok: false,
      problem: 'checkpoint_mismatch',
      badCheckpointSeq: 10,
    });
    // An attacker who also edits the checkpoint lines of the file passes the keyless check, and is caught by the MAC.
    const forgedHashes = new Map(
      forged
        .map((l) => JSON.parse(l) as { seq?: number; hash?: string })
        .filter((r) => r.hash)
        .map((r) => [r.seq, r.hash]),
    );
    const resealed = forged.map((l) => {
      if (!l.startsWith('{"checkpoint":')) return l;
      const line = JSON.parse(l) as { checkpoint: { seq: number; head_hash: string } };
      line.checkpoint.head_hash = forgedHashes.get(line.checkpoint.seq) as string;
      return `${JSON.stringify(line)}\n`;
    });
    expect(await verifyExport(orgId, resealed)).toMatchObject({ ok: true, macsChecked: false });
    expect(await verifyExport(orgId, resealed, { key: vault })).toMatchObject({
      ok: false,
      problem: 'checkpoint_mac_invalid',
      badCheckpointSeq: 10,
    });
  });
});
