import type { Db } from '../db/index.js';
import { retryDelayMs } from '../jobs/index.js';
import type { MailTransport } from './mail-transport.js';
import { leaseDueMail, purgeMail, recordDelivered, recordFailure } from './outbox-repo.js';

/** How the mail sweep leases, retries and purges. */
export interface MailDeliverySettings {
  /** Messages leased (and sent one after another) per pass. */
  batchSize: number;
  /** How long a node holds a leased message; one still unsent then (its node died) is tried again elsewhere. */
  leaseMs: number;
  /** First retry delay and its cap (exponential backoff with jitter between). */
  retryBaseMs: number;
  retryCapMs: number;
  /** Delivered and dead messages older than this are deleted (longer than any link in them lives). */
  keepMs: number;
}

/** The defaults: 20 per pass, 1-minute leases, retries from 30 s up to an hour, kept 8 days. */
export const DEFAULT_MAIL_DELIVERY: MailDeliverySettings = {
  batchSize: 20,
  leaseMs: 60_000,
  retryBaseMs: 30_000,
  retryCapMs: 60 * 60 * 1000,
  keepMs: 8 * 24 * 60 * 60 * 1000,
};

/** What one pass did. */
export interface MailDeliveryPass {
  delivered: number;
  retried: number;
  dead: number;
  purged: number;
}

const messageOf = (error: unknown) => (error instanceof Error ? `${error.name}: ${error.message}` : String(error));

/**
 * One pass of the mail sweep: leases the due messages, hands each to the transport, records it delivered or retried
 * with backoff (dead after its last attempt), and purges old messages. Safe on several nodes at once.
 */
export async function deliverDueMail(
  deps: { db: Db; transport: MailTransport; settings?: MailDeliverySettings; onError?: (error: unknown) => void },
  now: Date,
): Promise<MailDeliveryPass> {
  const settings = deps.settings ?? DEFAULT_MAIL_DELIVERY;
  const pass: MailDeliveryPass = { delivered: 0, retried: 0, dead: 0, purged: 0 };
  const leased = await deps.db.withPlatform((sql) => leaseDueMail(sql, now, settings.leaseMs, settings.batchSize));
  for (const mail of leased) {
    try {
      await deps.transport.send({ to: mail.to, subject: mail.subject, text: mail.text });
    } catch (error) {
      deps.onError?.(error);
      const retryAt = new Date(now.getTime() + retryDelayMs(mail.attempt, settings.retryBaseMs, settings.retryCapMs));
      const status = await deps.db.withPlatform((sql) => recordFailure(sql, mail, messageOf(error), retryAt));
      pass[status === 'dead' ? 'dead' : 'retried'] += 1;
      continue;
    }
    await deps.db.withPlatform((sql) => recordDelivered(sql, mail.id, deps.transport.kind, now));
    pass.delivered += 1;
  }
  pass.purged = await deps.db.withPlatform((sql) => purgeMail(sql, new Date(now.getTime() - settings.keepMs)));
  return pass;
}
