import { createHash } from 'node:crypto';
import type { Clock } from '../../../lib/clock.js';
import { AppError } from '../../../lib/errors/index.js';
import { isId, newId, type OrgId } from '../../../lib/ids.js';
import type { Db, TenantSql } from '../../../platform/db/index.js';
import type { FieldCipher, FieldRef } from '../../../platform/vault/index.js';
import type { AuditActor, AuditLog } from '../../audit/index.js';
import type { Hook } from '../detector.js';
import {
  LIST_LIMIT_MAX,
  REVIEW_NOTE_MAX,
  type QuarantineFinding,
  type QuarantineId,
  type QuarantineItem,
  type QuarantineItemWithContent,
  type QuarantineStatus,
} from './quarantine-item.js';
import {
  CONTENT_COLUMN,
  CONTENT_TABLE,
  insertItem,
  reviewHeldItem,
  selectItem,
  selectItems,
  type StoredItem,
} from './repo.js';

/** Dependencies of the quarantine service. */
export interface QuarantineServiceDeps {
  db: Db;
  cipher: FieldCipher;
  audit: AuditLog;
  clock: Clock;
}

/** A response to hold for review. */
export interface HoldInput {
  content: string;
  hook: Hook;
  /** Findings behind the hold; only class, span, confidence, reason and detector are kept. */
  findings: readonly QuarantineFinding[];
  /** Unique reason codes of the verdict; at least one. */
  reasonCodes: readonly string[];
  requestId?: string;
  /** Who made the request whose response is held. */
  actor: AuditActor;
  model?: string;
  /** When the held content may be erased by retention. */
  expiresAt?: Date;
}

/** Options of a list call: `limit` 1..200; `cursor` is the `nextCursor` of the previous page. */
export interface ListOptions {
  status?: QuarantineStatus;
  limit: number;
  cursor?: QuarantineId;
}

/** Options of a review (release or discard). */
export interface ReviewOptions {
  note?: string;
  requestId?: string;
}

const contentRef = (id: QuarantineId): FieldRef => ({ table: CONTENT_TABLE, column: CONTENT_COLUMN, rowId: id });
const notFound = (): AppError => new AppError('guard.quarantine_not_found');

// SECURITY: findings are copied field by field, so a matched text or any other property a caller's finding
// carries is never stored.
function keptFinding(f: QuarantineFinding): QuarantineFinding {
  return {
    class: f.class,
    start: f.start,
    end: f.end,
    confidence: f.confidence,
    reason: f.reason,
    ...(f.detector === undefined ? {} : { detector: f.detector }),
  };
}

function badRequest(field: string, message: string): AppError {
  return new AppError('http.bad_request', {
    publicMessage: `invalid ${field}: ${message}`,
    details: { issues: [{ field, message }] },
  });
}

function reviewNote(note: string | undefined): string | null {
  const trimmed = note?.trim();
  if (!trimmed) return null;
  if (trimmed.length > REVIEW_NOTE_MAX) throw badRequest('note', `at most ${REVIEW_NOTE_MAX} characters`);
  return trimmed;
}

/**
 * The quarantine of risky responses: held encrypted, listed for review with their reason codes, then released
 * (content handed back once for delivery) or discarded (content erased). Every action writes its audit event
 * in the transaction of the change, so neither commits without the other.
 */
export class QuarantineService {
  constructor(private readonly deps: QuarantineServiceDeps) {}

  /** Holds a response inside the caller's tenant transaction and records `guard.response.quarantined`. */
  async hold(sql: TenantSql, input: HoldInput): Promise<{ id: QuarantineId; status: 'held' }> {
    if (input.reasonCodes.length === 0)
      throw new AppError('internal.error', { publicMessage: 'a quarantine needs at least one reason code' });
    const now = this.deps.clock.now();
    const id = newId('qtn', now.getTime());
    const plaintext = Buffer.from(input.content, 'utf8');
    try {
      const findings = input.findings.map(keptFinding);
      const reasonCodes = [...new Set(input.reasonCodes)];
      await insertItem(sql, {
        id,
        createdAt: now,
        hook: input.hook,
        reasonCodes,
        findings,
        requestId: input.requestId ?? null,
        actor: { type: input.actor.type, id: input.actor.id },
        model: input.model ?? null,
        ciphertext: await this.deps.cipher.encrypt(sql, contentRef(id), plaintext),
        contentSha256: createHash('sha256').update(plaintext).digest('hex'),
        sizeBytes: plaintext.length,
        expiresAt: input.expiresAt ?? null,
      });
      await this.deps.audit.append(sql, [
        {
          orgId: sql.orgId,
          actor: input.actor,
          action: 'guard.response.quarantined',
          resource: { type: 'QuarantineItem', id },
          decision: 'quarantine',
          reasonCodes,
          requestId: input.requestId ?? null,
          details: {
            hook: input.hook,
            model: input.model ?? null,
            size_bytes: plaintext.length,
            finding_classes: [...new Set(findings.map((f) => f.class))],
          },
        },
      ]);
    } finally {
      plaintext.fill(0);
    }
    return { id, status: 'held' };
  }

