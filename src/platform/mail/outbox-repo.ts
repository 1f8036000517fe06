import { newId } from '../../lib/ids.js';
import type { PlatformSql } from '../db/index.js';
import type { MailTransportKind } from './mail-transport.js';

/** Why a message is sent; the outbox listing shows it. */
export type MailPurpose = 'invitation' | 'password_reset' | 'owner_setup';

/** A message to queue. */
export interface NewMail {
  purpose: MailPurpose;
  to: string;
  subject: string;
  text: string;
}

/** A queued message leased to one sweep for delivery. */
export interface LeasedMail {
  id: string;
  to: string;
  subject: string;
  text: string;
  /** This try's number, from 1. */
  attempt: number;
  maxAttempts: number;
}

/** A message of the development outbox, as the operator reads it. */
export interface OutboxMessage {
  id: string;
  purpose: MailPurpose;
  to: string;
  subject: string;
  text: string;
  createdAt: Date;
  deliveredAt: Date;
}

/**
 * Queues a message in the caller's platform transaction, so it commits with the change that causes it (or not at
 * all). Answers its id.
 */
export async function queueMail(sql: PlatformSql, mail: NewMail, now: Date): Promise<string> {
  const id = newId('msg', now.getTime());
  await sql.query(
    `INSERT INTO mail_outbox (id, purpose, recipient, subject, body, next_attempt_at, created_at)
     VALUES ($1, $2, $3, $4, $5, $6, $6)`,
    [id, mail.purpose, mail.to, mail.subject, mail.text, now],
  );
  return id;
}

/**
 * Leases up to `limit` due messages for `leaseMs`: queued ones whose next attempt has come and whose lease (if any)
 * has run out. INVARIANT: `FOR UPDATE SKIP LOCKED` keeps two nodes from leasing the same message; the lease commits
 * before anything is sent, so no row stays locked while an SMTP server is talked to.
 */
export async function leaseDueMail(sql: PlatformSql, now: Date, leaseMs: number, limit: number): Promise<LeasedMail[]> {
  const { rows } = await sql.query<{
    id: string;
    recipient: string;
    subject: string;
    body: string;
    attempts: number;
    max_attempts: number;
  }>(
    `UPDATE mail_outbox m SET attempts = m.attempts + 1, leased_until = $2
       FROM (SELECT id FROM mail_outbox
              WHERE status = 'queued' AND next_attempt_at <= $1 AND (leased_until IS NULL OR leased_until <= $1)
              ORDER BY next_attempt_at, id
              LIMIT $3
              FOR UPDATE SKIP LOCKED) due
      WHERE m.id = due.id
      RETURNING m.id, m.recipient, m.subject, m.body, m.attempts, m.max_attempts`,
    [now, new Date(now.getTime() + leaseMs), limit],
  );
  return rows.map((row) => ({
    id: row.id,
    to: row.recipient,
    subject: row.subject,
    text: row.body,
    attempt: row.attempts,
    maxAttempts: row.max_attempts,
  }));
}

/**
 * Records a delivery. The development outbox keeps the body (the message becomes readable); SMTP clears it.
 * SECURITY: after an SMTP delivery the recipient's mailbox is the only place the link's token exists.
 */
export async function recordDelivered(
  sql: PlatformSql,
  id: string,
  transport: MailTransportKind,
  now: Date,
): Promise<void> {
  await sql.query(
    `UPDATE mail_outbox
        SET status = $2, transport = $3, delivered_at = $4, leased_until = NULL, last_error = NULL,
            body = CASE WHEN $3 = 'smtp' THEN NULL ELSE body END
      WHERE id = $1 AND status = 'queued'`,
    [id, transport === 'smtp' ? 'sent' : 'readable', transport, now],
  );
}

/**
 * Records a failed try: the message is tried again at `retryAt`, or is dead (its body cleared: its link will not be
 * delivered, so it must not stay readable) after its last attempt. Answers the new status.
 */
export async function recordFailure(
  sql: PlatformSql,
  mail: LeasedMail,
  error: string,
  retryAt: Date,
): Promise<'queued' | 'dead'> {
  const dead = mail.attempt >= mail.maxAttempts;
  await sql.query(
    `UPDATE mail_outbox
        SET status = $2, next_attempt_at = $3, leased_until = NULL, last_error = $4,
            body = CASE WHEN $2 = 'dead' THEN NULL ELSE body END
      WHERE id = $1 AND status = 'queued'`,
    [mail.id, dead ? 'dead' : 'queued', retryAt, error.slice(0, 1000)],
  );
  return dead ? 'dead' : 'queued';
}

/** The development outbox's readable messages, newest first, optionally to one recipient (case-insensitive). */
export async function listOutbox(sql: PlatformSql, options: { to?: string; limit: number }): Promise<OutboxMessage[]> {
  const { rows } = await sql.query<{
    id: string;
    purpose: MailPurpose;
    recipient: string;
    subject: string;
    body: string;
    created_at: Date;
    delivered_at: Date;
  }>(
    `SELECT id, purpose, recipient, subject, body, created_at, delivered_at FROM mail_outbox
      WHERE status = 'readable' AND ($1::text IS NULL OR lower(recipient) = lower($1))
      ORDER BY created_at DESC, id DESC
      LIMIT $2`,
    [options.to ?? null, options.limit],
  );
  return rows.map((row) => ({
    id: row.id,
    purpose: row.purpose,
    to: row.recipient,
    subject: row.subject,
    text: row.body,
    createdAt: new Date(row.created_at),
    deliveredAt: new Date(row.delivered_at),
  }));
}

/** Deletes delivered and dead messages created before `before` (their links have expired). Answers how many. */
export async function purgeMail(sql: PlatformSql, before: Date): Promise<number> {
  const { rowCount } = await sql.query(
    `DELETE FROM mail_outbox WHERE status IN ('readable', 'sent', 'dead') AND created_at < $1`,
    [before],
  );
  return rowCount;
}
