import type { Clock } from '../../lib/clock.js';
import { AppError } from '../../lib/errors/index.js';
import { newId, type OrgId } from '../../lib/ids.js';
import type { Db, TenantSql } from '../../platform/db/index.js';
import { sealCheckpoint, SEAL_EVERY_EVENTS, type AuditCheckpoint, type AuditSealKey } from './checkpoint.js';
import { insertCheckpoint, readCheckpoints, readSealState } from './checkpoint-repo.js';
import type { AuditEventInput, AuditRecord } from './event.js';
import { toCheckpointLine, toJsonLine, verifyExport } from './export-jsonl.js';
import { canonicalAroundSeq, chainHash } from './hash-chain.js';
import { insertOneRecord, insertRecords, lockHead, readHead, readRecords } from './repo.js';
import { SealedChainVerifier, type AuditVerdict } from './sealed-chain-verifier.js';

/** Masks free text in event details before they are stored (the guard's masker, injected by main). */
export type DetailsMasker = (details: Record<string, unknown>) => Record<string, unknown>;

/** Dependencies of the audit log. */
export interface AuditLogDeps {
  db: Db;
  clock: Clock;
  maskDetails?: DetailsMasker;
  /**
   * The vault's MAC key, which seals checkpoints of the chain heads and checks them on verify. Without it the log
   * writes no checkpoints and verify compares sealed hashes but not MACs (`macsChecked: false`); main always sets it.
   */
  sealKey?: AuditSealKey;
  /** Seal on the append path whenever an org's chain crosses a multiple of this many events (default 1,000). */
  sealEvery?: number;
  /** Called when the append path could not seal (the vault failed); the events are stored, the timer seals later. */
  onSealError?: (error: unknown, orgId: OrgId) => void;
}

const VERIFY_PAGE = 1000;

/** The tamper-evident audit log: one hash chain per org, append-only, its heads sealed by the vault's MAC key. */
export class AuditLog {
  private readonly sealEvery: number;

  constructor(private readonly deps: AuditLogDeps) {
    this.sealEvery = deps.sealEvery ?? SEAL_EVERY_EVENTS;
    if (!Number.isInteger(this.sealEvery) || this.sealEvery < 1)
      throw new Error('sealEvery must be a positive integer');
  }

  /**
   * Appends events of the transaction's org inside the caller's transaction, so a decision commits
   * or rolls back with the change it allowed. Returns the stored records.
   */
  async append(sql: TenantSql, events: readonly AuditEventInput[]): Promise<AuditRecord[]> {
    if (events.length === 0) return [];
    for (const event of events) {
      // INVARIANT: an event is chained into the org of the transaction it is written in.
      if (event.orgId !== sql.orgId)
        throw new AppError('audit.write_failed', {
          publicMessage: 'audit event org does not match the transaction org',
        });
    }
    const now = this.deps.clock.now();
    if (events.length === 1) {
      const record = await this.appendOne(sql, events[0] as AuditEventInput, now);
      await this.sealIfCrossed(sql, record.seq - 1, record, now);
      return [record];
    }
    let { seq, hash } = await lockHead(sql);
    const headSeq = seq;
    const records = events.map((event) => {
      seq += 1;
      const fields = this.toFields(event, seq, now);
      const record: AuditRecord = { ...fields, prev_hash: hash, hash: chainHash(hash, fields) };
      hash = record.hash;
      return record;
    });
    try {
      await insertRecords(sql, records);
    } catch (cause) {
      // SECURITY: the caller's transaction fails with the audit write, so the guarded change does not happen.
      throw new AppError('audit.write_failed', { cause });
    }
    await this.sealIfCrossed(sql, headSeq, records.at(-1) as AuditRecord, now);
    return records;
  }

  /**
   * The cheap check of the append path: when this append took the chain across a multiple of `sealEvery`, seal its
   * new head in the same transaction (and under the same head lock), so the checkpoint commits with the events.
   */
  private async sealIfCrossed(sql: TenantSql, fromSeq: number, last: AuditRecord, now: Date): Promise<void> {
    const key = this.deps.sealKey;
    if (!key || Math.floor(last.seq / this.sealEvery) === Math.floor(fromSeq / this.sealEvery)) return;
    let checkpoint: AuditCheckpoint;
    try {
      checkpoint = await sealCheckpoint(key, sql.orgId, last.seq, last.hash, now);
    } catch (error) {
      // Availability over an early seal: the events are still stored; the sealing timer seals the head later and
      // verify reports the tail as unsealed (or checkpoint_missing past the bound) until it does.
      this.deps.onSealError?.(error, sql.orgId);
      return;
    }
    try {
      await insertCheckpoint(sql, checkpoint);
    } catch (cause) {
      throw new AppError('audit.write_failed', { cause });
    }
  }

  /** Seals the org's current head in a transaction of its own when events follow its last checkpoint; returns the new checkpoint. */
  async seal(orgId: OrgId): Promise<AuditCheckpoint | undefined> {
    const key = this.deps.sealKey;
    if (!key) return undefined;
    return this.deps.db.withTenant(orgId, async (sql) => {
      const state = await readSealState(sql);
      if (state.seq <= state.sealedSeq) return undefined;
      const checkpoint = await sealCheckpoint(key, orgId, state.seq, state.hash, this.deps.clock.now());
      await insertCheckpoint(sql, checkpoint);
      return checkpoint;
    });
  }

