import type { Id } from '../../../lib/ids.js';
import type { AuditActor } from '../../audit/index.js';
import type { Hook } from '../detector.js';

/** Id of a quarantined response (`qtn_…`). */
export type QuarantineId = Id<'qtn'>;

/** Where a quarantined response stands: held for review, or reviewed (a review is final). */
export type QuarantineStatus = 'held' | 'released' | 'discarded';

/** Statuses in the order of the wire enum. */
export const QUARANTINE_STATUSES = ['held', 'released', 'discarded'] as const satisfies readonly QuarantineStatus[];

/** Largest page of a list. */
export const LIST_LIMIT_MAX = 200;

/** Longest review note, in characters (the table checks it too). */
export const REVIEW_NOTE_MAX = 1000;

/** What is kept of one finding: class, span, confidence and reason; never the matched text. */
export interface QuarantineFinding {
  readonly class: string;
  readonly start: number;
  readonly end: number;
  readonly confidence: number;
  readonly reason: string;
  readonly detector?: string;
}

/** A quarantined response without its content. */
export interface QuarantineItem {
  readonly id: QuarantineId;
  readonly status: QuarantineStatus;
  readonly hook: Hook;
  readonly reasonCodes: readonly string[];
  readonly findings: readonly QuarantineFinding[];
  readonly requestId: string | null;
  /** Who made the request whose response was held. */
  readonly actor: AuditActor;
  readonly model: string | null;
  /** Hex SHA-256 of the UTF-8 content, kept after a discard as evidence. */
  readonly contentSha256: string;
  readonly sizeBytes: number;
  readonly createdAt: Date;
  readonly reviewedBy: AuditActor | null;
  readonly reviewedAt: Date | null;
  readonly reviewNote: string | null;
  readonly expiresAt: Date | null;
}

/** A quarantined response with its decrypted content; `null` once the content was erased (discarded). */
export interface QuarantineItemWithContent extends QuarantineItem {
  readonly content: string | null;
}
