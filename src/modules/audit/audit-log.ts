import type { Clock } from '../../lib/clock.js';
import { AppError } from '../../lib/errors/index.js';
import { newId, type OrgId } from '../../lib/ids.js';
import type { Db, TenantSql } from '../../platform/db/index.js';
import type { AuditEventInput, AuditRecord } from './event.js';
import { canonicalAroundSeq, chainHash, ChainVerifier, type ChainVerdict } from './hash-chain.js';
import { insertOneRecord, insertRecords, lockHead, readHead, readRecords } from './repo.js';

/** Masks free text in event details before they are stored (the guard's masker, injected by main). */
export type DetailsMasker = (details: Record<string, unknown>) => Record<string, unknown>;

/** Dependencies of the audit log. */
export interface AuditLogDeps {
  db: Db;
  clock: Clock;
  maskDetails?: DetailsMasker;
}

const VERIFY_PAGE = 1000;

/** The tamper-evident audit log: one hash chain per org, append-only. */
export class AuditLog {
  constructor(private readonly deps: AuditLogDeps) {}

  /**
   * Appends events of the transaction's org inside the caller's transaction, so a decision commits
   * or rolls back with the change it allowed. Returns the stored records.
   */
  async append(sql: TenantSql, events: readonly AuditEventInput[]): Promise<AuditRecord[]> {
    if (events.length === 0) return [];
    for (const event of events) {
      // INVARIANT: an event is chained into the org of the transaction it is written in.
      if (event.orgId !== sql.orgId) throw new AppError('audit.write_failed', { publicMessage: 'audit event org does not match the transaction org' });
    }
    const now = this.deps.clock.now();
    if (events.length === 1) return [await this.appendOne(sql, events[0] as AuditEventInput, now)];
    let { seq, hash } = await lockHead(sql);
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
    return records;
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

  /** Appends events of one org in a transaction of their own. */
  record(orgId: OrgId, events: readonly AuditEventInput[]): Promise<AuditRecord[]> {
    return this.deps.db.withTenant(orgId, (sql) => this.append(sql, events));
  }

  /** Streams an org's records in sequence order, page by page, each page in its own tenant transaction. */
  async *records(orgId: OrgId, options: { afterSeq?: number; actionPrefix?: string; pageSize?: number } = {}): AsyncGenerator<AuditRecord> {
    let afterSeq = options.afterSeq ?? 0;
    const limit = options.pageSize ?? VERIFY_PAGE;
    for (;;) {
      const page = await this.deps.db.withTenant(orgId, (sql) => readRecords(sql, { afterSeq, limit, ...(options.actionPrefix ? { actionPrefix: options.actionPrefix } : {}) }));
      for (const record of page) yield record;
      const last = page.at(-1);
      if (!last || page.length < limit) return;
      afterSeq = last.seq;
    }
  }

  /** Recomputes an org's chain from its first event and compares it with the stored head. */
  async verify(orgId: OrgId): Promise<ChainVerdict> {
    const verifier = new ChainVerifier(orgId);
    for await (const record of this.records(orgId)) {
      if (!verifier.check(record)) break;
    }
    const head = await this.deps.db.withTenant(orgId, readHead);
    return verifier.finish(head);
  }

  private toFields(event: AuditEventInput, seq: number, now: Date): Omit<AuditRecord, 'prev_hash' | 'hash'> {
    const details = event.details ?? {};
    // Round-trip through JSON so the hashed form equals what jsonb gives back (no undefined, no -0, no Dates).
    const stored = JSON.parse(JSON.stringify(this.deps.maskDetails ? this.deps.maskDetails(details) : details)) as Record<string, unknown>;
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
