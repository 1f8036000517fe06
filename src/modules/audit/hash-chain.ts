import { createHash } from 'node:crypto';
import { canonicalJson } from '../../lib/canonical-json.js';
import type { AuditRecord, HashedFields } from './event.js';

/** prev_hash of an org's first event. */
export const GENESIS_HASH = '0'.repeat(64);

/** RFC 8785 canonical JSON of the hashed fields of a record. */
export function canonicalEvent(fields: HashedFields): string {
  const hashed: HashedFields = {
    org_id: fields.org_id,
    seq: fields.seq,
    id: fields.id,
    occurred_at: fields.occurred_at,
    actor: fields.actor,
    action: fields.action,
    resource: fields.resource,
    decision: fields.decision,
    reason_codes: fields.reason_codes,
    request_id: fields.request_id,
    client_ip: fields.client_ip,
    user_agent: fields.user_agent,
    details: fields.details,
  };
  return canonicalJson(hashed);
}

/**
 * The canonical JSON of a record split around its `seq` value: `prefix + seq + suffix` is `canonicalEvent`.
 * `seq` and `user_agent` are the last two keys in RFC 8785 order, so the split needs no search.
 */
export function canonicalAroundSeq(fields: Omit<HashedFields, 'seq'>): { prefix: string; suffix: string } {
  const { user_agent: userAgent, ...rest } = fields;
  const head = canonicalEvent({ ...rest, seq: 0, user_agent: null } as HashedFields);
  const tail = canonicalJson(userAgent);
  const marker = ',"seq":0,"user_agent":null}';
  // INVARIANT: canonical order puts seq and user_agent last; anything else means the record shape changed.
  if (!head.endsWith(marker)) throw new Error('audit record keys no longer end with seq, user_agent');
  return { prefix: `${head.slice(0, -marker.length)},"seq":`, suffix: `,"user_agent":${tail}}` };
}

/** hash = lowercase hex SHA-256 of (prev_hash as ASCII hex ‖ canonical JSON as UTF-8). See docs/audit-format.md. */
export function chainHash(prevHash: string, fields: HashedFields): string {
  return createHash('sha256').update(prevHash, 'ascii').update(canonicalEvent(fields), 'utf8').digest('hex');
}

/** Why a chain failed verification, at its first bad sequence number. */
export type ChainProblem = 'hash_mismatch' | 'prev_hash_mismatch' | 'seq_gap' | 'org_mismatch' | 'head_mismatch';

/** Result of verifying one org's chain. */
export interface ChainVerdict {
  ok: boolean;
  eventsChecked: number;
  lastSeq: number;
  lastHash: string;
  firstBadSeq?: number;
  problem?: ChainProblem;
}

/**
 * Verifies records streamed in sequence order. Feed records with `check`, then call `finish`,
 * optionally with the stored head, to catch a truncated tail.
 */
export class ChainVerifier {
  private expectedSeq = 1;
  private prevHash = GENESIS_HASH;
  private checked = 0;
  private failure: { seq: number; problem: ChainProblem } | undefined;

  constructor(private readonly orgId: string) {}

  /** Checks the next record; returns false once the chain is broken (later records are not checked). */
  check(record: AuditRecord): boolean {
    if (this.failure) return false;
    const fail = (problem: ChainProblem, seq = record.seq): boolean => {
      this.failure = { seq, problem };
      return false;
    };
    if (record.org_id !== this.orgId) return fail('org_mismatch');
    if (record.seq !== this.expectedSeq) return fail('seq_gap', Math.min(record.seq, this.expectedSeq));
    if (record.prev_hash !== this.prevHash) return fail('prev_hash_mismatch');
    const { prev_hash: _prev, hash, ...fields } = record;
    if (chainHash(record.prev_hash, fields) !== hash) return fail('hash_mismatch');
    this.prevHash = hash;
    this.expectedSeq += 1;
    this.checked += 1;
    return true;
  }

  /** The verdict; with `head`, a chain shorter than or different from the recorded head fails as `head_mismatch`. */
  finish(head?: { seq: number; hash: string }): ChainVerdict {
    const base = { eventsChecked: this.checked, lastSeq: this.expectedSeq - 1, lastHash: this.prevHash };
    if (this.failure) return { ok: false, ...base, firstBadSeq: this.failure.seq, problem: this.failure.problem };
    if (head && (head.seq !== base.lastSeq || head.hash !== base.lastHash)) {
      return { ok: false, ...base, firstBadSeq: base.lastSeq + 1, problem: 'head_mismatch' };
    }
    return { ok: true, ...base };
  }
}