  /** The org's checkpoints after `afterSeq`, in seq order. */
  checkpoints(orgId: OrgId, afterSeq = 0): Promise<AuditCheckpoint[]> {
    return this.deps.db.withTenant(orgId, (sql) => readCheckpoints(sql, afterSeq));
  }

  // One event (most requests): one statement, the hash computed by the database over the same canonical JSON.
  private async appendOne(sql: TenantSql, event: AuditEventInput, now: Date): Promise<AuditRecord> {
    const { seq: _seq, ...fields } = this.toFields(event, 0, now);
    try {
      return await insertOneRecord(sql, fields, canonicalAroundSeq(fields));
    } catch (cause) {
      throw new AppError('audit.write_failed', { cause });
    }
  }

  /**
   * Takes the org's chain lock now, for the rest of the transaction. INVARIANT: every audited route takes it first
   * (its decision is appended before its change), so a use case that also locks rows of its own takes this before
   * them, in the same order, and the two cannot deadlock.
   */
  async lockChain(sql: TenantSql): Promise<void> {
    await lockHead(sql);
  }

  /** Appends events of one org in a transaction of their own. */
  record(orgId: OrgId, events: readonly AuditEventInput[]): Promise<AuditRecord[]> {
    return this.deps.db.withTenant(orgId, (sql) => this.append(sql, events));
  }

  /** Streams an org's records in sequence order, page by page, each page in its own tenant transaction. */
  async *records(
    orgId: OrgId,
    options: { afterSeq?: number; actionPrefix?: string; pageSize?: number } = {},
  ): AsyncGenerator<AuditRecord> {
    let afterSeq = options.afterSeq ?? 0;
    const limit = options.pageSize ?? VERIFY_PAGE;
    for (;;) {
      const page = await this.deps.db.withTenant(orgId, (sql) =>
        readRecords(sql, { afterSeq, limit, ...(options.actionPrefix ? { actionPrefix: options.actionPrefix } : {}) }),
      );
      for (const record of page) yield record;
      const last = page.at(-1);
      if (!last || page.length < limit) return;
      afterSeq = last.seq;
    }
  }

  /**
   * Recomputes an org's chain from its first event, checks every checkpoint (its MAC, and the recomputed hash at its
   * seq against the sealed one) and compares the chain with the stored head. Events after the last checkpoint are
   * counted as `unsealedEvents`.
   */
  async verify(orgId: OrgId): Promise<AuditVerdict> {
    // Checkpoints first: every one read now seals events that are already committed, so the stream below reaches it.
    const checkpoints = await this.checkpoints(orgId);
    // The head is read before the events, and events appended after it are left out, so concurrent appends never
    // look like a truncated or forked chain.
    const head = await this.deps.db.withTenant(orgId, readHead);
    const verifier = new SealedChainVerifier(orgId, checkpoints, {
      ...(this.deps.sealKey ? { key: this.deps.sealKey } : {}),
      sealEvery: this.sealEvery,
    });
    for await (const record of this.records(orgId)) {
      if (record.seq > head.seq) break;
      if (!(await verifier.check(record))) break;
    }
    return verifier.finish(head);
  }

  /** Verifies an export file's lines (see `verifyExport`) with this log's MAC key, as the key holder can. */
  verifyExportLines(orgId: OrgId, lines: Iterable<string> | AsyncIterable<string>): Promise<AuditVerdict> {
    return verifyExport(orgId, lines, {
      ...(this.deps.sealKey ? { key: this.deps.sealKey } : {}),
      sealEvery: this.sealEvery,
    });
  }

  /** The org's export as JSONL lines: every event from `afterSeq`, each checkpoint right after the event it seals. */
  async *exportLines(orgId: OrgId, options: { afterSeq?: number } = {}): AsyncGenerator<string> {
    const afterSeq = options.afterSeq ?? 0;
    const checkpoints = await this.checkpoints(orgId, afterSeq);
    let next = 0;
    for await (const record of this.records(orgId, { afterSeq })) {
      yield toJsonLine(record);
      while (checkpoints[next]?.seq === record.seq) yield toCheckpointLine(checkpoints[next++] as AuditCheckpoint);
    }
    // SECURITY: a checkpoint no event line reached (sealed events truncated) is still exported, so the file shows it.
    while (next < checkpoints.length) yield toCheckpointLine(checkpoints[next++] as AuditCheckpoint);
  }

  private toFields(event: AuditEventInput, seq: number, now: Date): Omit<AuditRecord, 'prev_hash' | 'hash'> {
    const details = event.details ?? {};
    // Round-trip through JSON so the hashed form equals what jsonb gives back (no undefined, no -0, no Dates).
    const stored = JSON.parse(
      JSON.stringify(this.deps.maskDetails ? this.deps.maskDetails(details) : details),
    ) as Record<string, unknown>;
    return {
      org_id: event.orgId,
      seq,
      id: newId('evt', now.getTime()),
      occurred_at: now.toISOString(),
      actor: { type: event.actor.type, id: event.actor.id },
      action: event.action,
      resource: event.resource ? { type: event.resource.type, id: event.resource.id } : null,
      decision: event.decision ?? null,
      reason_codes: [...(event.reasonCodes ?? [])],
      request_id: event.requestId ?? null,
      client_ip: event.clientIp ?? null,
      user_agent: event.userAgent ?? null,
      details: stored,
    };
  }
}
