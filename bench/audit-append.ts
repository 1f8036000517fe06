/**
 * Chained audit appends vs plain inserts of the same rows, and sealed (checkpoints MACed by the local key vault every
 * 1,000 events on the append path) vs unsealed chained appends, on PGlite and (with DATABASE_URL) PostgreSQL.
 * Run: npx tsx bench/audit-append.ts [events=2000]
 * Target: chaining costs at most 1.5x plain inserts; at least 2,000 chained events/s on PostgreSQL (batched);
 * sealing costs at most 1.05x unsealed chained appends.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { createTestDb, type TestDb } from '../test/support/test-db.js';
import { systemClock } from '../src/lib/clock.js';
import { newId, type OrgId } from '../src/lib/ids.js';
import { AuditLog, chainHash, GENESIS_HASH, type AuditEventInput } from '../src/modules/audit/index.js';
import { openLocalKeyVault } from '../src/platform/vault/index.js';

const total = Number(process.argv[2] ?? 2000);

function event(orgId: OrgId, n: number): AuditEventInput {
  return {
    orgId,
    actor: { type: 'api_key', id: 'key_01jd0000000000000000000000' },
    action: 'authz.decision.made',
    resource: { type: 'Model', id: `m-${n}` },
    decision: 'allow',
    reasonCodes: ['role-developer'],
    requestId: newId('req'),
    clientIp: '127.0.0.1',
    userAgent: 'bench',
    details: { n },
  };
}

async function newOrg(t: TestDb): Promise<OrgId> {
  const id = newId('org');
  await t.db.withPlatform((sql) =>
    sql.query('INSERT INTO orgs (id, name, slug) VALUES ($1, $2, $3)', [id, 'bench', `b-${id.slice(-14)}`]),
  );
  return id;
}

/** The same rows the audit log writes, inserted without locking the head or chaining. */
async function plainInsert(t: TestDb, orgId: OrgId, events: AuditEventInput[], startSeq: number): Promise<void> {
  await t.db.withTenant(orgId, async (sql) => {
    const params: unknown[] = [];
    const tuples = events.map((e, i) => {
      const seq = startSeq + i;
      const fields = {
        org_id: orgId,
        seq,
        id: newId('evt'),
        occurred_at: new Date().toISOString(),
        actor: e.actor,
        action: e.action,
        resource: e.resource ?? null,
        decision: e.decision ?? null,
        reason_codes: [...(e.reasonCodes ?? [])],
        request_id: e.requestId ?? null,
        client_ip: e.clientIp ?? null,
        user_agent: e.userAgent ?? null,
        details: e.details ?? {},
      };
      const values = [
        orgId,
        seq,
        fields.id,
        fields.occurred_at,
        JSON.stringify(fields.actor),
        fields.action,
        JSON.stringify(fields.resource),
        fields.decision,
        fields.reason_codes,
        fields.request_id,
        fields.client_ip,
        fields.user_agent,
        JSON.stringify(fields.details),
        GENESIS_HASH,
        chainHash(GENESIS_HASH, fields),
      ];
      const base = params.length;
      params.push(...values);
      return `(${values.map((_, j) => `$${base + j + 1}`).join(', ')})`;
    });
    await sql.query(
      `INSERT INTO audit_events (org_id, seq, id, occurred_at, actor, action, resource, decision, reason_codes, request_id, client_ip, user_agent, details, prev_hash, hash) VALUES ${tuples.join(', ')}`,
      params,
    );
  });
}

const ROUNDS = 5;
const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] as number;

/** Events per second of one round of `count` events written in batches of `batch`. */
async function rate(
  count: number,
  batch: number,
  write: (events: AuditEventInput[], startSeq: number) => Promise<void>,
  orgId: OrgId,
  startSeq: number,
): Promise<number> {
  const start = performance.now();
  for (let i = 0; i < count; i += batch)
    await write(
      Array.from({ length: batch }, (_, j) => event(orgId, i + j)),
      startSeq + i,
    );
  return count / ((performance.now() - start) / 1000);
}

async function run(backend: string): Promise<void> {
  const t = await createTestDb();
  const dir = await mkdtemp(join(tmpdir(), 'bulwark-bench-'));
  const vault = await openLocalKeyVault(join(dir, 'vault.key'));
  const audit = new AuditLog({ db: t.db, clock: systemClock });
  const sealedAudit = new AuditLog({ db: t.db, clock: systemClock, sealKey: vault });
  const perRound = Math.floor(total / ROUNDS);
  console.log(`\n${backend}: ${ROUNDS} alternating rounds of ${perRound} events each (median reported)`);
  for (const batch of [1, 100]) {
    const chainedOrg = await newOrg(t);
    const sealedOrg = await newOrg(t);
    const plainOrg = await newOrg(t);
    const plainRates: number[] = [];
    const chainedRates: number[] = [];
    const sealedRates: number[] = [];
    for (let round = 0; round < ROUNDS; round += 1) {
      // Alternating rounds spread background load evenly over all sides.
      plainRates.push(
        await rate(
          perRound,
          batch,
          (events, startSeq) => plainInsert(t, plainOrg, events, startSeq),
          plainOrg,
          round * perRound + 1,
        ),
      );
      chainedRates.push(
        await rate(perRound, batch, async (events) => void (await audit.record(chainedOrg, events)), chainedOrg, 0),
      );
      sealedRates.push(
        await rate(perRound, batch, async (events) => void (await sealedAudit.record(sealedOrg, events)), sealedOrg, 0),
      );
    }
    const plain = median(plainRates);
    const chained = median(chainedRates);
    const sealed = median(sealedRates);
    console.log(`  plain insert,   ${String(batch).padStart(3)}/transaction ${plain.toFixed(0).padStart(8)} events/s`);
    console.log(
      `  chained append, ${String(batch).padStart(3)}/transaction ${chained.toFixed(0).padStart(8)} events/s`,
    );
    console.log(`  sealed append,  ${String(batch).padStart(3)}/transaction ${sealed.toFixed(0).padStart(8)} events/s`);
    console.log(`  ratio plain/chained (cost of chaining): ${(plain / chained).toFixed(2)}x (target <= 1.5x)`);
    console.log(`  ratio chained/sealed (cost of sealing): ${(chained / sealed).toFixed(2)}x (target <= 1.05x)`);
    // The unsealed log's long chain lacks checkpoints by construction, so only the hash chain is checked there.
    const verdict = await audit.verify(chainedOrg);
    if (verdict.eventsChecked !== perRound * ROUNDS || (verdict.problem && verdict.problem !== 'checkpoint_missing'))
      throw new Error(`chain broken: ${JSON.stringify(verdict)}`);
    const sealedVerdict = await sealedAudit.verify(sealedOrg);
    if (!sealedVerdict.ok || sealedVerdict.eventsChecked !== perRound * ROUNDS)
      throw new Error(`sealed chain broken: ${JSON.stringify(sealedVerdict)}`);
    console.log(
      `  sealed chain: ${sealedVerdict.checkpointsChecked} checkpoints, unsealed tail ${sealedVerdict.unsealedEvents}`,
    );
  }
  await vault.close();
  await rm(dir, { recursive: true, force: true });
  await t.close();
}

await run(process.env.DATABASE_URL ? 'postgresql' : 'pglite');