  /** One page of the org's items without content, newest first (keyset on id); `nextCursor` is null on the last page. */
  async list(
    orgId: OrgId,
    options: ListOptions,
  ): Promise<{ items: QuarantineItem[]; nextCursor: QuarantineId | null }> {
    if (!Number.isInteger(options.limit) || options.limit < 1 || options.limit > LIST_LIMIT_MAX)
      throw badRequest('limit', `an integer from 1 to ${LIST_LIMIT_MAX}`);
    if (options.cursor !== undefined && !isId('qtn', options.cursor))
      throw badRequest('cursor', 'not a cursor of this list');
    // One row more than asked tells whether another page follows, so the last page says so without an extra request.
    const rows = await this.deps.db.withTenant(orgId, (sql) =>
      selectItems(sql, {
        limit: options.limit + 1,
        ...(options.status ? { status: options.status } : {}),
        ...(options.cursor ? { beforeId: options.cursor } : {}),
      }),
    );
    const items = rows.slice(0, options.limit);
    return { items, nextCursor: rows.length > options.limit ? (items.at(-1)?.id ?? null) : null };
  }

  /** One item with its decrypted content (null once discarded); records `guard.quarantine.viewed`. */
  show(
    orgId: OrgId,
    id: string,
    actor: AuditActor,
    options: { requestId?: string } = {},
  ): Promise<QuarantineItemWithContent> {
    return this.deps.db.withTenant(orgId, async (sql) => {
      const stored = isId('qtn', id) ? await selectItem(sql, id) : undefined;
      if (!stored) throw notFound();
      const content =
        stored.ciphertext === ''
          ? null
          : await this.deps.cipher.decryptString(sql, contentRef(stored.item.id), stored.ciphertext);
      // SECURITY: reading held content is itself sensitive, so every view is on the record, in the same transaction.
      await this.deps.audit.append(sql, [
        {
          orgId,
          actor,
          action: 'guard.quarantine.viewed',
          resource: { type: 'QuarantineItem', id: stored.item.id },
          decision: 'info',
          reasonCodes: stored.item.reasonCodes,
          requestId: options.requestId ?? null,
          details: { status: stored.item.status, content_returned: content !== null },
        },
      ]);
      return { ...stored.item, content };
    });
  }

  /**
   * Releases a held item and returns it with its content, for the caller to deliver; records
   * `guard.quarantine.released`, inside the caller's tenant transaction. Refuses an item already reviewed with
   * `guard.quarantine_already_reviewed`.
   */
  async release(
    sql: TenantSql,
    id: string,
    actor: AuditActor,
    options: ReviewOptions = {},
  ): Promise<QuarantineItem & { content: string }> {
    const note = reviewNote(options.note);
    const stored = await this.#review(sql, id, { status: 'released', reviewer: actor, note });
    // INVARIANT: a held item always has content (the table checks it), and a failed decryption rolls the release back.
    const content = await this.deps.cipher.decryptString(sql, contentRef(stored.item.id), stored.ciphertext);
    await this.#auditReview(sql, stored.item, actor, {
      action: 'guard.quarantine.released',
      decision: 'allow',
      requestId: options.requestId,
    });
    return { ...stored.item, content };
  }

  /**
   * Discards a held item: its content is erased for good while the row and the audit trail remain; records
   * `guard.quarantine.discarded`, inside the caller's tenant transaction. Refuses an item already reviewed with
   * `guard.quarantine_already_reviewed`.
   */
  async discard(sql: TenantSql, id: string, actor: AuditActor, options: ReviewOptions = {}): Promise<QuarantineItem> {
    const note = reviewNote(options.note);
    const stored = await this.#review(sql, id, { status: 'discarded', reviewer: actor, note });
    await this.#auditReview(sql, stored.item, actor, {
      action: 'guard.quarantine.discarded',
      decision: 'block',
      requestId: options.requestId,
    });
    return stored.item;
  }

  /** Moves a held item to its reviewed status, or says why it cannot: not found (404) or already reviewed (409). */
  async #review(
    sql: TenantSql,
    id: string,
    review: { status: 'released' | 'discarded'; reviewer: AuditActor; note: string | null },
  ): Promise<StoredItem> {
    // INVARIANT: an id of another org is invisible under row-level security, so it is "not found", never "reviewed".
    if (!isId('qtn', id)) throw notFound();
    const reviewed = await reviewHeldItem(sql, id, {
      ...review,
      reviewer: { type: review.reviewer.type, id: review.reviewer.id },
      at: this.deps.clock.now(),
    });
    if (reviewed) return reviewed;
    const current = await selectItem(sql, id);
    if (!current) throw notFound();
    throw new AppError('guard.quarantine_already_reviewed', {
      publicMessage: `quarantine item was already ${current.item.status}`,
      details: { current_status: current.item.status },
    });
  }

  async #auditReview(
    sql: TenantSql,
    item: QuarantineItem,
    actor: AuditActor,
    event: { action: string; decision: 'allow' | 'block'; requestId: string | undefined },
  ): Promise<void> {
    // The reason codes are those of the hold that the reviewer overrode (release) or confirmed (discard).
    await this.deps.audit.append(sql, [
      {
        orgId: sql.orgId,
        actor,
        action: event.action,
        resource: { type: 'QuarantineItem', id: item.id },
        decision: event.decision,
        reasonCodes: item.reasonCodes,
        requestId: event.requestId ?? null,
        details: { status: item.status, note: item.reviewNote, held_request_id: item.requestId },
      },
    ]);
  }
}
